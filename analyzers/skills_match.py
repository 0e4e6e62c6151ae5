"""Skills the job asks for against the resume, and whether the spoken answer gives evidence of
each resume skill (same taxonomy and matcher as the resume: resume/skills.py)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from contracts.report import JobSkill, ResumeSkillEvidence, Skill, SkillsMatch, Word
from resume.skills import Taxonomy, find_skills, skill_spans

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
) -> SkillsMatch:
    """Match job skills to resume skills and find spoken evidence of resume skills.

    Args:
        resume_skills: Skills found on the resume (``resume.skills``).
        taxonomy: The skills taxonomy.
        job_description: Job description text; None skips the job side.
        words: Transcript words; None skips the spoken-evidence side.

    Returns:
        Job skills with ``on_resume``, matched / missing names and their ratio; for every resume
        skill, whether the answer mentions it (``evidenced_in_answer``) with the quote and the
        time of the first mention.
    """
    on_resume = {s.name for s in resume_skills}
    job: list[JobSkill] = []
    if job_description:
        job = [
            JobSkill(
                name=s.name,
                category=s.category,
                source_id=s.source_id,
                on_resume=s.name in on_resume,
            )
            for s in find_skills(job_description, taxonomy)
        ]
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
        match_ratio=round(len(matched) / len(job), 3) if job else None,
        resume_skills=evidence,
        evidenced_ratio=round(sum(e.evidenced_in_answer for e in evidence) / len(evidence), 3)
        if evidence
        else None,
    )
