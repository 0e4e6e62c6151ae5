"""Skills stated in prose and in lists that the gazetteer (resume/skills.py) does not hold:
candidate phrases (resume/phrases.py) scored by a small classifier, then linked to ESCO by
meaning.

1. Candidates: list items, noun phrases and verb + object phrases of the document.
2. Each candidate gets features (resume/data/SKILL_CLASSIFIER.md): how it stands (list item,
   prose, section, items on its line), its shape (tokens, capitals, digits), how rare its words
   are (MiniLM word-piece rank), how ESCO-like its words are, its cosine similarity to the
   nearest ESCO preferred label, its static phrase vector (128-d, Model2Vec-style
   distillation of all-MiniLM-L6-v2: scripts/build_skill_vectors.py) and its context in its
   line (the word before it, a year on the line, where it starts). Gradient-boosted trees
   (scikit-learn, run as ONNX by onnxruntime) trained on the tuning sets
   (scripts/train_skill_classifier.py) give the probability that a careful reader lists the
   phrase as a skill: the skill's ``confidence``.
3. Accepted phrases (probability >= the document kind's threshold) are linked to an ESCO skill
   by name when they are one of its labels (preferred or alternative), else to the nearest
   ESCO preferred label by the static vectors' cosine similarity when it reaches
   ``link_threshold`` (calibrated on the ESCO-linked validation spans of Decorte et al. 2022);
   unlinked phrases are reported as the document states them, with ``source: "resume"``.
   A phrase that names a place (GeoNames) or an organisation (a title-cased name ending in
   "Hospital", "College", "Inc", ...) is never a skill.

Nothing here loads a model: the caller passes the tagger (models.text.EnglishParser.tag); the
vectors and the classifier are read once per process by :class:`SemanticSkillModel`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from resume.normalize import norm_phrase
from resume.phrases import Candidate, candidates

DATA = Path(__file__).resolve().parent / "data"
VECTORS_PATH = DATA / "skill_vectors.npz"
CLASSIFIER_PATH = DATA / "skill_classifier.json"
NOMINALS_PATH = DATA / "nominalisations.json"
SECTIONS = ("skills", "experience", "summary", "education", "other")
KINDS = ("list", "noun", "verb")
UNKNOWN_RANK = 30522  # a word the MiniLM vocabulary splits into pieces: rare
STATIC_BATCH = 256
# the word before a candidate, when it is one of these (a preposition that introduces a tool,
# an employer or a place; a list separator; a verb or noun that announces skills)
PREVIOUS_WORDS = (
    "in", "with", "of", "at", "for", "using", "including", "on", "to", "and", "the", "a",
    "as", "by", "from", ",", ":", "-", "\u2022", "managed", "experience", "knowledge",
    "proficient", "skills",
)  # fmt: skip
CONTACT = re.compile(r"@|https?:|www\.", re.I)  # not ".net": "ASP.NET" is a skill
YEAR = re.compile(r"\b(19|20)\d\d\b")
# words before the object that the skill's name leaves out ("managed *our* vendors")
OBJECT_NOISE = frozenset(
    "the a an all our their its his her my your new existing various multiple several daily "
    "weekly monthly".split()
)
MAX_OBJECT_WORDS = 3
PLACE_JOINS = re.compile(r"\s*(?:,|&|\band\b|\bor\b)\s*")
# where a phrase says what happens: "Sales in Europe", "Hubs in Houston"
PLACE_TAIL = re.compile(r"\s+(?:in|at|across|throughout|near|around|to)\s+(\S.*)$")
# A town named like a word ("Mobile", "Reading", "Jackson") is a place when a US state's code
# follows it: "in Mobile, AL".
US_STATE_AFTER = re.compile(
    r",\s*(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI"
    r"|S[CD]|T[NX]|UT|V[TA]|W[AVIY])\b"
)
# what a place is the place of ("Offices in Austin", "hubs in Houston"): where, not a skill
SITE_NOUNS = frozenset(
    "office offices hub hubs site sites location locations branch branches headquarters hq "
    "campus campuses store stores plant plants facility facilities warehouse warehouses "
    # ... or of a move: "Travel to Cork", "relocation to Austin"
    "travel travels travelling traveling relocation relocate relocating move commute".split()
)
# the last word of a phrase that names an area, not a skill ("Rust Belt region")
AREA_WORDS = frozenset("region regions area areas district districts county province".split())
# "go-to-market": a phrase holding it is the term, never a skill (the issue's own example)
GO_TO_MARKET = re.compile(r"\bgo[\s-]+to[\s-]+market\b", re.I)
# "go to market plan" written without hyphens: "market plan" is a piece of the term, not a skill
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
GO_TO = re.compile(r"\bgo[\s-]+to[\s-]+$", re.I)
_INVARIANT = re.compile(r"(ss|us|is|news|sales|series|species)$")
# fields named by a plural in -ics ("logistics"); other -ics words are plurals ("antibiotics")
_ICS_FIELDS = frozenset(
    "analytics logistics economics physics mathematics statistics electronics graphics robotics "
    "ethics politics genetics linguistics athletics aesthetics acoustics ergonomics hydraulics "
    "pneumatics optics forensics dynamics kinetics informatics bioinformatics mechanics "
    "diagnostics aerobics gymnastics phonics semantics thermodynamics biomechanics telematics "
    "avionics ceramics metrics basics".split()
)


def singular(word: str) -> str:
    """The singular of a lower-case English plural noun by its spelling ("accounts" ->
    "account", "policies" -> "policy", "batches" -> "batch"); words with a capital (names:
    "Kubernetes", "APIs"), words that end in -ss, -us, -is, fields in -ics and words the same
    in both numbers ("sales", "logistics") unchanged."""
    low = word.lower()
    if word != low or len(low) < 4:  # names keep their spelling: "Kubernetes", "APIs"
        return word
    if low.endswith("ies") and low not in ("series", "species"):
        return word[:-3] + "y"
    if _INVARIANT.search(low) or low in _ICS_FIELDS:
        return word
    if re.search(r"(ches|shes|sses|xes|zzes)$", low):
        return word[:-2]
    if low.endswith("s"):
        return word[:-1]
    return word


def nominal_form(phrase: str, nouns: dict[str, str]) -> str | None:
    """The skill a verb + object phrase states, named as a reader lists it: the object (up to
    MAX_OBJECT_WORDS, singular) and the verb's action noun ("reconciled bank accounts" ->
    "bank account reconciliation", "planned events" -> "event planning"). ``nouns``: written
    verb form -> action noun (resume/data/nominalisations.json, built from ESCO's labels by
    scripts/build_nominalisations.py). None when the verb has no action noun there or the
    object is empty, long or not words."""
    words = phrase.split()
    if len(words) < 2:
        return None
    noun = nouns.get(words[0].lower())
    obj = words[1:]
    while obj and obj[0].lower() in OBJECT_NOISE:
        obj = obj[1:]
    if noun is None or not obj or len(obj) > MAX_OBJECT_WORDS:
        return None
    if not all(re.fullmatch(r"[A-Za-z][\w&/+#.'-]*", w) for w in obj):
        return None
    return " ".join([*obj[:-1], singular(obj[-1]), noun])


@dataclass(frozen=True)
class ScoredPhrase:
    """A candidate with the classifier's probability and, when linked, its ESCO skill.

    Attributes:
        candidate: The phrase, its span and context.
        confidence: P(a careful reader lists it as a skill), 0-1.
        esco_index: Row of the ESCO skill it links to (None: not linked).
        link_cosine: Cosine similarity to that skill's preferred label (None: not computed).
    """

    candidate: Candidate
    confidence: float
    esco_index: int | None = None
    link_cosine: float | None = None


class SkillVectors:
    """The arrays of resume/data/skill_vectors.npz (see scripts/build_skill_vectors.py).

    Args:
        tokenizer_path: all-MiniLM-L6-v2's tokenizer.json (models.paths.minilm_tokenizer()).
        path: The vectors.
    """

    def __init__(self, tokenizer_path: Path, path: Path = VECTORS_PATH) -> None:
        with np.load(path) as z:
            self.token_vectors = z["token_vectors"].astype(np.float32) * z["token_scale"][:, None]

            def texts(key: str) -> list[str]:
                return z[key].tobytes().decode("utf-8").split("\n")

            esco = z["esco_static"].astype(np.float32) * z["esco_static_scale"][:, None]
            self.esco_static = esco / np.maximum(np.linalg.norm(esco, axis=1, keepdims=True), 1e-9)
            self.esco_uri = texts("esco_uri")
            self.esco_label = texts("esco_label")
            self.esco_type = texts("esco_type")
            self.occupations = set(texts("occupation_labels"))
            self.places = set(texts("place_names"))
            self.esco_by_name = dict(
                zip(texts("esco_names"), z["esco_name_skill"].tolist(), strict=True)
            )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._vocab = self._tokenizer.get_vocab()
        words = [norm_phrase(label).split() for label in self.esco_label]
        self.esco_head_count = Counter(w[-1] for w in words if w)
        self.esco_word_count = Counter(x for w in words for x in set(w))
        self.occupation_head_count = Counter(o.split()[-1] for o in self.occupations)

    def static(self, texts: list[str]) -> np.ndarray:
        """(n, 128) float32 unit vectors: the mean of each text's word-piece rows (zeros for a
        text without word pieces)."""
        return self.static_of(self.token_vectors, self._tokenizer, texts)

    @staticmethod
    def static_of(token_vectors: np.ndarray, tokenizer, texts: list[str]) -> np.ndarray:
        """:meth:`static` for given word-piece rows and tokenizer (a Tokenizer or the path of
        its tokenizer.json). Texts are tokenised STATIC_BATCH at a time: a tokenizer's
        encodings of thousands of texts at once stay in the process's memory."""
        from scipy.sparse import csr_matrix

        if not isinstance(tokenizer, Tokenizer):
            tokenizer = Tokenizer.from_file(str(tokenizer))
        out = np.zeros((len(texts), token_vectors.shape[1]), np.float32)
        for a in range(0, len(texts), STATIC_BATCH):
            batch = texts[a : a + STATIC_BATCH]
            ids = [e.ids for e in tokenizer.encode_batch(batch, add_special_tokens=False)]
            lengths = np.array([len(i) for i in ids])
            indptr = np.concatenate([[0], np.cumsum(lengths)])
            flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(indptr[-1]))
            weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
            matrix = csr_matrix((weights, flat, indptr), shape=(len(batch), token_vectors.shape[0]))
            out[a : a + len(batch)] = matrix @ token_vectors
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def rank(self, word: str) -> int:
        """The word's MiniLM vocabulary id when it is one word piece (ids follow frequency),
        else UNKNOWN_RANK."""
        return self._vocab.get(word, UNKNOWN_RANK)


