"""A summary as people read it: plain text, Markdown, JSON, and Discord embed pages.

Only layout happens here; every quote, attribution and date comes from `summary.py` as it is.
Markdown escapes what Discord and CommonMark would read as formatting inside a quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Literal

from factbot.briefing.pages import DISCORD_LIMITS, Block, EmbedLimits, Message, PageSection, pack
from factbot.briefing.summary import Line, Summary
from factbot.errors import InputError
from factbot.models import Source

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")

_MARKDOWN_SPECIAL = re.compile(r"([\\*_`~|>#\[\]])")


def escape_markdown(text: str) -> str:
    """Escape characters Discord and CommonMark would read as formatting inside a quote."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def line_markdown(line: Line) -> str:
    """One line as Markdown: label, the quote in curly quotes, who says it, the cited id."""
    cite = f"`{line.cite}`"
    if line.kind == "note":
        return f"{escape_markdown(line.text)} — _{line.attribution}_ · {cite}"
    if line.kind == "gap":
        return f"{line.attribution}: {escape_markdown(line.text)} · {cite}"
    label = _when_label(line)
    prefix = f"**{escape_markdown(label)}** · " if label else ""
    return f"{prefix}“{escape_markdown(line.text)}” — {escape_markdown(line.attribution)} · {cite}"


def _when_label(line: Line) -> str | None:
    if line.date and line.when:
        return f"{line.date} ({line.when})"
    return line.when


def line_text(line: Line) -> str:
    if line.kind == "note":
        return f"{line.text} ({line.attribution}) [{line.cite}]"
    if line.kind == "gap":
        return f"{line.attribution}: {line.text} [{line.cite}]"
    label = _when_label(line)
    prefix = f"{label}: " if label else ""
    return f"{prefix}“{line.text}” — {line.attribution} [{line.cite}]"


def _grouped(lines: Sequence[Line]) -> list[tuple[str | None, list[Line]]]:
    groups: list[tuple[str | None, list[Line]]] = []
    for line in lines:
        if groups and groups[-1][0] == line.group:
            groups[-1][1].append(line)
        else:
            groups.append((line.group, [line]))
    return groups


def render_markdown(summary: Summary) -> str:
    out = [f"## {summary.title}"]
    if summary.since:
        out.append(f"_Since {summary.since}_")
    if summary.empty:
        out.append(f"_{_nothing_message(summary)}_")
    for section in summary.sections:
        if not section.lines:
            continue
        out.append(f"\n### {section.title}")
        for group, lines in _grouped(section.lines):
            if group is None:
                out.extend(f"- {line_markdown(line)}" for line in lines)
                continue
            out.append(f"- **{escape_markdown(group)}**")
            out.extend(f"  - {line_markdown(line)}" for line in lines)
    if summary.sources:
        out.append("\n### Sources")
    out.extend(f"- `{s.id}`: {escape_markdown(_source_label(s))}" for s in summary.sources)
    return "\n".join(out)


def render_text(summary: Summary) -> str:
    out = [summary.title.upper()]
    if summary.since:
        out.append(f"Since {summary.since}")
    if summary.empty:
        out.append(_nothing_message(summary))
    for section in summary.sections:
        if not section.lines:
            continue
        out.append(f"\n{section.title}")
        for group, lines in _grouped(section.lines):
            indent = "  "
            if group is not None:
                out.append(f"  {group}")
                indent = "    "
            out.extend(f"{indent}- {line_text(line)}" for line in lines)
    if summary.sources:
        out.append("\nSources")
    out.extend(f"  - {s.id}: {_source_label(s)}" for s in summary.sources)
    return "\n".join(out)


def _nothing_message(summary: Summary) -> str:
    if summary.since:
        return f"Nothing new in the fact base since {summary.since}."
    return "The fact base has nothing to summarise yet."


def _source_label(source: Source) -> str:
    return ", ".join(p for p in (source.name, source.title, source.published, source.url) if p)


def render(summary: Summary, fmt: str) -> str:
    """The summary as text, Markdown or one JSON object."""
    if fmt == "json":
        return json.dumps(summary.as_json(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return render_markdown(summary)
    if fmt == "text":
        return render_text(summary)
    raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.")


# --- Discord-ready pages ----------------------------------------------------------------


def discord_pages(summary: Summary, limits: EmbedLimits = DISCORD_LIMITS) -> list[Message]:
    """The summary as messages of embed pages within Discord's limits (pure data, see pages.py).

    People and sides become fields named after them, so a phone shows each under its name.
    """
    sections = [
        PageSection(
            section.title,
            tuple(Block(f"• {line_markdown(line)}", line.group) for line in section.lines),
        )
        for section in summary.sections
        if section.lines
    ]
    sources = tuple(
        Block(f"• `{s.id}`: {escape_markdown(_source_label(s))}") for s in summary.sources
    )
    if sources:
        sections.append(PageSection("Sources", sources))
    return pack(sections, limits)
