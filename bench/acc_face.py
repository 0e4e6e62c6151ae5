"""Facial-expression accuracy on ../shared/data/face_emotion: FER+ test (the FER2013 private
test images scored against the majority of ten annotators' votes; images whose majority is
contempt, unknown or not-a-face, or tied, left out: scripts/ferplus.test_majority), the FER2013
private-test subset with its original labels (655, class-balanced except disgust; for
continuity) and CK+ peak frames (253; contempt, 13 images, has no canonical label and is left
out). Two ways:

- ``classifier``: the dataset's own 48 px face crop, resized to the classifier's 64 px input;
- ``pipeline``: the service's path: the crop upscaled to 200 px on a 400 px grey canvas, the
  MediaPipe landmarker finds the face, analyzers.face.face_crop cuts it; faces not found count
  as errors (detection rate reported).
Calibration: ECE of the probabilities, before and after temperature scaling with T fitted by
2-fold cross-fitting on the same images (each half scored with the T of the other half).

"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from analyzers.face import face_crop
from bench.metrics import classification, expected_calibration_error, fit_temperature, softmax
from contracts.labels import EMOTION_LABELS
from models.registry import get_registry

CKPLUS_TO_CANONICAL = {
    "anger": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happy",
    "sadness": "sad",
    "surprise": "surprise",
}


def _canvas(gray: np.ndarray) -> np.ndarray:
    big = cv2.resize(gray, (200, 200), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((400, 400), 128, np.uint8)
    canvas[100:300, 100:300] = big
    return np.stack([canvas] * 3, -1)


def _calibration(probs: np.ndarray, y: np.ndarray) -> dict:
    logits = np.log(np.clip(probs, 1e-7, 1))
    idx = np.arange(len(y))
    halves = [idx % 2 == 0, idx % 2 == 1]
    calibrated = np.empty_like(probs)
    temps = []
    for fit, apply in (halves, halves[::-1]):
        t = fit_temperature(logits[fit], y[fit])
        temps.append(round(t, 3))
        calibrated[apply] = softmax(logits[apply] / t)
    return {
        "ece_before": expected_calibration_error(probs, y),
        "ece_after_temperature": expected_calibration_error(calibrated, y),
        "temperatures_2fold": temps,
    }


FACEX_LABELS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def _facex_model() -> Path | None:
    """facex 1.1.0's classifier (MODELS.md: the offline alternative), installed by `make
    bench-accuracy` without its TensorFlow dependency; only its TFLite file is read."""
    import importlib.util

    spec = importlib.util.find_spec("facex")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "assets" / "model_optimized.tflite"
    return path if path.exists() else None


def _facex(model: Path, faces: list[np.ndarray]) -> list[str]:
    """facex's labels for grey face crops, preprocessed as facex does (resized to 200x200,
    grey repeated to 3 channels, scaled to [0, 1])."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model), num_threads=1)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]["index"]
    out = interpreter.get_output_details()[0]["index"]
    labels = []
    for gray in faces:
        x = cv2.resize(gray, (200, 200), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        interpreter.set_tensor(inp, np.repeat((x / 255.0)[None, :, :, None], 3, axis=3))
        interpreter.invoke()
        labels.append(FACEX_LABELS[int(interpreter.get_tensor(out)[0].argmax())])
    return labels


def _datasets(data: Path) -> dict[str, tuple[str, list[np.ndarray], list[str]]]:
    """name -> (description, grey faces, canonical labels)."""
    out = {}
    if (data / "ferplus" / "test" / "label.csv").exists():
        from scripts.ferplus import test_majority

        faces, labels, left_out = test_majority(data)
        out["ferplus_test"] = (
            "face_emotion/ferplus/test, majority of ten votes (left out: "
            + ", ".join(f"{k} {v}" for k, v in left_out.items())
            + ")",
            list(faces),
            [EMOTION_LABELS[int(k)] for k in labels],
        )
    rows = list(csv.DictReader((data / "labels.csv").open()))
    for dataset in ("fer2013", "ckplus48"):
        faces, labels = [], []
        for r in rows:
            if r["dataset"] != dataset:
                continue
            label = r["label"] if dataset == "fer2013" else CKPLUS_TO_CANONICAL.get(r["label"])
            if label is None:
                continue
            faces.append(np.asarray(Image.open(data / r["file"]).convert("L")))
            labels.append(label)
        desc = f"face_emotion/{dataset}" + (
            " (contempt left out)" if dataset == "ckplus48" else " (original FER2013 labels)"
        )
        out[dataset] = (desc, faces, labels)
    return out


def evaluate(data: Path) -> dict:
    reg = get_registry()
    landmarker, fer = reg.get("face"), reg.get("facial_expression")
    out = {}
    facex = _facex_model()
    for dataset, (desc, grays, y) in _datasets(data).items():
        pred_clf, pred_pipe, probs = [], [], []
        found = 0
        for gray in grays:
            size = fer.input_size
            crop48 = gray if gray.shape == (size, size) else cv2.resize(gray, (size, size))
            p = fer.predict(crop48[None])[0]
            probs.append(p)
            pred_clf.append(EMOTION_LABELS[int(p.argmax())])
            rgb = _canvas(gray)
            face = landmarker.detect(rgb)
            crop = face_crop(rgb, face.landmarks, size=size) if face is not None else None
            if crop is None:
                pred_pipe.append("(no face)")
                continue
            found += 1
            pred_pipe.append(EMOTION_LABELS[int(fer.predict(crop[None])[0].argmax())])
        labels = list(EMOTION_LABELS)
        yi = np.array([labels.index(v) for v in y])
        out[dataset] = {
            "data": desc,
            "model": fer.name,
            "classifier": classification(y, pred_clf, labels),
            "pipeline": {
                **classification(y, pred_pipe, labels),
                "face_detection_rate": round(found / len(y), 4),
            },
            "calibration": _calibration(np.array(probs), yi),
        }
        if facex is not None:
            out[dataset]["facex_classifier"] = classification(y, _facex(facex, grays), labels)
    return out
