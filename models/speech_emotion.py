"""The project's speech-emotion classifier: logistic regression on pooled Whisper-encoder states.

Stored as plain arrays (``.npz``: scaler mean/scale, coefficients, intercept, class names), so
loading it runs no pickle and does not depend on the scikit-learn version.
Source: models/speech_emotion/MODEL_CARD.md (trained on RAVDESS, CC BY-NC-SA 4.0).
"""

from __future__ import annotations

import numpy as np

from analyzers.labels import EMOTION_LABELS
from models import paths


class SpeechEmotionModel:
    name = "ser-whisper-tiny-encoder-logreg"

    def __init__(self, path=None) -> None:
        data = np.load(path or paths.speech_emotion_artifact(), allow_pickle=False)
        self.mean = data["scaler_mean"].astype(np.float32)
        self.scale = data["scaler_scale"].astype(np.float32)
        self.coef = data["coef"].astype(np.float32)
        self.intercept = data["intercept"].astype(np.float32)
        classes = [str(c) for c in data["classes"]]
        # Columns reordered into the canonical label order; absent labels get probability 0.
        self._columns = [classes.index(lab) if lab in classes else -1 for lab in EMOTION_LABELS]
        self.version = str(data["version"]) if "version" in data else "unknown"

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities over the canonical labels.

        Args:
            features: float32, shape (n, 2 * d_model): mean and std of encoder states.

        Returns:
            float32, shape (n, 7), rows sum to 1, in EMOTION_LABELS order.
        """
        z = (features - self.mean) / self.scale
        logits = z @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((len(p), len(EMOTION_LABELS)), dtype=np.float32)
        for j, col in enumerate(self._columns):
            if col >= 0:
                out[:, j] = p[:, col]
        return out
