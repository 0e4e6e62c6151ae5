"""Train the candidate-phrase skill classifier (resume/semantic.py) and calibrate its
thresholds; writes resume/data/skill_classifier.json and skill_classifier.onnx. Model card:
resume/data/SKILL_CLASSIFIER.md.

    python -m scripts.train_skill_classifier [--data ../shared/data]

Training data: the tuning sets only, bench/labels/resume_skills_tune.json and
resume_skills_tune2.json (32 real resumes of 24 categories, labelled densely by reading) and
bench/labels/job_descriptions_tune.json and job_descriptions_tune2.json (20 written job
descriptions of 20 fields). No report set is read. A candidate phrase is a
positive when bench.acc_skills' matching rule pairs it with one of the document's labels.

1. Gradient-boosted trees (scikit-learn GradientBoostingClassifier: 300 trees of depth 3,
   learning rate 0.05, 80 % subsamples, seed 0) over resume.semantic.featurize's features,
   exported to ONNX (skl2onnx) and run by onnxruntime, in training as in the service.
   Measured against the logistic regression of version 1.0 and scikit-learn's histogram
   boosting (which skl2onnx 1.20 cannot export) in docs/decisions/0015.
2. Thresholds: 6-fold cross-validation by document; for resumes and for job descriptions
   separately, the probability threshold for phrases and the floor under which a gazetteer
   skill is not reported (``gazetteer_resume`` / ``gazetteer_job``) that maximise the micro F1
   of the whole extractor (gazetteer + classifier, resume.skills.find_skills: the service's
   path) on the held-out folds (the highest of those within F1_TIE of the best: where F1 is
   flat, precision); for job descriptions, the most precise point whose recall on the
   held-out folds reaches RECALL_FLOOR["job"] (decision 0017).
3. Calibration: reliability of the out-of-fold probabilities in ten bins (expected calibration
   error), written beside the model.
4. ESCO link threshold: the static vectors' cosine similarity above which a phrase's nearest
   ESCO preferred label is taken as its skill, chosen on the
   ESCO-linked validation spans of Decorte et al. (2022) as the lowest threshold whose links
   are right at least LINK_PRECISION of the time (spans whose label ESCO lacks count as wrong
   when linked).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "resume" / "data" / "skill_classifier.json"
LABELS = REPO / "bench" / "labels"
RESUMES = [
    LABELS / "resume_skills_tune.json",
    LABELS / "resume_skills_tune2.json",
    LABELS / "resume_skills_tune3.json",
]
JOBS = [LABELS / "job_descriptions_tune.json", LABELS / "job_descriptions_tune2.json"]
VERSION = "2.3.2"
ONNX_OUT = OUT.with_suffix(".onnx")
FOLDS = 6
LINK_PRECISION = 0.75
F1_TIE = 0.005
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(14)]
GAZETTEER_FLOORS = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
# A skill a posting asks for that the extractor misses drops silently out of
# skills_match.missing, while one it reports wrongly is in plain sight: for postings the
# operating point is the most precise one whose cross-validated recall reaches this (decision
# 0017); resumes take the best F1.
RECALL_FLOOR = {"job": 0.85}
log = logging.getLogger("train_skill_classifier")


def load_docs(data: Path) -> list[dict]:
    from resume.extract import extract_text

    docs = []
    for path in RESUMES:
        for r in json.loads(path.read_text())["resumes"]:
            text = extract_text((data / "resumes" / r["file"]).read_bytes()).text
            docs.append({"id": r["file"], "kind": "resume", "text": text, "labels": r["skills"]})
    for path in JOBS:
        for j in json.loads(path.read_text())["jobs"]:
            labels = j["required"] + j["nice_to_have"]
            docs.append({"id": j["id"], "kind": "job", "text": j["text"], "labels": labels})
    return docs


def link_threshold(vectors, data: Path) -> dict:
    """The ESCO link threshold of the static vectors and its precision / coverage on the
    validation spans."""
    rows = []
    for name in ("tech", "house"):
        path = data / "skills" / "skill_linking" / f"{name}_validation_annotations.csv"
        rows += [r for r in csv.DictReader(path.open()) if r["label"] != "UNDERSPECIFIED"]
    sims = vectors.static([r["span"] for r in rows]) @ vectors.esco_static.T
    best = sims.argmax(axis=1)
    cos = sims[np.arange(len(rows)), best]
    right = np.array([vectors.esco_label[b] == r["label"] for b, r in zip(best, rows, strict=True)])
    present = sum(r["label"] != "LABEL NOT PRESENT" for r in rows)
    for t in np.arange(0.40, 0.95, 0.01):
        linked = cos >= t
        if linked.sum() and right[linked].mean() >= LINK_PRECISION:
            return {
                "link_threshold": round(float(t), 2),
                "precision": round(float(right[linked].mean()), 3),
                "linked_share": round(float(linked.mean()), 3),
                "recall_of_present_labels": round(float(right[linked].sum() / present), 3),
                "top1_accuracy_unthresholded": round(float(right.sum() / present), 3),
                "spans": len(rows),
            }
    raise RuntimeError("no link threshold reaches the precision")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier

    from bench.acc_skills import _matches, _variants, norm, score
    from models import paths
    from models.text import EnglishParser
    from resume.semantic import FEATURES, SemanticSkillModel, featurize
    from resume.skills import find_skills, load_taxonomy

    tax = load_taxonomy()
    dummy = {
        "version": VERSION,
        "thresholds": {"resume": 0.5, "job": 0.5},
        "link_threshold": 1.0,
    }
    model = SemanticSkillModel(
        EnglishParser().tag, tax, tokenizer_path=paths.minilm_tokenizer(), spec=dummy
    )
    link = link_threshold(model.vectors, args.data)
    log.info("ESCO link threshold: %s", link)
    docs = load_docs(args.data)
    for d in docs:
        cands = model.candidates(d["text"])
        labels = [{norm(a) for a in alts} for alts in d["labels"]]
        d["X"] = featurize(cands, d["text"], model.vectors, tax, model.nouns)
        # a phrase is right when the name it is reported under matches a label (a verb phrase
        # is reported by its action noun: resume.semantic.nominal_form)
        names = [_variants(model.nominal(c) or c.text) for c in cands]
        d["y"] = np.array([any(_matches(v, a) for a in labels) for v in names])
    log.info(
        "%d documents, %d candidates, %d positive",
        len(docs),
        sum(len(d["y"]) for d in docs),
        sum(int(d["y"].sum()) for d in docs),
    )

    def fit(train: list[dict]) -> tuple[dict, bytes]:
        X = np.vstack([d["X"] for d in train]).astype(np.float32)
        y = np.concatenate([d["y"] for d in train])
        gbt = GradientBoostingClassifier(
            n_estimators=300, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=0
        ).fit(X, y)
        onnx = to_onnx(gbt, X[:1], options={id(gbt): {"zipmap": False}}, target_opset=17)
        spec = {**dummy, "model": ONNX_OUT.name, "link_threshold": link["link_threshold"]}
        return spec, onnx.SerializeToString()

    oof_p, oof_y = [], []
    # (phrase threshold, gazetteer floor) -> document -> names; a floor below the threshold
    # only removes gazetteer skills (every phrase skill is at least as confident as the
    # threshold), so one find_skills call per threshold serves every floor
    preds: dict[tuple[float, float], dict[str, set[str]]] = {
        (t, g): {} for t in THRESHOLDS for g in GAZETTEER_FLOORS if g <= t
    }
    for k in range(FOLDS):
        held = [d for i, d in enumerate(docs) if i % FOLDS == k]
        spec, onnx = fit([d for i, d in enumerate(docs) if i % FOLDS != k])
        for t in THRESHOLDS:
            model.set_spec({**spec, "thresholds": {"resume": t, "job": t}}, onnx)
            for d in held:
                found = find_skills(d["text"], tax, semantic=model, kind=d["kind"])
                for g in GAZETTEER_FLOORS:
                    if g <= t:
                        preds[t, g][d["id"]] = {s.name for s in found if s.confidence >= g}
        for d in held:
            oof_p.append(model.probabilities_from_features(d["X"]))
            oof_y.append(d["y"])
    cv = {}
    thresholds = {}
    for kind in ("resume", "job"):
        subset = [{"file": d["id"], "skills": d["labels"]} for d in docs if d["kind"] == kind]
        results = {key: score(found, subset) for key, found in preds.items()}
        for r in results.values():
            r.pop("per_resume")
        top = max(r["f1"] for r in results.values())
        # the highest threshold and floor within F1_TIE of the best F1: precision where F1
        # is flat
        best = max(key for key, r in results.items() if r["f1"] >= top - F1_TIE)
        floor = RECALL_FLOOR.get(kind)
        recalled = [k for k, r in results.items() if floor is not None and r["recall"] >= floor]
        if recalled:  # postings: the most precise point that still finds RECALL_FLOOR of them
            best = max(recalled, key=lambda key: (results[key]["precision"], key))
        thresholds[kind], thresholds[f"gazetteer_{kind}"] = best
        cv[kind] = {
            "chosen": results[best],
            "by_threshold": {str(t): results[t, 0.0] for t in THRESHOLDS},
            "by_gazetteer_floor": {
                str(g): results[best[0], g] for g in GAZETTEER_FLOORS if g <= best[0]
            },
        }
        log.info("%s: threshold, floor %s, cross-validated %s", kind, best, results[best])
    p, y = np.concatenate(oof_p), np.concatenate(oof_y)
    bins = []
    ece = 0.0
    for b in range(10):
        m = (p >= b / 10) & (p < (b + 1) / 10 if b < 9 else p <= 1.0)
        if m.sum():
            bins.append(
                {
                    "bin": f"{b / 10:.1f}-{(b + 1) / 10:.1f}",
                    "candidates": int(m.sum()),
                    "mean_probability": round(float(p[m].mean()), 3),
                    "share_positive": round(float(y[m].mean()), 3),
                }
            )
            ece += m.sum() / len(p) * abs(p[m].mean() - y[m].mean())
    log.info("expected calibration error (out of fold): %.3f", ece)
    spec, onnx = fit(docs)
    spec.update(
        thresholds=thresholds,
        features=FEATURES + [f"static_{i}" for i in range(model.vectors.token_vectors.shape[1])],
        training={
            "resumes": [str(p.relative_to(REPO)) for p in RESUMES],
            "job_descriptions": [str(p.relative_to(REPO)) for p in JOBS],
            "documents": len(docs),
            "candidates": int(sum(len(d["y"]) for d in docs)),
            "positives": int(sum(int(d["y"].sum()) for d in docs)),
        },
        cross_validation={"folds": FOLDS, **cv},
        calibration={"expected_calibration_error": round(float(ece), 4), "bins": bins},
        esco_linking=link,
    )
    ONNX_OUT.write_bytes(onnx)
    OUT.write_text(json.dumps(spec, indent=1) + "\n")
    log.info("wrote %s and %s", OUT, ONNX_OUT)


if __name__ == "__main__":
    main()