def _context(text: str, c: Candidate) -> list:
    """How the phrase stands in its line: the word before it (one of PREVIOUS_WORDS, or none),
    whether the line holds a year (an employer/date line), the line's length in words / 20,
    where in the line the phrase starts (0-1), an initial capital."""
    a = text.rfind("\n", 0, c.start) + 1
    b = text.find("\n", c.end)
    line = text[a : len(text) if b < 0 else b]
    before = text[max(a, c.start - 40) : c.start].lower().split()
    word = before[-1] if before else ""
    word = re.sub(r"[^\w,:\-\u2022]", "", word) or word[-1:]
    return [
        *[word == w for w in PREVIOUS_WORDS],
        word == "",
        bool(YEAR.search(line)),
        len(line.split()) / 20,
        (c.start - a) / max(len(line), 1),
        c.text[:1].isupper(),
    ]


def featurize(
    cands: list[Candidate],
    text: str,
    vectors: SkillVectors,
    taxonomy,
    nouns: dict[str, str] | None = None,
) -> np.ndarray:
    """(n, len(FEATURES) + 128) float32 features of the candidates of one document ``text``
    (the document their spans point into); names: FEATURES, then static_0..127. ``nouns``:
    the action nouns of verbs (:func:`nominal_form`; None: no verb phrase has one)."""
    freq = Counter(norm_phrase(c.text) for c in cands)
    static = vectors.static([c.text for c in cands])
    cos = (static @ vectors.esco_static.T).max(axis=1) if len(cands) else np.zeros(0)
    rows = []
    for c, s in zip(cands, cos, strict=True):
        n = norm_phrase(c.text)
        w = n.split() or [""]
        ranks = [vectors.rank(x) for x in w]
        kind = [c.kind == k for k in KINDS]
        nominal = nominal_form(c.text, nouns) if nouns and c.kind == "verb" else None
        rows.append(
            [
                n in taxonomy.alias_index,
                *kind,
                *[c.section == x for x in SECTIONS],
                math.log(c.items_on_line),
                len(w) == 1,
                len(w) == 2,
                len(w) == 3,
                len(w) >= 4,
                bool(re.search(r"[A-Z]", c.text[1:])),
                bool(re.fullmatch(r"[A-Z0-9&/+#.\-]{2,}", c.text)),
                math.log1p(vectors.esco_head_count.get(w[-1], 0)),
                math.log1p(min(vectors.esco_word_count.get(x, 0) for x in w)),
                math.log(freq[n]),
                bool(re.search(r"\d", c.text)),
                math.log1p(max(ranks)) / 10,
                math.log1p(ranks[-1]) / 10,
                float(s),
                *[float(s) * k for k in kind],
                n in vectors.occupations,
                math.log1p(vectors.occupation_head_count.get(w[-1], 0)),
                len(w) >= 2 and all(x[:1].isupper() for x in c.text.split()),
                nominal is not None,
                nominal is not None and norm_phrase(nominal) in taxonomy.alias_index,
                *_context(text, c),
            ]
        )
    return np.hstack([np.array(rows, dtype=np.float32).reshape(len(cands), -1), static])


