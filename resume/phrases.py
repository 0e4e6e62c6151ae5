"""Candidate skill phrases in a document, from its structure and from its prose.

Structure: the items of lists ("Skills: Python, SQL, Tableau", bullets, "Tools:"-style lines,
one-item lines under a skills or job-posting heading). Prose: noun phrases found by part of
speech ("hydraulic circuit design") and the verb that governs them, as written ("administered
IV antibiotics"), trimmed of numbers, evaluative words ("strong", "various") and generic
tails ("experience").

Every candidate keeps its character span in the document, the section it stands in (by the
headings of resume/skills.py) and whether it is a list item; resume/semantic.py decides which
candidates are skills and links them to the taxonomy. Tagging needs the spaCy pipeline of
models/text.py (``EnglishParser.tag``), passed in by the caller: this module loads nothing.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

from resume.normalize import tokens
from resume.skills import HEADINGS, INTERESTS_HEADING, OTHER_HEADING, SKILLS_HEADING

Section = Literal["skills", "experience", "summary", "education", "interests", "other"]
Kind = Literal["list", "noun", "verb"]

MAX_ITEM_TOKENS = 5
MAX_ITEM_CHARS = 200
MAX_PHRASE_TOKENS = 6
ITEM_DELIMS = re.compile(r"(?<!\d),|,(?!\d{3}\b)|[;|•·▪●◦\t]|\s[-–—]\s|\s{3,}")
# What opens a list item without being part of the skill ("Current BLS", not "Current
# Procedural Terminology"; "You will run demos").
ITEM_LEAD = re.compile(
    r"(?:(?:and|or|&|with|including|also|plus|strong|excellent|good|solid|proven|advanced"
    r"|current(?=\s+(?-i:[A-Z]{2,})\b)|valid|you\s+will|you'll|will"
    r"|basic|working|extensive|the|an?|hands[\s-]+on\s+(?:with|in)"
    r"|(?:\d+\+?\s*)?years?(?:\s+of)?(?:\s+(?:hands[\s-]+on\s+)?experience)?\s+(?:of|in|with)"
    r"|(?:some\s+)?(?:knowledge|understanding|experience|expertise|proficiency|familiarity"
    r"|background|skills?)\s+(?:of|in|with|using)|proficient\s+(?:in|with|at)"
    r"|skilled\s+(?:in|at)|familiar\s+with|experienced\s+(?:in|with)|ability\s+to"
    r"|able\s+to|certified\s+in|trained\s+in|used|using|utili[sz]ed|leveraged)\s+)+",
    re.I,
)
# Words that open a noun chunk without being part of the skill: "strong", "various", "daily".
LEADING_NOISE = {
    "strong",
    "excellent",
    "good",
    "great",
    "proven",
    "extensive",
    "solid",
    "outstanding",
    "exceptional",
    "superior",
    "effective",
    "efficient",
    "successful",
    "advanced",
    "basic",
    "various",
    "several",
    "multiple",
    "many",
    "numerous",
    "all",
    "other",
    "some",
    "any",
    "each",
    "every",
    "new",
    "daily",
    "weekly",
    "monthly",
    "valid",
    "annual",
    "yearly",
    "overall",
    "general",
    "key",
    "high",
    "highly",
    "very",
    "current",
    "previous",
    "existing",
    "proper",
    "appropriate",
    "relevant",
    "related",
    "necessary",
    "additional",
    "different",
    "specific",
    "own",
    "such",
    "working",
    "hands",
    "demonstrated",
    "professional",
    "exemplary",
    "superb",
}
# Heads that are never a skill on their own ("the company", "a team of 12", "years").
# Words that end a noun run without being part of the skill: "Python experience".
GENERIC_TAILS = {
    "experience",
    "experiences",
    "skills",
    "skill",
    "knowledge",
    "abilities",
    "ability",
    "proficiency",
    "background",
    "expertise",
    "familiarity",
    "understanding",
    "capabilities",
}
GENERIC_HEADS = {
    # units of measure ("lift 50 lbs")
    "lbs",
    "lb",
    "kg",
    "pounds",
    "hours",
    "hrs",
    "miles",
    "km",
    "company",
    "name",
    "city",
    "state",
    "year",
    "years",
    "month",
    "months",
    "day",
    "days",
    "team",
    "teams",
    "member",
    "members",
    "people",
    "person",
    "individual",
    "client",
    "clients",
    "customer",
    "customers",
    "employee",
    "employees",
    "staff",
    "department",
    "office",
    "job",
    "jobs",
    "position",
    "role",
    "responsibility",
    "responsibilities",
    "duty",
    "duties",
    "time",
    "way",
    "lot",
    "number",
    "part",
    "level",
    "area",
    "areas",
    "thing",
    "things",
    "work",
    "experience",
    "ability",
    "abilities",
    "knowledge",
    "understanding",
    "skill",
    "skills",
    "environment",
    "organization",
    "business",
    "businesses",
    "store",
    "site",
    "field",
    "manager",
    "supervisor",
    "director",
    "assistant",
    "worker",
    "workers",
    "associate",
    "date",
    "present",
    "current",
    "today",
    "who",
    "which",
    "what",
    "that",
    "this",
    "it",
    "i",
    "me",
    "we",
    "us",
    "they",
    "them",
    "he",
    "she",
    "you",
    "one",
    "others",
    "everyone",
}


@dataclass(frozen=True)
class Candidate:
    """A phrase that may state a skill.

    Attributes:
        text: The phrase as the classifier and the linker see it (verbs lemmatised).
        start, end: Character span [start, end) of the evidence in the document.
        kind: ``list`` (an item of a list or a skills-section line), ``noun`` (a noun chunk of
            prose), ``verb`` (a verb and its object in prose).
        section: The section of the document it stands in.
        items_on_line: List items on its line (1 for prose).
    """

    text: str
    start: int
    end: int
    kind: Kind
    section: Section
    items_on_line: int


# A job description's headings over the skills it asks for.
POSTING_SKILLS_HEADING = re.compile(
    r"(?:requirements?|required(?:\s+(?:skills|qualifications|experience))?|must[\s-]+haves?"
    r"|essential(?:\s+(?:skills|criteria))?|(?:minimum\s+|preferred\s+)?qualifications"
    r"|nice[\s-]+to[\s-]+haves?|preferred(?:\s+(?:skills|experience))?|desirable(?:\s+skills)?"
    r"|bonus(?:\s+points)?|good\s+to\s+have|what\s+you(?:'ll|\s+will)?\s+(?:need|bring)"
    r"|what\s+you\s+must\s+bring|what\s+we(?:'re|\s+are)\s+looking\s+for|you\s+have)",
    re.I,
)
PARENTHESIS = re.compile(r"[()]")
# a list item that is a clause: a past-tense verb and its object ("negotiated contracts up to
# $500K"), not an adjective before a name ("Distributed Systems", "Registered Nurse")
CLAUSE = re.compile(r"[A-Za-z]{3,}ed\s+(?:[a-z0-9$]\S*)")
ARTICLE = re.compile(r"(?:the|an?)\s+", re.I)
# Where a sentence ends inside a line ("...and Rust. Experience with...", "...and SQL. Must"),
# not after an initial or an abbreviation ("J. Smith", "St. Mary's", "e.g. Python", "M.Sc.
# Computer Science") or inside a name ("ASP.NET", "3.5").
SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])(?<!\b(?:St|Dr|Mr|Ms|Jr|Sr|Co|No|vs|Sc|Ph))(?<!\b(?:Mrs|Inc|Ltd|etc|e\.g|i\.e))"
    r"[.!?](?=\s+[\"'(]?[A-Z])\s+"
)
# What announces the list a sentence ends with: "a data engineer with Python, Spark and Kafka".
LIST_OPENER = re.compile(r".*\b(?:with|in|including|such\s+as)\s+(?=\S)", re.I | re.S)
BULLET = re.compile(r"\s*(?:[-–—*•·▪●◦]|\d{1,2}[.)])\s+")
CONJUNCTION = re.compile(r"\s+(?:and|or|&|with|using|via|including)\s+|\s*/\s*(?=[A-Z])")
# What a posting's list item ends with that is not the skill: "dbt is a plus", "SQL (preferred)".
ITEM_TAIL = re.compile(
    r"(?:\s+(?:is|are|would\s+be)\s+(?:a\s+)?(?:big\s+|real\s+|strong\s+)?(?:plus|bonus"
    r"|advantage|asset|preferred|desirable|nice\s+to\s+have|required|essential|a\s+must)\b.*"
    r"|\s*\((?:preferred|a\s+plus|nice\s+to\s+have|required|optional|essential)\)"
    r"|\s*\((?:fluent|native|bilingual|basic|conversational|intermediate|advanced|proficient"
    r"|beginner|expert)\)"
    r"|\s+(?:experience|knowledge|expertise|proficiency)(?:\s+(?:is|would\s+be))?\s+(?:an?\s+)?"
    r"(?:plus|bonus|preferred|required|desirable|essential|advantage|asset)\b.*"
    r"|\s+(?:preferred|required|a\s+plus|desirable|essential))\s*$",
    re.I,
)


def _is_heading(line: str) -> bool:
    head = line.strip().rstrip(":").strip()
    return bool(head) and (
        any(h.fullmatch(head) for h in HEADINGS) or bool(POSTING_SKILLS_HEADING.fullmatch(head))
    )


def _pieces(pattern: re.Pattern, s: str, offset: int = 0) -> list[tuple[int, str]]:
    """``s`` split at ``pattern``'s matches: [(offset of the piece, piece)]."""
    out, last = [], 0
    for m in pattern.finditer(s):
        out.append((offset + last, s[last : m.start()]))
        last = m.end()
    out.append((offset + last, s[last:]))
    return out


