"""What Discord shows: an `Answer` (or a list of sources) as an embed, within Discord's limits.

Everything a user typed and everything taken from a source is escaped before it is shown, so a
question like `**@everyone**` prints as typed and pings nobody. Limits are Discord's documented
ones: a message body of 2,000 characters; an embed title of 256, a description of 4,096, at most
25 fields of 256 + 1,024, a footer of 2,048 and 6,000 characters in all; buttons carry labels of
at most 80 characters and custom ids of at most 100.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import discord
from discord.utils import escape_markdown, escape_mentions

from factbot.answering.replies import (
    NOT_SURE,
    NOT_SURE_SUGGESTIONS,
    Answer,
    Related,
    update_heading,
)
from factbot.models import Source

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_LIMIT = 6000
BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
MAX_BUTTONS = 5
RELATED_QUOTE_LIMIT = 300
ATTRIBUTION_LIMIT = 500

ASK_CUSTOM_ID_PREFIX = "factbot:ask:"
REPORT_CUSTOM_ID_PREFIX = "factbot:wrong:"
REPORT_LABEL = "Wrong or unhelpful?"
REPORT_THANKS = "Thanks: maintainers will see that this answer was reported."
ANSWERED_COLOUR = discord.Colour.dark_teal()
ABSTAINED_COLOUR = discord.Colour.light_grey()
INFO_COLOUR = discord.Colour.blurple()
ELLIPSIS = "…"
_TRAILING_BACKSLASHES = re.compile(r"(\\+)$")
_BRACKETS = re.compile(r"([\[\]])")


@dataclass(frozen=True)
class Rendered:
    """An embed plus the questions to offer as buttons (the view is built by the extension),
    and the passage a "Wrong or unhelpful?" button reports, under answers only."""

    embed: discord.Embed
    buttons: tuple[str, ...]
    report: str | None = None


def escape(text: str) -> str:
    """User or source text made inert: Markdown shown literally, mentions broken with a ZWSP."""
    return escape_mentions(escape_text(text))


def escape_text(text: str) -> str:
    """Markdown shown literally, masked links included.

    discord.py's `escape_markdown` leaves `[label](url)` alone when the label spans lines or
    the brackets do not pair up the way its pattern expects, and Discord renders such a masked
    link anyway: a quote or a question could then show a harmless label over any address. When
    the brackets do pair up on one line it puts one backslash in front and leaves the bold,
    spoilers and code inside live. So the text is escaped between its brackets, never across
    them, and then every bracket not already escaped (a URL, which `escape_markdown` keeps as
    it is, may end in a backslash) is escaped here: no link can be formed from text.
    """
    escaped = "".join(
        piece if piece in ("[", "]") else escape_markdown(piece) for piece in _BRACKETS.split(text)
    )
    out: list[str] = []
    index = 0
    while index < len(escaped):
        char = escaped[index]
        if char == "\\":
            out.append(escaped[index : index + 2])
            index += 2
            continue
        out.append("\\" + char if char in "[]" else char)
        index += 1
    return "".join(out)


def clip(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters, ending with an ellipsis when something was cut.

    A cut that leaves an odd run of backslashes would escape the ellipsis, so one is dropped.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    match = _TRAILING_BACKSLASHES.search(cut)
    if match and len(match.group(1)) % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def content(text: str) -> str:
    """A plain message body (errors, waits) cut to Discord's 2,000 characters."""
    return clip(text, CONTENT_LIMIT)


