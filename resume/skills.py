"""Skills in a text, matched against the project's taxonomy (ESCO + O*NET; see
scripts/build_taxonomy.py and resume/data/SOURCES.md).

Matching: normalised token n-grams (up to 8 tokens), longest match first, no overlaps.
Single-word aliases that are also common English words need context (their ``ambiguity`` level
from the taxonomy): level 1 ("python", "react", "excel") counts when the word stands as an item
of a list, or is capitalised mid-sentence and not followed by a preposition ("excel at" is not
Excel); level 2 ("go", "word", "access") counts as a list item or capitalised after "in",
"with", "using", "and", "or" or a comma ("services in Go or Rust"). Ambiguous technical words
also need technical context: three unambiguous technical skills in the document, one on the same
line, or a list under a skills heading ("Skills", "Technical Skills", "Highlights", ...). A
multi-word alias matches in either grammatical number ("neural network(s)"). A few general
skills are also found where a resume states them as an action on people ("Trained new
employees" -> training; see VERB_PHRASE_SKILLS) or by the verb that opens a statement
("Negotiated vendor contracts" -> negotiation; see ACTION_VERB_SKILLS).
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from contracts.report import Skill, TextSpan
from resume.normalize import norm_phrase, tokens

TAXONOMY_PATH = Path(__file__).resolve().parent / "data" / "skills_taxonomy.json.gz"
MAX_NGRAM = 8
MAX_EVIDENCE = 3
TECH_CONTEXT_MIN = 3
EVIDENCE_CHARS = 40
GENERIC_TAIL = re.compile(r" (?:skills?|experience|knowledge|expertise|proficiency)$")
SEASONS = {"spring", "fall", "summer", "winter", "autumn"}
YEAR_AFTER = re.compile(r"[\s,'’]*(?:19|20)\d{2}\b")
# a language naming whom or what is taught, not a language the writer knows
# ("English language learners", "English Language Arts"), or a kitchen's ("French cuisine")
LANGUAGE_AS_ATTRIBUTE = re.compile(
    r"\s+(?:language\s+(?:learners?|arts)|cuisines?|cooking|food|dishes|pastry|pastries)\b", re.I
)
LIST_DELIMS = re.compile(r"[,;|•·▪●◦\n\t:()\[\]/]| - | – |\band\b|\bor\b")
FUNCTION_WORDS = {
    "at",
    "to",
    "in",
    "on",
    "of",
    "for",
    "from",
    "into",
    "with",
    "by",
    "the",
    "a",
    "an",
    "up",
    "out",
    "your",
    "my",
    "our",
    "their",
    "his",
    "her",
    "its",
    "this",
    "that",
    "is",
    "are",
}


@dataclass(frozen=True)
class Taxonomy:
    name: str
    version: str
    skills: list[dict]
    alias_index: dict[str, int]
    ambiguity: dict[str, int]
    case_sensitive: dict[str, str]
    name_index: dict[str, int]  # skill name -> index (the first skill of that name)
    # skill id -> its broader skills' ids (ESCO's hierarchy and common_skills.csv's)
    broader: dict[str, list[str]] = field(default_factory=dict)


@lru_cache(maxsize=2)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Load (once per process) the gzip JSON taxonomy built by scripts/build_taxonomy.py."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    index = {a: i for i, s in enumerate(raw["skills"]) for a in s["aliases"]}
    names = {s["name"]: i for i, s in reversed(list(enumerate(raw["skills"])))}
    return Taxonomy(
        raw["name"],
        raw["version"],
        raw["skills"],
        index,
        raw["ambiguity"],
        raw["case_sensitive"],
        names,
        raw.get("broader", {}),
    )


URL_OR_EMAIL = re.compile(
    r"\S+@\S+|\b(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|io|in)(?:/\S*)?\b"
)


def _mask_contacts(text: str) -> str:
    """Blank out e-mail addresses and URLs (same length, so offsets hold): 'linkedin.com/in/x'
    is contact data, not a LinkedIn skill."""
    return URL_OR_EMAIL.sub(lambda m: " " * len(m.group(0)), text)


def _line_at(text: str, start: int, end: int) -> tuple[int, str]:
    """(offset, text) of the line holding ``text[start:end]``, without its newline."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, text[line_start : line_end if line_end >= 0 else len(text)]


def _is_list_item(text: str, start: int, end: int, extra_tokens: int) -> bool:
    """True when the match stands as an item of a list ('Python, Go, SQL', a bullet 'Excel'):
    its segment between list delimiters holds at most ``extra_tokens`` tokens besides the match
    and version numbers."""
    line_start, line = _line_at(text, start, end)
    s, e = start - line_start, end - line_start
    seg_start = max((m.end() for m in LIST_DELIMS.finditer(line[:s])), default=0)
    m = LIST_DELIMS.search(line, e)
    seg_end = m.start() if m else len(line)
    outside = line[seg_start:s] + " " + line[e:seg_end]
    extra = [t for t, _, _ in tokens(outside) if not t.isdigit()]
    return len(extra) <= extra_tokens


def _other_number(phrase: str) -> str:
    """The phrase with its last word in the other grammatical number (a plain -s plural only):
    'neural network' <-> 'neural networks'; 'business' and 'analysis' are left alone."""
    if phrase.endswith("ss") or phrase.endswith("is") or phrase.endswith("us"):
        return phrase
    return phrase[:-1] if phrase.endswith("s") else phrase + "s"