def _split_conjunction(item: str, offset: int) -> list[tuple[int, str]]:
    """An item's parts around 'and' / 'or' / '&' when every part is short ("Kafka and
    Airflow", "Rust or Go"); the item itself otherwise."""
    parts = _pieces(CONJUNCTION, item)
    if len(parts) < 2 or any(not p.strip() or len(p.split()) > 3 for _, p in parts):
        return [(offset, item)]
    out = []
    for a, p in parts:  # "comply with the NEC" -> "comply", "NEC"
        lead = ARTICLE.match(p)
        if lead and lead.end() < len(p):
            a, p = a + lead.end(), p[lead.end() :]
        out.append((offset + a, p))
    return out


def line_sections(text: str) -> list[Section]:
    """The section of every line, by the headings the skill matcher knows."""
    out: list[Section] = []
    current: Section = "other"
    for line in text.split("\n"):
        head = line.strip().partition(":")[0].strip()
        if SKILLS_HEADING.fullmatch(head) or POSTING_SKILLS_HEADING.fullmatch(head):
            current = "skills"
        elif INTERESTS_HEADING.fullmatch(head):
            current = "interests"
        elif OTHER_HEADING.fullmatch(head):
            low = head.lower()
            if "experience" in low or "history" in low or "employment" in low:
                current = "experience"
            elif "summary" in low or "profile" in low or "objective" in low:
                current = "summary"
            elif "education" in low:
                current = "education"
            else:
                current = "other"
        out.append(current)
    return out


