"""Spoken-language identification on the path the service runs: voice activity, the first 30 s
of speech, Whisper base's language probabilities (pipeline.speech.spoken_language).

    python -m bench.acc_language [--per-set 40]

Non-English: EmoDB (German, acted). English: RAVDESS (acted), AMI (spontaneous meetings),
LibriSpeech, FLEURS en_us, LJ texts read by a non-native speaker, JFK. Per set: clips, share
judged English, p(English) median and range, seconds per clip. Writes
bench/results/language.json. No threshold was tuned on these sets: English means
p(English) >= 0.5, the decision rule fixed before measuring.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from analyzers.media import decode, probe
from models.registry import get_registry
from pipeline.speech import spoken_language, voice_activity

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "results" / "language.json"
SETS = {
    "emodb (de)": ("speech_emotion/emodb", "de"),
    "ravdess (en, acted)": ("speech_emotion/ravdess", "en"),
    "ami (en, meetings)": ("asr/ami_meetings", "en"),
    "librispeech (en)": ("asr/librispeech_test_clean", "en"),
    "fleurs (en_us)": ("asr/fleurs_en", "en"),
    "lj non-native (en)": ("asr/dc_tts_lj_readings", "en"),
    "jfk (en)": ("asr/whisper_jfk", "en"),
}
AUDIO = (".flac", ".wav", ".mp3", ".ogg")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=40)
    args = parser.parse_args()
    reg = get_registry()
    rng = random.Random(0)
    rows = []
    for name, (folder, truth) in SETS.items():
        files = sorted(p for p in (DATA / folder).glob("*") if p.suffix in AUDIO)
        if not files:
            continue
        if len(files) > args.per_set:
            files = rng.sample(files, args.per_set)
        probs, right, t0 = [], 0, time.perf_counter()
        for path in files:
            audio = decode(path, info=probe(path), want_video=False, want_audio=True).audio
            regions = voice_activity(audio)
            if not regions:
                continue
            spoken = spoken_language(reg, audio, regions, [])
            probs.append(spoken.english_probability)
            right += spoken.english == (truth == "en")
        n = len(probs)
        rows.append(
            {
                "set": name,
                "clips": n,
                "correct": round(right / n, 3),
                "p_english_median": round(statistics.median(probs), 3),
                "p_english_min": round(min(probs), 3),
                "p_english_max": round(max(probs), 3),
                "seconds_per_clip": round((time.perf_counter() - t0) / n, 2),
            }
        )
        print(rows[-1])
    OUT.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