SKILLS_HEADING = re.compile(
    r"(?:(?:technical|computer|core|key|professional|relevant|it|software|additional)\s+)?"
    r"(?:skills?(?:\s+(?:set|summary|&\s*abilities|and\s+abilities))?|skillset|competencies"
    r"|core\s+qualifications|qualifications|highlights|expertise|areas\s+of\s+expertise"
    r"|technologies|technical\s+proficiencies|proficiencies|tools(?:\s+(?:&|and)\s+technologies)?)",
    re.I,
)
OTHER_HEADING = re.compile(
    r"(?:professional\s+|work\s+|relevant\s+|employment\s+)?(?:experience|history|employment"
    r"(?:\s+history)?|education(?:\s+and\s+training)?|summary|profile|objective|projects"
    r"|interests|hobbies|accomplishments|achievements|awards|references|activities|volunteer"
    r"(?:\s+experience)?|additional\s+information|certifications|publications|languages)",
    re.I,
)


INTERESTS_HEADING = re.compile(
    r"(?:personal\s+)?(?:interests|hobbies(?:\s+(?:and|&)\s+interests)?|interests\s+(?:and|&)\s+"
    r"hobbies|leisure(?:\s+activities)?)",
    re.I,
)
HEADINGS = (SKILLS_HEADING, INTERESTS_HEADING, OTHER_HEADING)


def _section_lines(text: str, heading: re.Pattern, opens_line: bool = False) -> set[int]:
    """Indices of the lines under a ``heading`` (a line of its own, optionally ending in a
    colon) up to the next heading of any kind, and of the heading's own line when items follow
    its colon; with ``opens_line``, also a line that starts with the heading and goes on
    ("Interests Church activities, gardening")."""
    out: set[int] = set()
    inside = False
    for i, line in enumerate(text.split("\n")):
        stripped = line.strip()
        head, colon, rest = stripped.partition(":")
        head = head.strip()
        if heading.fullmatch(head):
            inside = True
            if colon and rest.strip():
                out.add(i)
            continue
        if any(h.fullmatch(head) for h in HEADINGS):
            inside = False
            continue
        lead = heading.match(stripped) if opens_line else None
        if lead and stripped[lead.end() : lead.end() + 1] == " ":
            inside = True
        if inside:
            out.add(i)
    return out


def heading_lines(text: str) -> set[int]:
    """Indices of the lines that are a section heading of any kind and nothing else
    ("Profile", "Professional Experience", "Skills:")."""
    return {
        i
        for i, line in enumerate(text.split("\n"))
        if (head := line.strip().removesuffix(":").strip())
        and any(h.fullmatch(head) for h in HEADINGS)
    }


def skills_section_lines(text: str) -> set[int]:
    """Lines under a skills heading ("Skills", "Technical Skills", "Highlights", "Core
    Qualifications", ...): see :func:`_section_lines`."""
    return _section_lines(text, SKILLS_HEADING)


def interests_section_lines(text: str) -> set[int]:
    """Lines under (or opening with) an "Interests" / "Hobbies" heading: what a person does
    for pleasure ("gardening", "photography") is not a skill they claim."""
    return _section_lines(text, INTERESTS_HEADING, opens_line=True)


def _in_a_longer_name(text: str, start: int, end: int) -> bool:
    """Whether a capitalised word is flanked by another capitalised word ("Epic Games",
    "at Epic Health"): part of an organisation's or a product's longer name."""
    after = re.match(r"[ \t]+[A-Z]", text[end : end + 3])
    before = re.search(r"\b([A-Z][\w'&.-]*)[ \t]+$", text[max(0, start - 30) : start])
    return bool(after) or bool(before and before.group(1) != "I")


def _inside_a_name(text: str, start: int, end: int) -> bool:
    """A capitalised word between two capitalised words on its line ("Executive Chef Ernest
    Bledsoe", "Golden Gate Bridge"): part of a longer name."""
    after = re.match(r"[ \t]+[A-Z][a-z]", text[end : end + 3])
    before = re.search(r"\b[A-Z][a-z][\w'&.-]*[ \t]+$", text[max(0, start - 30) : start])
    return bool(after and before) and not text[start:end].isupper()


def _heads_a_title(text: str, start: int, end: int) -> bool:
    """Whether the word ends a short line of capitalised words and no list ("Executive Chef",
    "SOUS CHEF"): a job title's head, not the tool of that name."""
    line = _line_at(text, start, end)[1].strip()
    words = line.split()
    return (
        2 <= len(words) <= 6
        and _is_a_person(text[start:end])
        and line.endswith(text[start:end])
        and not re.search(r"[,;:|•]", line)
        and all(w[0].isupper() for w in words if w.lower() not in FUNCTION_WORDS | {"and"})
    )


def _capitalised_mid_sentence(text: str, start: int, end: int, next_token: str | None) -> bool:
    if not text[start].isupper() and not text[start].isdigit():
        return False
    if _line_at(text, start, end)[1].isupper():
        return False  # a line in capitals ("MANAGER AND EXECUTIVE CHEF"): its capitals say nothing
    before = text[:start].rstrip(" \t\"'“(")
    if not before or before[-1] in ".!?\n•":
        return False
    # "Swift to escalate", "Spark of", "Chef at": not the tool; "Python for tooling" is
    return next_token == "for" or next_token not in FUNCTION_WORDS


