"""Resume-skill extraction against bench/labels/resume_skills.json (15 real resumes from
../shared/data/resumes, 9 fields, labelled by reading them): micro precision, recall and F1 at
the canonical-skill level, for this service's matcher and, side by side, for `skill-extractor`
0.2.0 (30,957-skill gazetteer; its MLP context filter run with the same all-MiniLM-L6-v2
embeddings, loaded locally instead of from its hub).

A prediction matches a label when their normalised names are equal (lower case, punctuation
and parenthesised parts dropped, "Microsoft"/"software" dropped) or the prediction contains all
the words of one of the label's accepted names (it is a more specific form). Each label counts
once per resume; each distinct prediction counts once and credits at most one label (since
2026-12-01, part 4 of issue 13: before, "project management" credited both "project
management" and "management").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from resume.extract import extract_text
from resume.skills import find_skills, load_taxonomy

LABELS = Path(__file__).resolve().parent / "labels" / "resume_skills.json"
# labelled after the matcher was frozen; never used to change it
HELD_OUT = Path(__file__).resolve().parent / "labels" / "resume_skills_heldout.json"
# labelled after the second round of matcher changes was committed; its errors then showed the
# acronym / product-name gap that taxonomy 1.3.0 closed (so no longer untouched)
THIRD = Path(__file__).resolve().parent / "labels" / "resume_skills_third.json"
# labelled after taxonomy 1.3.0, before the action-verb rule
FOURTH = Path(__file__).resolve().parent / "labels" / "resume_skills_fourth.json"
DROP = {"microsoft", "ms", "software", "skills", "skill", "the", "apache", "amazon"}


NUMBERLESS = {"sales", "news", "series", "species", "analytics", "logistics", "economics"}


def _number(word: str) -> str:
    """A word, lower-cased, without its plural ending, so that a label and a prediction that
    differ only in grammatical number match ("vital signs" / "vital sign monitoring",
    "policies" / "policy"). Words with a capital after their first letter (acronyms and
    names: "CMMS", "SaaS", "APIs") and words the same in both numbers ("sales") keep it."""
    if word[1:] != word[1:].lower():
        return word.lower()  # "CMMS", "SaaS", "APIs"
    word = word.lower()
    if word in NUMBERLESS or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def norm(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name)
    words = [_number(w) for w in re.findall(r"[A-Za-z0-9+#]+", name)]
    return " ".join(w for w in words if w not in DROP)


def _variants(prediction: str) -> set[str]:
    """The prediction's normalised name and, for 'Name (ACRONYM)', the acronym."""
    out = {norm(prediction)}
    m = re.search(r"\(([^)]+)\)", prediction)
    if m:
        out.add(norm(m.group(1)))
    return out


def _matches(predicted: set[str], accepted: set[str]) -> bool:
    """Equal names, or a prediction that is a more specific form of an accepted name (all the
    accepted name's words in it: "ESRI ArcGIS" for "ArcGIS", "inventory management" for
    "inventory")."""
    for p in predicted:
        for a in accepted:
            if p == a or (a and set(a.split()) <= set(p.split())):
                return True
    return False


def _pairs(hits: dict[str, list[int]]) -> dict[int, str]:
    """The most label-prediction pairs with each label and each prediction used once (a
    maximum bipartite matching by augmenting paths): "project management" credits the label
    "project management" or "management", not both."""
    pair: dict[int, str] = {}

    def augment(p: str, seen: set[int]) -> bool:
        for i in hits[p]:
            if i not in seen:
                seen.add(i)
                if i not in pair or augment(pair[i], seen):
                    pair[i] = p
                    return True
        return False

    for p in sorted(hits):
        augment(p, set())
    return pair


