"""Semantic similarity of the spoken answer to the expected answer (sentence embeddings).

Source: all-MiniLM-L6-v2 (Reimers & Gurevych 2019, Sentence-BERT); cosine similarity of
L2-normalised mean-pooled embeddings. Texts longer than the model's 256 word pieces are split
into passages of at most 150 words; a text's embedding is the normalised mean of its passages'.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from contracts.report import AnswerSimilaritySection

PASSAGE_WORDS = 150

Embed = Callable[[list[str]], np.ndarray]


def _passages(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + PASSAGE_WORDS]) for i in range(0, len(words), PASSAGE_WORDS)]


def text_embedding(text: str, embed: Embed) -> np.ndarray:
    """Unit-norm embedding of a text of any length, float32 shape (d,)."""
    vectors = embed(_passages(text) or [""])
    mean = vectors.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two unit vectors, clipped to [-1, 1]."""
    return float(np.clip(np.dot(a, b), -1.0, 1.0))


def similarity_pct(cosine_similarity: float) -> float:
    """0-100 rescale: ``100 * max(0, cosine_similarity)``, 1 decimal. Negative cosines (opposed
    meaning is rare for this model; unrelated texts sit near 0-0.2) map to 0."""
    return round(100.0 * max(0.0, cosine_similarity), 1)


def answer_similarity(
    answer: str, expected_answer: str, *, embed: Embed, model_name: str, question: str | None = None
) -> AnswerSimilaritySection:
    """Compare the transcript with the expected answer (and the question, when given).

    Args:
        answer: The transcript text; may be empty (similarity is then 0).
        expected_answer: The reference answer, non-empty.
        embed: ``list[str] -> (n, d)`` unit-norm embeddings.
        model_name: Reported in the section.
        question: Optional interview question.
    """
    expected = text_embedding(expected_answer, embed)
    if answer.strip():
        given = text_embedding(answer, embed)
        cos = cosine(given, expected)
        q_cos = cosine(given, text_embedding(question, embed)) if question else None
    else:
        cos, q_cos = 0.0, (0.0 if question else None)
    return AnswerSimilaritySection(
        model=model_name,
        cosine_similarity=round(cos, 4),
        similarity_pct=similarity_pct(cos),
        question_cosine_similarity=round(q_cos, 4) if q_cos is not None else None,
    )
