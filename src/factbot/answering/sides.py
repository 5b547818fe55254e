"""Whose words a question asks for, and whose words each passage gives.

"What did Russia accuse Azerbaijan of?" shares every content word with the sentence in which
Azerbaijan's spokesman accuses Russia, and that sentence is the opposite of an answer. When a
question asks for one side's statement and a passage is known to speak for another, the passage
is no candidate: the engine answers with that side's own words or abstains. A passage whose side
is unknown (the outlet's own account, a speaker no description places) stays a candidate, so the
check only ever removes answers it can show to be someone else's.

Sides are read as the moderators' summary reads them (`factbot.language.roles.Affiliations`): a
speaker's own words ("Russia's Foreign Ministry"), the entity's description ("spokesperson of
Azerbaijan's Foreign Ministry"), a city standing for its country ("Baku": "capital of
Azerbaijan"). A sentence continuing the one before it ("During the meeting, he was handed a note
demanding ...") speaks for that sentence's speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import sqlite_utils

from factbot.language.roles import Affiliations, affiliations, lowercase_words
from factbot.language.speakers import asked_speaker, voices
from factbot.models import Entity
from factbot.store.database import list_entities

_BOTH = re.compile(r"\s+(?:and|or|&)\s+|\s*,\s*")
# The outlet's own account of what an institution did: "In response, Azerbaijan’s Foreign
# Ministry summoned ...". The institution is the actor, and its side the sentence's.
_ACTING_INSTITUTION = re.compile(
    r"^(?:[^,]{0,40},\s+)?(?P<subject>(?:[Tt]he\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,2}[’']s"
    r"(?:\s+[A-Z][\w-]*){1,4})\s+(?:(?:on|last)\s+\w+\s+|also\s+|later\s+|has\s+|had\s+)?"
    r"[a-z]+ed\b"
)


@dataclass(frozen=True)
class Sides:
    """The side each passage of one base speaks for, where it is known."""

    affiliation: Affiliations
    of_passage: dict[str, str]

    @cached_property
    def spoken(self) -> frozenset[str]:
        """The sides some passage speaks for."""
        return frozenset(self.of_passage.values())

    def asked(self, question: str) -> str | None:
        """The side whose statement `question` asks for, or None (also when it names two:
        "what did Russia and Azerbaijan say")."""
        speaker = asked_speaker(question)
        if not speaker:
            return None
        found = {self.affiliation.side_of(part) for part in _BOTH.split(speaker)}
        side = found.pop() if len(found) == 1 else None
        # A side no passage speaks for is no side of this base ("what do the farmers in Gyumri
        # want" names a place, but no one there is quoted): nothing to hold the answer to.
        return side if side in self.spoken else None

    def speaks_for_another(self, passage_id: str, asked: str | None) -> bool:
        """Whether the passage is known to speak for a side other than the one asked about."""
        if asked is None:
            return False
        side = self.of_passage.get(passage_id)
        return side is not None and side != asked


def read_sides(db: sqlite_utils.Database) -> Sides:
    """Every active passage's side, from its speaker (or the speaker it continues)."""
    common = lowercase_words(text for (text,) in db.execute("SELECT text FROM sources"))
    affiliation = affiliations(_side_evidence(db), common, {})
    rows = db.execute(
        "SELECT id, source_id, text, attribution, kind FROM passages "
        "WHERE status = 'active' ORDER BY source_id, start, kind DESC, id"
    ).fetchall()
    said = voices((source_id, kind, text, attribution or None) for _, source_id, text, attribution, kind in rows)
    of_passage: dict[str, str] = {}
    for (passage_id, _, text, _, _), (_, voice) in zip(rows, said, strict=True):
        actor = voice or _acting_institution(text)
        side = affiliation.side_of(actor) if actor else None
        if side is not None:
            of_passage[passage_id] = side
    return Sides(affiliation, of_passage)


def _side_evidence(db: sqlite_utils.Database) -> list[Entity]:
    """The entities sides are read from: the maintainers' own when they list any place.

    The name finder guesses kinds ("Ilham Aliyev" once came out a place); a wrong guess here
    would take an answer away, so guesses count only in a base no maintainer has described.
    """
    entities = list_entities(db)
    curated = {row[0] for row in db.execute("SELECT id FROM entities WHERE origin = 'knowledge'")}
    if any(e.kind == "place" and e.id in curated for e in entities):
        return [e for e in entities if e.id in curated]
    return entities


def _acting_institution(text: str) -> str | None:
    match = _ACTING_INSTITUTION.match(text)
    return match.group("subject") if match else None
