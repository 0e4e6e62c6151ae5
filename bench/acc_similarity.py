"""Answer similarity and key-point coverage on bench/labels/answer_similarity.json: 20
questions, each with an expected answer of 3 key points and 3 candidate answers (correct
paraphrase, partial, off-topic), written for this project.

- ROC-AUC of cosine_similarity(candidate, expected answer): correct vs off-topic, and correct vs
  partial (harder);
- key-point coverage accuracy over the 180 (candidate, key point) pairs, with precision/recall of
  "covered";
- with espeak-ng installed, the same on the candidates spoken by espeak-ng and transcribed by
  the service's speech-to-text ("via speech").
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from analyzers.language import key_point_coverage
from analyzers.media import decode, probe
from analyzers.similarity import answer_similarity
from bench.metrics import auc
from contracts.report import Word
from models.registry import get_registry

LABELS = Path(__file__).resolve().parent / "labels" / "answer_similarity.json"


def _words(text: str) -> list[Word]:
    return [
        Word(word=w, start_s=i * 0.4, end_s=i * 0.4 + 0.3, probability=1.0)
        for i, w in enumerate(text.split())
    ]


def _speak(text: str, whisper) -> list[Word]:
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "a.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        audio = decode(wav, info=probe(wav), want_video=False, want_audio=True).audio
    segments, _ = whisper.transcribe(audio)
    return [
        Word(word=w.word.strip(), start_s=w.start, end_s=w.end, probability=w.probability)
        for s in segments
        for w in s.words
    ]


def _score(items, embedder, words_of) -> dict:
    sims = {"correct": [], "partial": [], "off_topic": []}
    tp = fp = fn = tn = 0
    for item in items:
        expected = "\n".join(item["expected"])
        for ans in item["answers"]:
            words = words_of(ans["text"])
            text = " ".join(w.word for w in words)
            s = answer_similarity(text, expected, embed=embedder.embed, model_name=embedder.name)
            sims[ans["kind"]].append(s.cosine_similarity)
            for k, kp in enumerate(key_point_coverage(words, expected, embedder.embed)):
                truth = k in ans["covered"]
                tp += kp.covered and truth
                fp += kp.covered and not truth
                fn += (not kp.covered) and truth
                tn += (not kp.covered) and not truth

    def roc(a: str, b: str) -> float:
        return auc([1] * len(sims[a]) + [0] * len(sims[b]), sims[a] + sims[b])

    pairs = tp + fp + fn + tn
    return {
        "answers": sum(len(v) for v in sims.values()),
        "auc_correct_vs_off_topic": roc("correct", "off_topic"),
        "auc_correct_vs_partial": roc("correct", "partial"),
        "mean_cosine": {k: round(sum(v) / len(v), 3) for k, v in sims.items()},
        "key_point_pairs": pairs,
        "key_point_accuracy": round((tp + tn) / pairs, 4),
        "key_point_precision": round(tp / max(tp + fp, 1), 4),
        "key_point_recall": round(tp / max(tp + fn, 1), 4),
    }


def evaluate() -> dict:
    data = json.loads(LABELS.read_text())
    reg = get_registry()
    embedder = reg.get("embedder")
    out = {"text": {"model": embedder.name, **_score(data["items"], embedder, _words)}}
    if shutil.which("espeak-ng"):
        whisper = reg.get("whisper")
        out["via_speech"] = {
            "model": f"{embedder.name} on {whisper.name} transcripts of espeak-ng",
            **_score(data["items"], embedder, lambda t: _speak(t, whisper)),
        }
    return out