def score(predictions: dict[str, set[str]], resumes: list[dict]) -> dict:
    """Micro precision, recall and F1: a prediction is right when it matches a label
    (:func:`_matches`), each label and each prediction counting once (:func:`_pairs`); a
    prediction that matches a label already paired with another prediction is neither right
    nor wrong (the same skill named twice)."""
    tp = fp = fn = 0
    per = []
    for r in resumes:
        labels = [{norm(a) for a in alts} for alts in r["skills"]]
        preds = predictions[r["file"]]
        hits = {
            p: [i for i, alts in enumerate(labels) if _matches(_variants(p), alts)] for p in preds
        }
        pair = _pairs(hits)
        false_pos = [p for p, h in hits.items() if not h]
        r_tp, r_fp = len(pair), len(false_pos)
        r_fn = len(labels) - r_tp
        tp, fp, fn = tp + r_tp, fp + r_fp, fn + r_fn
        per.append(
            {
                "file": r["file"],
                "labels": len(labels),
                "predicted": len(preds),
                "tp": r_tp,
                "fp": r_fp,
                "fn": r_fn,
                "false_positives": sorted(false_pos)[:15],
            }
        )
    p = tp / max(tp + fp, 1)
    rec = tp / max(tp + fn, 1)
    return {
        "precision": round(p, 4),
        "recall": round(rec, 4),
        "f1": round(2 * p * rec / max(p + rec, 1e-9), 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "per_resume": per,
    }


def _skill_extractor(texts: dict[str, str]) -> dict[str, dict[str, set[str]]]:
    import skill_extractor
    from skill_extractor.extractor import SkillExtractor
    from skill_extractor.matcher import KeywordMatcher
    from skill_extractor.mlp import MLP

    from models.registry import get_registry

    data = Path(skill_extractor.__file__).parent / "data"
    extractor = SkillExtractor.__new__(SkillExtractor)
    extractor.matcher = KeywordMatcher(json.loads((data / "skills.json").read_text()))
    extractor.mlp = MLP(str(data / "mlp.json"))
    extractor.embedder = type(
        "E", (), {"encode": staticmethod(get_registry().get("embedder").embed)}
    )
    gazetteer = {f: {s for s, _, _ in extractor.matcher.extract(t)} for f, t in texts.items()}
    with_mlp = {f: set(extractor.extract(t)) for f, t in texts.items()}
    return {"gazetteer": gazetteer, "gazetteer+mlp": with_mlp}


FIFTH = Path(__file__).resolve().parent / "labels" / "resume_skills_fifth.json"
# written as a fourth tuning set; the classifier trained with it was not kept (decisions/0017)
SIXTH = Path(__file__).resolve().parent / "labels" / "resume_skills_sixth.json"
# the only dense resume set the classifier is trained and tuned on (its figures here are
# in-sample; the cross-validated ones are in resume/data/skill_classifier.json)
TUNE = Path(__file__).resolve().parent / "labels" / "resume_skills_tune.json"
JOBS = Path(__file__).resolve().parent / "labels" / "job_descriptions.json"
JOBS_TUNE = Path(__file__).resolve().parent / "labels" / "job_descriptions_tune.json"
MATCH_PAIRS = Path(__file__).resolve().parent / "labels" / "skills_match_pairs.json"
RESUME_SETS = (
    (LABELS, ""),
    (HELD_OUT, " held out"),
    (THIRD, " third set"),
    (FOURTH, " fourth set"),
    (FIFTH, " fifth set"),
    (SIXTH, " sixth set"),
    (TUNE, " tuning set (in-sample)"),
)


def _model():
    from models.registry import get_registry
    from pipeline.orchestrator import skill_model

    return skill_model(get_registry())


def evaluate(data: Path) -> dict:
    """Every label set, for this service (gazetteer + phrase classifier: the report's path),
    the gazetteer alone, and skill-extractor 0.2.0; job descriptions; span recall on the
    annotated resume corpus; span extraction on SkillSpan dev; ESCO linking on the
    ESCO-linked validation spans."""
    out: dict = {}
    model = _model()
    for labels, suffix in RESUME_SETS:
        if labels.exists():
            out.update(_evaluate_set(data, labels, suffix, model))
    for path, suffix in ((JOBS, ""), (JOBS_TUNE, " (tuning set, in-sample)")):
        out[f"job descriptions{suffix}"] = _evaluate_jobs(path, model)
    out["skills_match missing"] = evaluate_missing(MATCH_PAIRS, model)
    skills = data / "skills"
    if (skills / "resume_corpus").exists():
        out["annotated resume spans"] = span_recall(skills / "resume_corpus", model)
    if (skills / "skillspan" / "dev.json").exists():
        out["SkillSpan dev spans"] = skillspan_spans(skills / "skillspan" / "dev.json", model)
    if (skills / "skill_linking").exists():
        out["ESCO linking"] = esco_linking(skills / "skill_linking", model)
    return out


def _names(text: str, tax, model, kind: str = "resume") -> set[str]:
    return {s.name for s in find_skills(text, tax, semantic=model, kind=kind)}


def _evaluate_set(data: Path, labels: Path, suffix: str, model) -> dict:
    resumes = json.loads(labels.read_text())["resumes"]
    texts = {
        r["file"]: extract_text((data / "resumes" / r["file"]).read_bytes()).text for r in resumes
    }
    tax = load_taxonomy()
    ours = {f: _names(t, tax, model) for f, t in texts.items()}
    gazetteer = {f: {s.name for s in find_skills(t, tax)} for f, t in texts.items()}
    fields = sorted({r["field"] for r in resumes})
    system = f"this service ({tax.name} + {model.name} {model.version})"
    out = {
        f"ours{suffix}": {"system": system, **score(ours, resumes)},
        f"ours, gazetteer alone{suffix}": {
            "system": f"the gazetteer alone ({tax.name})",
            **score(gazetteer, resumes),
        },
    }
    try:
        for name, preds in _skill_extractor(texts).items():
            out[f"skill-extractor {name}{suffix}"] = {
                "system": f"skill-extractor 0.2.0, {name}",
                **score(preds, resumes),
            }
    except ImportError:
        pass
    for v in out.values():
        v["data"] = f"{labels.name}: {len(resumes)} resumes, fields: {', '.join(fields)}"
    return out


def _evaluate_jobs(path: Path, model) -> dict:
    """Recall and precision of the skills a posting asks for (required + nice to have), the
    words that are not skills in context reported, and how often ``requirement`` agrees with
    the label (over the job skills that match a label)."""
    from analyzers.skills_match import requirement_at

    jobs = json.loads(path.read_text())["jobs"]
    tax = load_taxonomy()
    docs, preds, traps, agree, judged = [], {}, [], 0, 0
    for j in jobs:
        found = find_skills(j["text"], tax, semantic=model, kind="job")
        preds[j["id"]] = {s.name for s in found}
        docs.append({"file": j["id"], "skills": j["required"] + j["nice_to_have"]})
        for s in found:
            if any(norm(s.name) == norm(x) or norm(x) in norm(s.name) for x in j["not_skills"]):
                traps.append(f"{j['id']}: {s.name}")
            for kind in ("required", "nice_to_have"):
                if any(_matches(_variants(s.name), {norm(a) for a in alts}) for alts in j[kind]):
                    judged += 1
                    agree += requirement_at(j["text"], s.evidence_spans[0].start_char) == kind
                    break
    result = score(preds, docs)
    result.pop("per_resume")
    fields = ", ".join(j["field"] for j in jobs)
    return {
        "system": f"this service ({tax.name} + {model.name} {model.version})",
        "data": f"{path.name}: {len(jobs)} postings, fields: {fields}",
        **result,
        "not_skills_reported": traps,
        "requirement_agreement": round(agree / max(judged, 1), 4),
        "requirement_judged": judged,
    }


def evaluate_missing(path: Path, model) -> dict:
    """``skills_match.missing`` against a reader's list of what each posting asks that its
    resume does not state (bench/labels/skills_match_pairs.json): micro precision, recall and
    F1 with the resume-set scoring (:func:`score`)."""
    from analyzers.skills_match import skills_match

    pairs = json.loads(path.read_text())["pairs"]
    tax = load_taxonomy()
    preds, docs = {}, []
    for pair in pairs:
        resume = find_skills(pair["resume"], tax, semantic=model)
        match = skills_match(
            resume,
            taxonomy=tax,
            job_description=pair["posting"],
            semantic=model,
            resume_text=pair["resume"],
        )
        preds[pair["id"]] = set(match.missing)
        docs.append({"file": pair["id"], "skills": pair["missing"]})
    result = score(preds, docs)
    for per in result["per_resume"]:
        per["missing"] = sorted(preds[per["file"]])
    return {
        "system": f"this service ({tax.name} + {model.name} {model.version})",
        "data": f"{path.name}: {len(pairs)} resume / posting pairs, fields: "
        + ", ".join(p["field"] for p in pairs),
        **result,
    }


def _predicted_spans(text: str, tax, model, kind: str) -> list[tuple[int, int]]:
    from resume.skills import skill_spans

    spans = [span for found in skill_spans(text, tax).values() for span in found]
    spans += [(sp.candidate.start, sp.candidate.end) for sp in model.score(text, kind)]
    return spans


def span_recall(corpus: Path, model) -> dict:
    """Share of the annotated technical-skill and soft-skill spans of the 241 resumes that one
    of the service's mentions overlaps (per annotator export: they differ a lot in how much
    they mark, so only recall is measured)."""
    tax = load_taxonomy()
    per, hit_all, n_all = {}, 0, 0
    for export in sorted(corpus.glob("*.json")):
        hit = n = 0
        for item in json.loads(export.read_text()):
            text = item["data"]["text"]
            gold = [
                (r["value"]["start"], r["value"]["end"])
                for a in item.get("annotations", [])
                for r in a["result"]
                if set(r.get("value", {}).get("labels", [])) & {"technical_skills", "soft-skills"}
            ]
            if not gold:
                continue
            pred = _predicted_spans(text, tax, model, "resume")
            for a, b in gold:
                n += 1
                hit += any(x < b and a < y for x, y in pred)
        per[f"annotator {len(per) + 1}"] = {"spans": n, "recall": round(hit / max(n, 1), 4)}
        hit_all, n_all = hit_all + hit, n_all + n
    return {
        "data": "resume_corpus: 241 annotated resumes, technical and soft skill spans",
        "spans": n_all,
        "recall": round(hit_all / max(n_all, 1), 4),
        "per_annotator": per,
    }


def _bio_spans(tokens: list[str], tags: list[str], offsets: list[int]) -> list[tuple[int, int]]:
    out, start, end = [], None, None
    for tok, tag, off in zip(tokens, tags, offsets, strict=True):
        if tag == "B" or (tag == "I" and start is None):
            if start is not None:
                out.append((start, end))
            start, end = off, off + len(tok)
        elif tag == "I":
            end = off + len(tok)
        else:
            if start is not None:
                out.append((start, end))
            start = None
    if start is not None:
        out.append((start, end))
    return out


def skillspan_spans(path: Path, model, per_doc: int = 40) -> dict:
    """Span extraction on SkillSpan dev (job-posting sentences; skill + knowledge spans):
    precision, recall and F1 of the service's mentions (gazetteer + accepted phrases, job
    threshold), exact (same characters) and loose (overlapping)."""
    tax = load_taxonomy()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    tp_exact = tp_pred = tp_gold = n_pred = n_gold = 0
    for k in range(0, len(rows), per_doc):
        text, gold = "", []
        for r in rows[k : k + per_doc]:
            offsets, pos = [], len(text)
            for t in r["tokens"]:
                offsets.append(pos)
                pos += len(t) + 1
            text += " ".join(r["tokens"]) + "\n"
            for tags in (r["tags_skill"], r["tags_knowledge"]):
                gold += _bio_spans(r["tokens"], tags, offsets)
        pred = sorted(set(_predicted_spans(text, tax, model, "job")))
        gold = sorted(set(gold))
        n_pred, n_gold = n_pred + len(pred), n_gold + len(gold)
        tp_exact += len(set(pred) & set(gold))
        tp_pred += sum(any(a < d and c < b for c, d in gold) for a, b in pred)
        tp_gold += sum(any(a < d and c < b for c, d in pred) for a, b in gold)

    def prf(tp_p, tp_g):
        p, r = tp_p / max(n_pred, 1), tp_g / max(n_gold, 1)
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / max(p + r, 1e-9), 4),
        }

    return {
        "data": f"SkillSpan dev: {len(rows)} sentences, {n_gold} skill + knowledge spans",
        "exact": prf(tp_exact, tp_exact),
        "loose": prf(tp_pred, tp_gold),
    }