JOINERS = {"in", "with", "using", "and", "or", ","}


def _named_after_a_joiner(text: str, start: int, end: int, next_token: str | None) -> bool:
    """A capitalised word after "in", "with", "using", "and", "or" or a comma, not hyphenated
    and not followed by a function word other than "and" / "or" / "with": "services in Go or
    Rust", "APIs in Java with Spring Boot" name the language; "go to market", "with Go-live
    support", "Chef at" do not."""
    if not text[start].isupper() or text[end : end + 1] in ("-", "‐", "–"):
        return False
    before = re.search(r"(\w+|,)\s*$", text[:start])
    if before is None or before.group(1).lower() not in JOINERS:
        return False
    return next_token in (None, "and", "or", "with") or next_token not in FUNCTION_WORDS


def _snippet(text: str, start: int, end: int) -> str:
    a, b = max(0, start - EVIDENCE_CHARS), min(len(text), end + EVIDENCE_CHARS)
    snippet = re.sub(r"\s+", " ", text[a:b]).strip()
    return ("…" if a else "") + snippet + ("…" if b < len(text) else "")


def _evidence(text: str, spans: list[tuple[int, int]]) -> dict:
    shown = spans[:MAX_EVIDENCE]
    return {
        "mentions": len(spans),
        "evidence": [_snippet(text, a, b) for a, b in shown],
        "evidence_spans": [TextSpan(start_char=a, end_char=b) for a, b in shown],
    }


def find_skills(
    text: str, taxonomy: Taxonomy | None = None, semantic=None, kind: str = "resume"
) -> list[Skill]:
    """Skills stated in ``text``.

    Args:
        text: Plain text (a resume, a job description, a transcript).
        taxonomy: Defaults to the bundled taxonomy.
        semantic: A ``resume.semantic.SemanticSkillModel``: adds the skills stated in prose
            and lists that the gazetteer does not hold, and a ``confidence`` for every skill.
            None: the gazetteer alone (confidence null).
        kind: ``resume`` or ``job`` (job descriptions: the classifier's threshold for them).

    Returns:
        One Skill per skill found, most-mentioned first, with up to three evidence snippets of
        +-40 characters around its mentions and their character spans.
    """
    tax = taxonomy or load_taxonomy()
    found = skill_spans(text, tax, kind)
    skills = []
    confidences = _gazetteer_confidence(text, tax, found, semantic)
    # a name the gazetteer holds that the classifier, reading its context, finds very unlikely
    # to be a skill here ("Sales Associate" as a job title) is not reported; its mentions still
    # keep phrases inside them out
    floor = semantic.thresholds.get(f"gazetteer_{kind}", 0.0) if semantic is not None else 0.0
    among_tools = _listed_among_tools(text, tax, found)
    # a skill stated by an action on people or an opening action verb ("Recruited and hired 20
    # staff") is judged by that rule: the classifier sees only the verb
    stated_by_verb = {idx for idx, _, _ in _verb_phrase_spans(text, tax)}
    for idx, spans in found.items():
        if confidences.get(idx, 1.0) < floor and idx not in among_tools | stated_by_verb:
            continue
        s = tax.skills[idx]
        surface = {norm_phrase(text[a:b]) for a, b in spans}
        exact = norm_phrase(s["name"]) in surface
        skills.append(
            Skill(
                name=s["name"],
                category=s["category"],
                source=s["source"],
                source_id=s["id"],
                match="exact" if exact else "alias",
                confidence=confidences.get(idx),
                **_evidence(text, spans),
            )
        )
    if semantic is not None:
        skills += _semantic_skills(text, tax, semantic, kind, found)
    skills.sort(key=lambda k: (-k.mentions, -(k.confidence or 0), k.name.lower()))
    return skills


def _listed_among_tools(text: str, tax: Taxonomy, found) -> set[int]:
    """Technical skills listed as items of a line that lists at least two other technical
    skills ("Languages: Java, Python, TypeScript, Go"): the list says what they are, whatever
    the classifier reads in the word alone."""
    by_line: dict[int, set[int]] = defaultdict(set)
    for idx, spans in found.items():
        if tax.skills[idx]["category"] not in ("technical", "tool"):
            continue
        for a, b in spans:
            if _is_list_item(text, a, b, 0):
                by_line[text.count("\n", 0, a)].add(idx)
    return {idx for items in by_line.values() if len(items) >= 3 for idx in items}


def _gazetteer_confidence(text, tax, found, semantic) -> dict[int, float]:
    """The classifier's probability for each gazetteer skill, from its first mention seen as a
    candidate phrase (the best of its mentions)."""
    if semantic is None or not found:
        return {}
    from resume.phrases import Candidate, line_sections

    sections = line_sections(text)
    newlines = [m.start() for m in re.finditer("\n", text)]
    cands, owners = [], []
    for idx, spans in found.items():
        for a, b in spans[:MAX_EVIDENCE]:
            listed = _is_list_item(text, a, b, 1)
            section = sections[bisect.bisect_left(newlines, a)]
            cands.append(Candidate(text[a:b], a, b, "list" if listed else "noun", section, 1))
            owners.append(idx)
    out: dict[int, float] = {}
    for idx, p in zip(owners, semantic.probabilities(cands, text), strict=True):
        out[idx] = round(max(out.get(idx, 0.0), float(p)), 3)
    return out


