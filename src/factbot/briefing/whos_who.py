"""The summary's who's who: the people quoted passages mention, with the roles sources give."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from factbot.briefing.budget import Budget
from factbot.briefing.document import Line
from factbot.briefing.reading import Base, Row, in_source_order, overlap
from factbot.index.disagreement import ROLE
from factbot.language.roles import (
    alias_words,
    could_be_person,
    mentions,
    roles_in,
)
from factbot.language.text import words
from factbot.models import Entity

MAINTAINERS_NOTE = "Maintainers' note (entities.toml), not a quote from the sources"
# Titles of people who speak for a state or its government. In a who's who they are the sides'
# voices, quoted under "What each side says"; the people the story happens to come first.
_OFFICES = frozenset(
    """
    ambassador envoy consul diplomat attache spokesperson spokesman spokeswoman minister
    secretary president premier chancellor governor mayor senator commissioner
    """.split()
)


@dataclass(frozen=True, slots=True)
class _Role:
    """A role the sources give one or more people: a span of one sentence, in its own offsets."""

    row: Row
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.row.text[self.start : self.end]

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.row.id, self.start, self.end)


class People:
    """The person-like entities of a pool, and the roles the sources give them, each read once."""

    def __init__(self, pool: Sequence[Row], base: Base) -> None:
        self.pool = pool
        self.base = base
        self.ranked = _people(pool, base)
        self.sentences = _role_rows(pool, base)
        self.voices = {row.voice for row in pool if row.voice}
        self._roles: dict[str, list[_Role]] = {}

    def roles(self, entity: Entity) -> list[_Role]:
        if entity.id not in self._roles:
            found = _source_roles(entity, self.sentences, self.base)
            self._roles[entity.id] = found + _claimed_roles(
                entity, self.sentences, self.base, found
            )
        return self._roles[entity.id]

    def disputed(self, entity: Entity) -> set[str]:
        """The role words of `entity` that other sources contradict ("executive director"
        against "editor-in-chief"), from `factbot.index.disagreement`."""
        return {
            _fold_role(claim.words)
            for group in self.base.disputes
            if group[0].kind == ROLE and group[0].about[0] == entity.id
            for claim in group
        }

    def speaks_for_a_side(self, entity: Entity) -> bool:
        """Whether `entity` is one of the story's voices: quoted as a speaker, or holding an
        office of state (an ambassador summoned speaks for his country whether quoted or not)."""
        aliases = alias_words(entity, self.base.common)
        if any(mentions(voice, aliases) for voice in self.voices):
            return True
        return any(_OFFICES.intersection(words(role.text)) for role in self.roles(entity))

    def speaking(self, speakers: Iterable[str]) -> dict[str, str]:
        """The roles of the people named among `speakers`, joined, to read whom they speak for."""
        found: dict[str, str] = {}
        distinct = set(speakers)
        for entity in self.ranked:
            aliases = alias_words(entity, self.base.common)
            if not any(mentions(speaker, aliases) for speaker in distinct):
                continue
            roles = self.roles(entity)
            if roles:
                found[entity.id] = " ; ".join(role.text for role in roles)
        return found


def _role_rows(pool: Sequence[Row], base: Base) -> list[Row]:
    """The sentences a role may be quoted from: the pool's, with each curated fact's sentence.

    A role is the outlet's description of a person, so it cites the outlet's sentence, never a
    curated fact credited to someone else ("Russia’s Foreign Ministry said it summoned
    Azerbaijan’s ambassador in Moscow" describes the ambassador in TRT's words).
    """
    by_source: dict[str, list[Row]] = {}
    for row in base.rows:
        if row.kind == "sentence" and row.status == "active":
            by_source.setdefault(row.source_id, []).append(row)
    found: dict[str, Row] = {}
    for row in pool:
        if row.kind == "sentence":
            found[row.id] = row
            continue
        for sentence in by_source.get(row.source_id, ()):
            if overlap(sentence, row):
                found[sentence.id] = sentence
    return in_source_order(found.values())


@dataclass(frozen=True, slots=True)
class _Entry:
    """One who's-who entry: one person, or people the sources describe together."""

    names: tuple[str, ...]
    roles: tuple[_Role, ...]
    note: Line | None = None
    disputed: frozenset[str] = frozenset()
    voice: bool = False

    @property
    def group(self) -> str:
        if len(self.names) == 1:
            return self.names[0]
        return ", ".join(self.names[:-1]) + " and " + self.names[-1]


def whos_who(people: People, budget: Budget) -> list[Line]:
    """Each person the passages mention, with every role the sources give them.

    Only people the sources describe (or the maintainers have noted) are listed, so a capitalised
    phrase that ingest guessed to be a person does not appear as one. A role the sources give
    several people at once ("Azerbaijani brothers Huseyn and Ziyaddin Safarov") says who they
    are together, not who each one is: it heads one joint entry instead of repeating under each.
    The people the story is about (who died, who was detained) come before the sides' voices
    (ambassadors, spokespeople), so a short who's who that has room for few still names them.
    """
    lines: list[Line] = []
    entries = sorted(_entries(people, budget), key=lambda entry: entry.voice)
    for entry in entries[: budget.people]:
        shown = max(budget.roles_per_person, min(len(entry.disputed), 2))
        roles = _disputed_first(entry)[:shown]
        lines.extend(
            _role_line(role, people.base, entry.group, _fold_role(role.text) in entry.disputed)
            for role in roles
        )
        if entry.note is not None and (budget.notes or not roles):
            lines.append(replace(entry.note, group=entry.group))
    return lines


def _entries(people: People, budget: Budget) -> list[_Entry]:
    holders: dict[tuple[str, int, int], list[Entity]] = {}
    roles: dict[tuple[str, int, int], _Role] = {}
    for entity in people.ranked:
        for role in people.roles(entity):
            holders.setdefault(role.key, []).append(entity)
            roles[role.key] = role
    entries: list[_Entry] = []
    joint: dict[tuple[str, ...], list[_Role]] = {}
    for key, entities in holders.items():
        if len(entities) > 1:
            joint.setdefault(tuple(e.name for e in entities), []).append(roles[key])
    placed: set[tuple[str, ...]] = set()
    for entity in people.ranked:
        own = tuple(r for r in people.roles(entity) if len(holders[r.key]) == 1)
        note = _maintainers_note(entity) if entity.kind == "person" else None
        if own or (note and not any(entity.name in names for names in joint)):
            disputed = _disputes(people, own, entity)
            voice = people.speaks_for_a_side(entity)
            entries.append(_Entry((entity.name,), _distinct(own), note, disputed, voice))
        for names, shared in joint.items():
            if entity.name in names and names not in placed:
                placed.add(names)
                entries.append(_Entry(names, _distinct(shared)))
    return entries


def _disputes(people: People, roles: Sequence[_Role], entity: Entity) -> frozenset[str]:
    """The folded texts of `roles` that sources contradict for this person."""
    words = people.disputed(entity)
    return frozenset(
        _fold_role(r.text)
        for r in roles
        if any(w in _fold_role(r.text) or _fold_role(r.text) in w for w in words)
    )


def _disputed_first(entry: _Entry) -> tuple[_Role, ...]:
    """Contradicted roles first, so even a short who's who shows each version."""
    return tuple(sorted(entry.roles, key=lambda r: _fold_role(r.text) not in entry.disputed))


def _distinct(roles: Iterable[_Role]) -> tuple[_Role, ...]:
    """Roles without repeats: one worded inside another ("ambassador", "ambassador in Moscow")
    is the same role, and the fuller wording is kept."""
    ordered = list(roles)
    folded = [_fold_role(role.text) for role in ordered]
    kept = []
    for i, role in enumerate(ordered):
        inside = any(
            j != i and folded[i] in folded[j] and (folded[i] != folded[j] or j < i)
            for j in range(len(ordered))
        )
        if not inside:
            kept.append(role)
    return tuple(kept)


def _fold_role(text: str) -> str:
    text = text.replace("’", "'").casefold()
    return re.sub(r"^(?:the|its|his|her|their|a|an)\s+", "", text)


def _people(pool: Sequence[Row], base: Base) -> list[Entity]:
    """Person-like entities by how many passages mention them, then by first mention."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, int]] = {}
    for row in pool:
        for entity_id in row.entities:
            entity = base.entities.get(entity_id)
            if entity is None or not could_be_person(entity):
                continue
            counts[entity_id] += 1
            first.setdefault(entity_id, (row.source_id, row.start))
    ordered = sorted(counts, key=lambda e: (-counts[e], first[e], e))
    names = {e: tuple(words(base.entities[e].name)) for e in ordered}
    return [
        base.entities[e]
        for e in ordered
        if not any(o != e and _part_of(names[e], names[o]) for o in ordered)
    ]


def _part_of(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """A name that is the start or end of a longer one ("Brandt" of "Otto Brandt") is a short
    form of it, or of several people's (a family name): no entry of its own either way."""
    n = len(short)
    return 0 < n < len(full) and (full[:n] == short or full[-n:] == short)


def _source_roles(entity: Entity, sentences: Sequence[Row], base: Base) -> list[_Role]:
    aliases = alias_words(entity, base.common)
    kind = "curated" if entity.id in base.curated and entity.kind == "person" else entity.kind
    found: list[_Role] = []
    seen: set[str] = set()
    for row in sentences:
        if entity.id not in row.entities:
            continue
        for mention in mentions(row.text, aliases):
            for start, end in roles_in(row.text, mention, kind):
                role = _Role(row, start, end)
                if _fold_role(role.text) in seen:
                    continue
                seen.add(_fold_role(role.text))
                found.append(role)
    return found


def _claimed_roles(
    entity: Entity, sentences: Sequence[Row], base: Base, found: Sequence[_Role]
) -> list[_Role]:
    """Titles the disagreement reader finds that the who's-who patterns do not ("senior
    editor Yevgeny Belousov"), so every role a source gives a person is listed."""
    rows = {row.id: row for row in sentences}
    seen = {_fold_role(role.text) for role in found}
    extra: list[_Role] = []
    for claim in base.role_claims.get(entity.id, ()):
        row = rows.get(claim.passage_id)
        at = row.text.find(claim.words) if row is not None else -1
        folded = _fold_role(claim.words)
        if row is None or at < 0 or any(folded in s or s in folded for s in seen):
            continue
        seen.add(folded)
        extra.append(_Role(row, at, at + len(claim.words)))
    return extra


def _role_line(role: _Role, base: Base, group: str, disputed: bool = False) -> Line:
    row = role.row
    return Line(
        text=role.text,
        attribution=base.sources[row.source_id].name,
        kind="role",
        passage_id=row.id,
        source_id=row.source_id,
        start=row.start + role.start,
        end=row.start + role.end,
        group=group,
        disputed=disputed,
    )


def _maintainers_note(entity: Entity) -> Line | None:
    if not entity.description:
        return None
    return Line(
        text=entity.description,
        attribution=MAINTAINERS_NOTE,
        kind="note",
        entity_id=entity.id,
        group=entity.name,
    )