def _clean_item(item: str) -> tuple[str, int, int] | None:
    """An item stripped of list marks and trailing periods, with its offsets inside ``item``;
    None when it is no phrase (empty, a number, a date, too long)."""
    if len(item) > MAX_ITEM_CHARS:  # far more than MAX_ITEM_TOKENS words: prose, not an item
        return None
    m = re.search(r"[A-Za-z0-9.#+][^\n]*[A-Za-z0-9#+)]", item)
    if not m:
        return None
    s, start = m.group(0), m.start()
    lead = ITEM_LEAD.match(s)
    if lead:  # "and Excel", "Knowledge of GAAP", "5 years of welding"
        s, start = s[lead.end() :], start + lead.end()
    while tail := ITEM_TAIL.search(s):  # "CRRT experience preferred"
        s = s[: tail.start()]
    toks = [t for t, _, _ in tokens(s)]
    if not toks or len(toks) > MAX_ITEM_TOKENS or all(t.isdigit() for t in toks):
        return None
    if not re.search(r"[A-Za-z]{2}", s):
        return None
    return s, start, start + len(s)


def _split_open_parenthesis(offset: int, part: str) -> list[tuple[int, str]]:
    """A list part cut by a comma inside parentheses ("Senior Data Engineer (Cork", "SQL
    (PostgreSQL", "MySQL)") as the pieces on either side of the lone parenthesis."""
    if part.count("(") == part.count(")"):
        return [(offset, part)]
    return _pieces(PARENTHESIS, part, offset)


