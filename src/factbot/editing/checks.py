"""Checks on what a maintainer types: trimmed text within limits, no hidden characters, a reason.

Each limit is named for the one thing it limits; the operations call these before touching the base.
"""

from __future__ import annotations

import re

import sqlite_utils

from factbot.errors import InputError

# Limits on what a maintainer types. A quote is a sentence or two; a reason or note a few lines.
MAX_QUOTE_CHARS = 2_000
MAX_NOTE_CHARS = 2_000
MAX_REASON_CHARS = 1_000
MAX_NAME_CHARS = 200
MAX_ID_CHARS = 80
# A 5,000-word long read is about 30 kB; a bigger paste is usually a whole web page with menus
# and footers, which make poor quotes. Longer documents go through `factbot ingest`.
MAX_PASTED_SOURCE_BYTES = 64_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ONE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(name: str, value: str | None, limit: int, *, one_line: bool = False) -> str | None:
    """Trimmed text, None if blank; refuses over-long text and hidden control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"The {name} must be text.")
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InputError(f"The {name} is {len(value):,} characters long; the limit is {limit:,}.")
    if (_ONE_LINE_CONTROL if one_line else _CONTROL).search(value):
        where = "line breaks or control characters" if one_line else "control characters"
        raise InputError(f"The {name} contains {where}.")
    return value


def required_text(name: str, value: str | None, limit: int, *, one_line: bool = False) -> str:
    text = clean_text(name, value, limit, one_line=one_line)
    if text is None:
        raise InputError(f"The {name} is empty; it is required.")
    return text


def clean_reason(reason: str | None) -> str:
    """Every change says why: the history is read by someone who was not there."""
    text = clean_text("reason", reason, MAX_REASON_CHARS)
    if text is None:
        raise InputError("Give a reason for the change (--reason): the history records why.")
    return text


def unused_id(db: sqlite_utils.Database, table: str, base: str) -> str:
    candidate, number = base, 1
    while db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [candidate]).fetchone():
        number += 1
        candidate = f"{base}-{number}"
    return candidate
