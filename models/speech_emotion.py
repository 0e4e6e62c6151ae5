"""The project's speech-emotion classifier: an ensemble of five small neural networks (one hidden
ReLU layer each) on pooled Whisper-encoder states of a speech segment and its pitch and loudness
statistics.

Stored as plain arrays (``.npz``: scaler mean/scale, the layers' weights and biases, class names,
temperature, thresholds), so loading it runs no pickle and does not depend on the scikit-learn
version. Source: models/speech_emotion/MODEL_CARD.md (trained on RAVDESS, CC BY-NC-SA 4.0, and
EmoDB, research use).
"""

from __future__ import annotations

import numpy as np

from contracts.labels import EMOTION_LABELS
from models import paths


def ensemble_logits(z: np.ndarray, members) -> np.ndarray:
    """Mean logits of MLPs with ReLU hidden layers.

    Args:
        z: float, shape (n, d): standardised features.
        members: per network, its layers as (weights (d_in, d_out), bias (d_out,)) pairs.

    Returns:
        float, shape (n, n_classes).
    """
    total = 0.0
    for layers in members:
        h = z
        for k, (w, b) in enumerate(layers):
            h = h @ w + b
            if k < len(layers) - 1:
                h = np.maximum(h, 0.0)
        total = total + h
    return total / len(members)


class SpeechEmotionModel:
    name = "ser-whisper-tiny-encoder-mlp"

    def __init__(self, path=None) -> None:
        data = np.load(path or paths.speech_emotion_artifact(), allow_pickle=False)
        self.mean = data["scaler_mean"].astype(np.float32)
        self.scale = data["scaler_scale"].astype(np.float32)
        n_layers = int(data["n_layers"])
        self.members = [
            [
                (data[f"m{m}_w{k}"].astype(np.float32), data[f"m{m}_b{k}"].astype(np.float32))
                for k in range(n_layers)
            ]
            for m in range(int(data["n_members"]))
        ]
        classes = [str(c) for c in data["classes"]]
        # Columns reordered into the canonical label order; absent labels get probability 0.
        self._columns = [classes.index(lab) if lab in classes else -1 for lab in EMOTION_LABELS]
        self.version = str(data["version"])
        # Since 2.1.0 the features are the pooled encoder states followed by the segment's
        # prosody statistics (analyzers.audio_emotion.prosody_features).
        self.uses_prosody = bool(data["prosody"]) if "prosody" in data.files else False
        self.ood_mean = data["ood_mean"]
        self.ood_scale = data["ood_scale"]
        self.ood_pca_mean = data["ood_pca_mean"]
        self.ood_components = data["ood_components"]
        self.ood_threshold = float(data["ood_threshold"])
        # Acted studio speech vs other speech (outlier exposure, MODEL_CARD.md).
        self.other_w = data["other_speech_w"].astype(np.float32)
        self.other_b = float(data["other_speech_b"])
        # Temperature scaling fitted on speaker-independent out-of-fold logits (MODEL_CARD.md).
        self.temperature = float(data["temperature"])
        # Below this calibrated top probability a chunk is labelled 'uncertain' (MODEL_CARD.md).
        self.min_top_probability = float(data["min_top_probability"])

    def typicality_distance(self, features: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of features to the training data (whitened 50-d PCA).

        Args:
            features: float32, shape (n, 2 * d_model).

        Returns:
            float32, shape (n,). Above ``ood_threshold`` (the 99th percentile for speakers held
            out of training) the input does not resemble the training speech.
        """
        z = (features - self.ood_mean) / self.ood_scale - self.ood_pca_mean
        return np.sqrt(((z @ self.ood_components.T) ** 2).sum(axis=1)).astype(np.float32)

    def other_speech_probability(self, features: np.ndarray) -> np.ndarray:
        """float32, shape (n,): probability that a row is speech unlike the acted studio
        corpora (a logistic regression trained against read speech; MODEL_CARD.md)."""
        z = features @ self.other_w + self.other_b
        return (1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))).astype(np.float32)

    def in_domain(self, features: np.ndarray) -> np.ndarray:
        """bool, shape (n,): whether each row lies within the training distribution: its
        typicality distance is under the threshold and it is more likely acted studio speech
        than other speech."""
        return (self.typicality_distance(features) <= self.ood_threshold) & (
            self.other_speech_probability(features) < 0.5
        )

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Uncalibrated logits, shape (n, n_classes), in the artifact's class order: the mean of
        the ensemble members' logits."""
        return ensemble_logits((features - self.mean) / self.scale, self.members)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities over the canonical labels.

        Args:
            features: float32, shape (n, 2 * d_model [+ 12]): mean and std of encoder states
                (then the prosody statistics when ``uses_prosody``).

        Returns:
            float32, shape (n, 7), rows sum to 1, in EMOTION_LABELS order; calibrated by the
            model's temperature.
        """
        logits = self.logits(features) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((len(p), len(EMOTION_LABELS)), dtype=np.float32)
        for j, col in enumerate(self._columns):
            if col >= 0:
                out[:, j] = p[:, col]
        return out
