"""Every accuracy evaluation on ../shared/data: one table, bench/results/accuracy.json.

    python -m bench.accuracy [--only face,speech_emotion,asr,similarity]

See each module for data, split and metric: bench/acc_face.py, bench/acc_speech_emotion.py,
bench/acc_asr.py, bench/acc_similarity.py. docs/ACCURACY.md sets the figures beside published
anchors.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "results" / "accuracy.json"


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(analyzer, data, metric, value) rows for the printed table."""
    out = []
    for r in results.get("face", {}).values():
        for mode in ("classifier", "pipeline"):
            m = r[mode]
            extra = f", faces found {m['face_detection_rate']:.1%}" if mode == "pipeline" else ""
            out.append(
                (
                    "facial expression",
                    f"{r['data']} ({mode}, n={m['n']})",
                    "accuracy / macro-F1",
                    f"{m['accuracy']:.1%} / {m['macro_f1']:.3f}{extra}",
                )
            )
        if "facex_classifier" in r:
            m = r["facex_classifier"]
            out.append(
                (
                    "facial expression",
                    f"{r['data']} (comparison: facex 1.1.0, training data not stated)",
                    "accuracy / macro-F1",
                    f"{m['accuracy']:.1%} / {m['macro_f1']:.3f}",
                )
            )
        if "classifier_prior_corrected" in r:
            m = r["classifier_prior_corrected"]
            out.append(
                (
                    "facial expression",
                    f"{r['data']} (analysis: uniform-prior logit adjustment, not shipped)",
                    "accuracy / macro-F1",
                    f"{m['accuracy']:.1%} / {m['macro_f1']:.3f}",
                )
            )
        c = r["calibration"]
        out.append(
            (
                "facial expression",
                f"{r['data']}",
                "ECE before / after T",
                f"{c['ece_before']:.3f} / {c['ece_after_temperature']:.3f}",
            )
        )
    r = results.get("speech_emotion")
    if r:
        for key in (
            "ravdess",
            "ravdess_female",
            "ravdess_male",
            "emodb",
            "emodb_female",
            "emodb_male",
        ):
            m = r[key]
            out.append(
                (
                    "speech emotion",
                    f"{key} through /audio/emotion, speaker-grouped 7-fold (n={m['n']})",
                    "accuracy / answered / acc. answered / affect",
                    f"{m['accuracy']:.1%} / {m['coverage']:.1%} / {m['accuracy_answered']:.1%}"
                    f" / {m['affect_accuracy']:.1%}",
                )
            )
        out.append(
            (
                "speech emotion",
                "both corpora, speech chunks",
                "share labelled uncertain",
                f"{r['uncertain_chunk_share']:.1%}",
            )
        )
    for corpus, r in results.get("asr", {}).items():
        out.append(
            (
                "speech-to-text",
                f"{corpus} ({r['clips']} clips, {r['words']} words)",
                "WER / RTF",
                f"{r['wer']:.1%} / {r['rtf']:.3f}",
            )
        )
    for mode, r in results.get("similarity", {}).items():
        out.append(
            (
                "answer similarity",
                f"60 written triples ({mode})",
                "AUC correct vs off-topic / vs partial",
                f"{r['auc_correct_vs_off_topic']:.3f} / {r['auc_correct_vs_partial']:.3f}",
            )
        )
        out.append(
            (
                "key-point coverage",
                f"180 point-answer pairs ({mode})",
                "accuracy / precision / recall",
                f"{r['key_point_accuracy']:.1%} / {r['key_point_precision']:.1%} / "
                f"{r['key_point_recall']:.1%}",
            )
        )
    for name, r in results.get("skills", {}).items():
        if "precision" in r:
            kind = "job-description skills" if name.startswith("job") else "resume skills"
            out.append(
                (
                    kind,
                    f"{r['data'].split(',')[0]} ({r['system']})",
                    "precision / recall / F1 (micro)",
                    f"{r['precision']:.1%} / {r['recall']:.1%} / {r['f1']:.3f}",
                )
            )
        elif "recall" in r:
            out.append(("skill spans", r["data"], "span recall (overlap)", f"{r['recall']:.1%}"))
        elif "exact" in r:
            for how in ("exact", "loose"):
                m = r[how]
                out.append(
                    (
                        "skill spans",
                        r["data"],
                        f"P / R / F1 ({how})",
                        f"{m['precision']:.1%} / {m['recall']:.1%} / {m['f1']:.3f}",
                    )
                )
        else:
            for system, m in r.items():
                if isinstance(m, dict):
                    out.append(
                        (
                            "ESCO linking",
                            f"{r['data']} ({system})",
                            "top-1 accuracy / linked share / link precision",
                            f"{m['top1_accuracy']:.1%} / {m.get('linked_share', '-')} / "
                            f"{m.get('link_precision', '-')}",
                        )
                    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="face,speech_emotion,asr,similarity,skills")
    args = ap.parse_args()
    wanted = args.only.split(",")
    results: dict = {}
    timings = {}
    for name in wanted:
        t0 = time.time()
        if name == "face":
            from bench.acc_face import evaluate

            results[name] = evaluate(DATA / "face_emotion")
        elif name == "speech_emotion":
            from bench.acc_speech_emotion import evaluate

            results[name] = evaluate(DATA / "speech_emotion")
        elif name == "asr":
            from bench.acc_asr import evaluate

            results[name] = evaluate(DATA)
        elif name == "similarity":
            from bench.acc_similarity import evaluate

            results[name] = evaluate()
        elif name == "skills":
            from bench.acc_skills import evaluate

            results[name] = evaluate(DATA)
        timings[name] = round(time.time() - t0, 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    (OUT.parent / "accuracy.partial.json").write_text(json.dumps(results, indent=2) + "\n")
    table = rows(results)
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(OUT.read_text()) if OUT.exists() else {}
    previous.update(results)
    previous["_meta"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "seconds": timings,
    }
    OUT.write_text(json.dumps(previous, indent=2) + "\n")
    (OUT.parent / "accuracy.partial.json").unlink(missing_ok=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
