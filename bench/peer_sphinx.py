"""Peer: SpeechRecognition's offline engine, PocketSphinx (``recognize_sphinx``), on 16 kHz WAV
files. Runs in ``.venv-peers``; imports nothing of this project. Prints one JSON line.

    .venv-peers/bin/python -m bench.peer_sphinx SPEC.json

SPEC: {"clips": [[corpus, wav_path, reference], ...], "interview": wav_path}.
"""

from __future__ import annotations

import json
import sys
import time
import wave


def _recognize(recognizer, path: str) -> tuple[str, float, float]:
    import speech_recognition as sr

    with sr.AudioFile(path) as source:
        audio = recognizer.record(source)
    with wave.open(path) as w:
        duration = w.getnframes() / w.getframerate()
    t0 = time.perf_counter()
    try:
        text = recognizer.recognize_sphinx(audio)
    except sr.UnknownValueError:
        text = ""
    return text, duration, time.perf_counter() - t0


def main() -> None:
    import speech_recognition as sr

    spec = json.loads(open(sys.argv[1]).read())
    recognizer = sr.Recognizer()
    rows = []
    for corpus, path, reference in spec["clips"]:
        text, duration, took = _recognize(recognizer, path)
        rows.append(
            {
                "corpus": corpus,
                "reference": reference,
                "hypothesis": text,
                "audio_s": duration,
                "decode_s": took,
            }
        )
    _, duration, took = _recognize(recognizer, spec["interview"])
    print(json.dumps({"hypotheses": rows, "interview_rtf": round(took / duration, 4)}))


if __name__ == "__main__":
    main()
