"""Speech-emotion accuracy through the endpoint, speaker-independent.

Every clip of RAVDESS (actors 01-18, calm -> neutral) and EmoDB (boredom left out) is posted to
``POST /api/v1/audio/emotion`` (Flask test client, the service's own decoding, voice activity,
segments, windows and aggregation) while the registry serves the model of the fold that never
heard its speaker (``make train-speech-emotion`` writes the 7 fold models to
bench/.cache/speech_emotion_folds/). The clip's answer is the report's ``dominant_emotion``;
a clip with no confident segment (``null``) counts as wrong in ``accuracy`` and is left out of
``accuracy_answered``. The figures must agree with the training script's cross-validated ones,
which compute the same path in-process: a gap between the two is a bug in one of them.

    python -m bench.accuracy --only speech_emotion
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from app import create_app
from contracts.labels import EMOTION_LABELS
from models.registry import get_registry
from models.speech_emotion import SpeechEmotionModel
from scripts.train_speech_emotion import FOLD_DIR, load_clips, summarise
from service.settings import Settings


def evaluate(data: Path) -> dict:
    folds_file = FOLD_DIR / "folds.json"
    if not folds_file.exists():
        raise SystemExit("run `make train-speech-emotion` first (it writes the fold models)")
    folds = json.loads(folds_file.read_text())
    clips = load_clips(data)
    registry = get_registry()
    answers: dict[str, str | None] = {}
    uncertain_chunks = chunks = 0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            upload_dir=Path(tmp) / "up",
            var_dir=Path(tmp) / "var",
            store_reports=False,
            language_check=False,  # the spoken-language check does not change this section
        )
        (Path(tmp) / "up").mkdir()
        client = create_app(settings, models=registry).test_client()
        for fold in folds:
            registry.replace(
                "speech_emotion", SpeechEmotionModel(FOLD_DIR / f"fold{fold['fold']}.npz")
            )
            held = set(fold["test_speakers"])
            for c in clips:
                if c.speaker not in held:
                    continue
                path = data / c.file
                resp = client.post(
                    "/api/v1/audio/emotion",
                    data={"audio": (io.BytesIO(path.read_bytes()), path.name)},
                    content_type="multipart/form-data",
                )
                assert resp.status_code == 200, (c.file, resp.status_code)
                section = resp.get_json()["audio_emotion"]
                answers[c.file] = section["dominant_emotion"]
                chunks += section["speech_chunks"]
                uncertain_chunks += section["speech_chunks"] - section["confident_chunks"]
    registry.replace("speech_emotion", SpeechEmotionModel())
    out: dict = {
        "data": "RAVDESS actors 01-18 and EmoDB, each clip posted to /api/v1/audio/emotion, "
        "scored by the fold model that never heard its speaker",
        "uncertain_chunk_share": round(uncertain_chunks / max(chunks, 1), 4),
    }
    labels = list(EMOTION_LABELS)
    for corpus in ("ravdess", "emodb"):
        for gender in (None, "female", "male"):
            sel = [
                c for c in clips if c.corpus == corpus and (gender is None or c.gender == gender)
            ]
            key = corpus if gender is None else f"{corpus}_{gender}"
            out[key] = summarise([c.label for c in sel], [answers[c.file] for c in sel], labels)
    return out
