"""Compare facial-expression ONNX models, alone and averaged, on the validation part of the
FER+ training split (the same stratified 10 %, seed 7, that scripts/train_face_expression.py
held out; majority labels). Never reads the test sets.

    python -m scripts.compare_face_models MODEL_DIR [MODEL_DIR ...]

Each MODEL_DIR holds fer_vgg.onnx and training.json (its temperature).
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


def validation_split(data: Path) -> tuple[np.ndarray, np.ndarray]:
    """The validation faces of scripts/train_face_expression.py and their majority labels."""
    x, target = ferplus.load(data)
    y = target.argmax(1)
    val = ferplus.validation_mask(y)
    return x[val], y[val]


def logits_of(model_dir: Path, x: np.ndarray) -> np.ndarray:
    """Flip-averaged logits of MODEL_DIR/fer_vgg.onnx as the service computes them."""
    return flip_averaged_logits(model_dir / "fer_vgg.onnx", x, exact=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "face_emotion")
    ap.add_argument("--write", type=Path, help="write an ensemble.json of all MODEL_DIRs here")
    args = ap.parse_args()
    x, y = validation_split(args.data)
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
        args.write.write_text(json.dumps(spec, indent=2) + "\n")


if __name__ == "__main__":
    main()