FEATURES = [
    "in_taxonomy",
    *[f"kind_{k}" for k in KINDS],
    *[f"section_{s}" for s in SECTIONS],
    "log_items_on_line",
    "tokens_1",
    "tokens_2",
    "tokens_3",
    "tokens_4plus",
    "inner_capital",
    "acronym",
    "log_esco_head_count",
    "log_min_esco_word_count",
    "log_doc_frequency",
    "has_digit",
    "rarest_word_log_rank",
    "head_word_log_rank",
    "static_cosine_to_esco",
    *[f"static_cosine_x_{k}" for k in KINDS],
    "is_occupation_title",
    "log_occupation_head_count",
    "title_case_words",
    "has_nominal_form",
    "nominal_form_in_taxonomy",
    *[f"previous_word_{w}" for w in PREVIOUS_WORDS],
    "previous_word_none",
    "line_has_year",
    "line_words_over_20",
    "position_in_line",
    "initial_capital",
]


# the last word of an organisation's name ("Cascade Paws Animal Hospital", "Bayline Freight
# Inc"); a title-cased phrase of two or more words ending so names who, not what
ORGANISATION_WORDS = frozenset(
    "hospital pharmacy clinic inc llc ltd corp corporation company group bank university "
    "college school academy institute foundation association associates holdings partners "
    "gmbh llp".split()
)


