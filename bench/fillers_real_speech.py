"""Fillers on real speech: the AMI meeting excerpts (real, spontaneous English conversation,
12 x 30 s) against read speech (LibriSpeech test-clean, LJ Speech readings, FLEURS), through
``/api/v1/analyze`` (the speech-to-text with its filler prompt, docs/decisions/0006, and
``delivery.audio.filler_words``). Spontaneous talk should keep its um / uh / er; read speech
should get none. No transcripts exist for the AMI excerpts, so this counts, it does not score.

    python -m bench.fillers_real_speech

Prints a table and writes bench/results/fillers_real_speech.json (file names and counts only).
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "asr"
OUT = REPO / "bench" / "results" / "fillers_real_speech.json"
HESITATIONS = {"um", "uh", "er", "erm", "hmm", "mm", "ah", "uhm"}
SETS = {
    "ami_meetings (spontaneous)": ("ami_meetings", "*.flac", 12),
    "librispeech_test_clean (read)": ("librispeech_test_clean", "*.flac", 10),
    "dc_tts_lj_readings (read)": ("dc_tts_lj_readings", "*.wav", 10),
    "fleurs_en (read)": ("fleurs_en", "*.*", 10),
}


def client(root: Path):
    from app import create_app
    from models.registry import get_registry
    from service.settings import Settings

    settings = Settings(
        upload_dir=root / "uploads",
        var_dir=root / "var",
        preload_models=False,
        emotion_enabled=False,  # fillers do not depend on it
        language_check=False,
        store_reports=False,
    )
    return create_app(settings, models=get_registry()).test_client()


def fillers(c, path: Path) -> dict:
    """The clip's filler counts as /api/v1/analyze reports them."""
    body = c.post(
        "/api/v1/analyze",
        data={"audio": (io.BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data",
    ).get_json()
    audio = (body.get("delivery") or {}).get("audio") or {}
    found = audio.get("filler_words") or {}
    by_word = found.get("by_word") or {}
    return {
        "file": path.name,
        "words": audio.get("word_count") or 0,
        "fillers": found.get("count") or 0,
        "hesitations": sum(n for w, n in by_word.items() if w in HESITATIONS),
        "by_word": by_word,
    }


def evaluate(sets: dict = SETS) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        c = client(Path(tmp))
        for name, (folder, pattern, n) in sets.items():
            files = sorted(p for p in (DATA / folder).glob(pattern) if p.suffix != ".txt")[:n]
            clips = [fillers(c, f) for f in files]
            out[name] = {
                "clips": len(clips),
                "words": sum(x["words"] for x in clips),
                "fillers": sum(x["fillers"] for x in clips),
                "hesitations": sum(x["hesitations"] for x in clips),
                "clips_with_hesitations": sum(x["hesitations"] > 0 for x in clips),
                "per_clip": clips,
            }
    return out


def main() -> None:
    results = evaluate()
    print("set                             clips  words  fillers  um/uh/er  clips with um/uh/er")
    for name, r in results.items():
        print(
            f"{name:<31} {r['clips']:>5}  {r['words']:>5}  {r['fillers']:>7}  "
            f"{r['hesitations']:>8}  {r['clips_with_hesitations']:>19}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **results}, indent=2
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
