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


def wer_by_corpus(rows: list[dict]) -> dict:
    """WER and RTF per corpus from rows of ``corpus, reference, hypothesis, audio_s, decode_s``
    (both texts through the Whisper English normaliser)."""
    norm = EnglishTextNormalizer()
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["corpus"]].append(r)
    out = {}
    for corpus, rs in by.items():
        refs = [norm(r["reference"]) for r in rs]
        out[corpus] = {
            "clips": len(rs),
            "words": sum(len(x.split()) for x in refs),
            "wer": round(jiwer.wer(refs, [norm(r["hypothesis"]) for r in rs]), 4),
            "rtf": round(sum(r["decode_s"] for r in rs) / sum(r["audio_s"] for r in rs), 4),
            "audio_s": round(sum(r["audio_s"] for r in rs), 1),
        }
    return out


def evaluate(data: Path, whisper=None, corpora: set[str] | None = None) -> dict:
    """Our speech-to-text per corpus (``corpora``: only these)."""
    whisper = whisper or get_registry().get("whisper")
    rows = []
    for corpus, path, ref in _items(data):
        if corpora is not None and corpus not in corpora:
            continue
        audio = decode(path, info=probe(path), want_video=False, want_audio=True).audio
        t0 = time.perf_counter()
        segments, _ = whisper.transcribe(audio)
        rows.append(
            {
                "corpus": corpus,
                "reference": ref,
                "hypothesis": " ".join(s.text for s in segments),
                "audio_s": len(audio) / SAMPLE_RATE_HZ,
                "decode_s": time.perf_counter() - t0,
            }
        )
    return {c: {"model": whisper.name, **v} for c, v in wer_by_corpus(rows).items()}
