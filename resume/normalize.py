"""Tokenisation shared by the taxonomy builder and the matcher, so aliases and resume text are
normalised the same way: case-folded word tokens, with C++ / C# / F# / .NET kept distinct and
punctuation variants ("React.js", "react js", "ReactJS") reduced to the same tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator

TOKEN_RE = re.compile(r"\.?[A-Za-z0-9][A-Za-z0-9]*(?:\+\+|#)?")
SPECIAL = {"c++": "cplusplus", "c#": "csharp", "f#": "fsharp", ".net": "dotnet"}


def norm_token(raw: str) -> str:
    low = raw.lower()
    if low in SPECIAL:
        return SPECIAL[low]
    return low.lstrip(".").rstrip("+#")


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Normalised tokens with their character span [start, end) in ``text``."""
    for m in TOKEN_RE.finditer(text):
        tok = norm_token(m.group(0))
        if tok:
            yield tok, m.start(), m.end()


def norm_phrase(text: str) -> str:
    """A phrase as the space-joined normalised tokens ("React.js" -> "react js")."""
    return " ".join(t for t, _, _ in tokens(text))
