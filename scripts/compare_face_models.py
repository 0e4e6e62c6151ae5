"""Compare facial-expression ONNX models, alone and averaged, on the validation part of the
FER+ training split (the same stratified 10 %, seed 7, that scripts/train_face_expression.py
held out; majority labels). Never reads the test sets.

    python -m scripts.compare_face_models MODEL_DIR [MODEL_DIR ...]

Each MODEL_DIR holds fer_vgg.onnx and training.json (its temperature).

Logit adjustment (Menon et al., ICLR 2021): the written ensemble subtracts
``tau * log(prior)`` from the tempered logits, the prior being the training part's label shares,
so that the rarer expressions (disgust, fear, angry) are not read as neutral merely for being
rare. ``tau`` is the largest on a 0.05 grid in [0, 1] whose validation accuracy stays within
``--max-accuracy-loss`` (default 1 point) of no adjustment (0 turns it off).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.metrics import expected_calibration_error, fit_temperature, softmax
from scripts import ferplus
from scripts.face_quantize import flip_averaged_logits

REPO = Path(__file__).resolve().parents[1]


def validation_split(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The validation faces of scripts/train_face_expression.py, their majority labels, and the
    training part's prior (float (7,): its mean soft target), from one read of the data."""
    x, target = ferplus.load(data)
    y = target.argmax(1)
    val = ferplus.validation_mask(y)
    return x[val], y[val], target[~val].mean(0)


def balanced_accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    """Mean recall over the classes present in ``y``."""
    return float(np.mean([np.mean(pred[y == k] == k) for k in np.unique(y)]))


def choose_tau(z: np.ndarray, y: np.ndarray, prior: np.ndarray, max_loss: float) -> dict:
    """The largest tau on a 0.05 grid in [0, 1] whose validation accuracy is within
    ``max_loss`` of tau 0's, with its validation accuracy and balanced accuracy."""
    base = float(np.mean(z.argmax(1) == y))
    best = {"tau": 0.0, "accuracy": base, "balanced_accuracy": balanced_accuracy(z.argmax(1), y)}
    for tau in np.round(np.arange(0.05, 1.0001, 0.05), 2):
        pred = (z - tau * np.log(prior)).argmax(1)
        acc = float(np.mean(pred == y))
        if acc >= base - max_loss:
            best = {
                "tau": float(tau),
                "accuracy": acc,
                "balanced_accuracy": balanced_accuracy(pred, y),
            }
    return {k: round(v, 4) for k, v in best.items()}


def logits_of(model_dir: Path, x: np.ndarray) -> np.ndarray:
    """Flip-averaged logits of MODEL_DIR/fer_vgg.onnx as the service computes them."""
    return flip_averaged_logits(model_dir / "fer_vgg.onnx", x, exact=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "face_emotion")
    ap.add_argument("--write", type=Path, help="write an ensemble.json of all MODEL_DIRs here")
    ap.add_argument(
        "--max-accuracy-loss",
        type=float,
        default=0.01,
        help="validation accuracy the logit adjustment may cost (0: no adjustment)",
    )
    args = ap.parse_args()
    x, y, prior = validation_split(args.data)
    all_logits = []
    for m in args.models:
        z = logits_of(m, x)
        all_logits.append(z)
        print(f"{m}: validation accuracy {np.mean(z.argmax(1) == y):.4f}")
    z = np.mean(all_logits, axis=0)
    t = fit_temperature(z, y)
    acc = float(np.mean(z.argmax(1) == y))
    ece = expected_calibration_error(softmax(z / t), y)
    print(
        f"ensemble of {len(all_logits)}: validation accuracy {acc:.4f}, temperature {t:.4f}, "
        f"ECE {ece}"
    )
    adjustment = choose_tau(z / t, y, prior, args.max_accuracy_loss)
    print(
        f"logit adjustment: {adjustment} (no adjustment: balanced accuracy "
        f"{balanced_accuracy(z.argmax(1), y):.4f})"
    )
    if args.write:
        spec = {
            "name": "ferplus-cnn-onnx-int8"
            if len(args.models) == 1
            else f"ferplus-cnn-ensemble{len(args.models)}-onnx-int8",
            "members": [
                str((m / "fer_vgg.onnx").resolve().relative_to(args.write.resolve().parent))
                for m in args.models
            ],
            "temperature": round(t, 4),
            "validation": {
                "data": "FER+ training split, stratified 10 % held out (seed 7), majority labels",
                "n": int(len(y)),
                "accuracy": round(acc, 4),
                "ece": ece,
            },
        }
        if adjustment["tau"] > 0:
            spec["name"] += f"-la{adjustment['tau']:g}"  # reports say which outputs they read
            spec["logit_adjustment"] = {
                "tau": adjustment["tau"],
                "log_prior": [round(float(v), 5) for v in np.log(prior)],
                "rule": f"largest tau on a 0.05 grid in [0, 1] within {args.max_accuracy_loss:g} "
                "of the unadjusted validation accuracy (Menon et al. 2021)",
                "validation": {
                    "accuracy": adjustment["accuracy"],
                    "balanced_accuracy": adjustment["balanced_accuracy"],
                },
            }
        args.write.write_text(json.dumps(spec, indent=2) + "\n")


if __name__ == "__main__":
    main()