def block_quote(text: str) -> str:
    """Markdown block quote over every line, so a multi-line passage stays one quote."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def render_answer(answer: Answer, follow_ups: Sequence[str] = ()) -> Rendered:
    """The reply to a question: the quote with its source, the closest quote set apart as
    unconfirmed, or a plain abstention. A quote shown either way can be reported."""
    if answer.answered:
        embed, shown = _answer_embed(answer), answer.passage_id
    elif answer.closest is not None:
        embed, shown = _closest_embed(answer, answer.closest), answer.closest.passage_id
    else:
        embed, shown = _abstention_embed(answer), None
    report = shown if report_custom_id(shown) else None
    limit = MAX_BUTTONS - 1 if report else MAX_BUTTONS
    return Rendered(embed=fit(embed), buttons=button_questions(follow_ups)[:limit], report=report)


def _answer_embed(answer: Answer) -> discord.Embed:
    quote = block_quote(escape_text(answer.quote or ""))
    attribution = (
        f"\n— {clip(escape(answer.attribution), ATTRIBUTION_LIMIT)}" if answer.attribution else ""
    )
    description = clip(quote, DESCRIPTION_LIMIT - len(attribution)) + attribution
    if answer.is_update:
        heading = f"**{escape(update_heading(answer))}**\n"
        description = heading + clip(description, DESCRIPTION_LIMIT - len(heading))
    embed = discord.Embed(
        title=_title(answer.question), description=description, colour=ANSWERED_COLOUR
    )
    if answer.source is not None:
        embed.add_field(name="Source", value=source_line(answer.source), inline=False)
    embed.add_field(name="Confidence", value=answer.confidence_words.capitalize(), inline=True)
    for earlier in answer.earlier:
        name = f"Earlier, {escape(earlier.source.dated_name)}"
        embed.add_field(
            name=clip(name, FIELD_NAME_LIMIT), value=_related_value(earlier), inline=False
        )
    for version in answer.conflicts:
        name = f"Sources differ: {escape(version.source.dated_name)}"
        embed.add_field(
            name=clip(name, FIELD_NAME_LIMIT), value=_related_value(version), inline=False
        )
    for related in answer.related:
        embed.add_field(name="Also in the sources", value=_related_value(related), inline=False)
    footer = "Quoted word for word from the source."
    if answer.passage_id:
        footer += f" Passage {answer.passage_id}."
    embed.set_footer(text=clip(_taken_as(answer) + footer, FOOTER_LIMIT))
    return embed


def _abstention_embed(answer: Answer) -> discord.Embed:
    lines = [escape(answer.message or "My sources don't say.")]
    lines += [f"• {escape(question)}" for question in answer.suggestions]
    embed = discord.Embed(
        title=_title(answer.question),
        description=clip("\n".join(lines), DESCRIPTION_LIMIT),
        colour=ABSTAINED_COLOUR,
    )
    footer = "I only answer from my sources, and I say so when they are silent."
    embed.set_footer(text=clip(_taken_as(answer) + footer, FOOTER_LIMIT))
    return embed


def _closest_embed(answer: Answer, closest: Related) -> discord.Embed:
    """Reply 2: "not sure" first, then the closest quote as a quote of the source, never as the
    bot's answer, then what the sources do answer."""
    heading = f"**{escape(answer.message or NOT_SURE)}**\n"
    attribution = f"\n— {clip(escape(closest.attribution), ATTRIBUTION_LIMIT)}"
    suggestions = [f"• {escape(question)}" for question in answer.suggestions]
    tail = "\n\n" + "\n".join([escape(NOT_SURE_SUGGESTIONS), *suggestions]) if suggestions else ""
    room = DESCRIPTION_LIMIT - len(heading) - len(attribution) - len(tail)
    quote = clip(block_quote(escape_text(closest.quote)), max(room, 0))
    embed = discord.Embed(
        title=_title(answer.question),
        description=clip(heading + quote + attribution + tail, DESCRIPTION_LIMIT),
        colour=ABSTAINED_COLOUR,
    )
    embed.add_field(name="Source", value=source_line(closest.source), inline=False)
    embed.add_field(name="Confidence", value="Not confirmed as the answer", inline=True)
    footer = "The closest my sources come, quoted word for word; it may not answer the question."
    footer += f" Passage {closest.passage_id}."
    embed.set_footer(text=clip(_taken_as(answer) + footer, FOOTER_LIMIT))
    return embed


def _taken_as(answer: Answer) -> str:
    """How a follow-up was read ("who are they?" as "who are X and Y?"), so a wrong reading shows.

    Footers are plain text in Discord (no Markdown, no mentions), so nothing needs escaping.
    """
    return f"Taken as: {clip(answer.understood_as, 300)}\n" if answer.understood_as else ""


def _title(question: str) -> str:
    return clip(escape(question), TITLE_LIMIT)


def _related_value(related: Related) -> str:
    quote = block_quote(escape_text(clip(related.quote, RELATED_QUOTE_LIMIT)))
    return clip(
        f"{quote}\n— {clip(escape(related.attribution), ATTRIBUTION_LIMIT)}", FIELD_VALUE_LIMIT
    )


