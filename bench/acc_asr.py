"""Speech-to-text word error rate per corpus, and real-time factor, on ../shared/data/asr
(LibriSpeech test-clean, FLEURS en_us, a non-native speaker reading LJ Speech sentences, JFK)
and on a fixed sample of RAVDESS sentences (every 9th clip: 120 of 1,080).

WER by jiwer after the Whisper English text normaliser (whisper-normalizer, the normaliser of
the Whisper paper) on both reference and hypothesis; RTF = decoding time / audio duration.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import jiwer
from whisper_normalizer.english import EnglishTextNormalizer

from analyzers.media import SAMPLE_RATE_HZ, decode, probe
from models.registry import get_registry

RAVDESS_SENTENCES = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}


def _items(data: Path) -> list[tuple[str, Path, str]]:
    items = []
    with (data / "asr" / "references.csv").open() as f:
        for r in csv.DictReader(f):
            items.append((r["corpus"], data / "asr" / r["file"], r["reference_text"]))
    clips = sorted((data / "speech_emotion" / "ravdess").glob("*.flac"))[::9]
    for p in clips:
        items.append(
            ("RAVDESS (acted emotional sentences)", p, RAVDESS_SENTENCES[p.stem.split("-")[4]])
        )
    return items


def evaluate(data: Path, whisper=None) -> dict:
    whisper = whisper or get_registry().get("whisper")
    norm = EnglishTextNormalizer()
    refs, hyps = defaultdict(list), defaultdict(list)
    audio_s, decode_s = defaultdict(float), defaultdict(float)
    for corpus, path, ref in _items(data):
        audio = decode(path, info=probe(path), want_video=False, want_audio=True).audio
        t0 = time.perf_counter()
        segments, _ = whisper.transcribe(audio)
        decode_s[corpus] += time.perf_counter() - t0
        audio_s[corpus] += len(audio) / SAMPLE_RATE_HZ
        refs[corpus].append(norm(ref))
        hyps[corpus].append(norm(" ".join(s.text for s in segments)))
    out = {}
    for corpus in refs:
        out[corpus] = {
            "model": whisper.name,
            "clips": len(refs[corpus]),
            "words": sum(len(r.split()) for r in refs[corpus]),
            "wer": round(jiwer.wer(refs[corpus], hyps[corpus]), 4),
            "rtf": round(decode_s[corpus] / audio_s[corpus], 4),
            "audio_s": round(audio_s[corpus], 1),
        }
    return out
