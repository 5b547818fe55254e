"""A summary as people read it: plain text, Markdown, JSON, and Discord embed pages.

Only layout happens here; every quote, attribution and date comes from the summary
(`summary.py` and the section modules it calls) as it was built.
Markdown escapes what Discord and CommonMark would read as formatting inside a quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from factbot.briefing.document import SOURCES_DIFFER, Line, Section, Summary
from factbot.briefing.pages import (
    CONTINUED,
    DISCORD_LIMITS,
    Block,
    EmbedLimits,
    Message,
    PageSection,
    pack,
)
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


@dataclass(frozen=True, slots=True)
class _Block:
    """One entry of a section as printed lines, kept on one message when they fit. `label` is
    its group's own line ("- **Azerbaijan**") over them; a block split from a long group keeps
    that line as `group`, to print it again "(cont.)" when it opens a message."""

    lines: tuple[str, ...]
    label: str | None = None
    group: str | None = None  # the label of the group these lines continue, when split

    @property
    def rows(self) -> tuple[str, ...]:
        return (self.label, *self.lines) if self.label else self.lines


@dataclass(frozen=True, slots=True)
class _Part:
    """A section as printed: its heading line ("### Timeline"; None for the inline sources)."""

    heading: str | None
    blocks: tuple[_Block, ...]


@dataclass(frozen=True, slots=True)
class _Layout:
    """A summary as text or Markdown lines: the title lines, then each section's part."""

    markdown: bool
    title: str
    since: str | None
    notice: str | None
    parts: tuple[_Part, ...]

    def head(self, numbered: str = "") -> list[str]:
        if self.markdown:
            out = [f"## {self.title}{numbered}"]
            out += [f"_Since {self.since}_"] if self.since else []
            return out + ([f"_{self.notice}_"] if self.notice else [])
        out = [self.title.upper() + numbered]
        out += [f"Since {self.since}"] if self.since else []
        return out + ([self.notice] if self.notice else [])

    def whole(self) -> str:
        out = self.head()
        for part in self.parts:
            rows = [row for block in part.blocks for row in block.rows]
            if part.heading is not None:
                out += [f"\n{part.heading}", *rows]
            elif rows:
                out += [f"\n{rows[0]}", *rows[1:]]
        return "\n".join(out)


def _layout(summary: Summary, annotated: bool, markdown: bool) -> _Layout:
    summary = _shown(summary, annotated)
    parts = [
        _Part(
            f"### {section.title}" if markdown else section.title,
            tuple(_section_blocks(section, annotated, markdown)),
        )
        for section in summary.sections
        if section.lines
    ]
    parts.extend(_sources_part(summary, annotated, markdown))
    notice = _nothing_message(summary) if summary.empty else None
    return _Layout(markdown, summary.title, summary.since, notice, tuple(parts))


def _section_blocks(section: Section, annotated: bool, markdown: bool) -> list[_Block]:
    blocks: list[_Block] = []
    for group, lines in _grouped(section.lines):
        if markdown:
            shown = [line_markdown(line, annotated) for line in lines]
            bullet, nested = "- ", "  - "
            label = escape_markdown(group_label(group, lines)) if group is not None else ""
            named, heading = f"**{label}**", f"- **{escape_markdown(group or '')}**"
        else:
            shown = [line_text(line, annotated) for line in lines]
            bullet, nested = "  - ", "    - "
            named = group_label(group, lines) if group is not None else ""
            heading = f"  {group}"
        if group is None:
            blocks.extend(_Block((f"{bullet}{text}",)) for text in shown)
        elif section.key == "whos_who" or len(shown) == 1:
            blocks.append(_Block((f"{bullet}{named}: " + "; ".join(shown),)))
        else:
            blocks.append(_Block(tuple(f"{nested}{text}" for text in shown), heading))
    return blocks


def render_markdown(summary: Summary, annotated: bool = False) -> str:
    return _layout(summary, annotated, markdown=True).whole()


def render_text(summary: Summary, annotated: bool = False) -> str:
    return _layout(summary, annotated, markdown=False).whole()


# Between the messages of a long posted summary: not part of any message, so a moderator sees
# where to cut, and a tool can split on it.
MESSAGE_BREAK = "--8<-- message {number} of {total} --8<--"