def source_line(source: Source) -> str:
    """`[TRT: Title](url), 30 Jun 2024`: the outlet and title, linked only for a web URL."""
    label = escape(": ".join(part for part in (source.name, source.title) if part))
    url = safe_url(source.url)
    linked = f"[{clip(label, 200)}]({url})" if url else clip(label, 200)
    published = f", {escape(source.published_label)}" if source.published_label else ""
    return clip(linked + published, FIELD_VALUE_LIMIT)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL that cannot break out of a Markdown link, else None (shown unlinked)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")


def fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the embed is within Discord's 6,000-character total."""
    while len(embed) > EMBED_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def ask_custom_id(question: str) -> str | None:
    """The button id that carries its question, or None if the question is too long to carry."""
    custom_id = ASK_CUSTOM_ID_PREFIX + question
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def report_custom_id(passage_id: str | None) -> str | None:
    """The "Wrong or unhelpful?" button's id, carrying the passage it reports (the question is
    the answer's title), or None when the id would not fit."""
    if not passage_id:
        return None
    custom_id = REPORT_CUSTOM_ID_PREFIX + passage_id
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


_ESCAPED = re.compile(r"\\([\\*_`~|>#\-\[\]().!])")


def question_from_title(title: str) -> str:
    """The question an answer embed was titled with, its Markdown and mention escapes undone."""
    return _ESCAPED.sub(r"\1", title).replace("@\u200b", "@").rstrip(ELLIPSIS)


def button_label(question: str) -> str:
    return clip(question, BUTTON_LABEL_LIMIT)


def button_questions(questions: Iterable[str]) -> tuple[str, ...]:
    """Distinct questions that fit in a button id, at most one row of them."""
    chosen: list[str] = []
    for question in questions:
        if question not in chosen and ask_custom_id(question) is not None:
            chosen.append(question)
    return tuple(chosen[:MAX_BUTTONS])


def sources_embed(sources: Sequence[Source]) -> discord.Embed:
    """Every source, one line each; when they do not fit, a count of those left out."""
    embed = discord.Embed(title="Sources", colour=INFO_COLOUR)
    if not sources:
        embed.description = "The fact base has no sources yet."
        return embed
    lines: list[str] = []
    used = 0
    for index, source in enumerate(sources):
        line = f"• {source_line(source)}"
        rest = len(sources) - index
        if used + len(line) + 1 > DESCRIPTION_LIMIT - 40:
            lines.append(f"…and {rest} more.")
            break
        lines.append(line)
        used += len(line) + 1
    embed.description = "\n".join(lines)
    embed.set_footer(text=f"{len(sources)} source{'s' if len(sources) != 1 else ''}")
    return embed


def about_embed(
    sources: Sequence[Source], examples: Sequence[str], channel_ids: Iterable[int]
) -> discord.Embed:
    """What the bot covers and how to ask, with examples it is known to answer."""
    outlets = sorted({source.name for source in sources})
    covered = ", ".join(escape(name) for name in outlets) or "no sources yet"
    lines = [
        "I answer questions about one news story with **verbatim quotes** from my sources, "
        "and I say who said it and where it was published. When my sources don't say, I tell you so.",
        "",
        f"**Sources:** {len(sources)} ({clip(covered, 500)}). See `/sources`.",
        "**Ask:** `/ask question:...`, mention me with your question, or send me a direct message.",
        "Buttons under an answer ask the follow-up question for you.",
    ]
    channels = sorted(channel_ids)
    if channels:
        lines.append(
            "**Where:** " + ", ".join(f"<#{channel_id}>" for channel_id in channels) + " and DMs."
        )
    embed = discord.Embed(
        title="About factbot",
        description=clip("\n".join(lines), DESCRIPTION_LIMIT),
        colour=INFO_COLOUR,
    )
    if examples:
        value = "\n".join(f"• {escape(question)}" for question in examples)
        embed.add_field(name="Try asking", value=clip(value, FIELD_VALUE_LIMIT), inline=False)
    return fit(embed)


def wait_message(retry_after: float) -> str:
    """The friendly cooldown reply; rounds up so it never says "0 seconds"."""
    seconds = max(1, int(retry_after + 0.999))
    unit = "second" if seconds == 1 else "seconds"
    return f"You're asking quickly. Please wait {seconds} {unit} before your next question."
