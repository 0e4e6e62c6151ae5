"""Compare facial-expression ONNX models, alone and averaged, on the validation part of the
FER2013 training split (the same stratified 10 %, seed 7, that scripts/train_face_expression.py
held out). Never reads the test subsets.

    python -m scripts.compare_face_models MODEL_DIR [MODEL_DIR ...]

Each MODEL_DIR holds fer_vgg.onnx and training.json (its temperature).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from bench.metrics import expected_calibration_error, fit_temperature, softmax

LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
REPO = Path(__file__).resolve().parents[1]
SPLIT_SEED = 7


def validation_split(data: Path) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for k, label in enumerate(LABELS):
        for p in sorted((data / "fer2013_train" / label).glob("*.jpg")):
            xs.append(np.asarray(Image.open(p).convert("L"), dtype=np.uint8))
            ys.append(k)
    x, y = np.stack(xs), np.array(ys)
    rng = np.random.default_rng(SPLIT_SEED)
    val = np.zeros(len(y), bool)
    for k in range(7):
        idx = np.flatnonzero(y == k)
        val[rng.choice(idx, size=len(idx) // 10, replace=False)] = True
    return x[val], y[val]


def logits_of(model_dir: Path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(
        str(model_dir / "fer_vgg.onnx"), providers=["CPUExecutionProvider"]
    )
    xin = (x.astype(np.float32) / 127.5 - 1.0)[:, None]
    out = []
    for b in range(0, len(xin), 512):
        xb = xin[b : b + 512]
        both = np.concatenate([xb, xb[..., ::-1]])
        z = session.run(None, {"x": np.ascontiguousarray(both)})[0]
        out.append((z[: len(xb)] + z[len(xb) :]) / 2)
    return np.concatenate(out)


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
            "members": [
                str((m / "fer_vgg.onnx").resolve().relative_to(args.write.resolve().parent))
                for m in args.models
            ],
            "temperature": round(t, 4),
            "validation": {
                "data": "FER2013 training split, stratified 10 % held out (seed 7)",
                "n": int(len(y)),
                "accuracy": round(acc, 4),
                "ece": ece,
            },
        }
        args.write.write_text(json.dumps(spec, indent=2) + "\n")


if __name__ == "__main__":
    main()