def esco_linking(folder: Path, model) -> dict:
    """Span -> ESCO skill on the ESCO-linked validation spans (Decorte et al. 2022): top-1
    accuracy of the nearest preferred label, and the links the service makes (cosine >= its
    threshold): their precision and the share of spans linked; spans whose label ESCO lacks
    count as wrong when linked. The full all-MiniLM-L6-v2 encoder beside, for comparison."""
    import csv

    import numpy as np

    from models.registry import get_registry

    rows = []
    for name in ("tech", "house"):
        rows += [
            r
            for r in csv.DictReader((folder / f"{name}_validation_annotations.csv").open())
            if r["label"] != "UNDERSPECIFIED"
        ]
    vec = model.vectors
    spans = [r["span"] for r in rows]
    present = sum(r["label"] != "LABEL NOT PRESENT" for r in rows)
    out = {"data": f"skill_linking validation: {len(rows)} spans, {present} with an ESCO label"}
    embedder = get_registry().get("embedder")
    esco_full = embedder.embed(vec.esco_label)
    for name, sims, threshold in (
        (
            "static vectors (the service)",
            vec.static(spans) @ vec.esco_static.T,
            model.link_threshold,
        ),
        ("all-MiniLM-L6-v2 encoder", embedder.embed(spans) @ esco_full.T, None),
    ):
        best = sims.argmax(axis=1)
        cos = sims[np.arange(len(rows)), best]
        right = np.array([vec.esco_label[b] == r["label"] for b, r in zip(best, rows, strict=True)])
        entry = {"top1_accuracy": round(float(right.sum() / present), 4)}
        if threshold is not None:
            linked = cos >= threshold
            entry.update(
                threshold=threshold,
                linked_share=round(float(linked.mean()), 4),
                link_precision=round(float(right[linked].mean()), 4) if linked.any() else None,
            )
        out[name] = entry
    return out
