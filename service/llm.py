"""Optional practice suggestions from a large language model behind an OpenAI-compatible chat
completions endpoint (``CAA_LLM_URL``, ``CAA_LLM_MODEL``; off by default, never needed for
anything else). The offline rules (pipeline.practice.follow_ups) always work without it.

What is sent (docs/PRACTICE.md): the question, the words of the answer (the transcript, at
most MAX_TRANSCRIPT_CHARS), the key points with covered / missing, and the delivery measures
with their units. Never the candidate's id, name or e-mail, the resume, the job description,
emotion figures or the media.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from contracts.report import Report
from pipeline.practice import MEASURES, session_measures

MAX_TRANSCRIPT_CHARS = 6000
MAX_ANSWER_CHARS = 4000
SYSTEM_PROMPT = (
    "You are an interview coach. A candidate practised answering an interview question. "
    "Using only the facts given (the question, their answer, which key points they covered "
    "and their delivery measures), give at most five short, concrete suggestions to improve "
    "the answer and its delivery, then two follow-up questions an interviewer might ask. Do "
    "not guess at feelings, personality or anything not in the facts. Plain text, one "
    "suggestion per line starting with '- '."
)


class LlmUnavailable(Exception):
    """The endpoint is not configured, unreachable, slow or answered something unusable."""


@dataclass(frozen=True)
class Suggestions:
    text: str
    model: str


def user_message(report: Report, question: str | None) -> str:
    """The facts sent about one session (see the module docstring)."""
    values = session_measures(report)
    lines = [f"Question: {question or '(not given)'}"]
    words = report.transcript.text if report.transcript else ""
    lines.append(f"Answer (transcript): {words[:MAX_TRANSCRIPT_CHARS] or '(no speech)'}")
    lang = report.delivery.language if report.delivery else None
    if lang is not None and lang.key_points:
        lines.append("Key points of a strong answer:")
        lines += [f"- {'covered' if k.covered else 'MISSING'}: {k.point}" for k in lang.key_points]
    lines.append("Delivery measures:")
    for m in MEASURES:
        if values[m.name] is not None:
            lines.append(f"- {m.label}: {values[m.name]:.3g} {m.unit}")
    return "\n".join(lines)


def suggest(
    url: str, model: str, report: Report, question: str | None, *, timeout_s: float
) -> Suggestions:
    """Ask the chat-completions endpoint at ``url`` (its base, e.g. http://host:8080/v1).

    Raises:
        LlmUnavailable: not configured, a network error or timeout, a non-2xx answer, or a
            body without ``choices[0].message.content``.
    """
    if not url or not model:
        raise LlmUnavailable("no LLM endpoint is configured (CAA_LLM_URL, CAA_LLM_MODEL)")
    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_message(report, question)},
        ],
        "temperature": 0.2,
        "max_tokens": 500,
    }
    try:
        resp = requests.post(
            url.rstrip("/") + "/chat/completions",
            json=body,
            timeout=timeout_s,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise LlmUnavailable(f"the LLM endpoint did not answer ({type(exc).__name__})") from exc
    if not resp.ok:
        raise LlmUnavailable(f"the LLM endpoint answered HTTP {resp.status_code}")
    try:
        text = resp.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmUnavailable("the LLM endpoint's answer is not a chat completion") from exc
    if not isinstance(text, str) or not text.strip():
        raise LlmUnavailable("the LLM endpoint answered nothing")
    return Suggestions(text=text.strip()[:MAX_ANSWER_CHARS], model=model)
