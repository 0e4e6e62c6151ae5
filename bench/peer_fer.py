"""Peer: the ``fer`` package's own video pipeline (``fer.Video(...).analyze(...)`` with its
default detector, an OpenCV Haar cascade, and its mini-XCEPTION classifier on TensorFlow Lite).
Runs in ``.venv-peers`` (TensorFlow); imports nothing of this project. Prints one JSON line.

    .venv-peers/bin/python -m bench.peer_fer VIDEO --frequency 3
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("video")
    ap.add_argument("--frequency", type=int, default=3, help="analyse every nth frame")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from importlib.metadata import version

    t0 = time.perf_counter()
    from fer.classes import Video
    from fer.fer import FER

    detector = FER()  # the package defaults
    load_s = time.perf_counter() - t0
    video = os.path.abspath(args.video)
    with tempfile.TemporaryDirectory() as out:
        os.chdir(out)  # the package writes data.csv into the working directory
        t0 = time.perf_counter()
        raw = Video(video, outdir=out).analyze(
            detector,
            display=False,
            frequency=args.frequency,
            save_frames=False,
            save_video=False,
            annotate_frames=False,
            zip_images=False,
        )
        wall = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "package": f"fer {version('fer')}, tensorflow-cpu {version('tensorflow-cpu')}",
                "detector": "FER() defaults: OpenCV Haar cascade, mini-XCEPTION (TFLite)",
                "load_s": round(load_s, 2),
                "wall_s": round(wall, 2),
                "frames_analyzed": len(raw),
                "frames_with_face": sum(1 for r in raw if r),
            }
        )
    )


if __name__ == "__main__":
    main()
