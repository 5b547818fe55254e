"""A summary as people read it: plain text, Markdown, JSON, and Discord embed pages.

Only layout happens here; every quote, attribution and date comes from the summary
(`summary.py` and the section modules it calls) as it was built.
Markdown escapes what Discord and CommonMark would read as formatting inside a quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Literal

from factbot.briefing.document import SOURCES_DIFFER, Line, Summary
from factbot.briefing.pages import DISCORD_LIMITS, Block, EmbedLimits, Message, PageSection, pack
from factbot.errors import InputError
from factbot.models import Source

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")

MESSAGE_CONTENT = 2000  # characters of one Discord message's text
_MARKDOWN_SPECIAL = re.compile(r"([\\*_`~|>#\[\]])")
# What Discord reads as a ping in posted text: @everyone, @here, and user, nickname and role ids.
_MENTION = re.compile(r"@(everyone|here|[!&]?\d{15,21})")


def escape_markdown(text: str) -> str:
    """Escape what Discord and CommonMark would read as formatting, and defuse mentions.

    Everything shown comes from sources and maintainers (quotes, attributions, outlets, labels),
    and a moderator may paste the Markdown into a channel as it is: so formatting characters are
    backslashed and a zero-width space after the "@" keeps `@everyone` or `<@id>` from pinging
    anyone, whatever `allowed_mentions` the sender sets (discord.py's `escape_mentions` does the
    same).
    """
    return _MENTION.sub("@\u200b\\1", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def line_markdown(line: Line, annotated: bool = False) -> str:
    """One line as Markdown: label, the quote in curly quotes, who says it; annotated, its id.

    The posted version (`annotated=False`) carries no internal ids: readers find the source
    by the outlet named in the attribution and listed under Sources.
    """
    cite = f" · `{line.cite}`" if annotated and line.cite else ""
    if line.kind == "note":
        return f"{escape_markdown(line.text)} — _{escape_markdown(line.attribution)}_{cite}"
    if line.kind == "gap":
        return f"{escape_markdown(line.attribution)}: {escape_markdown(line.text)}{cite}"
    if line.kind == "absent":
        return f"_{escape_markdown(line.text)}_"
    if line.kind == "differs":
        return f"_{escape_markdown(line.attribution)}_: {escape_markdown(line.text)}"
    if line.kind == "role":
        return f"“{escape_markdown(line.text)}” ({escape_markdown(line.attribution)}){cite}"
    label = _when_label(line)
    prefix = f"**{escape_markdown(label)}** · " if label else ""
    quote = f"“{escape_markdown(line.text)}” — {escape_markdown(line.attribution)}"
    return f"{prefix}{quote}{cite}"


def _when_label(line: Line) -> str | None:
    if line.label:
        return line.label
    if line.date and line.when:
        return f"{line.date} ({line.when})"
    return line.when


def line_text(line: Line, annotated: bool = False) -> str:
    cite = f" [{line.cite}]" if annotated and line.cite else ""
    if line.kind == "note":
        return f"{line.text} ({line.attribution}){cite}"
    if line.kind == "gap":
        return f"{line.attribution}: {line.text}{cite}"
    if line.kind == "absent":
        return line.text
    if line.kind == "differs":
        return f"{line.attribution}: {line.text}"
    if line.kind == "role":
        return f"“{line.text}” ({line.attribution}){cite}"
    label = _when_label(line)
    prefix = f"{label}: " if label else ""
    return f"{prefix}“{line.text}” — {line.attribution}{cite}"


def group_label(group: str, lines: Sequence[Line]) -> str:
    """A person's name, marked when the sources give them roles that contradict each other."""
    return f"{group} ({SOURCES_DIFFER.lower()})" if any(x.disputed for x in lines) else group


def _grouped(lines: Sequence[Line]) -> list[tuple[str | None, list[Line]]]:
    groups: list[tuple[str | None, list[Line]]] = []
    for line in lines:
        if groups and groups[-1][0] == line.group:
            groups[-1][1].append(line)
        else:
            groups.append((line.group, [line]))
    return groups


def _shown(summary: Summary, annotated: bool) -> Summary:
    return summary if annotated else summary.for_posting()


