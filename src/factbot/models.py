"""Value objects that cross module boundaries: sources and entities.

Frozen dataclasses rather than rows, so the renderer and the CLI never depend on the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(day: date | str | None) -> str | None:
    """A date (or "YYYY-MM-DD...") as news prints it, "24 Oct 2025"; None when there is none."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip()[:10])
        except ValueError:
            return None
    if day is None:
        return None
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True, slots=True)
class Source:
    """A stored document; fields the document does not give stay None, never guessed."""

    id: str
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    photo_credit: str | None = None

    @property
    def name(self) -> str:
        """What to call the source in one word: its outlet, else its id."""
        return self.outlet or self.title or self.id

    @property
    def published_label(self) -> str | None:
        """The publication date as news prints it ("24 Oct 2025"), or None when unknown."""
        return format_day(self.published)

    @property
    def dated_name(self) -> str:
        """The source and its date, for a citation: "Reuters, 24 Oct 2025" (no date: "Reuters")."""
        label = self.published_label
        return f"{self.name}, {label}" if label else self.name

    def as_json(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "url": self.url,
            "published": self.published,
        }


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, place or organisation with the other spellings it goes by."""

    id: str
    name: str
    kind: str
    description: str | None = None
    aliases: tuple[str, ...] = field(default=())
