"""Moderator summaries: a cited, neutral briefing built from the fact base only.

Every line of a `Summary` is a stored passage, or a verbatim sub-span of one (checked against
its source before the summary is returned), with the passage id it comes from and who says it.
Maintainers' entity descriptions appear only labelled as their note. Headings, dates resolved
from a publication date, and source metadata are the only text that is not a quote.

Selection is general: it uses the speakers found at ingest, entity links, affiliations read from
names, roles and descriptions, and term statistics. Nothing here names a passage or a person of
one story, so the same code summarises any ingested article.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlite_utils

from factbot.briefing.document import Length, Line, Section, Summary
from factbot.briefing.render import fits_one_message
from factbot.errors import DatabaseError, InputError
from factbot.language.dates import When, anchor, iso_day, parse_day, reference_weekday, resolve
from factbot.language.roles import (
    Affiliations,
    affiliations,
    alias_words,
    could_be_person,
    mentions,
    roles_in,
)
from factbot.language.text import words
from factbot.models import Entity, Source, attribution_for
from factbot.store.database import list_entities, revision, source_from_row

LENGTHS: tuple[Length, ...] = ("short", "full")

SUMMARY_TITLE = "What we know so far"
MAINTAINERS_NOTE = "Maintainers' note (entities.toml), not a quote from the sources"
NOT_IN_SOURCES = "What the sources do not say"


@dataclass(frozen=True)
class Budget:
    """How much each section may hold; `short` fits one phone screen per section."""

    what_happened: int
    timeline: int
    people: int
    roles_per_person: int
    per_side: int
    sides: int
    notes: bool
    gaps: bool


BUDGETS: dict[Length, Budget] = {
    "short": Budget(2, 5, 6, 1, 2, 4, notes=False, gaps=False),
    "full": Budget(4, 12, 15, 6, 5, 4, notes=True, gaps=True),
}


# --- reading the fact base --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """A passage as the summary works with it: its resolved speaker and content terms."""

    id: str
    source_id: str
    position: int
    start: int
    end: int
    text: str
    speaker: str | None
    kind: str
    status: str
    terms: tuple[str, ...]
    entities: frozenset[str] = frozenset()
    voice: str | None = None


@dataclass(frozen=True)
class _Base:
    sources: dict[str, Source]
    texts: dict[str, str]
    added: dict[str, str]
    rows: tuple[_Row, ...]
    entities: dict[str, Entity]
    idf: dict[str, float]
    revision: str | None
    common: frozenset[str] = frozenset()
    curated: frozenset[str] = frozenset()


_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
_LOWERCASE_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z’'-]+")


def _load(db: sqlite_utils.Database) -> _Base:
    try:
        return _read_base(db)
    except sqlite3.Error as error:
        raise DatabaseError(
            f"The fact base cannot be summarised ({error}); rebuild it with: factbot build"
        ) from None


def _read_base(db: sqlite_utils.Database) -> _Base:
    sources, texts, added = _read_sources(db)
    curated = db.execute("SELECT id FROM entities WHERE origin = 'knowledge'").fetchall()
    return _Base(
        sources=sources,
        texts=texts,
        added=added,
        rows=tuple(_continuations(_resolve_pronouns(_read_rows(db)))),
        entities={entity.id: entity for entity in list_entities(db)},
        idf=_idf(db),
        revision=revision(db),
        common=frozenset(w for text in texts.values() for w in _LOWERCASE_WORD.findall(text)),
        curated=frozenset(str(row[0]) for row in curated),
    )


def _read_sources(
    db: sqlite_utils.Database,
) -> tuple[dict[str, Source], dict[str, str], dict[str, str]]:
    """Each source's metadata, full text (to check quotes) and when it was added."""
    sources: dict[str, Source] = {}
    texts: dict[str, str] = {}
    added: dict[str, str] = {}
    for row in db.execute_returning_dicts("SELECT * FROM sources ORDER BY id"):
        sources[row["id"]] = source_from_row(row)
        texts[row["id"]] = row["text"]
        added[row["id"]] = row.get("added_at") or ""
    return sources, texts, added


