"""Articles -> quotable sentences, as verbatim spans with offsets into the article.

Works on plain text and Markdown: headings, rules, list markers, "Source: X" footers and
datelines and bylines (`*Outlet, 4 July 2025*`, `_By Name_`) are structure, not claims, and
are never quoted. Text pasted from a web page has its headline and
subheadings as plain lines, with no `#` and often no full stop; they are recognised by their
shape (see `_plain_heading`) and treated as Markdown headings are.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from factbot.language.dates import time_expressions
from factbot.language.text import STOPWORDS, Span, sentences, words

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_RULE = re.compile(r"^\s*(?:[-_*=]\s*){3,}$")
_FOOTER = re.compile(r"^\s*(?:source|sources|photo|image|credit|via)\s*:\s*\S.{0,60}$", re.I)
_TERMINAL = re.compile(r"(?:[.!?:;][\"'”’)\]]*|\((?:photo|image|picture)[/:][^)]*\))\s*$", re.I)
# A line ending so cannot be a paragraph's last line: the sentence goes on below it.
_CONTINUES = re.compile(r"[,(/&+–—-]\s*$")
# A whole line in Markdown emphasis: `*...*`, `**...**`, `_..._`, `__...__`.
_EMPHASISED = re.compile(r"^\s*(\*{1,3}|_{1,3})(?=\S)(.*\S)\1\s*$")
_BYLINE = re.compile(r"^(?:(?:words|text|reporting)\s+)?by\s+\S", re.I)
_TOKEN = re.compile(r"[^\W_][\w'’-]*")
# The lowercase words a dateline or byline holds ("Published on ...", "By X and Y"); any other
# lowercase word makes the line prose, however it is set.
_LABEL_WORDS = frozenset(
    "by and on at in of for from with updated published posted last am pm "
    "staff reporter correspondent writer editor words text reporting additional".split()
)
_CALENDAR_DATES = frozenset({"iso", "mdy", "dmy", "my"})
BYLINE_MAX_WORDS = 14
# Headlines and subheadings are short; a longer line without a full stop is a paragraph.
HEADING_MAX_WORDS = 20
# How many lines above and below a line show how wide the text is wrapped (`_hard_break_after`).
_WIDTH_LOOKAHEAD = 3


def document_title(text: str) -> str | None:
    """The first Markdown heading, or a plain headline standing on the first line.

    A pasted web page keeps its headline as a plain first line; it is not quoted (a headline
    asserts nothing in the outlet's own voice), so it names the document instead. A question
    is never a title.
    """
    lines = _lines(text)
    for i, (_, _, line) in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            return match.group(1).strip() or None
        if line.strip() and not dateline_or_byline(line):
            plain = _plain_heading(lines, i, _wrapped(lines))
            return line.strip() if plain and not line.rstrip().endswith("?") else None
    return None


def segment(text: str) -> list[Span]:
    """Quotable sentences of `text`, as spans into it.

    A paragraph break, a heading, a list item, a line ending in terminal punctuation or a line
    break that wrapping would not have made closes a block; a line that just wraps joins the
    next one. Headings (with `#` or plain, see `_plain_heading`), rules, "Source: X" footers,
    datelines and bylines (`dateline_or_byline`) are metadata, not quotable claims.
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


Line = tuple[int, int, str]


def _lines(text: str) -> list[Line]:
    """Each line of `text` with its start and end offsets."""
    found, offset = [], 0
    for line in text.split("\n"):
        found.append((offset, offset + len(line), line))
        offset += len(line) + 1
    return found


def _structure(line: str) -> bool:
    """A blank line, Markdown heading, rule, footer, dateline or byline: it closes a block and
    is never quoted."""
    return bool(
        not line.strip()
        or _HEADING.match(line)
        or _RULE.match(line)
        or _FOOTER.match(line)
        or dateline_or_byline(line)
    )


def dateline_or_byline(line: str) -> bool:
    """Whether a line says where, when or by whom the article was published, not what happened:
    `*Caspian Wire, 4 July 2025*`, `_By Name_`, `**By Name, Outlet**`, `By Name | date`.

    Only a line set apart as such is one: in emphasis, with `|` between its parts, or opening
    with "By". It must name a calendar date or open with "by", and hold no lowercase word but
    the few such lines use (`_LABEL_WORDS`): "*Police arrested twelve people on 4 July 2025.*"
    is a sentence in italics, and stays quotable.
    """
    emphasised = _EMPHASISED.match(line)
    text = emphasised.group(2).strip() if emphasised else line.strip()
    if not (emphasised or "|" in text or text.startswith("By ")):
        return False
    tokens = _TOKEN.findall(text)
    if not tokens or len(tokens) > BYLINE_MAX_WORDS or text.endswith(("?", "!")):
        return False
    dates = [w for w in time_expressions(text) if w.kind in _CALENDAR_DATES]
    if not dates and not _BYLINE.match(text):
        return False
    for when in dates:
        text = text[: when.start] + " " * (when.end - when.start) + text[when.end :]
    return all(
        t[0].isupper() or t[0].isdigit() or t.lower() in _LABEL_WORDS for t in _TOKEN.findall(text)
    )


def _wrapped(lines: list[Line]) -> bool:
    """Whether the text is wrapped: somewhere a line without closing punctuation plainly goes on
    below it (the next line starts in lowercase, or the line ends on a comma, a hyphen or a word
    such as "the"). Text that never does has one paragraph per line, as pasted web text has."""
    for (_, _, line), (_, _, below) in itertools.pairwise(lines):
        if _structure(line) or _structure(below) or _TERMINAL.search(line):
            continue
        last = words(line)
        if below.lstrip()[0].islower() or _CONTINUES.search(line) or (last and last[-1] in STOPWORDS):
            return True
    return False


def _blocks(text: str) -> Iterable[tuple[int, int]]:
    lines = _lines(text)
    wrapped = _wrapped(lines)
    block_start: int | None = None
    block_end = 0
    for i, (line_start, line_end, line) in enumerate(lines):
        if _structure(line):
            if block_start is not None:
                yield block_start, block_end
                block_start = None
            continue
        marker = _LIST_MARKER.match(line)
        if marker and block_start is not None:
            yield block_start, block_end
            block_start = None
        if block_start is None and not marker and _plain_heading(lines, i, wrapped):
            continue
        if block_start is None:
            block_start = line_start + (marker.end() if marker else 0)
        block_end = line_end
        if _TERMINAL.search(line) or _hard_break_after(lines, i, wrapped):
            yield block_start, block_end
            block_start = None
    if block_start is not None:
        yield block_start, block_end


def _plain_heading(lines: list[Line], i: int, wrapped: bool) -> bool:
    """Whether line `i`, opening a block, is a headline or subheading typed as a plain line.

    A heading labels what follows and asserts nothing in the outlet's voice: quoted as an
    answer it would credit the outlet with a claim it never made (or answer a question with a
    question), and joined to the next line it would glue a headline onto the standfirst. So it
    is dropped like a `#` heading, not kept as a passage marked unanswerable: every reader of
    passages (answers, summaries, facts.toml spans) would otherwise have to know to skip it.

    Two shapes, both short (at most HEADING_MAX_WORDS words) and starting with a capital or a
    digit: a question standing alone ("What happened in Yekaterinburg?"), not in quotation
    marks, which would be someone's words; or a line without closing punctuation that is a
    paragraph of its own (see `_own_paragraph`) and does not end on a word such as "of" or "the"
    that a sentence goes on after.
    """
    text = lines[i][2].strip()
    found = words(text)
    if not found or len(found) > HEADING_MAX_WORDS or not (text[0].isupper() or text[0].isdigit()):
        return False
    if text.endswith("?"):
        return len(list(sentences(text))) == 1
    if _TERMINAL.search(text) or _CONTINUES.search(text) or found[-1] in STOPWORDS:
        return False
    return _own_paragraph(lines, i, wrapped)


def _own_paragraph(lines: list[Line], i: int, wrapped: bool) -> bool:
    """Whether nothing but a paragraph break can follow line `i`: the text ends, structure
    follows, or the line breaks where wrapping would not have broken it."""
    if i + 1 >= len(lines) or _structure(lines[i + 1][2]):
        return True
    return _hard_break_after(lines, i, wrapped)


def _hard_break_after(lines: list[Line], i: int, wrapped: bool) -> bool:
    """Whether the break after line `i` ends a paragraph although no full stop closes the line.

    In text that is not wrapped (`_wrapped`) every line break does. In wrapped text a line
    breaks only where the next word would not fit on it; when the next line's first word would
    have fitted within the width the text shows, the break was typed. That width is the longest
    of the lines around, not of the whole text, so one unwrapped line (a long link) does not make
    every wrap in the document look typed. A next line starting in lowercase goes on the
    sentence either way.
    """
    below = []
    for _, _, line in lines[i + 1 : i + 1 + _WIDTH_LOOKAHEAD]:
        if _structure(line):
            break
        below.append(line)
    if not below:
        return False
    current, following = lines[i][2].rstrip(), below[0].lstrip()
    if following[0].islower() or _CONTINUES.search(current):
        return False
    if not wrapped:
        return True
    above = []
    for _, _, line in reversed(lines[max(0, i - _WIDTH_LOOKAHEAD) : i]):
        if _structure(line):
            break
        above.append(line)
    width = max(len(line.rstrip()) for line in [*above, *below])
    return len(current) + 1 + len(following.split()[0]) <= width


def _quotable(sentence: str) -> bool:
    return len(words(sentence)) >= 3