def group_key(phrase: str) -> str:
    """Phrases that differ only in the last word's grammatical number group together."""
    n = norm_phrase(phrase)
    return n[:-1] if n.endswith("s") and not n.endswith("ss") else n


# Tools named by an everyday word whose everyday sense opens phrases that are not skills
# ("swift response", "spark joy", "blank canvas", "sage advice"); in lower case, away from the
# gazetteer's accepted mentions, a phrase holding one is not reported. Words such as "project"
# or "teams" (Microsoft Project, Teams) are left out: "project management" is a skill.
TOOL_NAMES_THAT_ARE_WORDS = {
    "swift", "spark", "chef", "canvas", "sage", "rust", "spring", "go", "excel", "word",
    "access", "slack", "zoom", "puppet", "ruby", "julia", "shiny", "eclipse", "jet", "flex",
    "magic", "velvet", "sunrise", "cyclone", "phantom", "meteor", "hive", "pig", "knockout",
    "backbone", "bamboo", "blast", "outlook", "unity", "square",
}  # fmt: skip


def _holds_a_rejected_tool_word(c, tax, taken) -> bool:
    """A phrase holding, in lower case, a word that is a tool's name only in the right context
    ("swift path", "spark plugs", "blank canvas"), or a title-cased name opening with one
    ("Swift Logistics"), when the gazetteer did not take that word as the tool there."""
    words = c.text.split()
    named = len(words) >= 2 and all(w[:1].isupper() for w in words)
    for tok, a, _ in tokens(c.text):
        # lower case: the everyday word; a title-cased name opening with it: an organisation
        # ("Swift Logistics", "Spring Health"), unless the gazetteer took the tool there
        if tok in TOOL_NAMES_THAT_ARE_WORDS and (c.text[a].islower() or (named and a == 0)):
            if not any(x <= c.start + a < y for x, y in taken):
                return True
    return False


TOOL_USE = re.compile(r"\s(?:in|with|using|on|via|through)\s+(?:the\s+)?$", re.I)


def _uses_a_found_tool(text: str, c, tools: list[tuple[int, int]]) -> bool:
    """A phrase that ends by naming the tool it was done with ("documented care in Epic"),
    a tool the gazetteer found there."""
    return any(c.start < a and b == c.end and TOOL_USE.search(text[c.start : a]) for a, b in tools)


# Words that frame the skills a phrase names without being one: "Must have SQL", "Canvas and
# Google Classroom", "strong Excel skills".
_FRAME_WORDS = set(
    "the a an and or & / , ; : with in of for on to using via plus including must have has "
    "having had strong solid good excellent advanced basic working hands on experience "
    "experienced knowledge proficiency proficient familiarity familiar skills skill "
    "required preferred essential desirable is are be a plus".split()
)


def _names_only_found_skills(text: str, c, taken: list[tuple[int, int]]) -> bool:
    """A phrase that holds gazetteer mentions and, besides them, only framing words ("Canvas
    and Google Classroom", "Must have SQL"): the gazetteer reports what it names."""
    inside = sorted((a, b) for a, b in taken if c.start <= a and b <= c.end)
    if not inside:
        return False
    rest, at = [], c.start
    for a, b in inside:
        rest.append(text[at:a])
        at = max(at, b)
    rest.append(text[at : c.end])
    rest_text = " ".join(rest).lower()
    words = re.findall(r"[a-z]+|[&/,;]", rest_text)
    # nothing between the mentions is a compound ("VFD troubleshooting"), a number a version
    # ("Windows 7"): both more specific than what the gazetteer found, and kept
    return bool(words) and not re.search(r"\d", rest_text) and all(w in _FRAME_WORDS for w in words)


def _overlaps(c, spans: list[tuple[int, int]]) -> bool:
    """Whether candidate ``c``'s span overlaps any of ``spans``."""
    return any(a < c.end and c.start < b for a, b in spans)


ROLE_HEAD_MIN = 30  # ESCO occupation labels ending in the word ("engineer": 1,075)


def _capitalised(phrase: str) -> bool:
    """Every word but function words starts with a capital ("Site Manager", "Operating
    Engineer / Test Technician"): written as a name or a title."""
    words = [w for w in re.findall(r"[A-Za-z][\w'&.-]*", phrase) if w.lower() not in FUNCTION_WORDS]
    return bool(words) and all(w[0].isupper() for w in words)


# The activity a role's head word names ("Payroll Administrator" -> payroll administration);
# a role head not here ("Representative", "Technician", "Analyst") names no activity of its own.
ROLE_ACTIVITY = {
    "manager": "management", "administrator": "administration", "coordinator": "coordination",
    "supervisor": "supervision", "developer": "development", "designer": "design",
    "planner": "planning", "instructor": "instruction",
    "trainer": "training", "programmer": "programming", "consultant": "consulting",
    "editor": "editing", "accountant": "accounting", "auditor": "auditing",
    "recruiter": "recruiting", "writer": "writing", "estimator": "estimating",
}  # fmt: skip
_ROLE_LEAD = re.compile(
    r"^(?:(?:senior|sr|junior|jr|head|lead|chief|principal|assistant|associate|deputy|acting"
    r"|experienced|certified|licensed|skilled|dependable|full-time|part-time|state|city"
    r"|talented|personable|dedicated|motivated|dynamic|seasoned|accomplished|reliable"
    r"|enthusiastic|energetic|successful|proven|creative|hard-?working|results-oriented"
    r"|detail-oriented)\.?\s+)+",
    re.I,
)