def _clauses(items: list[tuple[int, str]]) -> bool:
    """Whether a sentence's items are clauses: two or more open with a past-tense verb and a
    lower-case object, one of them with at least three words ("negotiated contracts up to
    $500K"; not "distributed systems, embedded systems")."""
    clauses = [s for _, s in items if CLAUSE.match(s)]
    return len(clauses) >= 2 and any(len(s.split()) >= 3 for s in clauses)


def _line_items(body: str) -> list[tuple[int, str]]:
    """The cleaned list items of one sentence of a line: [(offset in ``body``, item)]. When the
    first piece is prose that opens a list of others ("We need a data engineer with Python,
    Spark and Kafka"), its words after the last with / in / including / such as are the first
    item."""
    items = []
    opening = None
    for k, (o0, p0) in enumerate(_pieces(ITEM_DELIMS, body)):
        for j, (o, p) in enumerate(_split_open_parenthesis(o0, p0)):
            c = _clean_item(p)
            if c is None and k == j == 0 and (m := LIST_OPENER.match(p)):
                if (tail := _clean_item(p[m.end() :])) is not None:
                    opening = _split_conjunction(tail[0], o + m.end() + tail[1])
            if c is not None:
                s, a, _ = c
                items += _split_conjunction(s, o + a)
    return opening + items if opening and items else items


def _sentences(line: str) -> list[tuple[int, str]]:
    """A line's sentences: [(offset, sentence)]; most lines of a resume are one."""
    return _pieces(SENTENCE_END, line)


def list_candidates(text: str, sections: list[Section]) -> list[Candidate]:
    """Items of list lines: a line (or a sentence of a line of prose) split by commas,
    semicolons, bullets, pipes or tabs into two or more short items, the items after a
    "Label:" opening, and one-item lines under a skills heading or after a bullet; short items
    joined by 'and' / 'or' are split; a sentence's list opened by prose ("a data engineer with
    Python, Spark and Kafka") keeps its first item. Heading lines are not items."""
    out: list[Candidate] = []
    pos = 0
    for line, section in zip(text.split("\n"), sections, strict=True):
        base = pos
        pos += len(line) + 1
        if section == "interests" or _is_heading(line):
            continue
        bullet = BULLET.match(line)
        sentences = _sentences(line)
        for s_off, sentence in sentences:
            label, colon, rest = sentence.partition(":")
            offset = 0
            if colon and len(label.split()) <= 4 and rest.strip():
                offset = len(label) + 1  # "Tools: Git, Jira" -> the items after the label
            items = _line_items(sentence[offset:])
            if not offset and section != "skills" and _clauses(items):
                continue  # "Managed 120 accounts, negotiated contracts, ...": prose clauses
            short = len(items) >= 2 and all(len(s.split()) <= MAX_ITEM_TOKENS for _, s in items)
            # one item, and nothing else in the sentence: "- Administered medications, monitored
            # vital signs and educated patients." keeps one short piece, but is prose
            one_item = (
                len(sentences) == 1
                and len(items) == 1
                and len(_pieces(ITEM_DELIMS, sentence[offset:])) == 1
            )
            one_line_item = (section == "skills" or bullet is not None) and one_item
            if not (short or one_line_item or (offset and items)):
                continue
            for o, s in items:
                start = base + s_off + offset + o
                out.append(Candidate(s, start, start + len(s), "list", section, len(items)))
    return out


