"""Resume-skill extraction against bench/labels/resume_skills.json (15 real resumes from
../shared/data/resumes, 9 fields, labelled by reading them): micro precision, recall and F1 at
the canonical-skill level, for this service's matcher and, side by side, for `skill-extractor`
0.2.0 (30,957-skill gazetteer; its MLP context filter run with the same all-MiniLM-L6-v2
embeddings, loaded locally instead of from its hub).

A prediction matches a label when their normalised names are equal (lower case, punctuation
and parenthesised parts dropped, "Microsoft"/"software" dropped) or the prediction contains all
the words of one of the label's accepted names (it is a more specific form). Each label counts
once per resume; each distinct prediction counts once.
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


def norm(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name.lower())
    words = [w for w in re.findall(r"[a-z0-9+#]+", name) if w not in DROP]
    return " ".join(words)


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


def score(predictions: dict[str, set[str]], resumes: list[dict]) -> dict:
    tp = fp = fn = 0
    per = []
    for r in resumes:
        labels = [{norm(a) for a in alts} for alts in r["skills"]]
        preds = predictions[r["file"]]
        matched_labels = set()
        false_pos = []
        for p in preds:
            hits = [i for i, alts in enumerate(labels) if _matches(_variants(p), alts)]
            if hits:
                matched_labels.update(hits)
            else:
                false_pos.append(p)
        r_tp, r_fp = len(matched_labels), len(false_pos)
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


def evaluate(data: Path) -> dict:
    """Every label set: ``ours`` etc. on the development set (resume_skills.json), ``... held
    out`` on resume_skills_heldout.json, ``... third set`` on resume_skills_third.json and
    ``... fourth set`` on resume_skills_fourth.json."""
    out = _evaluate_set(data, LABELS, "")
    for labels, suffix in ((HELD_OUT, " held out"), (THIRD, " third set"), (FOURTH, " fourth set")):
        if labels.exists():
            out.update(_evaluate_set(data, labels, suffix))
    return out


def _evaluate_set(data: Path, labels: Path, suffix: str) -> dict:
    resumes = json.loads(labels.read_text())["resumes"]
    texts = {
        r["file"]: extract_text((data / "resumes" / r["file"]).read_bytes()).text for r in resumes
    }
    tax = load_taxonomy()
    ours = {f: {s.name for s in find_skills(t, tax)} for f, t in texts.items()}
    fields = sorted({r["field"] for r in resumes})
    out = {f"ours{suffix}": {"system": f"this service ({tax.name})", **score(ours, resumes)}}
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
