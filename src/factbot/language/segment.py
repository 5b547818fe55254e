"""Articles -> quotable sentences, as verbatim spans with offsets into the article.

Works on plain text and Markdown: headings, rules, list markers and "Source: X" footers are
structure, not claims, and are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from factbot.language.text import Span, sentences, words

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_RULE = re.compile(r"^\s*(?:[-_*=]\s*){3,}$")
_FOOTER = re.compile(r"^\s*(?:source|sources|photo|image|credit|via)\s*:\s*\S.{0,60}$", re.I)
_TERMINAL = re.compile(r"(?:[.!?:;][\"'”’)\]]*|\((?:photo|image|picture)[/:][^)]*\))\s*$", re.I)


def document_title(text: str) -> str | None:
    """The first Markdown heading, if the document has one."""
    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            return match.group(1).strip() or None
        if line.strip():
            return None
    return None


def segment(text: str) -> list[Span]:
    """Quotable sentences of `text`, as spans into it.

    A paragraph break, a heading, a list item or a line ending in terminal punctuation closes a
    block; a line that just wraps joins the next one. Headings, rules and "Source: X" footers
    are metadata, not quotable claims.
    """
    return [span for paragraph in paragraphs(text) for span in paragraph]


def paragraphs(text: str) -> list[list[Span]]:
    """Quotable sentences of `text` grouped by the paragraph (block) they stand in."""
    found = []
    for start, end in _blocks(text):
        spans = [span for span in sentences(text, start, end) if _quotable(span.text)]
        if spans:
            found.append(spans)
    return found


def _blocks(text: str) -> Iterable[tuple[int, int]]:
    offset = 0
    block_start: int | None = None
    block_end = 0
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        skip = not line.strip() or _HEADING.match(line) or _RULE.match(line) or _FOOTER.match(line)
        if skip:
            if block_start is not None:
                yield block_start, block_end
                block_start = None
            continue
        marker = _LIST_MARKER.match(line)
        if marker and block_start is not None:
            yield block_start, block_end
            block_start = None
        if block_start is None:
            block_start = line_start + (marker.end() if marker else 0)
        block_end = line_end
        if _TERMINAL.search(line):
            yield block_start, block_end
            block_start = None
    if block_start is not None:
        yield block_start, block_end


def _quotable(sentence: str) -> bool:
    return len(words(sentence)) >= 3
