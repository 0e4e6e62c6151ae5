"""Language measures of the transcript: vocabulary, sentiment, a grammar proxy, coherence,
relevance to the question and coverage of the expected answer's key points.
Methods and limits: docs/DELIVERY.md.

Sources: VADER (Hutto & Gilbert 2014); moving-average type-token ratio (Covington & McFall
2010); sentence embeddings all-MiniLM-L6-v2 (Reimers & Gurevych 2019); dependency parses from
spaCy en_core_web_sm 3.8.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from analyzers.delivery_audio import FILLERS
from contracts.report import (
    DeliveryLanguage,
    GrammarMeasure,
    KeyPoint,
    SentimentMeasure,
    Vocabulary,
    Word,
)

MATTR_WINDOW = 50
KEY_POINT_COVERED_AT = 0.5  # cosine similarity; paraphrases score 0.6-0.9, unrelated 0-0.2
SENTIMENT_THRESHOLD = 0.05  # VADER's own convention
SUBJECTS = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}
LONG_POINT_WORDS = 10  # a key point this long is split into its clauses (with a parser)
CLAUSE_MIN_WORDS = 3
CLAUSE_JOINERS = {"and", "or", "but", "so", "then", "also", "plus", "finally", "next"}
RUN_ON_SUBJECTS = {"i", "we", "you", "he", "she", "they"}

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Span:
    """A sentence or clause of the transcript with its time span."""

    text: str
    start_s: float
    end_s: float


def _bare(w: str) -> str:
    return re.sub(r"^[^\w']+|[^\w']+$", "", w.lower())


def sentences(words: Sequence[Word]) -> list[Span]:
    """Sentences from the transcript words, ending at a word that ends with . ? or !"""
    out, cur = [], []
    for w in words:
        cur.append(w)
        if w.word.rstrip().endswith((".", "?", "!")):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return [_span(s) for s in out]


def units(words: Sequence[Word]) -> list[Span]:
    """The pieces of the transcript a key point can be found in: sentences, their comma- or
    semicolon-separated clauses, and windows of 6 and 10 words (stride 2) within each sentence
    (punctuation from speech-to-text is unreliable, so clauses alone can miss a point)."""
    out: list[Span] = []
    sentence_words: list[list[Word]] = [[]]
    clause: list[Word] = []
    for w in words:
        sentence_words[-1].append(w)
        clause.append(w)
        end = w.word.rstrip()
        if end.endswith((",", ";", ".", "?", "!")):
            out.append(_span(clause))
            clause = []
        if end.endswith((".", "?", "!")):
            sentence_words.append([])
    if clause:
        out.append(_span(clause))
    for sent in sentence_words:
        if not sent:
            continue
        out.append(_span(sent))
        for size in (6, 10):
            for i in range(0, max(1, len(sent) - size + 1), 2):
                out.append(_span(sent[i : i + size]))
    seen, unique = set(), []
    for s in out:
        if s.text not in seen and len(s.text.split()) >= 2:
            seen.add(s.text)
            unique.append(s)
    return unique


def _span(ws: Sequence[Word]) -> Span:
    return Span(" ".join(w.word for w in ws), ws[0].start_s, ws[-1].end_s)


def clauses(doc, *, min_words: int = CLAUSE_MIN_WORDS) -> list[str]:
    """Split one parsed sentence (or an unpunctuated run of them) into its verbal clauses.

    A clause starts at a verb coordinated with or juxtaposed to the previous one (dependency
    ``conj``, ``dep``, ``parataxis``: "... gather the requirements then design the schema and
    write tests"), or at a verb of a run-on sentence that the parser attached as ``relcl`` /
    ``ccomp`` / ``advcl`` although it has its own personal-pronoun subject and no marker ("I
    managed a team we migrated ..."); it begins at that verb's leftmost dependent (its subject,
    auxiliaries, adverbs). Joining words (and, or, but, so, then, also, finally) and punctuation
    at a clause's edges are dropped (nothing else: "C++", "p95", "S3" stay); a piece shorter
    than ``min_words`` joins the one before (the first one: the one after).
    Coordinated nouns ("salt and pepper") are not clauses.

    Args:
        doc: A spaCy Doc with a dependency parse (models.text.EnglishParser.parse).

    Returns:
        The clauses' texts as written, in order (one item when the sentence is one clause).
    """
    starts = set()
    for t in doc:
        if t.pos_ not in ("VERB", "AUX") or t.i == 0:
            continue
        new = t.dep_ in ("conj", "dep", "parataxis")
        if t.dep_ in ("relcl", "ccomp", "advcl"):
            subject = [c for c in t.lefts if c.dep_ in ("nsubj", "nsubjpass")]
            new = (
                bool(subject)
                and subject[0].lower_ in RUN_ON_SUBJECTS
                and not any(c.dep_ == "mark" for c in t.lefts)
            )
        if new:
            lefts = [c.left_edge.i for c in t.lefts if c.dep_ not in ("cc", "punct")]
            starts.add(min([t.i, *lefts]))
    pieces: list[tuple[str, int]] = []  # (text, words)
    bounds = sorted(b for b in starts if b > 0) + [len(doc)]
    previous = 0
    for bound in bounds:
        tokens = list(doc[previous:bound])
        previous = bound
        while tokens and _edge(tokens[-1]):
            tokens.pop()
        while tokens and _edge(tokens[0]):
            tokens.pop(0)
        if tokens:
            text = doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
            pieces.append((text, len(tokens)))
    out: list[list] = []
    carry = None  # a short first piece, waiting for the next one
    for text, n in pieces:
        if carry is not None:
            text, n, carry = f"{carry[0]} {text}", n + carry[1], None
        if n < min_words and not out:
            carry = (text, n)
        elif n < min_words:
            out[-1][0] = f"{out[-1][0]} {text}"
        else:
            out.append([text, n])
    if carry is not None:
        out.append(list(carry))
    return [text for text, _ in out]


def _edge(token) -> bool:
    """A token dropped at a clause's edge: a joining word, punctuation or space."""
    return token.lower_ in CLAUSE_JOINERS or token.is_punct or token.is_space


def split_key_points(
    expected_answer: str, parse: Callable[[str], object] | None = None
) -> list[str]:
    """Key points of the expected answer: its lines (bullets stripped), each split into
    sentences and at semicolons; with ``parse``, a piece of ``LONG_POINT_WORDS`` words or more
    (a paragraph typed without punctuation, a sentence listing several steps) is split into its
    clauses (:func:`clauses`), so that a point the candidate never made is named as missing
    instead of hiding inside a long point that is "covered" on average.

    Args:
        expected_answer: The client's text.
        parse: ``str -> spaCy Doc`` (models.text.EnglishParser.parse), or None for no clause
            split.
    """
    points = []
    for line in expected_answer.splitlines():
        line = re.sub(r"^\s*(?:[-*•·]|\d+[.)])\s*", "", line).strip()
        for part in re.split(r"(?<=[.!?])\s+|;\s*", line):
            part = part.strip(" .;")
            if len(part.split()) < 2:
                continue
            pieces = []
            if parse is not None and len(part.split()) >= LONG_POINT_WORDS:
                pieces = [c for c in clauses(parse(part)) if len(c.split()) >= 2]
            points.extend(pieces if len(pieces) > 1 else [part])
    return points


def mattr(tokens: Sequence[str], window: int = MATTR_WINDOW) -> float | None:
    """Moving-average type-token ratio (Covington & McFall 2010); plain TTR below the window."""
    if not tokens:
        return None
    if len(tokens) <= window:
        return len(set(tokens)) / len(tokens)
    ratios = [len(set(tokens[i : i + window])) / window for i in range(len(tokens) - window + 1)]
    return float(np.mean(ratios))


def grammar(
    sentence_texts: Sequence[str], parse: Callable[[str], object], tokens: Sequence[str]
) -> GrammarMeasure:
    """Share of sentences that are complete clauses (a verb at the root of the dependency parse
    with a subject, or an imperative), the fragments, and immediate word repetitions."""
    complete, fragments = 0, []
    for text in sentence_texts:
        doc = parse(text)
        roots = [t for t in doc if t.dep_ == "ROOT"]
        ok = False
        for root in roots:
            has_subject = any(c.dep_ in SUBJECTS for c in root.children)
            imperative = root.tag_ == "VB" and root.i == doc[0].i
            if root.pos_ in ("VERB", "AUX") and (has_subject or imperative):
                ok = True
        if ok:
            complete += 1
        else:
            fragments.append(text.strip())
    repeated = sum(
        1 for a, b in zip(tokens, tokens[1:], strict=False) if a == b and a not in FILLERS
    )
    n = len(sentence_texts)
    return GrammarMeasure(
        sentence_count=n,
        complete_sentence_ratio=round(complete / n, 3) if n else None,
        fragments=fragments[:10],
        repeated_words=repeated,
    )


def language_measures(
    words: Sequence[Word],
    *,
    embed: Embed,
    parse: Callable[[str], object],
    sentiment: Callable[[str], float],
    question: str | None = None,
    expected_answer: str | None = None,
) -> DeliveryLanguage:
    """Language measures of the spoken answer.

    Args:
        words: Transcript words in time order (text with punctuation, start_s/end_s).
        embed: ``list[str] -> (n, d)`` unit-norm sentence embeddings.
        parse: ``str -> spaCy Doc``.
        sentiment: ``sentence -> VADER compound score in [-1, 1]``.
        question: The interview question, for relevance.
        expected_answer: The reference answer, for key-point coverage.

    Returns:
        The ``delivery.language`` section; measures needing text are None without words.
    """
    tokens = [_bare(w.word) for w in words]
    tokens = [t for t in tokens if t and t not in FILLERS]
    sents = sentences(words)
    texts = [s.text for s in sents]
    vocab = Vocabulary(
        unique_words=len(set(tokens)),
        type_token_ratio=round(len(set(tokens)) / len(tokens), 3) if tokens else None,
        mattr=round(mattr(tokens), 3) if tokens else None,
    )
    scores = [sentiment(t) for t in texts]
    senti = SentimentMeasure(
        compound_mean=round(float(np.mean(scores)), 3) if scores else None,
        label=_label(float(np.mean(scores))) if scores else None,
        positive_share=round(float(np.mean([s >= SENTIMENT_THRESHOLD for s in scores])), 3)
        if scores
        else None,
        negative_share=round(float(np.mean([s <= -SENTIMENT_THRESHOLD for s in scores])), 3)
        if scores
        else None,
    )
    coherence = None
    relevance = None
    if texts:
        vectors = embed(texts)
        if len(texts) >= 2:
            coherence = round(float(np.mean(np.sum(vectors[1:] * vectors[:-1], axis=1))), 3)
        if question:
            from analyzers.similarity import cosine, text_embedding

            relevance = round(
                cosine(text_embedding(" ".join(texts), embed), text_embedding(question, embed)), 3
            )
    points = key_point_coverage(words, expected_answer, embed, parse) if expected_answer else []
    return DeliveryLanguage(
        word_count=len(tokens),
        sentence_count=len(sents),
        mean_sentence_words=round(len(tokens) / len(sents), 1) if sents else None,
        vocabulary=vocab,
        sentiment=senti,
        grammar=grammar(texts, parse, tokens),
        coherence=coherence,
        relevance_to_question=relevance,
        key_points=points,
        key_point_coverage=round(sum(p.covered for p in points) / len(points), 3)
        if points
        else None,
    )


def _label(compound: float) -> str:
    if compound >= SENTIMENT_THRESHOLD:
        return "positive"
    if compound <= -SENTIMENT_THRESHOLD:
        return "negative"
    return "neutral"


def key_point_coverage(
    words: Sequence[Word],
    expected_answer: str,
    embed: Embed,
    parse: Callable[[str], object] | None = None,
) -> list[KeyPoint]:
    """Each key point of the expected answer (:func:`split_key_points`; split into clauses
    with ``parse``), covered or missing, with the transcript sentence or clause most similar to
    it (cosine similarity >= 0.5 counts as covered)."""
    points = split_key_points(expected_answer, parse)
    if not points:
        return []
    pieces = units(words)
    p_vec = embed(points)
    if not pieces:
        return [KeyPoint(point=p, covered=False, cosine_similarity=0.0) for p in points]
    u_vec = embed([u.text for u in pieces])
    sims = p_vec @ u_vec.T
    out = []
    for i, point in enumerate(points):
        j = int(np.argmax(sims[i]))
        sim = float(np.clip(sims[i, j], -1, 1))
        covered = sim >= KEY_POINT_COVERED_AT
        out.append(
            KeyPoint(
                point=point,
                covered=covered,
                cosine_similarity=round(sim, 3),
                evidence=pieces[j].text if covered else None,
                start_s=pieces[j].start_s if covered else None,
                end_s=pieces[j].end_s if covered else None,
                closest=pieces[j].text if not covered else None,
            )
        )
    return out
