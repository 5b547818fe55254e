"""The `knowledge/sources` file format: `key: value` front matter between `---` lines, then the
article text byte for byte.

Kept below the knowledge wing because adding an article (`index.ingest`) reads the same format
as building from knowledge/ does: one parser, so a file that builds also adds, its metadata
stored and its front matter never indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from factbot.errors import KnowledgeError
from factbot.models import ID_PATTERN, ID_RULE

SOURCE_FIELDS = ("id", "outlet", "title", "url", "published", "author", "photo_credit")


@dataclass(frozen=True)
class SourceDocument:
    """A source as written in `knowledge/sources/`: metadata plus the verbatim body."""

    id: str
    body: str
    path: Path
    body_line: int
    meta: dict[str, str | None] = field(default_factory=dict)


def parse_source(text: str, path: Path, default_id: str | None = None) -> SourceDocument:
    """A source's text split into front matter (`SOURCE_FIELDS`) and the verbatim body.

    One parser for `factbot build` and for adding an article, so a file that builds adds the
    same way: its metadata stored, its front matter never indexed, a file with no body refused.
    Without an `id` in the front matter the id is `default_id`, else the file name.
    """
    meta: dict[str, str | None] = {name: None for name in SOURCE_FIELDS}
    body, body_line = text, 1
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if closing is None:
            raise KnowledgeError(path, 1, "front matter opened with '---' but never closed")
        for number, line in enumerate(lines[1:closing], start=2):
            _parse_meta_line(path, number, line, meta)
        body = "\n".join(lines[closing + 1 :])
        body_line = closing + 2
    source_id = meta.pop("id") or default_id or path.stem
    if not ID_PATTERN.match(source_id):
        raise KnowledgeError(path, 2, f"source id {source_id!r} must be {ID_RULE}")
    if not body.strip():
        raise KnowledgeError(path, body_line, "source has no text after its front matter")
    return SourceDocument(id=source_id, body=body, path=path, body_line=body_line, meta=meta)


def _parse_meta_line(path: Path, number: int, line: str, meta: dict[str, str | None]) -> None:
    if not line.strip() or line.lstrip().startswith("#"):
        return
    key, sep, value = line.partition(":")
    key, value = key.strip(), value.strip()
    if not sep or key not in SOURCE_FIELDS:
        allowed = ", ".join(SOURCE_FIELDS)
        raise KnowledgeError(path, number, f"expected 'key: value' with key one of {allowed}")
    if key == "published" and value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise KnowledgeError(
                path, number, f"published must be YYYY-MM-DD, not {value!r}"
            ) from None
    if key == "url" and value and not re.match(r"^https?://\S+$", value):
        raise KnowledgeError(
            path, number, f"url must start with http:// or https://, not {value!r}"
        )
    meta[key] = value or None


