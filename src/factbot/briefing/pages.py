"""Pack titled sections of text into pages that fit Discord's embed limits, as plain data.

The core knows nothing of discord.py: it returns `EmbedPage`s (title, description, fields) in
messages of at most ten, and the bot turns each into a `discord.Embed`. Limits are from
https://discord.com/developers/docs/resources/message#embed-object-embed-limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

CONTINUED = " (cont.)"


@dataclass(frozen=True, slots=True)
class EmbedLimits:
    """Discord's limits, in characters unless named otherwise.

    `message_total` counts every embed of one message together, so it is stricter than
    `embed_total` as soon as a message carries two embeds.
    """

    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    embed_total: int = 6000
    embeds_per_message: int = 10
    message_total: int = 6000


DISCORD_LIMITS = EmbedLimits()


@dataclass(frozen=True, slots=True)
class Block:
    """One line of text; blocks sharing a `group` become fields named after it."""

    text: str
    group: str | None = None


@dataclass(frozen=True, slots=True)
class PageSection:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class EmbedField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class EmbedPage:
    """One embed's worth of text; `size` counts what Discord counts against its totals."""

    title: str
    description: str = ""
    fields: tuple[EmbedField, ...] = field(default=())
    footer: str | None = None

    @property
    def size(self) -> int:
        fields = sum(len(f.name) + len(f.value) for f in self.fields)
        return len(self.title) + len(self.description) + fields + len(self.footer or "")


Message = tuple[EmbedPage, ...]


def pack(sections: Sequence[PageSection], limits: EmbedLimits = DISCORD_LIMITS) -> list[Message]:
    """Messages of embeds, one embed per section (continued under "Title (cont.)" when full).

    Ungrouped blocks join the description, grouped ones become fields. A block is cut only when
    it alone is longer than a whole description or field value, and then at a space.
    """
    embeds = [embed for section in sections for embed in _section_embeds(section, limits)]
    return _messages(embeds, limits)


@dataclass
class _Draft:
    title: str
    limits: EmbedLimits
    description: list[str] = field(default_factory=list)
    fields: list[EmbedField] = field(default_factory=list)

    def page(self) -> EmbedPage:
        title = clip(self.title, self.limits.title)
        return EmbedPage(title, "\n".join(self.description), tuple(self.fields))

    def fits_text(self, text: str) -> bool:
        description = "\n".join([*self.description, text])
        grows = len(description) - len("\n".join(self.description))
        within_total = self.page().size + grows <= self.limits.embed_total
        return len(description) <= self.limits.description and within_total

    def fits_field(self, item: EmbedField) -> bool:
        within_total = (
            self.page().size + len(item.name) + len(item.value) <= self.limits.embed_total
        )
        return len(self.fields) < self.limits.fields and within_total

    @property
    def blank(self) -> bool:
        return not self.description and not self.fields


def _section_embeds(section: PageSection, limits: EmbedLimits) -> list[EmbedPage]:
    done: list[EmbedPage] = []
    draft = _Draft(section.title, limits)
    for group, texts in _runs(section.blocks):
        if group is None:
            for piece in _pieces(texts, _text_room(limits)):
                if not draft.fits_text(piece):
                    done.append(draft.page())
                    draft = _Draft(section.title + CONTINUED, limits)
                draft.description.append(piece)
            continue
        for item in _fields(group, texts, limits):
            if not draft.fits_field(item):
                done.append(draft.page())
                draft = _Draft(section.title + CONTINUED, limits)
            draft.fields.append(item)
    if not draft.blank:
        done.append(draft.page())
    return done


def _runs(blocks: Sequence[Block]) -> list[tuple[str | None, list[str]]]:
    runs: list[tuple[str | None, list[str]]] = []
    for block in blocks:
        if runs and runs[-1][0] == block.group:
            runs[-1][1].append(block.text)
        else:
            runs.append((block.group, [block.text]))
    return runs


def _text_room(limits: EmbedLimits) -> int:
    """The longest piece of description a fresh, continued embed can always take."""
    return min(limits.description, limits.embed_total - limits.title - len(CONTINUED))


def _fields(group: str, texts: Sequence[str], limits: EmbedLimits) -> list[EmbedField]:
    name = clip(group, limits.field_name - len(CONTINUED))
    room = min(limits.field_value, limits.embed_total - limits.title - limits.field_name)
    values = _joined(_pieces(texts, room), room)
    return [
        EmbedField(name if i == 0 else name + CONTINUED, value) for i, value in enumerate(values)
    ]


def _pieces(texts: Sequence[str], room: int) -> list[str]:
    """Texts no longer than `room`; a longer one is cut at spaces (hard-cut if it has none)."""
    pieces: list[str] = []
    for text in texts:
        while len(text) > room:
            cut = text.rfind(" ", 0, room + 1)
            cut = cut if cut > 0 else room
            pieces.append(text[:cut])
            text = text[cut:].lstrip(" ")
        if text:
            pieces.append(text)
    return pieces


def _joined(pieces: Sequence[str], room: int) -> list[str]:
    """Pieces joined by newlines into as few values of at most `room` characters as fit."""
    values: list[str] = []
    for piece in pieces:
        if values and len(values[-1]) + 1 + len(piece) <= room:
            values[-1] += "\n" + piece
        else:
            values.append(piece)
    return values


def _messages(embeds: Sequence[EmbedPage], limits: EmbedLimits) -> list[Message]:
    messages: list[list[EmbedPage]] = []
    total = 0
    for embed in embeds:
        full = not messages or len(messages[-1]) >= limits.embeds_per_message
        if full or total + embed.size > limits.message_total:
            messages.append([])
            total = 0
        messages[-1].append(embed)
        total += embed.size
    return [tuple(message) for message in messages]


def clip(text: str, room: int) -> str:
    """`text` cut to `room` characters with an ellipsis; only for titles and names, never quotes."""
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"
