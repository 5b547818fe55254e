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
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Any

import sqlite_utils

from factbot.briefing.document import SOURCES_DIFFER, Length, Line, Section, Summary
from factbot.briefing.render import fits_one_message
from factbot.errors import DatabaseError, InputError
from factbot.index.dating import DAY, MONTH, PassageDate, passage_dates, story_years
from factbot.index.disagreement import DATE, ROLE, Claim, ClaimIndex
from factbot.language.dates import When, anchor, parse_day, reference_weekday, resolve
from factbot.language.roles import (
    Affiliations,
    affiliations,
    alias_words,
    could_be_person,
    lowercase_words,
    mentions,
    roles_in,
)
from factbot.language.speakers import voices
from factbot.language.text import words
from factbot.models import Entity, Source, attribution_for, format_day
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
    dates: dict[str, PassageDate] = field(default_factory=dict)
    disputes: tuple[tuple[Claim, ...], ...] = ()
    role_claims: dict[str, tuple[Claim, ...]] = field(default_factory=dict)


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
    claims = ClaimIndex(db)
    role_claims: dict[str, list[Claim]] = {}
    for found in claims.claims.values():
        for claim in found:
            if claim.kind == ROLE:
                role_claims.setdefault(claim.about[0], []).append(claim)
    return _Base(
        sources=sources,
        texts=texts,
        added=added,
        rows=tuple(_with_voices(_read_rows(db))),
        entities={entity.id: entity for entity in list_entities(db)},
        idf=_idf(db),
        revision=revision(db),
        common=lowercase_words(texts.values()),
        curated=frozenset(str(row[0]) for row in curated),
        dates=passage_dates(db),
        disputes=tuple(tuple(group) for group in claims.disputes()),
        role_claims={e: tuple(found) for e, found in role_claims.items()},
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


def _with_voices(rows: Sequence[_Row]) -> list[_Row]:
    """The rows with pronoun speakers resolved and each claim's voice (`speakers.voices`)."""
    said = voices((row.source_id, row.kind, row.text, row.speaker) for row in rows)
    return [
        replace(row, speaker=speaker, voice=voice)
        for row, (speaker, voice) in zip(rows, said, strict=True)
    ]


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
    undated = {s for s in changed_sources if s in base.sources and not base.sources[s].published}
    fresh = _fresh_sources(base, since) | undated
    return [row for row in pool if row.source_id in fresh or row.id in changed]


def _overlap(a: _Row, b: _Row) -> bool:
    return a.start < b.end and b.start < a.end


def _fresh_sources(base: _Base, since: date) -> set[str]:
    """Sources dated on or after `since`: by their publication date, else by the latest event
    their text dates. A source with neither is new only when added or edited since (see
    `_changed_since`); a dated source added today is still June's news, and the time a base was
    built says nothing about when the story happened.
    """
    latest: dict[str, date] = {}
    for row in base.rows:
        when = base.dates.get(row.id)
        if when is not None and when.event is not None and when.precision == DAY:
            latest[row.source_id] = max(when.event, latest.get(row.source_id, when.event))
    fresh = set()
    for source_id, source in base.sources.items():
        day = parse_day(source.published) or latest.get(source_id)
        if day is not None and day >= since:
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


def _glued(row: _Row) -> bool:
    """A passage spanning two lines is a headline or subheading glued to the text after it
    (pasted web pages carry no Markdown `#`); quoted whole it reads as a run-on sentence."""
    return "\n" in row.text.strip()


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
        and not _glued(row)
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


APART = "Without a day in the sources"
NEWS_DAYS = 31  # an event this close before publication is the article's news


def _timeline(pool: Sequence[_Row], base: _Base, scores: dict[str, float], n: int) -> list[Line]:
    """Passages that say when something happened, in the order it happened.

    Each passage's day comes from `factbot.index.dating` (relative days from the sentence's own
    anchor, a missing year from the story's span); `_placed` says which go among the dated
    events. The others (a background year, "born in 1956"; a weekday in an undated source) are
    listed apart, after the dated ones, never at their head. Each source's most central event is chosen first, latest source
    first, so later developments are not crowded out by the first days' coverage. Where
    sources date the same event differently, a line after it says so.
    """
    years = story_years(parse_day(source.published) for source in base.sources.values())
    placed: list[tuple[_Row, date, str]] = []
    apart: list[tuple[_Row, When]] = []
    for row in pool:
        when = anchor(row.text)
        if when is None or _glued(row):
            continue
        found = _placed(base.dates.get(row.id), row, years)
        if found is None:
            apart.append((row, when))
        else:
            placed.append((row, *found))
    chosen = _spread(placed, base, scores, n)
    chosen.sort(key=lambda e: (e[1], e[0].source_id, e[0].start))
    lines: list[Line] = []
    told: set[str] = set()
    for row, day, label in chosen:
        words = _event_words(base.dates.get(row.id), row)
        lines.append(_quote_line(row, base, label=label, date=day.isoformat(), when=words))
        differs = _date_differs(row, base)
        if differs and differs[0].text not in told:
            told.add(differs[0].text)
            lines.extend(differs)
    room = n - len(chosen)
    if room > 0 and apart:
        lines.extend(_apart(apart, base, scores, room, APART if chosen else None))
    return lines


def _event_words(when: PassageDate | None, row: _Row) -> str | None:
    """The words that date a passage, as written ("on Friday")."""
    if when is not None and when.event_text:
        return when.event_text
    found = anchor(row.text)
    return found.text if found else None


def _placed(when: PassageDate | None, row: _Row, years: Sequence[int]) -> tuple[date, str] | None:
    """The day a passage goes on in the timeline, with its label; None to list it apart.

    A day or month is placed. A bare year is placed only in a story with no dated sources (a
    history told by years) or when it is one of the years the dated sources were published in:
    otherwise it is background ("born in 1956", "founded in 1921") and must not head the
    timeline. A day without a year in a source that cannot date it takes the year of the events
    the text told before it.
    """
    if when is None:
        return None
    if when.event is not None and when.precision in (DAY, MONTH):
        day = when.event
        label = format_day(day) or day.isoformat()
        if when.precision == MONTH:
            label = day.strftime("%b %Y")
        if when.inferred_year:
            label += ", year inferred"
        if when.event_text and when.event_text not in label:
            label += f" ({when.event_text})"
        return day, label
    if when.event is not None and (not years or when.event.year in years):
        return when.event, str(when.event.year)
    own = anchor(row.text)
    if when.event is None and when.scene is not None and own and own.month_day:
        try:
            day = date(when.scene.year, *own.month_day)
        except ValueError:
            return None
        return day, f"{format_day(day)}, year from the text ({own.text})"
    return None


def _spread(
    events: Sequence[tuple[_Row, date, str]], base: _Base, scores: dict[str, float], n: int
) -> list[tuple[_Row, date, str]]:
    """`n` events: each source's news first (its most central event of the weeks before it was
    published, not the background it recalls), latest source first; then the most central of
    the rest, a day not yet shown before a day already shown."""

    def score(event: tuple[_Row, date, str]) -> float:
        return scores.get(event[0].id, 0.0)

    def news(event: tuple[_Row, date, str]) -> bool:
        published = parse_day(base.sources[event[0].source_id].published)
        return published is not None and (published - event[1]).days <= NEWS_DAYS

    by_source: dict[str, list[tuple[_Row, date, str]]] = {}
    for event in sorted(events, key=lambda e: (not news(e), -score(e), e[0].start)):
        by_source.setdefault(event[0].source_id, []).append(event)
    newest = sorted(by_source, key=lambda s: (max(e[1] for e in by_source[s]), s), reverse=True)
    chosen = [by_source[source][0] for source in newest][:n]
    days = {event[1] for event in chosen}
    rest = sorted(
        (e for e in events if e not in chosen), key=lambda e: (e[1] in days, -score(e), e[0].start)
    )
    for event in rest:
        if len(chosen) >= n:
            break
        chosen.append(event)
    return chosen


def _apart(
    events: Sequence[tuple[_Row, When]],
    base: _Base,
    scores: dict[str, float],
    room: int,
    group: str | None,
) -> list[Line]:
    """Time expressions no day can be given to: the most central, each source's by year (a
    history dated only by years), its weekdays in the order they fall in the shortest past week
    (`reference_weekday`), else as it tells them. `group` heads them when dated events come
    first; in a story with no dated events it would only repeat that none is dated."""
    chosen = sorted(events, key=lambda e: (-scores.get(e[0].id, 0.0), e[0].start))[:room]
    references = {
        source_id: reference_weekday(
            w.weekday for row, w in chosen if row.source_id == source_id and w.weekday is not None
        )
        for source_id in {row.source_id for row, _ in chosen}
    }

    def order(event: tuple[_Row, When]) -> tuple[str, tuple[int, int, int], int, int]:
        row, when = event
        pinned = resolve(when, None, references[row.source_id])
        return (row.source_id, pinned.key or (0, 0, 0), -(pinned.days_before or 0), row.start)

    return [
        _quote_line(row, base, when=when.text, group=group)
        for row, when in sorted(chosen, key=order)
    ]


def _date_differs(row: _Row, base: _Base) -> list[Line]:
    """ "Sources differ" after a timeline line whose event other sources date otherwise."""
    for group in base.disputes:
        if group[0].kind != DATE or not any(c.passage_id == row.id for c in group):
            continue
        mine = {c.value for c in group if c.passage_id == row.id}
        others = [c for c in group if c.value not in mine]
        if not others:
            continue
        versions: dict[tuple[str, str], str] = {}
        for claim in sorted(group, key=lambda c: (c.value, c.source_id)):
            name = base.sources[claim.source_id].name
            versions.setdefault(
                (claim.value, name), f"{name}: {format_day(claim.value)} (“{claim.words}”)"
            )
        return [
            Line(
                text="; ".join(versions.values()),
                attribution=SOURCES_DIFFER,
                kind="differs",
                source_id=row.source_id,
            )
        ]
    return []


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
    disputed: frozenset[str] = frozenset()

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
        shown = max(budget.roles_per_person, min(len(entry.disputed), 2))
        roles = _disputed_first(entry)[:shown]
        lines.extend(
            _role_line(role, people.base, entry.group, _fold_role(role.text) in entry.disputed)
            for role in roles
        )
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
            entries.append(
                _Entry((entity.name,), _distinct(own), note, _disputes(people, own, entity))
            )
        for names, shared in joint.items():
            if entity.name in names and names not in placed:
                placed.add(names)
                entries.append(_Entry(names, _distinct(shared)))
    return entries


def _disputes(people: _People, roles: Sequence[_Role], entity: Entity) -> frozenset[str]:
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


def _claimed_roles(
    entity: Entity, sentences: Sequence[_Row], base: _Base, found: Sequence[_Role]
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


def _role_line(role: _Role, base: _Base, group: str, disputed: bool = False) -> Line:
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

    A story told by one side only still has the other: the party the sources pair it with
    ("talks between Freedonia and Ruritania", "Azerbaijan and Russia have exchanged ...").
    """
    active = [row for row in base.rows if row.status == "active" and row.kind == "sentence"]
    speaking = {
        side for row in active if row.voice and (side := affiliation.side_of(row.voice)) is not None
    }
    if len(speaking) != 1:
        return sorted(speaking)
    (side,) = speaking
    paired: Counter[str] = Counter()
    for row in active:
        paired.update(_paired_with(side, row, base, affiliation))
    if paired:
        return sorted({side, paired.most_common(1)[0][0]})
    return [side]


def _paired_with(side: str, row: _Row, base: _Base, affiliation: Affiliations) -> list[str]:
    """Parties named with `side` as "X and Y" in this sentence (either order)."""
    named: list[tuple[int, int, str]] = []
    for entity_id in row.entities:
        party = _party(base.entities.get(entity_id), affiliation)
        entity = base.entities[entity_id] if party else None
        if entity is None or party is None:
            continue
        for mention in mentions(row.text, alias_words(entity, base.common)):
            named.append((mention.start, mention.end, party))
    named.sort()
    found = []
    for (_, end, left), (start, _, right) in pairwise(named):
        if row.text[end:start] == " and " and side in (left, right) and left != right:
            found.append(right if left == side else left)
    return found


def _party(entity: Entity | None, affiliation: Affiliations) -> str | None:
    """The place an entity stands for, if it can be a side: a place, or a name of no known kind
    (its adjective, "Ruritanian", counts as the place)."""
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
    "people",
    "timeline",
    "people",
    "people",
    "timeline",
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
