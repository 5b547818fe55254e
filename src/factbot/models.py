"""Value objects that cross module boundaries: sources and entities.

Frozen dataclasses rather than rows, so the renderer and the CLI never depend on the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