_PERSON_NOUNS = set(
    "chef nurse clerk associate aide staff lead head representative agent officer "
    "professional specialist assistant technician leader driver cook mechanic".split()
)


def _is_a_person(word: str) -> bool:
    """A word that can name a person's role ("Manager", "Technician", "Chef"), not a thing
    ("Systems", "Products", "Equipment")."""
    w = word.lower().strip(".")
    w = w[:-1] if w.endswith("s") and not w.endswith("ss") else w
    return w in _PERSON_NOUNS or w.endswith(("er", "or", "ist", "ant", "ian", "ee"))


def _role_skill(phrase: str, vectors) -> str | None:
    """The skill a job title names: its words before the role's head, with the head's
    activity where it names one ("Social Media Manager" -> "social media management",
    "Customer Service Representative" -> "customer service"); None when nothing of a skill is
    left ("Service Technician") or the title is several ("Engineer / Test Technician") or an
    organisation's ("College of Education Computer Technician")."""
    if re.search(r"[/(,]|\b(?:of|for|at|in)\b", phrase, re.I):
        return None
    words = _ROLE_LEAD.sub("", re.sub(r"\s+", " ", phrase).strip()).split()
    activity = None
    while words and _is_a_role(words[-1], vectors):
        head = words.pop().lower()
        activity = activity or ROLE_ACTIVITY.get(head) or ROLE_ACTIVITY.get(head.rstrip("s"))
    if not words or (
        activity is None and len(words) < 2 and words[0].lower() in ("service", "staff")
    ):
        return None
    rest = [w if w.isupper() and len(w) <= 4 else w.lower() for w in words]
    return " ".join([*rest, activity] if activity else rest)


TITLE_HEAD_MIN = 4  # "Purchaser" (9), "Bookkeeper" (4); not "Server" (2)


def _occupations_headed(word: str, vectors) -> int:
    """How many ESCO occupation labels end in ``word`` (lower case) or its singular."""
    from resume.semantic import singular

    heads = vectors.occupation_head_count
    return max(heads.get(word, 0), heads.get(singular(word), 0))


def _is_a_role(word: str, vectors) -> bool:
    """A word that names a person's job in a resume's title ("Planner", "Bookkeeper", "Chef"):
    a person noun heading at least TITLE_HEAD_MIN ESCO occupation labels."""
    w = word.lower().strip(".")
    return _is_a_person(w) and _occupations_headed(w, vectors) >= TITLE_HEAD_MIN


def _names_a_role(phrase: str, vectors) -> bool:
    """A phrase ending in a word that heads ESCO occupation labels ("Backend engineer",
    "Head Chef", "night auditors"): in a job description, the role, not a skill."""
    words = norm_phrase(re.sub(r"\s*\([^)]*\)?\s*$", "", phrase)).split()  # "Nurse (Nights)"
    return bool(words) and _occupations_headed(words[-1], vectors) >= ROLE_HEAD_MIN


# What a phrase cut from prose can start or end with that no skill's name does: articles,
# possessives, prepositions, conjunctions ("such as accounting", "Investigational research for",
# "our document management system"), and a date a work-history line ends with ("Quality Control
# Analyst 01/1981").
_EDGE_WORDS = (
    r"the|an?|our|my|his|her|their|your|its|any|all|this|these|those|such\s+as|including"
    r"|for|of|on|in|at|by|to|from|with|into|as|and|or|which|that|who"
)
_LEADING = re.compile(rf"^(?:(?:{_EDGE_WORDS})\s+)+", re.I)
_GENERIC_NAME_WORDS = set(
    "skills skill plus bonus experience knowledge ability abilities proficiency understanding "
    "background expertise".split()
)
_TRAILING = re.compile(
    rf"(?:\s+(?:{_EDGE_WORDS}|(?:\d{{1,2}}/)?(?:19|20)\d{{2}}|current|present|[-–—/,;:&]))+\s*$",
    re.I,
)


def skill_name(phrase: str) -> str:
    """The name an unlinked phrase is reported under: ``phrase`` without the function words
    it starts or ends with and without a trailing date ("such as hydraulic presses" ->
    "hydraulic presses"); "" when nothing is left."""
    name = re.sub(r"\s+", " ", phrase).strip()
    for _ in range(3):
        cut = _TRAILING.sub("", _LEADING.sub("", name)).strip()
        if cut == name:
            break
        name = cut
    if re.fullmatch(rf"(?:{_EDGE_WORDS})", name, re.I) or not re.search(r"[A-Za-z]", name):
        return ""
    if all(w in _GENERIC_NAME_WORDS for w in name.lower().split()):
        return ""  # "skills plus" (of "Excel skills a plus"), "experience"
    return name


