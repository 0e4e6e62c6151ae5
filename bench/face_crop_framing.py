"""Measure how FER2013 crops are framed relative to MediaPipe landmarks (training split only),
to choose analyzers.face.CROP_MARGIN / CROP_SHIFT_UP, and how accuracy on a training-split
sample depends on the crop.

    python -m bench.face_crop_framing [--per-class 40]

Prints a table and writes bench/results/face_crop_framing.json. Uses only
../shared/data/face_emotion/fer2013_train (never the test subsets).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from analyzers.face import face_crop
from contracts.labels import EMOTION_LABELS
from models.registry import get_registry

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO.parent / "shared" / "data" / "face_emotion" / "fer2013_train"


def on_canvas(gray48: np.ndarray) -> np.ndarray:
    """A 48 px FER face upscaled to 200 px in the middle of a 400 px grey canvas, RGB."""
    big = cv2.resize(gray48, (200, 200), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((400, 400), 128, np.uint8)
    canvas[100:300, 100:300] = big
    return np.stack([canvas] * 3, -1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-class", type=int, default=40)
    args = ap.parse_args()
    reg = get_registry()
    landmarker, fer = reg.get("face"), reg.get("facial_expression")
    rng = random.Random(1)
    geometry, hits, n = [], {"fer_box": 0, "landmark_crop": 0}, 0
    for label in EMOTION_LABELS:
        files = sorted((TRAIN / label).glob("*.jpg"))
        for path in rng.sample(files, min(args.per_class, len(files))):
            gray = np.asarray(Image.open(path).convert("L"))
            rgb = on_canvas(gray)
            face = landmarker.detect(rgb)
            if face is None:
                continue
            n += 1
            xs, ys = face.landmarks[:, 0] * 400, face.landmarks[:, 1] * 400
            extent = max(xs.max() - xs.min(), ys.max() - ys.min())
            cx, cy = (xs.max() + xs.min()) / 2, (ys.max() + ys.min()) / 2
            geometry.append((200 / extent, (200 - cx) / extent, (200 - cy) / extent))
            box = cv2.resize(rgb[100:300, 100:300, 0], (64, 64), interpolation=cv2.INTER_AREA)
            crop = face_crop(rgb, face.landmarks)
            for key, img in (("fer_box", box), ("landmark_crop", crop)):
                hits[key] += EMOTION_LABELS[int(fer.predict(img[None])[0].argmax())] == label
    g = np.median(np.array(geometry), axis=0)
    result = {
        "data": f"FER2013 training split, {args.per_class} per class, faces found: {n}",
        "fer_box_over_landmark_extent": round(float(g[0]), 3),
        "fer_box_centre_dx_over_extent": round(float(g[1]), 3),
        "fer_box_centre_dy_over_extent": round(float(g[2]), 3),
        "accuracy_fer_box": round(hits["fer_box"] / n, 3),
        "accuracy_landmark_crop": round(hits["landmark_crop"] / n, 3),
    }
    for k, v in result.items():
        print(f"{k:32s} {v}")
    out = REPO / "bench" / "results" / "face_crop_framing.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