def _read_rows(db: sqlite_utils.Database) -> list[_Row]:
    """Every passage, active or retired (retired facts still hide the sentences they cover)."""
    links: dict[str, set[str]] = {}
    for passage_id, entity_id in db.execute("SELECT passage_id, entity_id FROM passage_entities"):
        links.setdefault(passage_id, set()).add(entity_id)
    rows = db.execute(
        "SELECT id, source_id, position, start, end, text, attribution, kind, status, terms "
        "FROM passages ORDER BY source_id, start, kind DESC, id"
    ).fetchall()
    return [
        _Row(
            id=r[0],
            source_id=r[1],
            position=int(r[2] or 0),
            start=int(r[3]),
            end=int(r[4]),
            text=r[5],
            speaker=r[6] or None,
            kind=r[7],
            status=r[8],
            terms=tuple((r[9] or "").split()),
            entities=frozenset(links.get(r[0], ())),
        )
        for r in rows
    ]


def _resolve_pronouns(rows: Iterable[_Row]) -> list[_Row]:
    """Credit "He said ..." to the last named speaker of the same source.

    Ingest sometimes stores the pronoun itself as the speaker; a briefing must never credit a
    claim to "He".
    """
    resolved: list[_Row] = []
    last: dict[str, str] = {}
    for row in rows:
        speaker = row.speaker
        if speaker and speaker.lower() in _PRONOUNS:
            speaker = last.get(row.source_id)
            row = replace(row, speaker=speaker)
        if speaker and row.kind == "sentence":
            last[row.source_id] = speaker
        resolved.append(row)
    return resolved


# "During the meeting, X was handed a note ..." goes on telling the event of the sentence before.
_CONTINUES = re.compile(
    r"^(?:During|At|In|After|Following|Throughout)\s+(?:the|that|this)\s+"
    r"(?:meeting|talks|call|conversation|session|briefing|summons|exchange|hearing|visit)\b"
)


def _continuations(rows: Iterable[_Row]) -> list[_Row]:
    """Give a sentence that continues the one before it that sentence's voice.

    "Russia’s Foreign Ministry said it summoned the ambassador. During the meeting, he was handed
    a note demanding ..." reports Russia's demand in the outlet's own words: the quote stays
    credited to the outlet, but it belongs under the side that made the demand.
    """
    resolved: list[_Row] = []
    previous: _Row | None = None
    for row in rows:
        if row.kind != "sentence":
            resolved.append(replace(row, voice=row.speaker))
            continue
        voice = row.speaker
        if voice is None and previous is not None and previous.source_id == row.source_id:
            voice = previous.voice if _CONTINUES.match(row.text) else None
        row = replace(row, voice=voice)
        resolved.append(row)
        previous = row
    return resolved


def _idf(db: sqlite_utils.Database) -> dict[str, float]:
    total = db.execute("SELECT count(*) FROM passages WHERE status = 'active'").fetchone()[0]
    return {
        term: math.log((int(total) + 1) / (int(df) + 0.5))
        for term, df in db.execute("SELECT term, df FROM term_stats")
    }


# --- which passages a summary may use ---------------------------------------------------