def _semantic_skills(text, tax, semantic, kind, found) -> list[Skill]:
    """Skills the classifier accepts among the document's candidate phrases, except those the
    gazetteer already judged (its aliases, whether it kept them or not: "Go" in "go to market"
    stays out) and phrases inside a gazetteer mention. A verb + object phrase is named by its
    action noun ("Reconciled bank accounts" -> "bank account reconciliation"), the taxonomy's
    skill when that name is one of its aliases."""
    taken = sorted(span for spans in found.values() for span in spans)
    starts = [a for a, _ in taken]
    tools = [
        span
        for idx, spans in found.items()
        if tax.skills[idx]["category"] in ("technical", "tool")
        for span in spans
    ]
    hiring = _hiring_spans(text, kind)
    title = _title_span(text, kind)
    groups: dict[str, list] = defaultdict(list)
    kept: list[tuple[int, int]] = []
    # most confident first; a phrase overlapping a kept one ("IV antibiotics" inside
    # "administered IV antibiotics") is the same mention
    for sp in sorted(semantic.score(text, kind), key=lambda sp: -sp.confidence):
        c = sp.candidate
        if _overlaps(c, kept):
            continue
        n = norm_phrase(c.text)
        if not n or n in tax.alias_index or _other_number(n) in tax.alias_index:
            continue
        core = norm_phrase(skill_name(c.text))
        if not core or core in tax.alias_index:
            continue  # nothing but function words, or an alias the gazetteer judged already
        if GENERIC_TAIL.sub("", n) in tax.alias_index:
            continue  # "data analysis skills": the gazetteer's "data analysis"
        k = bisect.bisect_right(starts, c.start) - 1
        if k >= 0 and taken[k][0] <= c.start and c.end <= taken[k][1]:
            continue
        if _holds_a_rejected_tool_word(c, tax, taken):
            continue
        if _names_only_found_skills(text, c, taken):
            continue
        if _uses_a_found_tool(text, c, tools):
            continue  # "tracked the pipeline in Salesforce": the gazetteer reports Salesforce
        if _overlaps(c, hiring):
            continue  # "hiring a Site Reliability Engineer"
        if _overlaps(c, title):
            continue  # the posting's title: "HR Business Partner"
        if kind == "job" and _names_a_role(c.text, semantic.vectors):
            continue  # "Backend engineer: Python, SQL": the role, not a skill it asks for
        nominal = semantic.nominal(c)
        named_as = skill_name(c.text)  # "Material/Production Planner 07/2001": no date
        words = named_as.split()
        roles = [i for i, w in enumerate(words) if _is_a_role(w, semantic.vectors)]
        if kind != "job" and roles and roles[-1] == len(words) - 1 and _capitalised(named_as):
            # a job title ("Payroll Administrator", "Customer Service Representative"): the
            # skill it names, or none ("Service Technician", "Field Adjuster II")
            nominal = _role_skill(named_as, semantic.vectors)
            if nominal is None:
                continue
        known = tax.alias_index.get(norm_phrase(nominal)) if nominal else None
        kept.append((c.start, c.end))
        if known is not None and known in found:
            continue  # the gazetteer reports that skill already
        key = f"taxonomy:{known}" if known is not None else group_key(nominal or c.text)
        groups[key].append((sp, nominal, known))
    return [_semantic_skill(text, tax, semantic.vectors, members) for members in groups.values()]


def _semantic_skill(text, tax, vectors, members) -> Skill:
    """One Skill of a group of accepted phrases [(ScoredPhrase, nominal form, taxonomy index)]."""
    best, nominal, known = max(members, key=lambda m: m[0].confidence)
    spans = sorted({(m[0].candidate.start, m[0].candidate.end) for m in members})
    written = re.sub(r"\s+", " ", text[best.candidate.start : best.candidate.end]).strip()
    evidence = _evidence(text, spans)
    confidence = round(best.confidence, 3)
    stated_as = written if nominal else None
    if known is not None:
        s = tax.skills[known]
        return Skill(
            name=s["name"],
            category=s["category"],
            source=s["source"],
            source_id=s["id"],
            match="alias",
            confidence=confidence,
            stated_as=stated_as,
            **evidence,
        )
    linked, cosine = best.esco_index, best.link_cosine
    by_name = vectors.esco_by_name.get(norm_phrase(nominal)) if nominal else None
    if by_name is not None:
        linked, cosine = by_name, 1.0
    name = nominal or skill_name(best.candidate.text)
    return Skill(
        name=name,
        category="knowledge"
        if linked is not None and vectors.esco_type[linked] == "knowledge"
        else "skill",
        source="ESCO" if linked is not None else "resume",
        source_id=vectors.esco_uri[linked] if linked is not None else None,
        match="semantic" if linked is not None else "unlinked",
        confidence=confidence,
        taxonomy_label=vectors.esco_label[linked] if linked is not None else None,
        link_cosine=cosine if linked is not None else None,
        stated_as=stated_as,
        **evidence,
    )


# General skills a resume states as an action on people rather than by name ("Trained new
# employees", "supervised a crew of 12"): canonical skill name -> pattern. The object must be
# people at work, so "trained in CPR" or "supervised the installation" do not count.
_PEOPLE = (
    r"(?:(?:new|junior|\d+|a|the|all|our|my)\s+)*(?:(?:team|staff|store|sales|shift|crew)\s+)?"
    r"(?:employees?|staff|associates?|technicians?|members|hires|personnel|cashiers?|interns?"
    r"|volunteers?|workers?|crews?|agents?|representatives?|team|teams|colleagues|co-workers"
    r"|coworkers|engineers?|developers?|analysts?|nurses?|servers?|assistants?|clerks?)\b"
)
VERB_PHRASE_SKILLS = {
    "staff training": re.compile(r"\btrain(?:s|ed|ing)?\s+(?:and\s+\w+\s+)?" + _PEOPLE, re.I),
    "supervision": re.compile(
        r"\bsupervis(?:e|es|ed|ing)\s+(?:and\s+\w+\s+)?(?:a\s+(?:team|crew|staff)\s+of\s+)?"
        + _PEOPLE,
        re.I,
    ),
    "mentoring": re.compile(r"\bmentor(?:s|ed|ing)?\s+(?:and\s+\w+\s+)?" + _PEOPLE, re.I),
    "coaching": re.compile(r"\bcoach(?:es|ed|ing)?\s+(?:and\s+\w+\s+)?" + _PEOPLE, re.I),
}