NP_POS = {"ADJ", "NOUN", "PROPN"}
AMOUNT_UNITS = {"k", "m", "mm", "b", "bn", "million", "billion", "thousand"}
HEADS = {"NOUN", "PROPN"}
GLUE = {"&", "-", "/", "+", "#", "."}
# Penn Treebank tags (the tagger's own output) to the coarse classes used here: the tagger
# alone is enough, without spaCy's attribute ruler and lemmatizer (40 % of the tagging time).
POS_OF_TAG = {
    "NN": "NOUN",
    "NNS": "NOUN",
    "NNP": "PROPN",
    "NNPS": "PROPN",
    "JJ": "ADJ",
    "JJR": "ADJ",
    "JJS": "ADJ",
    "VB": "VERB",
    "VBD": "VERB",
    "VBG": "VERB",
    "VBN": "VERB",
    "VBP": "VERB",
    "VBZ": "VERB",
    "DT": "DET",
    "PDT": "DET",
    "WDT": "DET",
    "PRP": "PRON",
    "PRP$": "PRON",
    "WP": "PRON",
    "WP$": "PRON",
    "CD": "NUM",
}
JOIN = {"join", "joining", "joined"}
# Verbs that govern a noun phrase without stating a skill ("have experience", "is a").
LIGHT_VERBS = {
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "am",
    "has",
    "have",
    "had",
    "having",
    "do",
    "does",
    "did",
    "get",
    "got",
    "gets",
    "include",
    "includes",
    "included",
    "including",
    "seeking",
    "seek",
    "seeks",
    "looking",
    "join",
    "joining",
    "offer",
    "offers",
    "offering",
    # verbs of holding, knowing or using a certificate or a tool name it, not a skill of their
    # own ("know SQL", "hold BLS")
    "hold",
    "holds",
    "holding",
    "possess",
    "possesses",
    "know",
    "knows",
    "knowing",
    "use",
    "uses",
    "used",
    "using",
    "utilize",
    "utilizes",
    "utilized",
    "utilise",
    "utilises",
    "utilised",
    "leverage",
    "leverages",
    "leveraged",
}


@dataclass(frozen=True)
class _Tokens:
    """The tagged document as plain lists (spaCy token attribute access is slow)."""

    text: list[str]
    lower: list[str]
    pos: list[str]
    idx: list[int]
    space: list[str]

    @classmethod
    def of(cls, doc) -> _Tokens:
        tags = [t.tag_ for t in doc]
        text = [t.text for t in doc]
        space = [t.whitespace_ for t in doc]
        return cls(
            text,
            [t.lower_ for t in doc],
            nominal_pos(text, tags, space),
            [t.idx for t in doc],
            space,
        )


PREPOSITIONS = frozenset({"in", "of", "for", "with", "on", "to", "about", "including"})
YEAR_OR_DATE = re.compile(r"(?:19|20)\d\d|\d+[/.]\d+(?:[/.]\d+)?")


def nominal_pos(text: list[str], tags: list[str], space: list[str]) -> list[str]:
    """Coarse part of speech of each token (POS_OF_TAG), read for noun phrases: where a word
    the tagger calls a verb or a number is part of a name.

    - A compound joined by '-' or '/' without spaces is one word: its inner parts are nouns, its
      last part a noun ("cite-checking", "lockout/tagout") or, when a participle, an adjective
      ("evidence-based practice"); a number inside it is a name ("UB-04").
    - A gerund after a singular noun or an adjective is a noun ("waste handling", "cold
      calling"), and so is one after a preposition that no object follows ("expertise in
      permitting and ...").
    - A number after a proper noun names a version or a product ("Studio 5000", "NFPA 70E",
      "Series 7"), unless it is a year or a date; a number with letters is a name ("P11D").
    """
    pos = [POS_OF_TAG.get(t, "X") for t in tags]
    n = len(text)
    i = 0
    while i < n:  # compounds: word (-|/) word ...
        j = i
        while (
            j + 2 < n
            and text[j + 1] in ("-", "/")
            and not space[j]
            and not space[j + 1]
            and text[j][:1].isalnum()
            and text[j + 2][:1].isalnum()
        ):
            j += 2
        if j > i and any(pos[k] in NP_POS for k in range(i, j + 1, 2)):
            for k in range(i, j, 2):
                if pos[k] != "PROPN" and not (k == i and text[k].isdigit()):  # "10-year"
                    pos[k] = "NOUN"
            if tags[j] == "VBG":
                pos[j] = "NOUN"
            elif tags[j] in ("VBN", "VBD"):
                pos[j] = "ADJ"
            elif pos[j] not in NP_POS:
                pos[j] = "NOUN"
        i = j + 1
    for k in range(n):
        if tags[k] == "VBG" and k > 0 and "\n" not in text[k - 1]:
            after = pos[k + 1] if k + 1 < n else "X"
            if tags[k - 1] in ("NN", "NNP", "JJ") and after not in ("DET", "PRON"):
                pos[k] = "NOUN"
            elif text[k - 1].lower() in PREPOSITIONS and after not in NP_POS | {"DET", "PRON"}:
                pos[k] = "NOUN"
        elif tags[k] == "CD":
            word = text[k]
            if re.search(r"[A-Za-z]", word) and re.search(r"\d", word) and len(word) <= 8:
                pos[k] = "PROPN"
            elif (
                k > 0
                and pos[k - 1] == "PROPN"
                and space[k - 1]
                and "\n" not in space[k - 1]
                and len(word) <= 6
                and not YEAR_OR_DATE.fullmatch(word)
            ):
                pos[k] = "PROPN"
    return pos