def render_markdown(summary: Summary, annotated: bool = False) -> str:
    summary = _shown(summary, annotated)
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
            shown = [line_markdown(line, annotated) for line in lines]
            if group is None:
                out.extend(f"- {text}" for text in shown)
            elif section.key == "whos_who" or len(shown) == 1:
                name = escape_markdown(group_label(group, lines))
                out.append(f"- **{name}**: " + "; ".join(shown))
            else:
                out.append(f"- **{escape_markdown(group)}**")
                out.extend(f"  - {text}" for text in shown)
    out.extend(_sources_markdown(summary, annotated))
    return "\n".join(out)


def render_text(summary: Summary, annotated: bool = False) -> str:
    summary = _shown(summary, annotated)
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
            shown = [line_text(line, annotated) for line in lines]
            if group is None:
                out.extend(f"  - {text}" for text in shown)
            elif section.key == "whos_who" or len(shown) == 1:
                out.append(f"  - {group_label(group, lines)}: " + "; ".join(shown))
            else:
                out.append(f"  {group}")
                out.extend(f"    - {text}" for text in shown)
    out.extend(_sources_text(summary, annotated))
    return "\n".join(out)


def _sources_markdown(summary: Summary, annotated: bool) -> list[str]:
    if not summary.sources:
        return []
    if summary.length == "short" and not annotated:
        return ["\n" + escape_markdown(_sources_inline(summary))]
    return ["\n### Sources"] + [
        f"- {_source_id(s, annotated, markdown=True)}{escape_markdown(_source_label(s))}"
        for s in summary.sources
    ]


def _sources_text(summary: Summary, annotated: bool) -> list[str]:
    if not summary.sources:
        return []
    if summary.length == "short" and not annotated:
        return ["\n" + _sources_inline(summary)]
    return ["\nSources"] + [
        f"  - {_source_id(s, annotated, markdown=False)}{_source_label(s)}" for s in summary.sources
    ]


def _sources_inline(summary: Summary) -> str:
    """The sources on one line, for the short summary: outlet and date."""
    named = [f"{s.name} ({s.published})" if s.published else s.name for s in summary.sources]
    return "Sources: " + "; ".join(named)


def _source_id(source: Source, annotated: bool, markdown: bool) -> str:
    if not annotated:
        return ""
    return f"`{source.id}`: " if markdown else f"{source.id}: "


def fits_one_message(summary: Summary) -> bool:
    """Whether the posted text and Markdown each fit one Discord message."""
    return all(
        len(render_one(summary)) <= MESSAGE_CONTENT for render_one in (render_text, render_markdown)
    )


def _nothing_message(summary: Summary) -> str:
    if summary.since:
        return f"Nothing new in the fact base since {summary.since}."
    return "The fact base has nothing to summarise yet."


def _source_label(source: Source) -> str:
    return ", ".join(p for p in (source.name, source.title, source.published, source.url) if p)


def render(summary: Summary, fmt: str, *, annotated: bool = False) -> str:
    """The summary as text, Markdown or one JSON object.

    Text and Markdown are the posted version unless `annotated`: no internal ids and no
    maintainers' lines (notes, metadata the sources leave out). JSON is for tools and keeps all.
    """
    if fmt == "json":
        return json.dumps(summary.as_json(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return render_markdown(summary, annotated)
    if fmt == "text":
        return render_text(summary, annotated)
    raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.")


# --- Discord-ready pages ----------------------------------------------------------------


def _field_name(line: Line, lines: Sequence[Line]) -> str | None:
    if line.group is None:
        return None
    return group_label(line.group, [x for x in lines if x.group == line.group])


def discord_pages(
    summary: Summary, limits: EmbedLimits = DISCORD_LIMITS, *, annotated: bool = False
) -> list[Message]:
    """The summary as messages of embed pages within Discord's limits (pure data, see pages.py).

    People and sides become fields named after them, so a phone shows each under its name. The
    posted pages carry no ids or maintainers' lines; the moderator's preview may (`annotated`).
    """
    summary = _shown(summary, annotated)
    sections = [
        PageSection(
            section.title,
            tuple(
                Block(f"• {line_markdown(line, annotated)}", _field_name(line, section.lines))
                for line in section.lines
            ),
        )
        for section in summary.sections
        if section.lines
    ]
    sources = tuple(
        Block(f"• {_source_id(s, annotated, markdown=True)}{escape_markdown(_source_label(s))}")
        for s in summary.sources
    )
    if sources:
        sections.append(PageSection("Sources", sources))
    return pack(sections, limits)
