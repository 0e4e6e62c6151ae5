"""Train the speech-emotion classifier on RAVDESS and measure it speaker-independently.

    python -m scripts.train_speech_emotion [--data ../shared/data/speech_emotion]

Features: Whisper tiny.en encoder states pooled (mean, std) per clip, exactly as served
(analyzers.audio_emotion.pool_states). Clips of one actor are packed into <= 30 s windows so that
the encoder sees a window full of speech, as it does when serving a long answer; each clip is
pooled over its own span. Two packings (different orders) are used as augmentation.

Evaluation: 6-fold cross-validation grouped by actor (3 actors per test fold; an actor is never
in both training and test data); hyperparameters are fixed in advance, not tuned on the folds.
Final model: fitted on all 18 actors. Writes models/speech_emotion/ser_whisper_tiny_logreg.npz
and models/speech_emotion/metrics.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from analyzers.audio_emotion import SAMPLE_RATE_HZ, WINDOW_S, pool_states
from analyzers.media import decode, probe
from bench.metrics import expected_calibration_error, fit_temperature, softmax
from contracts.labels import EMOTION_LABELS
from models.whisper import WhisperModel

log = logging.getLogger("train_speech_emotion")
REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "models" / "speech_emotion"
RAVDESS_TO_CANONICAL = {
    "neutral": "neutral",
    "calm": "neutral",
    "happy": "happy",
    "sad": "sad",
    "angry": "angry",
    "fearful": "fear",
    "disgust": "disgust",
    "surprised": "surprise",
}
CODE_TO_RAVDESS = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}
C = 0.5  # fixed in advance (not tuned on the evaluation folds)
SEED = 13
OOD_COMPONENTS = 50  # principal components for the typicality (out-of-domain) distance
OOD_PERCENTILE = 99  # threshold: this percentile of held-out actors' distances


def load_clips(data_dir: Path) -> list[dict]:
    """Clips with audio (16 kHz float32), canonical label and actor, from the file names."""
    clips = []
    for path in sorted((data_dir / "ravdess").glob("*.flac")):
        parts = path.stem.split("-")
        audio = decode(path, info=probe(path), want_video=False, want_audio=True).audio
        clips.append(
            {
                "file": path.name,
                "actor": int(parts[6]),
                "label": RAVDESS_TO_CANONICAL[CODE_TO_RAVDESS[parts[2]]],
                "audio": audio[: int(WINDOW_S * SAMPLE_RATE_HZ)],
            }
        )
    return clips


def packed_features(clips: list[dict], whisper: WhisperModel, seed: int) -> np.ndarray:
    """Pooled encoder features per clip (rows in ``clips`` order), clips of one actor packed
    into <= 30 s windows in a shuffled order."""
    rng = random.Random(seed)
    feats: list[np.ndarray | None] = [None] * len(clips)
    by_actor: dict[int, list[int]] = {}
    for i, c in enumerate(clips):
        by_actor.setdefault(c["actor"], []).append(i)
    for idx in by_actor.values():
        idx = idx[:]
        rng.shuffle(idx)
        window: list[int] = []
        length = 0
        for i in idx + [None]:
            n = 0 if i is None else len(clips[i]["audio"])
            if i is None or length + n > WINDOW_S * SAMPLE_RATE_HZ:
                if window:
                    audio = np.concatenate([clips[j]["audio"] for j in window])
                    states = whisper.encode_window(audio)
                    spans, t = [], 0.0
                    for j in window:
                        d = len(clips[j]["audio"]) / SAMPLE_RATE_HZ
                        spans.append((t, t + d))
                        t += d
                    for j, row in zip(window, pool_states(states, spans), strict=True):
                        feats[j] = row
                window, length = [], 0
            if i is not None:
                window.append(i)
                length += n
    return np.stack(feats)


class Typicality:
    """Mahalanobis distance of features to the training data in a whitened PCA space."""

    def __init__(self, X: np.ndarray) -> None:
        self.mean, self.scale = X.mean(0), X.std(0) + 1e-6
        self.pca = PCA(OOD_COMPONENTS, whiten=True, random_state=SEED).fit(
            (X - self.mean) / self.scale
        )

    def distance(self, X: np.ndarray) -> np.ndarray:
        return np.sqrt((self.pca.transform((X - self.mean) / self.scale) ** 2).sum(1))

    def arrays(self) -> dict[str, np.ndarray]:
        p = self.pca
        return {
            "ood_mean": self.mean.astype(np.float32),
            "ood_scale": self.scale.astype(np.float32),
            "ood_pca_mean": p.mean_.astype(np.float32),
            "ood_components": (p.components_ / np.sqrt(p.explained_variance_)[:, None]).astype(
                np.float32
            ),
        }


def make_model() -> object:
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "speech_emotion")
    args = ap.parse_args()
    t0 = time.time()
    clips = load_clips(args.data)
    log.info("loaded %d clips in %.0f s", len(clips), time.time() - t0)
    whisper = WhisperModel(cpu_threads=2)
    packings = [packed_features(clips, whisper, SEED + k) for k in range(2)]
    log.info("features in %.0f s", time.time() - t0)
    y = np.array([c["label"] for c in clips])
    groups = np.array([c["actor"] for c in clips])
    pred = np.empty_like(y)
    oof_logits = np.zeros((len(y), 7))
    held_out_distance = np.empty(len(y))
    folds = []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=6).split(packings[0], y, groups)):
        assert not set(groups[tr]) & set(groups[te])
        model = make_model()
        model.fit(np.concatenate([p[tr] for p in packings]), np.concatenate([y[tr]] * 2))
        pred[te] = model.predict(packings[0][te])
        oof_logits[te] = model.decision_function(packings[0][te])
        typ = Typicality(np.concatenate([p[tr] for p in packings]))
        held_out_distance[te] = typ.distance(packings[0][te])
        folds.append(
            {
                "fold": k,
                "test_actors": sorted(int(a) for a in set(groups[te])),
                "n_test": int(len(te)),
                "accuracy": round(float(accuracy_score(y[te], pred[te])), 4),
            }
        )
        log.info("fold %d actors %s acc %.3f", k, folds[-1]["test_actors"], folds[-1]["accuracy"])
    labels = list(EMOTION_LABELS)
    metrics = {
        "data": "RAVDESS speech, actors 01-18, 1,080 clips (calm -> neutral)",
        "split": "6-fold GroupKFold by actor (speaker-independent)",
        "n": int(len(y)),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
        "per_fold": folds,
        "labels": labels,
        "confusion_matrix": confusion_matrix(y, pred, labels=labels).tolist(),
        "hyperparameters": {"C": C, "seed": SEED, "packings": 2},
        "typicality": {
            "method": f"Mahalanobis distance in a whitened {OOD_COMPONENTS}-component PCA of the "
            "standardised features; threshold = "
            f"{OOD_PERCENTILE}th percentile of held-out actors' distances (same folds)",
            "threshold": round(float(np.percentile(held_out_distance, OOD_PERCENTILE)), 3),
            "held_out_median": round(float(np.median(held_out_distance)), 3),
        },
    }
    log.info(
        "speaker-independent accuracy %.3f, macro-F1 %.3f", metrics["accuracy"], metrics["macro_f1"]
    )
    # Temperature scaling (Guo et al. 2017) on the out-of-fold logits: every clip scored by a
    # model that never saw its actor.
    classes = sorted(set(y))
    yi = np.array([classes.index(v) for v in y])
    temperature = fit_temperature(oof_logits, yi)
    metrics["calibration"] = {
        "method": "temperature scaling on out-of-fold logits",
        "temperature": round(temperature, 4),
        "ece_before": expected_calibration_error(softmax(oof_logits), yi),
        "ece_after": expected_calibration_error(softmax(oof_logits / temperature), yi),
    }
    final = make_model()
    final.fit(np.concatenate(packings), np.concatenate([y] * 2))
    scaler, lr = final.steps[0][1], final.steps[1][1]
    typicality = Typicality(np.concatenate(packings))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT_DIR / "ser_whisper_tiny_logreg.npz",
        scaler_mean=scaler.mean_.astype(np.float32),
        scaler_scale=scaler.scale_.astype(np.float32),
        coef=lr.coef_.astype(np.float32),
        intercept=lr.intercept_.astype(np.float32),
        classes=np.array(lr.classes_, dtype=str),
        version=np.array("1.2.0"),
        temperature=np.array(temperature, dtype=np.float32),
        ood_threshold=np.array(metrics["typicality"]["threshold"], dtype=np.float32),
        **typicality.arrays(),
    )
    (OUT_DIR / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    with (OUT_DIR / "cv_predictions.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "actor", "label", "predicted"])
        for c, p in zip(clips, pred, strict=True):
            w.writerow([c["file"], c["actor"], c["label"], p])
    log.info("done in %.0f s", time.time() - t0)


if __name__ == "__main__":
    main()