def parse_since(value: str | None) -> date | None:
    """`--since` as a date; accepts YYYY-MM-DD or an ISO timestamp (its day is used)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(
            f"Give the since date as YYYY-MM-DD, e.g. 2025-07-01, not {value!r}."
        ) from None


def _pool(base: _Base, db: sqlite_utils.Database, since: date | None) -> list[_Row]:
    """Active passages a summary may quote, in source order; with `since`, only what is new.

    Curated facts win over the ingested sentences they overlap (the maintainers chose that span
    and its attribution), and a retired fact takes the sentences it overlaps with it: otherwise
    retiring a claim would leave the same words in the briefing under another id.
    """
    facts: dict[str, list[_Row]] = {}
    for row in base.rows:
        if row.kind == "fact":
            facts.setdefault(row.source_id, []).append(row)
    pool = [
        row
        for row in base.rows
        if row.status == "active"
        and (row.kind == "fact" or not any(_overlap(row, f) for f in facts.get(row.source_id, ())))
    ]
    if since is None:
        return pool
    changed, changed_sources = _changed_since(db, since)
    fresh = _fresh_sources(base, since) | changed_sources
    return [row for row in pool if row.source_id in fresh or row.id in changed]


def _overlap(a: _Row, b: _Row) -> bool:
    return a.start < b.end and b.start < a.end


def _fresh_sources(base: _Base, since: date) -> set[str]:
    """Sources published on or after `since`; without a publication date, added on or after it."""
    day = since.isoformat()
    fresh = set()
    for source_id, source in base.sources.items():
        stamp = iso_day(source.published) or base.added.get(source_id, "")[:10]
        if stamp and stamp >= day:
            fresh.add(source_id)
    return fresh


def _changed_since(db: sqlite_utils.Database, since: date) -> tuple[set[str], set[str]]:
    """Passages and sources that maintainers changed on or after `since`, from `changes`.

    The history (editing.py) names its targets "passage:<id>" and "source:<id>"; entity changes
    (aliases) alter no quote, so they bring nothing new. A base without the history, or built
    before it existed, has only its sources' dates to go by.
    """
    if "changes" not in db.table_names():
        return set(), set()
    rows = db.execute(
        "SELECT target FROM changes WHERE substr(at, 1, 10) >= ?", [since.isoformat()]
    ).fetchall()
    targets = [str(row[0]) for row in rows if row[0]]
    passages = {t.removeprefix("passage:") for t in targets if t.startswith("passage:")}
    sources = {t.removeprefix("source:") for t in targets if t.startswith("source:")}
    return passages, sources


# --- scoring: what is central to the story ----------------------------------------------

BRIEF = 160
_CAPTION_AFTER = re.compile(r"\s*\((?:photo|photograph|image|picture|video)\b", re.I)
_OPENS_WITH_QUOTE = re.compile(r"^[\"“”«]")


def _centrality(pool: Sequence[_Row], idf: dict[str, float]) -> dict[str, float]:
    """Cosine of each passage's tf-idf vector with the pool's centroid.

    A sentence that shares many weighted terms with the rest of the coverage is about the story
    rather than a detail of it; this is the centroid method of extractive summarisers.
    """
    vectors = {row.id: _vector(row.terms, idf) for row in pool}
    centroid: Counter[str] = Counter()
    for vector in vectors.values():
        centroid.update(vector)
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    return {
        row_id: sum(weight * centroid[term] for term, weight in vector.items()) / norm
        for row_id, vector in vectors.items()
    }


def _vector(row_terms: Sequence[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(row_terms)
    vector = {term: (1 + math.log(n)) * idf.get(term, 1.0) for term, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {term: value / norm for term, value in vector.items()}


def _briefer(scores: dict[str, float], pool: Sequence[_Row]) -> dict[str, float]:
    """Scores that favour sentences under `BRIEF` characters, for the one-message summary:
    two short sentences say more there than one long one."""
    return {
        row.id: scores.get(row.id, 0.0) * min(1.0, BRIEF / max(len(row.text), 1)) for row in pool
    }


def _is_caption(row: _Row, base: _Base) -> bool:
    """A photo caption ("... (Photo/Reuters)") describes a picture, not the events."""
    text = base.texts.get(row.source_id, "")
    return bool(_CAPTION_AFTER.match(text, row.end))


def _lead_weight(row: _Row) -> float:
    """News puts the story first: the opening sentences weigh more (1.5x down to 1x)."""
    return 1.0 + 0.5 / (1 + max(row.position - 1, 0) / 3)


# --- What happened ----------------------------------------------------------------------


def _what_happened(
    pool: Sequence[_Row], base: _Base, scores: dict[str, float], n: int
) -> list[Line]:
    """The `n` most central narrative sentences, in the order the sources tell them.

    The outlet's own account is preferred over claims it reports (those go under each side),
    and captions and direct quotations are left out.
    """
    candidates = [
        row
        for row in pool
        if not _is_caption(row, base)
        and not _OPENS_WITH_QUOTE.match(row.text)
        and 6 <= len(row.terms) <= 60
    ]

    def rank(row: _Row) -> float:
        reported = 0.75 if row.speaker else 1.0
        return scores.get(row.id, 0.0) * _lead_weight(row) * reported

    chosen = sorted(candidates, key=lambda r: (-rank(r), r.source_id, r.start))[:n]
    return [_quote_line(row, base) for row in _in_source_order(chosen)]


def _in_source_order(rows: Iterable[_Row]) -> list[_Row]:
    return sorted(rows, key=lambda r: (r.source_id, r.start, r.id))


def _quote_line(row: _Row, base: _Base, **extra: Any) -> Line:
    return Line(
        text=row.text,
        attribution=attribution_for(
            _as_written(row.speaker, row.text), base.sources[row.source_id]
        ),
        passage_id=row.id,
        source_id=row.source_id,
        start=row.start,
        end=row.end,
        **extra,
    )


_THE_BEFORE = re.compile(r"(?:^|\s)[Tt]he\s+$")


def _as_written(speaker: str | None, text: str) -> str | None:
    """The speaker with the article the sentence gives it: "The Azerbaijani ambassador".

    Speakers are stored without a leading "the", which reads as a name for "Russia’s Foreign
    Ministry" but not for a common noun ("Azerbaijani ambassador, as reported by TRT").
    """
    if not speaker or speaker.casefold().startswith("the "):
        return speaker
    at = text.find(speaker)
    if at > 0 and _THE_BEFORE.search(text, 0, at):
        return f"The {speaker}"
    return speaker


# --- Timeline ---------------------------------------------------------------------------


def _timeline(pool: Sequence[_Row], base: _Base, scores: dict[str, float], n: int) -> list[Line]:
    """Passages that say when something happened, in the order it happened.

    The most central dated passages are chosen, then shown by date; events known only relative
    to an unknown publication date follow, ordered by `days_before`; ties keep the sources' order.
    """
    anchored = [(row, when) for row in pool if (when := anchor(row.text)) is not None]
    events = []
    for source_id in sorted({row.source_id for row, _ in anchored}):
        mine = [(row, when) for row, when in anchored if row.source_id == source_id]
        published = parse_day(base.sources[source_id].published)
        events.extend(_resolved_events(mine, published))
    chosen = sorted(events, key=lambda e: (-scores.get(e[0].id, 0.0), e[0].start))[:n]
    chosen.sort(key=_chronological)
    return [_event_line(row, when, base) for row, when in chosen]


def _resolved_events(
    events: Sequence[tuple[_Row, When]], published: date | None
) -> list[tuple[_Row, When]]:
    """One source's events with their days pinned where the text allows.

    A day without a year takes the last year the text named before it ("On 1 May 1191 ... By
    1 June"). In a text that dates its events but has no publication date (a history), a relative
    day ("today", "Friday") cannot be placed among them and is left out of the timeline.
    """
    reference = reference_weekday(w.weekday for _, w in events if w.weekday is not None)
    resolved = []
    last_year: int | None = None
    for row, when in events:
        pinned = resolve(when, published, reference, year_hint=last_year)
        if pinned.key and pinned.key[0]:
            last_year = pinned.key[0]
        resolved.append((row, pinned))
    if published is None and any(w.key for _, w in resolved):
        return [(row, w) for row, w in resolved if w.key]
    return resolved


def _chronological(event: tuple[_Row, When]) -> tuple[int, tuple[int, int, int], int, str, int]:
    row, when = event
    if when.key is not None:
        return (0, when.key, 0, row.source_id, row.start)
    before = when.days_before if when.days_before is not None else 0
    return (1, (0, 0, 0), -before, row.source_id, row.start)


def _event_line(row: _Row, when: When, base: _Base) -> Line:
    return _quote_line(
        row,
        base,
        when=when.text,
        date=when.day.isoformat() if when.day else None,
    )


# --- Who's who --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Role:
    """A role the sources give one or more people: a span of one sentence, in its own offsets."""

    row: _Row
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.row.text[self.start : self.end]

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.row.id, self.start, self.end)


class _People:
    """The person-like entities of a pool, and the roles the sources give them, each read once."""

    def __init__(self, pool: Sequence[_Row], base: _Base) -> None:
        self.pool = pool
        self.base = base
        self.ranked = _people(pool, base)
        self.sentences = _role_rows(pool, base)
        self._roles: dict[str, list[_Role]] = {}

    def roles(self, entity: Entity) -> list[_Role]:
        if entity.id not in self._roles:
            self._roles[entity.id] = _source_roles(entity, self.sentences, self.base)
        return self._roles[entity.id]

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


def _role_rows(pool: Sequence[_Row], base: _Base) -> list[_Row]:
    """The sentences a role may be quoted from: the pool's, with each curated fact's sentence.

    A role is the outlet's description of a person, so it cites the outlet's sentence, never a
    curated fact credited to someone else ("Russia’s Foreign Ministry said it summoned
    Azerbaijan’s ambassador in Moscow" describes the ambassador in TRT's words).
    """
    by_source: dict[str, list[_Row]] = {}
    for row in base.rows:
        if row.kind == "sentence" and row.status == "active":
            by_source.setdefault(row.source_id, []).append(row)
    found: dict[str, _Row] = {}
    for row in pool:
        if row.kind == "sentence":
            found[row.id] = row
            continue
        for sentence in by_source.get(row.source_id, ()):
            if _overlap(sentence, row):
                found[sentence.id] = sentence
    return _in_source_order(found.values())


@dataclass(frozen=True, slots=True)
class _Entry:
    """One who's-who entry: one person, or people the sources describe together."""

    names: tuple[str, ...]
    roles: tuple[_Role, ...]
    note: Line | None = None

    @property
    def group(self) -> str:
        if len(self.names) == 1:
            return self.names[0]
        return ", ".join(self.names[:-1]) + " and " + self.names[-1]


def _whos_who(people: _People, budget: Budget) -> list[Line]:
    """Each person the passages mention, with every role the sources give them.

    Only people the sources describe (or the maintainers have noted) are listed, so a capitalised
    phrase that ingest guessed to be a person does not appear as one. A role the sources give
    several people at once ("Azerbaijani brothers Huseyn and Ziyaddin Safarov") says who they
    are together, not who each one is: it heads one joint entry instead of repeating under each.
    """
    lines: list[Line] = []
    for entry in _entries(people, budget)[: budget.people]:
        roles = entry.roles[: budget.roles_per_person]
        lines.extend(_role_line(role, people.base, entry.group) for role in roles)
        if entry.note is not None and (budget.notes or not roles):
            lines.append(replace(entry.note, group=entry.group))
    return lines


def _entries(people: _People, budget: Budget) -> list[_Entry]:
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
            entries.append(_Entry((entity.name,), _distinct(own), note))
        for names, shared in joint.items():
            if entity.name in names and names not in placed:
                placed.add(names)
                entries.append(_Entry(names, _distinct(shared)))
    return entries


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


def _people(pool: Sequence[_Row], base: _Base) -> list[Entity]:
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


def _source_roles(entity: Entity, sentences: Sequence[_Row], base: _Base) -> list[_Role]:
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


def _role_line(role: _Role, base: _Base, group: str) -> Line:
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


# --- What each side says ----------------------------------------------------------------


def _sides(
    pool: Sequence[_Row],
    base: _Base,
    scores: dict[str, float],
    budget: Budget,
    people: _People,
    since: date | None = None,
) -> list[Line]:
    """Attributed claims filed under the side each speaker speaks for, sides in name order.

    Every side gets the same room, at most one claim more than the side quoted least (a side
    with five statements would otherwise drown one with two); curated facts go first (maintainers chose them as the key
    claims), then the most central passages. A sentence that continues a claim in the outlet's
    words ("During the meeting, ... a note demanding ...") counts for the claim's side. A side
    the story has but this pool does not quote gets a line saying so, so silence is never read
    as agreement. With no side found (an article with no parties), claims are filed under their
    speakers instead.
    """
    if not pool:
        return []
    claims = [row for row in pool if row.voice and not _is_caption(row, base)]
    roles = people.speaking(row.voice or "" for row in claims)
    affiliation = affiliations(base.entities.values(), base.common, roles)
    groups: dict[str, list[_Row]] = {}
    for row in claims:
        side = affiliation.side_of(row.voice or "")
        if side is not None:
            groups.setdefault(side, []).append(row)
    if not groups:
        for row in claims:
            groups.setdefault(f"speaker:{row.speaker}", []).append(row)
    names = {key: _group_name(key, base) for key in groups}
    ranked = sorted(groups, key=lambda k: (-len(groups[k]), names[k]))[: budget.sides]
    silent = [key for key in _story_sides(base, affiliation) if key not in groups]
    names.update({key: _group_name(key, base) for key in silent})
    shown = sorted(
        [*ranked, *silent[: max(budget.sides - len(ranked), 0)]], key=lambda k: names[k].casefold()
    )
    room = min(budget.per_side, min((len(groups[k]) for k in ranked), default=0) + 1)
    lines: list[Line] = []
    for key in shown:
        if key not in groups:
            lines.append(_silent_side(names[key], since))
            continue
        best = sorted(
            groups[key], key=lambda r: (r.kind != "fact", -_position_weight(r, scores), r.start)
        )
        for row in _in_source_order(best[: max(room, 2 if budget.per_side >= 2 else 1)]):
            lines.append(_quote_line(row, base, group=names[key]))
    return lines


def _position_weight(row: _Row, scores: dict[str, float]) -> float:
    """How well a claim states a side's position: a dated one ("on Monday confirmed ...")
    reports an event, which the timeline tells, so it weighs less than an undated stand."""
    dated = anchor(row.text) is not None
    return scores.get(row.id, 0.0) * (0.7 if dated else 1.0)


def _story_sides(base: _Base, affiliation: Affiliations) -> list[str]:
    """The sides of the whole story: those any active claim speaks for, in any source.

    A story told by one side only still has the other: the place (or unclassified name) its
    sentences mention most besides the speaking side, counting its adjective ("Ruritanian") as
    the place, when it is mentioned in at least a quarter of them.
    """
    active = [row for row in base.rows if row.status == "active" and row.kind == "sentence"]
    speaking = {
        side for row in active if row.voice and (side := affiliation.side_of(row.voice)) is not None
    }
    if len(speaking) != 1:
        return sorted(speaking)
    mentioned: Counter[str] = Counter()
    for row in active:
        named = {_party(base.entities.get(e), affiliation) for e in row.entities}
        mentioned.update(party for party in named if party and party not in speaking)
    if mentioned:
        party, count = mentioned.most_common(1)[0]
        if party and count * 4 >= len(active):
            return sorted({*speaking, party})
    return sorted(speaking)


def _party(entity: Entity | None, affiliation: Affiliations) -> str | None:
    """The place an entity stands for, if it can be a side: a place, or a name of no known kind."""
    if entity is None or entity.kind not in ("place", "other"):
        return None
    if entity.kind == "place":
        return affiliation.root(entity.id)
    return affiliation.demonym_in(entity.name) or entity.id


def _silent_side(name: str, since: date | None) -> Line:
    text = (
        f"Nothing new from {name} in the sources since {since.isoformat()}."
        if since
        else f"The sources quote no statement from {name}."
    )
    return Line(text=text, attribution=NOT_IN_SOURCES, kind="absent", group=name)


def _group_name(key: str, base: _Base) -> str:
    if key.startswith("speaker:"):
        return key.removeprefix("speaker:")
    entity = base.entities.get(key)
    return entity.name if entity else key


# --- What the sources don't say ---------------------------------------------------------

_SOURCE_FIELDS = (
    ("title", "title"),
    ("url", "URL"),
    ("published", "publication date"),
    ("author", "author"),
)


def _gaps(pool: Sequence[_Row], base: _Base) -> list[Line]:
    """Source metadata a source leaves out: a briefing without a date or a URL should say so."""
    lines = []
    for source_id in sorted({row.source_id for row in pool}):
        source = base.sources[source_id]
        missing = [label for name, label in _SOURCE_FIELDS if getattr(source, name) is None]
        if missing:
            lines.append(
                Line(
                    text=", ".join(missing),
                    attribution=f"Not given by {source.name}",
                    kind="gap",
                    source_id=source_id,
                )
            )
    return lines


# --- building ---------------------------------------------------------------------------


def build_summary(
    db: sqlite_utils.Database, *, length: str = "full", since: date | None = None
) -> Summary:
    """Build the briefing from the fact base as it is now; raises if a quote is not verbatim.

    A short summary is what a moderator posts as one Discord message: its posted text and
    Markdown both fit `MESSAGE_CONTENT` characters, so it gives up lines (see `SHORTER`) until
    they do.
    """
    if length not in LENGTHS:
        raise InputError(f"--length must be one of {', '.join(LENGTHS)}, not {length!r}.")
    base = _load(db)
    pool = _pool(base, db, since)
    scores = _centrality(pool, base.idf)
    if length == "short":
        scores = _briefer(scores, pool)
    people = _People(pool, base)
    budgets = _shorter_budgets(BUDGETS["short"]) if length == "short" else [BUDGETS["full"]]
    summary = None
    for budget in budgets:
        summary = Summary(
            title=SUMMARY_TITLE,
            length=length,
            since=since.isoformat() if since else None,
            revision=base.revision,
            sources=tuple(base.sources[s] for s in sorted({row.source_id for row in pool})),
            sections=_sections(pool, base, scores, people, budget, since),
        )
        if length != "short" or fits_one_message(summary):
            break
    assert summary is not None
    check_quotes(summary, base.texts)
    return summary


def _sections(
    pool: Sequence[_Row],
    base: _Base,
    scores: dict[str, float],
    people: _People,
    budget: Budget,
    since: date | None,
) -> tuple[Section, ...]:
    """The sections in reading order, each quoting passages no earlier pick has quoted.

    Sides pick first (each side's position must be complete), then the timeline, then what
    happened from what is left, so no quote is repeated across sections. Roles in who's who are
    a few words of a sentence, not a repeat of it.
    """
    sides = _sides(pool, base, scores, budget, people, since)
    used = {line.passage_id for line in sides}
    timeline = _timeline([r for r in pool if r.id not in used], base, scores, budget.timeline)
    used |= {line.passage_id for line in timeline}
    what = _what_happened([r for r in pool if r.id not in used], base, scores, budget.what_happened)
    sections = [
        Section("what_happened", "What happened", tuple(what)),
        Section("timeline", "Timeline", tuple(timeline)),
        Section("whos_who", "Who's who", tuple(_whos_who(people, budget))),
        Section("sides", "What each side says", tuple(sides)),
    ]
    if budget.gaps:
        sections.append(Section("not_said", "What the sources don't say", tuple(_gaps(pool, base))))
    return tuple(sections)


# What a short summary gives up, in turn, until it fits one message: a timeline entry, a
# person, the second "what happened" sentence, second roles, and last a side's second claim.
SHORTER: tuple[str, ...] = (
    "timeline",
    "people",
    "what_happened",
    "timeline",
    "people",
    "roles_per_person",
    "timeline",
    "people",
    "timeline",
    "people",
    "per_side",
)


def _shorter_budgets(budget: Budget) -> list[Budget]:
    budgets = [budget]
    for name in SHORTER:
        value = getattr(budget, name)
        if value > 1:
            budget = replace(budget, **{name: value - 1})
            budgets.append(budget)
    return budgets


def check_quotes(summary: Summary, texts: dict[str, str]) -> None:
    """Refuse a summary with a quote that is not exactly its source's text at its offsets."""
    for line in summary.lines:
        if line.kind not in ("quote", "role"):
            continue
        source_text = texts.get(line.source_id or "")
        if source_text is None or line.start is None or line.end is None:
            raise DatabaseError(f"Summary line citing {line.cite} has no source text to check.")
        if source_text[line.start : line.end] != line.text:
            raise DatabaseError(f"Summary quote from {line.cite} is not verbatim in its source.")
