"""The practice room's question bank: a TOML file in the repository (``question_bank.toml``,
or CAA_QUESTION_BANK), read once per process and validated.

Each question: ``id``, ``category``, ``text``, ``key_points`` (what a strong answer makes, one
point each; sent as the job's expected answer, one line per point so that each is checked on
its own) and optional ``skills``.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    category: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=5, max_length=500)
    key_points: tuple[str, ...] = Field(min_length=1, max_length=12)
    skills: tuple[str, ...] = ()

    @property
    def expected_answer(self) -> str:
        """The key points as the expected answer: one ``- point`` line each."""
        return "\n".join(f"- {p}" for p in self.key_points)


class QuestionBank(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: tuple[Question, ...] = Field(min_length=1)

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.question if q.id == question_id), None)

    def by_text(self, text: str | None) -> Question | None:
        """The question asked as ``text`` (whitespace and case aside), if it is in the bank."""
        key = " ".join((text or "").split()).lower()
        return next((q for q in self.question if " ".join(q.text.split()).lower() == key), None)

    def categories(self) -> list[str]:
        return list(dict.fromkeys(q.category for q in self.question))


@functools.cache
def load(path: Path) -> QuestionBank:
    """The bank at ``path``.

    Raises:
        ValueError: not TOML, a question lacks a field, or two share an id.
    """
    try:
        bank = QuestionBank.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"question bank {path}: {exc}") from exc
    ids = [q.id for q in bank.question]
    if len(ids) != len(set(ids)):
        raise ValueError(f"question bank {path}: two questions share an id")
    return bank
