"""Value objects that cross module boundaries: sources, entities, who acts, how claims are credited.

Frozen dataclasses rather than rows, so the renderer and the CLI never depend on the schema.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from factbot.errors import PermissionDenied

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


# What an id of a source, entity or fact looks like, wherever one is typed or read from a file:
# safe as a file name, in a URL and on a command line.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
ID_RULE = "lowercase letters, digits, '.', '_' or '-'"


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


def attribution_for(speaker: str | None, source: Source) -> str:
    """How a claim is credited: to its speaker as reported by the outlet, else to the outlet."""
    if speaker:
        return f"{speaker}, as reported by {source.name}"
    return f"Reported by {source.name}"


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the history records it, and whether they may."""

    name: str
    is_maintainer: bool
    kind: str = "os"
    user_id: str | None = None

    @classmethod
    def os_user(cls, name: str | None = None) -> Actor:
        """The person at the terminal: whoever can run the CLI on the base can edit it."""
        return cls(name=name or _login_name(), is_maintainer=True, kind="os")

    @classmethod
    def discord(cls, user_id: int, name: str, roles: Iterable[str], maintainer_role: str) -> Actor:
        """A Discord member; `roles` holds their role names and ids, either may be configured.

        Names compare case-insensitively, as Discord shows them to admins who type them in .env.
        """
        allowed = maintainer_role.casefold() in {role.casefold() for role in roles}
        return cls(name=name, is_maintainer=allowed, kind="discord", user_id=str(user_id))

    @property
    def label(self) -> str:
        if self.kind == "discord":
            return f"discord:{self.user_id} ({self.name})"
        return f"{self.kind}:{self.name}"


def _login_name() -> str:
    """The OS user name; containers without a passwd entry or $USER still get a name."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def require_maintainer(actor: Actor) -> None:
    if not actor.is_maintainer:
        raise PermissionDenied(f"Only maintainers can do this, and {actor.name} is not one.")
