import json

import numpy as np
import pytest

from analyzers.face import FaceFrame, FaceFrameCollector, face_crop
from analyzers.video_emotion import summarize
from contracts.labels import EMOTION_LABELS
from tests.conftest import REPO, shared

pytestmark = pytest.mark.slow


def test_landmarker_finds_the_face(registry, face_rgb, no_face_rgb):
    face = registry.get("face").detect(face_rgb)
    assert face is not None
    assert face.landmarks.shape == (478, 3)
    assert 0 < face.landmarks[:, 0].mean() < 1 and 0 < face.landmarks[:, 1].mean() < 1
    assert "eyeBlinkLeft" in face.blendshapes and face.transform.shape == (4, 4)
    assert registry.get("face").detect(no_face_rgb) is None


@pytest.mark.parametrize("model_cls", ["FacialExpressionModel", "OnnxFacialExpressionModel"])
def test_crop_and_expression_probabilities(registry, face_rgb, model_cls):
    import models.facial_expression as fe

    model = getattr(fe, model_cls)()
    face = registry.get("face").detect(face_rgb)
    crop = face_crop(face_rgb, face.landmarks, size=model.input_size)
    assert crop.shape == (model.input_size,) * 2 and crop.dtype == np.uint8
    p = model.predict(np.stack([crop, crop[:, ::-1]]))
    assert p.shape == (2, 7)
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0], abs=1e-4) and (p >= 0).all()


def test_collector_and_summary(registry, face_rgb, no_face_rgb):
    fer = registry.get("facial_expression")
    c = FaceFrameCollector(registry.get("face").detect, fer.predict, crop_size=fer.input_size)
    for i, img in enumerate([face_rgb, no_face_rgb, face_rgb, face_rgb]):
        c(i * 0.25, img)
    s = summarize(c.frames, sample_fps=4.0, model_name="m")
    assert s.frames_sampled == 4 and s.frames_with_face == 3
    assert s.face_coverage == pytest.approx(0.75)
    total = sum(s.emotion.model_dump().values())
    assert total == pytest.approx(100, abs=0.1)
    assert s.dominant_emotion in EMOTION_LABELS
    assert [p.t_s for p in s.timeline] == [0.0, 0.5]  # 0.5 s bins


def test_summary_without_any_face():
    s = summarize([FaceFrame(t_s=0.0, has_face=False)], sample_fps=4.0, model_name="m")
    assert s.emotion is None and s.dominant_emotion is None and s.face_coverage == 0


def test_crop_is_aligned_on_the_eyes(registry, face_rgb):
    import cv2

    upright = registry.get("face").detect(face_rgb)
    m = cv2.getRotationMatrix2D((face_rgb.shape[1] / 2, face_rgb.shape[0] / 2), 20, 1.0)
    tilted_rgb = cv2.warpAffine(face_rgb, m, face_rgb.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    tilted = registry.get("face").detect(tilted_rgb)
    a = face_crop(face_rgb, upright.landmarks, size=96).astype(float)
    b = face_crop(tilted_rgb, tilted.landmarks, size=96).astype(float)
    plain = cv2.resize(cv2.cvtColor(tilted_rgb, cv2.COLOR_RGB2GRAY), (96, 96)).astype(float)
    assert np.abs(a - b).mean() < 20 < np.abs(a - plain).mean()


def test_int8_expression_model_computes_what_its_graph_says_on_this_cpu():
    """The fused int8 kernels must agree with exact arithmetic on the quantised graph: with 8-bit
    weights, CPUs without VNNI saturate 16-bit sums (decisions/0024) and facial expression 1.1.0
    lost 6 points of CK+ on them; 7-bit weights keep every CPU exact."""
    from scripts.face_quantize import flip_averaged_logits
    from scripts.ferplus import load_ferplus

    faces, _, _ = load_ferplus(shared("face_emotion", "ferplus", "test").parents[1], "test")
    spec = REPO / "models" / "face_expression" / "ensemble.json"
    for member in json.loads(spec.read_text())["members"]:
        path = spec.parent / member
        fused = flip_averaged_logits(path, faces[:400], exact=False)
        exact = flip_averaged_logits(path, faces[:400], exact=True)
        assert (fused.argmax(1) == exact.argmax(1)).all()
        assert np.abs(fused - exact).max() < 0.1