def _noun_phrases(tk: _Tokens) -> list[tuple[int, int]]:
    """Token ranges of noun phrases by part of speech (no parser needed): maximal runs of
    adjectives and nouns (joined by '&', '-', '/', or 'of' between nouns: "bill of materials"),
    trimmed of leading numbers and evaluative words and of trailing generic heads
    ("experience", "skills"), ending in a noun, at most MAX_PHRASE_TOKENS long, on one line."""
    out = []
    n = len(tk.text)
    pos, low, txt = tk.pos, tk.lower, tk.text
    i = 0
    while i < n:
        if pos[i] not in NP_POS:
            i += 1
            continue
        j = i
        while j < n:
            if pos[j] in NP_POS and "\n" not in txt[j]:
                j += 1
            elif (
                j > i
                and j + 1 < n
                and (txt[j] in GLUE or low[j] == "of")
                and pos[j - 1] in HEADS
                and pos[j + 1] in NP_POS
                and "\n" not in tk.space[j]
                # a full stop joins only inside a name ("ASP.NET"), never two sentences
                and (txt[j] != "." or not (tk.space[j - 1] or tk.space[j]))
            ):
                j += 1
            else:
                break
        # a run too long to be one skill is read as its parts around "of" ("operation | new
        # material handling control system")
        cuts = [k for k in range(i, j) if low[k] == "of"] if j - i > MAX_PHRASE_TOKENS else []
        for a, b in zip([i] + [k + 1 for k in cuts], cuts + [j], strict=True):
            span = _trim(tk, a, b, whole_run=a == i)
            if span:
                out.append(span)
        i = max(j, i + 1)
    return out


def _trim(tk: _Tokens, a: int, b: int, whole_run: bool) -> tuple[int, int] | None:
    """Token range [a, b) of a noun-phrase run without leading numbers and evaluative words
    and trailing generic heads, ending in a noun; None when nothing or too much is left."""
    pos, low, txt = tk.pos, tk.lower, tk.text
    start = a
    while a < b and (
        low[a] in LEADING_NOISE
        or pos[a] == "NUM"
        or not any(ch.isalnum() for ch in txt[a])  # "• Bachelor", "% CSAT score"
        # the unit of an amount: "$2M budget", "10k users"
        or (low[a] in AMOUNT_UNITS and a > 0 and pos[a - 1] == "NUM" and not tk.space[a - 1])
    ):
        a += 1
    if low[start] in JOIN or (start > 0 and low[start - 1] in JOIN):
        # what one joins is an employer or a team ("Join Oracle Health as a nurse", the verb
        # read as part of the name or not): no skill
        return None
    # "one-line diagrams", "three-phase motors": the hyphenated word belongs to the phrase
    if whole_run and a == start and a >= 2 and txt[a - 1] == "-" and not tk.space[a - 2]:
        if not tk.space[a - 1] and txt[a - 2].isalpha():
            a -= 2
    while b > a and (low[b - 1] in GENERIC_TAILS or txt[b - 1] in GLUE):
        b -= 1
    while b > a and pos[b - 1] not in HEADS:
        b -= 1
    if a < b and b - a <= MAX_PHRASE_TOKENS and not (b - a == 1 and low[a] in GENERIC_HEADS):
        return a, b
    return None