# Skills a resume states by the action verb that opens a bullet or a sentence, the resume's
# convention ("Negotiated vendor contracts", "• Forecast operating costs"): canonical skill
# name -> verb forms. Only where the verb starts the statement: "the forecast was" or "a
# scheduled meeting" do not count. Verbs that are also common nouns ("budget", "schedule",
# "audit") count only in their -ed / -ing / -s forms.
_ACTION_VERBS = {
    "negotiation": r"negotiat(?:e|es|ed|ing)",
    "forecasting": r"forecast(?:s|ed|ing)",
    "calibration": r"calibrat(?:e|es|ed|ing)",
    "scheduling": r"schedul(?:es|ed|ing)",
    "recruitment": r"recruit(?:s|ed|ing)",
    "auditing": r"audit(?:s|ed|ing)",
    "billing": r"invoic(?:es|ed|ing)",
    "troubleshooting": r"troubleshoot(?:s|ed|ing)?",
    "budgeting": r"budget(?:s|ed|ing)",
    "tutoring": r"tutor(?:s|ed|ing)",
    "counseling": r"counsel(?:s|ed|led|ing|ling)",
    "merchandising": r"merchandis(?:es|ed|ing)",
    "purchasing": r"purchas(?:es|ed|ing)",
    "communication": r"communicat(?:es|ed|ing)",
}
_STATEMENT_START = r"(?:^|[•·▪●◦*\u2013\u2014-]|[.;!?:]\s)[\s\u00a0Â]*"
ACTION_VERB_SKILLS = {
    name: re.compile(_STATEMENT_START + r"(" + verb + r")\b", re.I | re.M)
    for name, verb in _ACTION_VERBS.items()
}


def _verb_phrase_spans(text: str, tax: Taxonomy) -> list[tuple[int, int, int]]:
    """(skill index, start, end) of the VERB_PHRASE_SKILLS and ACTION_VERB_SKILLS mentions."""
    out = []
    for name, pattern in VERB_PHRASE_SKILLS.items():
        idx = tax.name_index.get(name)
        if idx is not None:
            out += [(idx, m.start(), m.end()) for m in pattern.finditer(text)]
    for name, pattern in ACTION_VERB_SKILLS.items():
        idx = tax.name_index.get(name)
        if idx is not None:
            out += [(idx, m.start(1), m.end(1)) for m in pattern.finditer(text)]
    return out


# An employer announcing a vacancy ("We're hiring a ...", "now recruiting"): not the skill.
HIRING_STATEMENT = re.compile(
    r"\b(?:we(?:'re|\u2019re|\s+are)|is|are|now|currently|actively)\s+"
    r"(?:(?:now|currently|actively)\s+)?(?:hiring|recruiting)\b",
    re.I,
)


def _hiring_spans(text: str, kind: str) -> list[tuple[int, int]]:
    """Where a job description announces a vacancy ("we're hiring", "now recruiting"): what
    stands there is not a skill it asks for. None elsewhere: on a resume "currently recruiting
    engineers" is the person's own work."""
    return [m.span() for m in HIRING_STATEMENT.finditer(text)] if kind == "job" else []


def _title_span(text: str, kind: str) -> list[tuple[int, int]]:
    """A job description's first line when it is a title ("HR Business Partner", "Warehouse
    Team Lead (Nights)"): at most 8 words, no sentence, no list, no "Label:"; the role, not a
    skill it asks for. None on a resume."""
    if kind != "job":
        return []
    m = re.match(r"\s*([^\n]+)", text)
    if not m:
        return []
    line = m.group(1).strip()
    if len(line.split()) > 8 or re.search(r"[.:;,!?]\s|[.:;!?]$|,", line):
        return []
    return [m.span(1)]


BULLET_LINE = re.compile(r"\s*(?:[-•·▪●◦*\u2013\u2014]|\d{1,2}[.)])\s+\S")


def _bullet_blocks(text: str) -> list[int]:
    """For each line of ``text``, the id of its bulleted list: consecutive bullet lines share
    one; every other line has its own."""
    out, block, prev_bullet = [], -1, False
    for i, line in enumerate(text.split("\n")):
        bullet = bool(BULLET_LINE.match(line))
        if not (bullet and prev_bullet):
            block = i
        out.append(block)
        prev_bullet = bullet
    return out