# what a phrase names an employer by, in any case ("a growing SaaS company", "fintech startup")
EMPLOYER_WORDS = frozenset("company companies startup startups firm firms employer".split())


def names_organisation(phrase: str) -> bool:
    """A title-cased phrase of two or more words whose last is an organisation word, or any
    phrase headed by "company", "startup", "firm" or "employer"."""
    words = re.findall(r"[\w'&.-]+", phrase)
    if words and words[-1].lower() in EMPLOYER_WORDS:
        return True
    return (
        len(words) >= 2
        and all(w[:1].isupper() or w == "of" for w in words)
        and words[-1].lower().rstrip(".") in ORGANISATION_WORDS
    )


class SemanticSkillModel:
    """The candidate classifier and the ESCO linker (loaded once per process).

    Args:
        tagger: ``text -> spaCy Doc`` with part-of-speech tags and lemmas.
        taxonomy: The gazetteer's taxonomy (resume.skills.load_taxonomy()).
        tokenizer_path: all-MiniLM-L6-v2's tokenizer.json (models.paths.minilm_tokenizer()).
        spec: The classifier (default: resume/data/skill_classifier.json).
        vectors: A loaded :class:`SkillVectors` to share (default: load them).
    """

    name = "skill-phrase-classifier"

    def __init__(
        self, tagger, taxonomy, tokenizer_path: Path, spec: dict | None = None, vectors=None
    ):
        self.vectors = vectors or SkillVectors(tokenizer_path)
        self.nouns: dict[str, str] = json.loads(NOMINALS_PATH.read_text())["nouns"]
        self.set_spec(spec or json.loads(CLASSIFIER_PATH.read_text()))
        self._tagger = tagger
        self.taxonomy = taxonomy

    def set_spec(self, spec: dict, classifier: bytes | None = None) -> None:
        """Use the classifier ``spec`` (the JSON of resume/data/skill_classifier.json) and its
        ONNX model: ``classifier`` (the model's bytes) or the file ``spec["model"]`` names
        beside it (none: candidates and linking only, no probabilities)."""
        import onnxruntime as ort

        self.version = spec["version"]
        self.thresholds = spec["thresholds"]
        self.link_threshold = float(spec["link_threshold"])
        if classifier is None and spec.get("model"):
            classifier = (DATA / spec["model"]).read_bytes()
        self._session = None
        if classifier is not None:
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            self._session = ort.InferenceSession(
                classifier, sess_options=opts, providers=["CPUExecutionProvider"]
            )

    def probabilities(self, cands: list[Candidate], text: str) -> np.ndarray:
        """P(skill) of each candidate of the document ``text`` (a document's candidates
        together: one feature is the phrase's frequency in the document)."""
        if not cands:
            return np.zeros(0, np.float32)
        X = featurize(cands, text, self.vectors, self.taxonomy, self.nouns)
        return self.probabilities_from_features(X)

    def probabilities_from_features(self, X: np.ndarray) -> np.ndarray:
        """(n,) P(skill) of rows of :func:`featurize`'s features: the gradient-boosted trees'
        probability of the positive class."""
        if self._session is None:
            raise RuntimeError("no classifier loaded")
        if not len(X):
            return np.zeros(0, np.float32)
        name = self._session.get_inputs()[0].name
        proba = self._session.run(None, {name: np.ascontiguousarray(X, dtype=np.float32)})[1]
        return proba[:, 1]

    def candidates(self, text: str) -> list[Candidate]:
        """resume.phrases.candidates of ``text``, a place that ends a phrase cut off ("Sales in
        Europe" -> "Sales"; "Offices in Austin" says where, and is left out) and the pieces of
        an unhyphenated "go to market ..." left out."""
        out = []
        for c in candidates(text, self._tagger):
            if GO_TO.search(text[max(0, c.start - 8) : c.start]) or GO_TO_MARKET.search(c.text):
                continue
            if CONTACT.search(c.text):
                continue  # an e-mail address, a URL or a handle: contact data, never a skill
            if norm_phrase(c.text).rpartition(" ")[2] in AREA_WORDS:
                continue
            m = PLACE_TAIL.search(text[c.start : c.end])
            if (
                m
                and c.kind != "verb"
                and (self.is_place(m.group(1)) or US_STATE_AFTER.match(text, c.end))
            ):
                head = text[c.start : c.start + m.start()]
                if norm_phrase(head).rpartition(" ")[2] in SITE_NOUNS:
                    continue
                c = replace(c, text=re.sub(r"\s+", " ", head).strip(), end=c.start + m.start())
            out.append(c)
        return self._without_header_lines(text, out)

    def _without_header_lines(self, text: str, cands: list[Candidate]) -> list[Candidate]:
        """Without the list items of a line that dates a place ("Acme Tools, Cleveland, OH -
        HR Generalist (2018-2024)"): an employer's or a school's heading, not skills."""
        line_of = {c.start: text.rfind("\n", 0, c.start) for c in cands if c.kind == "list"}
        headers = set()
        for c in cands:
            # a place that is not also a skill's name ("Ada", "Phoenix" are both)
            if (
                c.kind == "list"
                and self.is_place(c.text)
                and norm_phrase(c.text) not in self.taxonomy.alias_index
            ):
                line = line_of[c.start]
                end = text.find("\n", c.end)
                if YEAR.search(text[line + 1 : end if end >= 0 else len(text)]):
                    headers.add(line)
        return [c for c in cands if c.kind != "list" or line_of[c.start] not in headers]

    def nominal(self, c: Candidate) -> str | None:
        """The skill name of a verb + object candidate (:func:`nominal_form`), else None."""
        return nominal_form(c.text, self.nouns) if c.kind == "verb" else None

    def score(self, text: str, kind: str = "resume") -> list[ScoredPhrase]:
        """Accepted phrases of ``text`` (kind ``resume`` or ``job``), linked where ESCO holds
        them; see the module docstring."""
        cands = self.candidates(text)
        probs = self.probabilities(cands, text)
        threshold = self.thresholds[kind]
        accepted = [
            (c, float(p))
            for c, p in zip(cands, probs, strict=True)
            if p >= threshold and not self.is_place(c.text) and not names_organisation(c.text)
        ]
        return self.link(accepted)

    def is_place(self, phrase: str) -> bool:
        """A capitalised phrase that names a country, US state, continent or city ("Cork",
        "New York"), or places named together ("Berlin and Lisbon"): not a skill."""
        parts = [p for p in PLACE_JOINS.split(phrase) if p]
        return bool(parts) and all(
            p[:1].isupper() and norm_phrase(p) in self.vectors.places for p in parts
        )

    def link(self, accepted: list[tuple[Candidate, float]]) -> list[ScoredPhrase]:
        """Link each phrase to an ESCO skill: by name when it is one of ESCO's labels, else by
        the static vectors' cosine similarity to the nearest preferred label when it reaches
        ``link_threshold`` (links right about three times in four on the ESCO-linked
        validation spans: skill_classifier.json, ``esco_linking``)."""
        vec = self.vectors
        by_text: dict[str, tuple[int | None, float | None]] = {}
        pending = []
        for c, _ in accepted:
            key = c.text.lower()
            if key in by_text:
                continue
            idx = vec.esco_by_name.get(norm_phrase(c.text))
            by_text[key] = (idx, 1.0 if idx is not None else None)
            if idx is None:
                pending.append(key)
        if pending:
            sims = vec.static(pending) @ vec.esco_static.T
            best = sims.argmax(axis=1)
            for i, key in enumerate(pending):
                cos = float(sims[i, best[i]])
                by_text[key] = (int(best[i]) if cos >= self.link_threshold else None, cos)
        out = []
        for c, p in accepted:
            idx, cos = by_text[c.text.lower()]
            out.append(ScoredPhrase(c, p, idx, None if cos is None else round(cos, 4)))
        return out
