"""What post-hoc logit adjustment does to the facial-expression model, measured from the
unadjusted logits (the shipped 1.2.0 uses tau 0.55: models/face_expression/MODEL_CARD.md,
decisions/0026).

Logit adjustment (Menon et al., ICLR 2021, "Long-tail learning via logit adjustment") subtracts
``tau * log(prior)`` from the logits, the prior being the training label shares; it trades the
common classes (neutral, happy) for the rare ones (disgust, fear). ``tau`` is chosen on the
validation part of the FER+ training split (scripts/compare_face_models.py); the test sets are
printed beside it only to show the trade.

    python -m bench.face_logit_adjustment   # writes bench/results/face_logit_adjustment.json
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from bench.acc_face import _datasets
from contracts.labels import EMOTION_LABELS
from models.registry import get_registry
from scripts.compare_face_models import balanced_accuracy
from scripts.ferplus import load, validation_mask

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "face_emotion"
OUT = REPO / "bench" / "results" / "face_logit_adjustment.json"
TAUS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _probs(fer, faces: list[np.ndarray]) -> np.ndarray:
    size = fer.input_size
    crops = np.stack([f if f.shape == (size, size) else cv2.resize(f, (size, size)) for f in faces])
    return np.concatenate([fer.predict(crops[i : i + 256]) for i in range(0, len(crops), 256)])


def main() -> None:
    fer = get_registry().get("facial_expression")
    x, target = load(DATA)
    majority = target.argmax(1)
    val = validation_mask(majority)
    prior = target[~val].mean(0)
    sets = {"validation": (list(x[val]), majority[val])}
    for name, (_, faces, labels) in _datasets(DATA).items():
        sets[name] = (faces, np.array([EMOTION_LABELS.index(v) for v in labels]))
    # the served model may already carry an adjustment (ensemble.json): measure from none (this
    # process only runs this bench)
    fer.logit_offset = np.zeros(len(EMOTION_LABELS), np.float32)
    logits = {name: np.log(_probs(fer, faces) + 1e-12) for name, (faces, _) in sets.items()}
    out: dict = {
        "model": fer.name,
        "logits": "unadjusted (the model's own logit adjustment, if any, taken off)",
        "prior": {lab: round(float(p), 4) for lab, p in zip(EMOTION_LABELS, prior, strict=True)},
        "by_tau": {},
    }
    for tau in TAUS:
        row = {}
        for name, (_, y) in sets.items():
            pred = (logits[name] - tau * np.log(prior)).argmax(1)
            row[name] = {
                "accuracy": round(float((pred == y).mean()), 4),
                "balanced_accuracy": round(balanced_accuracy(pred, y), 4),
            }
        out["by_tau"][str(tau)] = row
        print(
            f"tau {tau:4.2f}  "
            + "  ".join(
                f"{k} {v['accuracy']:.3f}/{v['balanced_accuracy']:.3f}" for k, v in row.items()
            )
        )
    OUT.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
