"""How the speech-emotion model behaves outside its training data: share of speech chunks
within its training distribution, and the labels it gives, on read speech (../shared/data/asr)
and on the talking-head videos (../shared/data/video).

    python -m bench.speech_emotion_domain

Prints a table and writes bench/results/speech_emotion_domain.json.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from analyzers.audio_emotion import classify_chunks
from analyzers.media import SAMPLE_RATE_HZ, decode, probe
from models.registry import get_registry
from models.whisper import speech_regions

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
AUDIO_SUFFIXES = {".flac", ".wav", ".mp3", ".ogg", ".mp4", ".mov"}


def main() -> None:
    reg = get_registry()
    whisper, ser = reg.get("whisper"), reg.get("speech_emotion")
    groups = {
        f"asr/{d.name}": sorted(d.iterdir()) for d in sorted((DATA / "asr").iterdir()) if d.is_dir()
    }
    groups["video (speech clips)"] = sorted((DATA / "video").glob("*_WDA_*.mp4")) + sorted(
        (DATA / "video").glob("videoretalking_*.mp4")
    )
    results = {}
    print(f"{'data':32s} {'chunks':>6s} {'in domain':>9s}  labels")
    for name, files in groups.items():
        labels: Counter = Counter()
        flags = []
        for f in files:
            if f.suffix not in AUDIO_SUFFIXES:
                continue
            info = probe(f)
            if not info.has_audio:
                continue
            audio = decode(f, info=info, want_video=False, want_audio=True).audio
            regions = [(a / SAMPLE_RATE_HZ, b / SAMPLE_RATE_HZ) for a, b in speech_regions(audio)]
            out = classify_chunks(
                audio,
                SAMPLE_RATE_HZ,
                encoder=whisper.encode_window,
                predict_proba=ser.predict_proba,
                speech_regions_s=regions,
                model_name=ser.name,
                in_domain=ser.in_domain,
            )
            for c in out.chunks:
                if c.speech:
                    labels[c.label] += 1
                    flags.append(c.in_domain)
        if not flags:
            continue
        share = sum(flags) / len(flags)
        results[name] = {
            "speech_chunks": len(flags),
            "in_domain_share": round(share, 3),
            "labels": dict(labels.most_common()),
        }
        print(f"{name:32s} {len(flags):6d} {share:9.2f}  {dict(labels.most_common())}")
    out = REPO / "bench" / "results" / "speech_emotion_domain.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
