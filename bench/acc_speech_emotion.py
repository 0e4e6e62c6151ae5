"""Speech-emotion accuracy on RAVDESS (../shared/data/speech_emotion, actors 01-18, 1,080
clips, calm -> neutral), speaker-independent: 6-fold cross-validation grouped by actor, the
same folds and classifier (standardisation + logistic regression, C = 0.5) for three feature
sets:

- ``whisper``: mean and std of Whisper tiny.en encoder states (the shipped model's features);
- ``mfcc``: librosa statistics (40 MFCC + deltas, RMS, zero-crossing rate, spectral centroid and
  roll-off: mean and std) plus f0 mean/std/range (pyworld), the seeds' kind of features;
- ``combined``: both, concatenated.
Calibration: ECE of the out-of-fold probabilities of the shipped features, before and after
temperature scaling (T fitted on the other folds' out-of-fold predictions, 2-fold cross-fit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from analyzers.delivery_audio import f0_stats
from bench.metrics import classification, expected_calibration_error, fit_temperature, softmax
from contracts.labels import EMOTION_LABELS
from models.whisper import WhisperModel
from scripts.train_speech_emotion import SEED, load_clips, make_model, packed_features


def mfcc_features(audio: np.ndarray) -> np.ndarray:
    import librosa

    sr = 16_000
    mfcc = librosa.feature.mfcc(y=audio, sr=sr, n_mfcc=40)
    delta = librosa.feature.delta(mfcc)
    frames = [
        mfcc,
        delta,
        librosa.feature.rms(y=audio),
        librosa.feature.zero_crossing_rate(audio),
        librosa.feature.spectral_centroid(y=audio, sr=sr),
        librosa.feature.spectral_rolloff(y=audio, sr=sr),
    ]
    stats = [np.concatenate([f.mean(axis=1), f.std(axis=1)]) for f in frames]
    f0 = f0_stats(audio, [(0.0, len(audio) / sr)])
    pitch = [f0.mean_hz, f0.std_hz, f0.range_semitones] if f0 else [0.0, 0.0, 0.0]
    return np.concatenate([*stats, pitch]).astype(np.float32)


def _cv(
    x_sets: list[np.ndarray], y: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold predictions and probabilities (canonical order) of the classifier trained
    on all packings of the training actors."""
    pred = np.empty(len(y), dtype=object)
    proba = np.zeros((len(y), len(EMOTION_LABELS)))
    for tr, te in GroupKFold(n_splits=6).split(x_sets[0], y, groups):
        assert not set(groups[tr]) & set(groups[te])
        m = make_model()
        m.fit(np.concatenate([x[tr] for x in x_sets]), np.concatenate([y[tr]] * len(x_sets)))
        pred[te] = m.predict(x_sets[0][te])
        p = m.predict_proba(x_sets[0][te])
        classes = list(m.classes_)
        for j, lab in enumerate(EMOTION_LABELS):
            if lab in classes:
                proba[te, j] = p[:, classes.index(lab)]
    return pred, proba


def evaluate(data: Path) -> dict:
    clips = load_clips(data / "speech_emotion")
    whisper = WhisperModel(cpu_threads=2)
    packings = [packed_features(clips, whisper, SEED + k) for k in range(2)]
    mfcc = np.stack([mfcc_features(c["audio"]) for c in clips])
    y = np.array([c["label"] for c in clips])
    groups = np.array([c["actor"] for c in clips])
    labels = list(EMOTION_LABELS)
    out = {}
    for name, sets in {
        "whisper": packings,
        "mfcc": [mfcc],
        "combined": [np.concatenate([p, mfcc], axis=1) for p in packings],
    }.items():
        pred, proba = _cv(sets, y, groups)
        out[name] = {
            "data": "RAVDESS speech, actors 01-18 (calm -> neutral)",
            "split": "6-fold GroupKFold by actor",
            **classification(list(y), list(pred), labels),
        }
        if name == "whisper":
            yi = np.array([labels.index(v) for v in y])
            logits = np.log(np.clip(proba, 1e-7, 1))
            half = groups % 2 == 0  # cross-fit by actor parity
            calibrated = np.empty_like(proba)
            temps = []
            for fit, apply in ((half, ~half), (~half, half)):
                t = fit_temperature(logits[fit], yi[fit])
                temps.append(round(t, 3))
                calibrated[apply] = softmax(logits[apply] / t)
            out[name]["calibration"] = {
                "ece_before": expected_calibration_error(proba, yi),
                "ece_after_temperature": expected_calibration_error(calibrated, yi),
                "temperatures_2fold": temps,
            }
    return out