def posted_messages(summary: Summary, fmt: str, limit: int = MESSAGE_CONTENT) -> list[str]:
    """The posted text or Markdown as messages of at most `limit` characters, each readable alone.

    One message when it fits. Otherwise every message opens with the title and its number
    ("What we know so far (2/3)"), a section that runs on is headed again "(cont.)", and an
    entry is never cut in two unless it alone is longer than a message (then at a space).
    """
    whole = render(summary, fmt)
    if fmt == "json" or len(whole) <= limit:
        return [whole]
    layout = _layout(summary, annotated=False, markdown=fmt == "markdown")
    room = limit - len("\n".join(layout.head(" (99/99)")))
    bodies = _pack(layout, room)
    total = len(bodies)
    return [
        "\n".join([*layout.head(f" ({number}/{total})"), *body])
        for number, body in enumerate(bodies, start=1)
    ]


def render_posted(summary: Summary, fmt: str) -> str:
    """What `factbot summary` prints for posting: the messages, with a break line between."""
    messages = posted_messages(summary, fmt)
    total = len(messages)
    breaks = [MESSAGE_BREAK.format(number=n, total=total) for n in range(2, total + 1)]
    out = [messages[0]]
    for line, message in zip(breaks, messages[1:], strict=True):
        out += [f"\n{line}\n", message]
    return "\n".join(out)


def _pack(layout: _Layout, room: int) -> list[list[str]]:
    """The parts' lines as messages' bodies of at most `room` characters (the title apart)."""
    bodies: list[list[str]] = [[]]
    for part in layout.parts:
        heading = f"\n{part.heading}" if part.heading is not None else None
        reserve = len(f"{heading or ''}{CONTINUED}\n")
        started = False
        for block in _fitting(part, room - reserve):
            rows = list(block.rows)
            if heading is None and not started:
                rows[0] = f"\n{rows[0]}"
            lead = [heading] if heading is not None and not started else []
            if bodies[-1] and _size([*bodies[-1], *lead, *rows]) > room:
                bodies.append([])
                if heading is not None:
                    lead = [f"{heading}{CONTINUED}" if started else heading]
                if block.group is not None:
                    rows = [f"{block.group}{CONTINUED}", *rows]
            bodies[-1] += [*lead, *rows]
            started = True
    return bodies


def _size(lines: list[str]) -> int:
    return len("\n".join(["", *lines]))


def _fitting(part: _Part, room: int) -> list[_Block]:
    """The part's blocks, with one too long for a message split into its lines (those after the
    first remember their group's label, to repeat it on a new message), and a line still too
    long cut at spaces."""
    blocks: list[_Block] = []
    for block in part.blocks:
        if _size(list(block.rows)) <= room:
            blocks.append(block)
            continue
        label = block.label
        cut_room = room - len(f"{label or ''}{CONTINUED}\n")
        pieces = [piece for line in block.lines for piece in _pieces(line, cut_room)]
        for index, piece in enumerate(pieces):
            blocks.append(_Block((piece,), None if index else label, label if index else None))
    return blocks


def _pieces(line: str, room: int) -> list[str]:
    """`line` in pieces of at most `room` characters, cut at spaces (hard-cut if it has none)."""
    pieces = []
    while len(line) > room:
        cut = line.rfind(" ", 0, room + 1)
        cut = cut if cut > 0 else room
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    return [*pieces, line] if line else pieces


def _sources_part(summary: Summary, annotated: bool, markdown: bool) -> list[_Part]:
    if not summary.sources:
        return []
    if summary.length == "short" and not annotated:
        inline = _sources_inline(summary)
        return [_Part(None, (_Block((escape_markdown(inline) if markdown else inline,)),))]
    if markdown:
        rows = [
            f"- {_source_id(s, annotated, markdown=True)}{escape_markdown(_source_label(s))}"
            for s in summary.sources
        ]
        return [_Part("### Sources", tuple(_Block((row,)) for row in rows))]
    rows = [f"  - {_source_id(s, annotated, markdown=False)}{_source_label(s)}" for s in summary.sources]
    return [_Part("Sources", tuple(_Block((row,)) for row in rows))]


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
