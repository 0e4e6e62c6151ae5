"""The project's speech-emotion classifier: logistic regression on pooled Whisper-encoder states.

Stored as plain arrays (``.npz``: scaler mean/scale, coefficients, intercept, class names), so
loading it runs no pickle and does not depend on the scikit-learn version.
Source: models/speech_emotion/MODEL_CARD.md (trained on RAVDESS, CC BY-NC-SA 4.0).
"""

from __future__ import annotations

import numpy as np

from contracts.labels import EMOTION_LABELS
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
        self.ood_mean = data["ood_mean"]
        self.ood_scale = data["ood_scale"]
        self.ood_pca_mean = data["ood_pca_mean"]
        self.ood_components = data["ood_components"]
        self.ood_threshold = float(data["ood_threshold"])
        # Temperature scaling fitted on speaker-independent out-of-fold logits (MODEL_CARD.md).
        self.temperature = float(data["temperature"]) if "temperature" in data else 1.0

    def typicality_distance(self, features: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of features to the training data (whitened 50-d PCA).

        Args:
            features: float32, shape (n, 2 * d_model).

        Returns:
            float32, shape (n,). Above ``ood_threshold`` (the 99th percentile for actors held
            out of training) the input does not resemble the training speech.
        """
        z = (features - self.ood_mean) / self.ood_scale - self.ood_pca_mean
        return np.sqrt(((z @ self.ood_components.T) ** 2).sum(axis=1)).astype(np.float32)

    def in_domain(self, features: np.ndarray) -> np.ndarray:
        """bool, shape (n,): whether each row lies within the training distribution."""
        return self.typicality_distance(features) <= self.ood_threshold

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities over the canonical labels.

        Args:
            features: float32, shape (n, 2 * d_model): mean and std of encoder states.

        Returns:
            float32, shape (n, 7), rows sum to 1, in EMOTION_LABELS order; calibrated by the
            model's temperature.
        """
        z = (features - self.mean) / self.scale
        logits = (z @ self.coef.T + self.intercept) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((len(p), len(EMOTION_LABELS)), dtype=np.float32)
        for j, col in enumerate(self._columns):
            if col >= 0:
                out[:, j] = p[:, col]
        return out