def skill_spans(text: str, tax: Taxonomy, kind: str = "resume") -> dict[int, list[tuple[int, int]]]:
    """Character spans [start, end) of each skill's accepted mentions, by taxonomy index.
    ``kind``: ``job`` for a job description (see :func:`_hiring_spans`), else ``resume``."""
    toks = list(tokens(_mask_contacts(text)))
    # (skill, start, end, needs_context): context is needed by ambiguous words and acronyms.
    candidates: list[tuple[int, int, int, bool]] = []
    by_name: set[int] = set()
    i = 0
    while i < len(toks):
        for n in range(min(MAX_NGRAM, len(toks) - i), 0, -1):
            phrase = " ".join(t for t, _, _ in toks[i : i + n])
            idx = tax.alias_index.get(phrase)
            if idx is None and n == 1 and phrase.endswith("js") and len(phrase) > 4:
                phrase = phrase[:-2]  # "ReactJS" -> "react"
                idx = tax.alias_index.get(phrase)
            if idx is None and n >= 2:  # "neural network" / "neural networks"
                phrase = _other_number(phrase)
                idx = tax.alias_index.get(phrase)
            if idx is None:
                continue
            start, end = toks[i][1], toks[i + n - 1][2]
            exact = tax.case_sensitive.get(phrase)
            if exact is not None and text[start:end] != exact:
                continue
            category = tax.skills[idx]["category"]
            tech = category in ("technical", "tool")
            level = tax.ambiguity.get(phrase, 0) if n == 1 and tech else 0
            if category == "language":  # a language is a proper noun: "English", not "english"
                if not text[start].isupper() or LANGUAGE_AS_ATTRIBUTE.match(text, end):
                    continue
                level = 0
            nxt = toks[i + n][0] if i + n < len(toks) else None
            if level > 0 and (_heads_a_title(text, start, end) or _inside_a_name(text, start, end)):
                continue  # "Manager and Executive Chef", "Chef Ernest Bledsoe": not the tool
            if level == 1 and not (
                _is_list_item(text, start, end, 1)
                or _capitalised_mid_sentence(text, start, end, nxt)
                or _named_after_a_joiner(text, start, end, nxt)
            ):
                continue
            if level == 2 and not (
                _is_list_item(text, start, end, 0) or _named_after_a_joiner(text, start, end, nxt)
            ):
                continue
            if phrase in SEASONS and YEAR_AFTER.match(text, end):
                continue  # "Spring 2022": a season, not the tool ("Excel 2016" is Excel)
            if nxt == "js" and text[end : toks[i + n][1]] in ("", ".", " ", "-"):
                # "React.js", "Vue js": the suffix belongs to the match
                n += 1
                end = toks[i + n - 1][2]
            # a product's name in its own capitals ("Epic", "Salesforce", "Workday") is the product
            # where it stands mid-sentence or in a list; acronyms ("POS") still need context
            # ... unless it is part of a longer name ("Epic Games", "Nurse at Epic Health")
            named = (
                exact is not None
                and len(exact) >= 4
                and any(ch.islower() for ch in exact)
                and not _in_a_longer_name(text, start, end)
                and (
                    _is_list_item(text, start, end, 1)
                    or _capitalised_mid_sentence(text, start, end, nxt)
                )
            )
            needs_context = tech and not named and (level > 0 or exact is not None)
            if named and level > 0:
                by_name.add(start)  # an ambiguous word: counts, but vouches for no other
            candidates.append((idx, start, end, needs_context))
            i += n - 1
            break
        i += 1
    # Ambiguous technical words ("Chef", "Spark", "POS") count only in a document that states at
    # least TECH_CONTEXT_MIN unambiguous technical skills: a chef's resume is not about Chef.
    # ... or next to an unambiguous technical skill on the same line ("Skills: Python, Go, SQL").
    plain_tech = {
        c[0]
        for c in candidates
        if not c[3]
        and c[1] not in by_name
        and tax.skills[c[0]]["category"] in ("technical", "tool")
    }
    tech_context = len(plain_tech) >= TECH_CONTEXT_MIN
    newlines = [m.start() for m in re.finditer("\n", text)]
    line_of = [bisect.bisect_left(newlines, c[1]) for c in candidates]  # linear in the text
    # ... or as a list item under a skills heading ("Skills: Access, Excel, Word").
    in_skills_section = skills_section_lines(text)
    plain_lines = {line for c, line in zip(candidates, line_of, strict=True) if c[0] in plain_tech}
    # ... or in a bulleted list (consecutive bullet lines) that names one ("- SQL\n- Python").
    block_of = _bullet_blocks(text)
    plain_blocks = {block_of[line] for line in plain_lines}
    # ... or listed with another ambiguous tool on the same line ("Instagram, Facebook").
    listed: dict[int, dict[int, int]] = defaultdict(dict)  # line -> {start: skill}
    for (idx, start, end, needs_context), line in zip(candidates, line_of, strict=True):
        if needs_context and _is_list_item(text, start, end, 0):
            listed[line][start] = idx
    corroborated = {
        start for items in listed.values() if len(set(items.values())) >= 2 for start in items
    }
    interests = interests_section_lines(text)
    hiring = _hiring_spans(text, kind)
    headings = heading_lines(text)
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (idx, start, end, needs_context), line in zip(candidates, line_of, strict=True):
        if line in interests or any(a <= start and end <= b for a, b in hiring):
            continue
        # a section heading is no mention ("Profile" is not Cerner ProFile), nor is a name read
        # on from one ("Professional Experience / Manager ..." is not Experience Manager)
        if line in headings:
            continue
        if needs_context and not (
            tech_context
            or line in plain_lines
            or block_of[line] in plain_blocks
            or start in corroborated
            or (line in in_skills_section and _is_list_item(text, start, end, 1))
        ):
            continue
        found[idx].append((start, end))
    for idx, start, end in _verb_phrase_spans(text, tax):
        # "Training staff" is also an alias of training: one mention, not two
        if not any(a < end and start < b for a, b in found.get(idx, ())):
            found[idx].append((start, end))
    return found