def prose_candidates(doc, sections: list[Section], line_starts: list[int]) -> list[Candidate]:
    """Noun phrases and verb + noun-phrase pairs of a tagged document (a spaCy Doc of the same
    text the sections were computed on)."""
    tk = _Tokens.of(doc)
    text = doc.text

    def section_at(char: int) -> Section:
        return sections[max(0, bisect.bisect_right(line_starts, char) - 1)]

    out: list[Candidate] = []
    phrases = _noun_phrases(tk)
    for (a, b), (c, d) in zip(phrases, phrases[1:], strict=False):
        # "debits and credits", "profit and loss statement": a pair named together, besides
        # its parts (not the last two of a comma list: "selecting, interviewing and training")
        # (not names in capitals: "BLS and ACLS", "HubSpot and Salesforce" are two names)
        common = not any(re.search("[A-Z]", tk.text[k][1:]) for k in (b - 1, d - 1))
        # ... nor a verb read as a noun: "manage a budget and report on ROI"
        common = common and (d >= len(tk.text) or tk.lower[d] != "on")
        if c == b + 1 and tk.lower[b] == "and" and b - a <= 2 and d - c <= 3 and common:
            if (a == 0 or tk.text[a - 1] != ",") and "\n" not in tk.space[b]:
                start, end = tk.idx[a], tk.idx[d - 1] + len(tk.text[d - 1])
                section = section_at(start)
                if section != "interests" and "\n" not in text[start:end]:
                    out.append(Candidate(text[start:end], start, end, "noun", section, 1))
    for a, b in phrases:
        verb_first = (
            b - a >= 2
            and tk.text[a][:1].isupper()
            and tk.lower[a].endswith("ed")
            and len(tk.text[a]) > 4
            and (a == 0 or "\n" in tk.text[a - 1] or tk.text[a - 1] in "-–—*•·▪●◦")
            and (b < len(tk.text) and "\n" not in tk.text[b])  # not a title line
        )
        if verb_first:  # "Administered IV antibiotics": the tagger read the verb as an adjective
            a += 1
        start, end = tk.idx[a], tk.idx[b - 1] + len(tk.text[b - 1])
        phrase = text[start:end]
        section = section_at(start)
        if section == "interests" or "\n" in phrase or not re.search(r"[A-Za-z]{2}", phrase):
            continue
        out.append(Candidate(phrase, start, end, "noun", section, 1))
        # the verb that governs it ("Administered IV antibiotics", "to reconcile the accounts")
        v = a - 1
        while v >= 0 and tk.pos[v] in ("DET", "PRON") and a - v <= 2:
            v -= 1
        is_verb = (tk.pos[v] == "VERB" and tk.text[v].isalpha()) or verb_first if v >= 0 else False
        if is_verb and tk.lower[v] not in LIGHT_VERBS | LEADING_NOISE:
            vstart = tk.idx[v]
            if "\n" not in text[vstart:end] and b - a < MAX_PHRASE_TOKENS:
                out.append(Candidate(tk.lower[v] + " " + phrase, vstart, end, "verb", section, 1))
    return out


def _blank(text: str, listed: list[Candidate]) -> str:
    """``text`` with the list items' spans turned to spaces: the tagger (the costliest step)
    skips what only list candidates read, and every offset stays the same."""
    parts, at = [], 0
    for c in sorted(listed, key=lambda c: c.start):
        if c.start >= at:
            parts += [text[at : c.start], " " * (c.end - c.start)]
            at = c.end
    return "".join(parts) + text[at:]


def candidates(text: str, parse) -> list[Candidate]:
    """All candidates of ``text``: list items, then prose phrases (``parse(text)`` -> a spaCy
    Doc). A prose phrase inside a list item's span is dropped: the item stands for it."""
    sections = line_sections(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    listed = list_candidates(text, sections)
    headings = {line_starts[i] for i, line in enumerate(text.split("\n")) if _is_heading(line)}
    prose = [
        c
        for c in prose_candidates(parse(_blank(text, listed)), sections, line_starts)
        if line_starts[bisect.bisect_right(line_starts, c.start) - 1] not in headings
    ]
    taken = sorted((c.start, c.end) for c in listed)
    starts = [a for a, _ in taken]
    kept = []
    for c in prose:
        k = bisect.bisect_right(starts, c.start) - 1
        if k >= 0 and taken[k][0] <= c.start and c.end <= taken[k][1]:
            continue
        kept.append(c)
    return listed + kept
