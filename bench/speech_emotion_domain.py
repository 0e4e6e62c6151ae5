"""How the speech-emotion model behaves outside its training data: share of speech chunks
within its training distribution, the labels it gives (``uncertain`` included), and the share of
chunks labelled angry, disgust or fear, on read speech and real meeting speech
(../shared/data/asr, AMI among them: calm business talk, where those labels are false alarms)
and on the talking-head videos (../shared/data/video). ``argmax_*`` gives what the labels would
be without the uncertain label, for comparison. The four read-speech sets (not AMI) are the
"other speech" the model's acted-or-other check was trained against (scripts/
train_speech_emotion.py): on them, uncertain is so by construction; AMI and the videos are the
checks.

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
TENSE = ("angry", "disgust", "fear")
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
    print(
        f"{'data':32s} {'chunks':>6s} {'in domain':>9s} {'uncertain':>9s} {'a/d/f':>7s} "
        f"{'argmax':>7s}  labels"
    )
    for name, files in groups.items():
        labels: Counter = Counter()
        argmax: Counter = Counter()
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
                min_top_probability=ser.min_top_probability,
                prosody=ser.uses_prosody,
            )
            for c in out.chunks:
                labels[c.label] += 1
                argmax[max(c.emotion.model_dump().items(), key=lambda kv: kv[1])[0]] += 1
                flags.append(c.in_domain)
        if not flags:
            continue
        share = sum(flags) / len(flags)
        results[name] = {
            "speech_chunks": len(flags),
            "in_domain_share": round(share, 3),
            "uncertain_share": round(labels["uncertain"] / len(flags), 3),
            "angry_disgust_fear_share": round(sum(labels[k] for k in TENSE) / len(flags), 3),
            "argmax_angry_disgust_fear_share": round(sum(argmax[k] for k in TENSE) / len(flags), 3),
            "labels": dict(labels.most_common()),
            "argmax_labels": dict(argmax.most_common()),
        }
        r = results[name]
        print(
            f"{name:32s} {len(flags):6d} {share:9.2f} {r['uncertain_share']:9.2f} "
            f"{r['angry_disgust_fear_share']:7.2f} {r['argmax_angry_disgust_fear_share']:7.2f}  "
            f"{dict(labels.most_common())}"
        )
    out = REPO / "bench" / "results" / "speech_emotion_domain.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
