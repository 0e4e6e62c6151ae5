"""FER+ (Barsoum et al. 2016): the FER2013 images with ten annotators' votes each, read from
../shared/data/face_emotion/ferplus (MANIFEST.md there). No torch here: the training script,
the model comparison and the accuracy bench share it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
SPLIT_SEED = 7

# FER+ label.csv vote columns (after the file name and the face box) -> canonical index;
# contempt, unknown and NF (not a face) have none.
FERPLUS_COLUMNS = (
    "neutral",
    "happy",
    "surprise",
    "sad",
    "angry",
    "disgust",
    "fear",
    "contempt",
    "unknown",
    "NF",
)


def load_ferplus(data: Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FER+ images of ``split`` ("train" or "test") with their votes.

    Returns:
        (faces uint8 (n, 48, 48), votes float32 (n, 7) over the canonical labels, all votes
        float32 (n,)): every image of the split's label.csv, none dropped here.
    """
    folder = data / "ferplus" / split
    xs, votes, totals = [], [], []
    with (folder / "label.csv").open() as f:
        for row in csv.reader(f):
            counts = [float(v) for v in row[2:12]]
            canon = np.zeros(7, np.float32)
            for name, c in zip(FERPLUS_COLUMNS, counts, strict=True):
                if name in LABELS:
                    canon[LABELS.index(name)] = c
            xs.append(np.asarray(Image.open(folder / row[0]).convert("L"), dtype=np.uint8))
            votes.append(canon)
            totals.append(sum(counts))
    return np.stack(xs), np.stack(votes), np.array(totals, np.float32)


def load(data: Path) -> tuple[np.ndarray, np.ndarray]:
    """Training faces and their soft targets: images whose seven canonical labels hold more than
    half of the votes (the rest are mostly unknown, not a face or contempt), targets the vote
    shares over those seven.

    Returns:
        (faces uint8 (n, 48, 48), targets float32 (n, 7), rows sum to 1).
    """
    x, votes, totals = load_ferplus(data, "train")
    keep = votes.sum(1) > totals / 2
    return x[keep], votes[keep] / votes[keep].sum(1, keepdims=True)


def validation_mask(majority: np.ndarray) -> np.ndarray:
    """bool (n,): the stratified 10 % of the training images held out for validation
    (seed 7), by majority label."""
    rng = np.random.default_rng(SPLIT_SEED)
    val = np.zeros(len(majority), bool)
    for k in range(len(LABELS)):
        idx = np.flatnonzero(majority == k)
        val[rng.choice(idx, size=len(idx) // 10, replace=False)] = True
    return val


def test_majority(data: Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """FER+ test faces with a single majority label among the seven canonical labels.

    The usual protocol scores against the majority vote; images whose most-voted class is
    contempt, unknown or not-a-face, or whose top vote is tied, have no canonical majority
    and are left out (their counts are returned).

    Returns:
        (faces uint8 (n, 48, 48), labels int (n,) canonical index, counts of what was left out).
    """
    x, votes, totals = load_ferplus(data, "test")
    all_votes = np.zeros((len(x), 10), np.float32)
    with (data / "ferplus" / "test" / "label.csv").open() as f:
        for i, row in enumerate(csv.reader(f)):
            all_votes[i] = [float(v) for v in row[2:12]]
    top = all_votes.max(1, keepdims=True)
    tied = (all_votes == top).sum(1) > 1
    top_name = np.array(FERPLUS_COLUMNS)[all_votes.argmax(1)]
    not_canonical = ~np.isin(top_name, LABELS)
    keep = ~tied & ~not_canonical
    left_out = {
        "tied_top_vote": int((tied & ~not_canonical).sum()),
        **{
            f"majority_{name}": int((top_name == name)[~tied].sum())
            for name in ("contempt", "unknown", "NF")
        },
    }
    return x[keep], votes[keep].argmax(1), left_out
