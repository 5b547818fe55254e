"""Chat slang and abbreviations read as the words they stand for ("ppl" -> "people").

Readers type "ppl", "bros", "tix", "pls", "b4". The table is the noslang.com dictionary as
ekphrasis packages it (see data/README.md), a general resource: nothing in it was written for
factbot's questions. The matcher consults it only for a word the fact base does not know, and
uses an expansion only if the base knows a word of it, so a slang reading never replaces a word
the sources use ("u", "mfa").
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

SLANG_FILE = Path(__file__).parent.parent / "data" / "noslang.json"


@functools.cache
def _table() -> dict[str, tuple[str, ...]]:
    raw: dict[str, str] = json.loads(SLANG_FILE.read_text(encoding="utf-8"))
    return {key: tuple(value.split()) for key, value in raw.items()}


def expansion(word: str) -> tuple[str, ...]:
    """The words a folded chat word stands for, or () when it is not in the table."""
    return _table().get(word, ())
