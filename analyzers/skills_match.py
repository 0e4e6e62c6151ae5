"""Skills the job asks for against the resume, and whether the spoken answer gives evidence of
each resume skill (same taxonomy and extractor as the resume: resume/skills.py)."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from functools import lru_cache

from contracts.report import JobSkill, ResumeSkillEvidence, Skill, SkillsMatch, Word
from resume.normalize import norm_phrase, tokens
from resume.semantic import NOMINALS_PATH, singular
from resume.skills import (
    FUNCTION_WORDS,
    Taxonomy,
    find_skills,
    group_key,
    interests_section_lines,
    skill_spans,
)

# A line that opens the optional part of a posting, or the required part.
NICE_HEADING = re.compile(
    r"\s*(?:nice[\s-]+to[\s-]+haves?|(?:it'?s\s+)?a\s+plus|pluses|bonus(?:\s+points)?|preferred"
    r"(?:\s+(?:qualifications|skills|experience))?|desirable(?:\s+skills)?|good\s+to\s+have"
    r"|nice\s+extras|optional|what\s+would\s+be\s+nice|extra\s+credit|advantageous)\s*:?\s*",
    re.I,
)
REQUIRED_HEADING = re.compile(
    r"\s*(?:requirements?|required(?:\s+(?:skills|qualifications|experience))?|must[\s-]+haves?"
    r"|essential(?:\s+(?:skills|criteria))?|qualifications|what\s+you(?:'ll)?\s+(?:need|bring)"
    r"|what\s+you\s+must\s+bring|who\s+you\s+are|skills(?:\s+(?:and|&)\s+experience)?"
    r"|responsibilities|what\s+you\s+will\s+do|the\s+role|about\s+the\s+role)\s*:?\s*",
    re.I,
)
NICE_CUE = re.compile(
    r"\b(?:is\s+a\s+(?:big\s+|real\s+)?plus|a\s+plus|nice\s+to\s+have|preferred|preferably"
    r"|ideally|desirable|bonus|an\s+asset|advantage|advantageous|would\s+be\s+(?:great|nice)"
    r"|not\s+required|optional|also\s+counts)\b",
    re.I,
)
REQUIRED_CUE = re.compile(r"\b(?:must|required|essential|mandatory|need\s+to\s+have)\b", re.I)


def requirement_at(text: str, position: int) -> str:
    """``nice_to_have`` or ``required`` for a skill mentioned at ``position`` of a job
    description: a cue in its own sentence wins ("Kubernetes is a plus", "must know SQL"; a
    "preferred but not required" counts as nice to have), else the section it stands in (the
    nearest heading line above it), else required."""
    start = max(text.rfind(c, 0, position) for c in ".;!?\n") + 1
    ends = [i for i in (text.find(c, position) for c in ".;!?\n") if i >= 0]
    sentence = text[start : min(ends) if ends else len(text)]
    if NICE_CUE.search(sentence):
        return "nice_to_have"
    if REQUIRED_CUE.search(sentence):
        return "required"
    for line in reversed(text[:start].split("\n")):
        head = line.strip().rstrip(":").strip()
        if not head or len(head.split()) > 6:
            continue
        if NICE_HEADING.fullmatch(head):
            return "nice_to_have"
        if REQUIRED_HEADING.fullmatch(head):
            return "required"
    return "required"


def _stems(name: str) -> tuple[str, ...]:
    """The words of a skill name without the endings that make a noun of a verb or a plural
    ("budgeting" -> "budget", "planning" -> "plan", "schedules" -> "schedul")."""
    out = []
    for w in norm_phrase(name).split():
        w = re.sub(r"(?<=\w{3})(?:ing|es|s|e)$", "", w)
        out.append(re.sub(r"([b-df-hj-np-tv-z])\1$", r"\1", w))  # "plann" -> "plan"
    return tuple(out)


def _covering(
    job: Skill, resume_skills: Sequence[Skill], broader: dict[str, list[str]]
) -> tuple[Skill | None, str | None]:
    """The resume skill that covers a job skill and how it was found: the same concept, the
    same name, a name holding the job's words, then through ESCO's hierarchy (``broader``:
    skill URI -> its broader skills' URIs) a narrower skill ("Haskell" for "computer
    programming") before a broader one."""
    if job.source_id is not None:
        for r in resume_skills:
            if r.source_id == job.source_id:
                return r, "same_skill"
    key = group_key(job.name)
    for r in resume_skills:
        if group_key(r.name) == key:
            return r, "same_name"
    stems = _stems(job.name)
    for r in resume_skills:
        if _stems(r.name) == stems:  # "Budget" for "budgeting", "schedule" for "scheduling"
            return r, "same_name"
    words = set(norm_phrase(job.name).split())
    if words:
        for r in resume_skills:
            if words <= set(norm_phrase(r.name).split()):
                return r, "more_specific"
    if job.source_id is not None:
        for r in resume_skills:
            if r.source_id and job.source_id in broader.get(r.source_id, ()):
                return r, "narrower_skill"
        over = broader.get(job.source_id, ())
        for r in resume_skills:
            if r.source_id and r.source_id in over:
                return r, "broader_skill"
    return None, None


# Names the extractor reads by name only: a word of theirs in prose is not the tool ("excel at")
NAMED_CATEGORIES = ("technical", "tool", "language")
# Verbs that open a posting's phrase without being the skill ("provide direct patient care")
FRAME_VERBS = {"provide", "perform", "ensure", "support", "deliver", "conduct", "demonstrate"}
# what ends a statement: a line, a sentence, a clause or a list item ("Oracle Database, UI
# Design" states neither "database design" nor "UI database")
STATEMENT = re.compile(r"\n|(?<=[a-z0-9)])[.!?;](?=\s)|[,|•·▪●◦\t]")
EVIDENCE_CHARS = 160


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def _action_nouns() -> dict[str, str]:
    """Verb forms -> their action noun ("administered" -> "administration"), from
    resume/data/nominalisations.json (ESCO's compounds)."""
    return json.loads(NOMINALS_PATH.read_text())["nouns"]


def _words(text: str) -> list[tuple[str, int]]:
    """Content words with their offsets, a past-tense verb read as its action noun
    ("Administered" -> "administration", "certified" -> "certification"; only -ed forms: the
    map also holds nouns, "accounts" -> "accounting")."""
    nouns = _action_nouns()
    return [
        (nouns.get(t, t) if t.endswith("ed") else t, a)
        for t, a, _ in tokens(text)
        if t not in FUNCTION_WORDS and not t.isdigit()
    ]


class ResumeStatements:
    """The resume's statements (lines, sentences, clauses and list items, outside an Interests
    section) with the stems of their words, for job skills that no resume skill covers but the
    resume states in words."""

    def __init__(self, text: str):
        interests = interests_section_lines(text)
        # (statement, {stem: offset of its first word}, the words themselves)
        self.statements: list[tuple[str, dict[str, int], set[str]]] = []
        for n, line in enumerate(text.split("\n")):
            if n in interests:
                continue
            for part in STATEMENT.split(line):
                part = re.sub(r"\s+", " ", part).strip(" -•*·▪●◦\t")
                words = _words(part)
                if not words:
                    continue
                stems = _stemmer().stemWords([w for w, _ in words])
                first = {}
                for stem, (_, at) in zip(stems, words, strict=True):
                    first.setdefault(stem, at)
                self.statements.append((part, first, {singular(w) for w, _ in words}))

    def stating(self, job: Skill) -> str | None:
        """The first statement holding every content word of the job skill's name in any word
        form (a one-word name as that word, or its verb: "accounting" is not "accounts"), or of
        the words the posting stated it in ("administer medications" for "medication
        administration"); quoted around its first matching word."""
        if job.category in NAMED_CATEGORIES:
            return None
        for phrase in filter(None, (job.name, job.stated_as)):
            lead = phrase.split(maxsplit=1)
            if len(lead) == 2 and lead[0].lower() in FRAME_VERBS:
                phrase = lead[1]  # "provide direct patient care"
            words = [w for w, _ in _words(phrase)]
            if not words or not any(len(w) >= 3 for w in words):
                continue
            # a posting's phrase that opens with a verb ("administer medications"): its noun
            words[0] = _action_nouns().get(words[0], words[0])
            wanted = set(_stemmer().stemWords(words))
            for text, first, said in self.statements:
                if not wanted <= first.keys():
                    continue
                if len(words) == 1 and singular(words[0]) not in said:
                    continue
                at = min(first[w] for w in wanted)
                start = max(0, min(at - EVIDENCE_CHARS // 3, len(text) - EVIDENCE_CHARS))
                return text[start : start + EVIDENCE_CHARS]
        return None


QUOTE_WORDS = 6  # words of context on each side of a spoken mention


def _transcript_index(words: Sequence[Word]) -> tuple[str, list[int]]:
    starts, parts, pos = [], [], 0
    for w in words:
        starts.append(pos)
        parts.append(w.word)
        pos += len(w.word) + 1
    return " ".join(parts), starts


def skills_match(
    resume_skills: Sequence[Skill],
    *,
    taxonomy: Taxonomy,
    job_description: str | None = None,
    words: Sequence[Word] | None = None,
    semantic=None,
    resume_text: str | None = None,
) -> SkillsMatch:
    """Match job skills to resume skills and find spoken evidence of resume skills.

    Args:
        resume_skills: Skills found on the resume (``resume.skills``).
        taxonomy: The skills taxonomy.
        job_description: Job description text; None skips the job side.
        words: Transcript words; None skips the spoken-evidence side.
        semantic: resume.semantic.SemanticSkillModel for the job description's skills stated
            in prose (as for the resume); None: the gazetteer alone.
        resume_text: The resume's text: a job skill no resume skill covers counts as on the
            resume when one of its lines states it in words (``stated_on_resume``).

    Returns:
        Job skills with ``requirement``, ``on_resume`` and the resume skill that covers each
        (``matched_by``), matched / missing names (required first) and their ratio; for every resume
        skill, whether the answer mentions it (``evidenced_in_answer``) with the quote and the
        time of the first mention.
    """
    job: list[JobSkill] = []
    if job_description:
        statements = ResumeStatements(resume_text) if resume_text else None
        for s in find_skills(job_description, taxonomy, semantic=semantic, kind="job"):
            covered, how = _covering(s, resume_skills, taxonomy.broader)
            stated = None
            if statements is not None and (covered is None or how == "broader_skill"):
                stated = statements.stating(s)
                if stated is not None:
                    covered, how = None, "stated_on_resume"
            position = s.evidence_spans[0].start_char if s.evidence_spans else 0
            job.append(
                JobSkill(
                    name=s.name,
                    category=s.category,
                    source_id=s.source_id,
                    match=s.match,
                    confidence=s.confidence,
                    requirement=requirement_at(job_description, position),
                    # a broader skill on the resume is shown, not counted: "computer
                    # programming" does not satisfy "Haskell"
                    on_resume=how not in (None, "broader_skill"),
                    resume_skill=covered.name if covered else None,
                    matched_by=how,
                    resume_evidence=stated,
                )
            )
        job.sort(key=lambda j: j.requirement != "required")
    evidence: list[ResumeSkillEvidence] = []
    if words is not None:
        text, starts = _transcript_index(words)
        spoken = {
            taxonomy.skills[i]["name"]: spans for i, spans in skill_spans(text, taxonomy).items()
        }
        for s in resume_skills:
            spans = spoken.get(s.name)
            if not spans:
                evidence.append(ResumeSkillEvidence(name=s.name, evidenced_in_answer=False))
                continue
            k = max(0, bisect.bisect_right(starts, spans[0][0]) - 1)
            quote = " ".join(w.word for w in words[max(0, k - QUOTE_WORDS) : k + QUOTE_WORDS + 1])
            evidence.append(
                ResumeSkillEvidence(
                    name=s.name,
                    evidenced_in_answer=True,
                    mentions=len(spans),
                    quote=quote,
                    start_s=words[k].start_s,
                    end_s=words[k].end_s,
                )
            )
    matched = [j.name for j in job if j.on_resume]
    return SkillsMatch(
        job_skills=job,
        matched=matched,
        missing=[j.name for j in job if not j.on_resume],
        missing_required=[j.name for j in job if not j.on_resume and j.requirement == "required"],
        match_ratio=round(len(matched) / len(job), 3) if job else None,
        resume_skills=evidence,
        evidenced_ratio=round(sum(e.evidenced_in_answer for e in evidence) / len(evidence), 3)
        if evidence
        else None,
    )
