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

import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import sqlite_utils

from factbot.briefing.pages import DISCORD_LIMITS, Block, EmbedLimits, Message, PageSection, pack
from factbot.errors import DatabaseError, InputError
from factbot.language.dates import When, anchor, iso_day, parse_day, reference_weekday, resolve
from factbot.language.roles import affiliations, alias_words, could_be_person, mentions, roles_in
from factbot.models import Entity, Source, attribution_for
from factbot.store.database import list_entities, revision, source_from_row

Length = Literal["short", "full"]
Format = Literal["text", "markdown", "json"]
LENGTHS: tuple[Length, ...] = ("short", "full")
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")

SUMMARY_TITLE = "What we know so far"
MAINTAINERS_NOTE = "Maintainers' note (entities.toml), not a quote from the sources"


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
    "full": Budget(4, 12, 15, 2, 5, 4, notes=True, gaps=True),
}


# --- the value objects ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One cited line of a summary.

    `kind` is "quote" (a passage or a verbatim sub-span of it, `text == source[start:end]`),
    "note" (an entity description written by the maintainers, cited by `entity_id`) or "gap"
    (source metadata the source does not give, cited by `source_id`). `group` is the person or
    side the line is filed under; `when` is a time expression as written, and `date` the ISO day
    it resolves to against the source's publication date, when that is known.
    """

    text: str
    attribution: str
    kind: str = "quote"
    passage_id: str | None = None
    source_id: str | None = None
    start: int | None = None
    end: int | None = None
    entity_id: str | None = None
    group: str | None = None
    when: str | None = None
    date: str | None = None

    @property
    def cite(self) -> str:
        """The id a reader can look up: passage, else entity (maintainers' note), else source."""
        if self.passage_id:
            return self.passage_id
        if self.entity_id:
            return f"entities.toml#{self.entity_id}"
        return self.source_id or ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "attribution": self.attribution,
            "cite": self.cite,
            "passage_id": self.passage_id,
            "source_id": self.source_id,
            "start": self.start,
            "end": self.end,
            "entity_id": self.entity_id,
            "group": self.group,
            "when": self.when,
            "date": self.date,
        }


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    lines: tuple[Line, ...]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "lines": [x.as_json() for x in self.lines]}


@dataclass(frozen=True, slots=True)
class Summary:
    """A briefing: sections of cited lines, the sources they cite, and what it was built from."""

    title: str
    length: Length
    since: str | None
    revision: str | None
    sources: tuple[Source, ...]
    sections: tuple[Section, ...]

    @property
    def empty(self) -> bool:
        return not any(section.lines for section in self.sections)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for section in self.sections for line in section.lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "length": self.length,
            "since": self.since,
            "revision": self.revision,
            "empty": self.empty,
            "sources": [source.as_json() for source in self.sources],
            "sections": [section.as_json() for section in self.sections],
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
        rows=tuple(_resolve_pronouns(_read_rows(db))),
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
        attribution=attribution_for(row.speaker, base.sources[row.source_id]),
        passage_id=row.id,
        source_id=row.source_id,
        start=row.start,
        end=row.end,
        **extra,
    )


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


class _People:
    """The person-like entities of a pool, and the roles the sources give them, each read once."""

    def __init__(self, pool: Sequence[_Row], base: _Base) -> None:
        self.pool = pool
        self.base = base
        self.ranked = _people(pool, base)
        self._roles: dict[str, list[Line]] = {}

    def roles(self, entity: Entity) -> list[Line]:
        if entity.id not in self._roles:
            self._roles[entity.id] = _source_roles(entity, self.pool, self.base)
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
                found[entity.id] = " ; ".join(line.text for line in roles)
        return found


def _whos_who(people: _People, budget: Budget) -> list[Line]:
    """Each person the passages mention, with the role the sources give.

    Only people the sources describe (or the maintainers have noted) are listed, so a capitalised
    phrase that ingest guessed to be a person does not appear as one.
    """
    lines: list[Line] = []
    shown = 0
    for entity in people.ranked:
        if shown >= budget.people:
            break
        entry = _person_lines(entity, people.roles(entity), budget)
        lines.extend(entry)
        shown += bool(entry)
    return lines


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
    return [base.entities[e] for e in ordered]


def _person_lines(entity: Entity, roles: Sequence[Line], budget: Budget) -> list[Line]:
    roles = roles[: budget.roles_per_person]
    note = _maintainers_note(entity) if entity.kind == "person" else None
    if roles and not budget.notes:
        note = None
    return [*roles, *([note] if note else [])]


def _source_roles(entity: Entity, pool: Sequence[_Row], base: _Base) -> list[Line]:
    aliases = alias_words(entity, base.common)
    kind = "curated" if entity.id in base.curated and entity.kind == "person" else entity.kind
    found: list[Line] = []
    seen: set[str] = set()
    for row in pool:
        if entity.id not in row.entities:
            continue
        for mention in mentions(row.text, aliases):
            for start, end in roles_in(row.text, mention, kind):
                role = row.text[start:end]
                if role.lower() in seen:
                    continue
                seen.add(role.lower())
                found.append(_role_line(row, base, entity, start, end))
    return found


def _role_line(row: _Row, base: _Base, entity: Entity, start: int, end: int) -> Line:
    return Line(
        text=row.text[start:end],
        attribution=attribution_for(None, base.sources[row.source_id]),
        kind="role",
        passage_id=row.id,
        source_id=row.source_id,
        start=row.start + start,
        end=row.start + end,
        entity_id=entity.id,
        group=entity.name,
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
) -> list[Line]:
    """Attributed claims filed under the side each speaker speaks for, sides in name order.

    Every side gets the same room; curated facts go first (maintainers chose them as the key
    claims), then the most central passages. With no side found (an article with no parties),
    claims are filed under their speakers instead.
    """
    claims = [row for row in pool if row.speaker and not _is_caption(row, base)]
    roles = people.speaking(row.speaker or "" for row in claims)
    affiliation = affiliations(base.entities.values(), base.common, roles)
    groups: dict[str, list[_Row]] = {}
    for row in claims:
        side = affiliation.side_of(row.speaker or "")
        if side is not None:
            groups.setdefault(side, []).append(row)
    if not groups:
        for row in claims:
            groups.setdefault(f"speaker:{row.speaker}", []).append(row)
    names = {key: _group_name(key, base) for key in groups}
    ranked = sorted(groups, key=lambda k: (-len(groups[k]), names[k]))[: budget.sides]
    lines: list[Line] = []
    for key in sorted(ranked, key=lambda k: names[k].casefold()):
        best = sorted(
            groups[key], key=lambda r: (r.kind != "fact", -scores.get(r.id, 0.0), r.start)
        )
        for row in _in_source_order(best[: budget.per_side]):
            lines.append(_quote_line(row, base, group=names[key]))
    return lines


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
    """Build the briefing from the fact base as it is now; raises if a quote is not verbatim."""
    if length not in LENGTHS:
        raise InputError(f"--length must be one of {', '.join(LENGTHS)}, not {length!r}.")
    budget = BUDGETS[length]
    base = _load(db)
    pool = _pool(base, db, since)
    scores = _centrality(pool, base.idf)
    people = _People(pool, base)
    sections = [
        Section(
            "what_happened",
            "What happened",
            tuple(_what_happened(pool, base, scores, budget.what_happened)),
        ),
        Section("timeline", "Timeline", tuple(_timeline(pool, base, scores, budget.timeline))),
        Section("whos_who", "Who's who", tuple(_whos_who(people, budget))),
        Section("sides", "What each side says", tuple(_sides(pool, base, scores, budget, people))),
    ]
    if budget.gaps:
        sections.append(Section("not_said", "What the sources don't say", tuple(_gaps(pool, base))))
    summary = Summary(
        title=SUMMARY_TITLE,
        length=length,
        since=since.isoformat() if since else None,
        revision=base.revision,
        sources=tuple(base.sources[s] for s in sorted({row.source_id for row in pool})),
        sections=tuple(sections),
    )
    check_quotes(summary, base.texts)
    return summary


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


# --- rendering --------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\*_`~|>#\[\]])")


def escape_markdown(text: str) -> str:
    """Escape characters Discord and CommonMark would read as formatting inside a quote."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def line_markdown(line: Line) -> str:
    """One line as Markdown: label, the quote in curly quotes, who says it, the cited id."""
    cite = f"`{line.cite}`"
    if line.kind == "note":
        return f"{escape_markdown(line.text)} — _{line.attribution}_ · {cite}"
    if line.kind == "gap":
        return f"{line.attribution}: {escape_markdown(line.text)} · {cite}"
    label = _when_label(line)
    prefix = f"**{escape_markdown(label)}** · " if label else ""
    return f"{prefix}“{escape_markdown(line.text)}” — {escape_markdown(line.attribution)} · {cite}"


def _when_label(line: Line) -> str | None:
    if line.date and line.when:
        return f"{line.date} ({line.when})"
    return line.when


def line_text(line: Line) -> str:
    if line.kind == "note":
        return f"{line.text} ({line.attribution}) [{line.cite}]"
    if line.kind == "gap":
        return f"{line.attribution}: {line.text} [{line.cite}]"
    label = _when_label(line)
    prefix = f"{label}: " if label else ""
    return f"{prefix}“{line.text}” — {line.attribution} [{line.cite}]"


def _grouped(lines: Sequence[Line]) -> list[tuple[str | None, list[Line]]]:
    groups: list[tuple[str | None, list[Line]]] = []
    for line in lines:
        if groups and groups[-1][0] == line.group:
            groups[-1][1].append(line)
        else:
            groups.append((line.group, [line]))
    return groups


def render_markdown(summary: Summary) -> str:
    out = [f"## {summary.title}"]
    if summary.since:
        out.append(f"_Since {summary.since}_")
    if summary.empty:
        out.append(f"_{_nothing_message(summary)}_")
    for section in summary.sections:
        if not section.lines:
            continue
        out.append(f"\n### {section.title}")
        for group, lines in _grouped(section.lines):
            if group is None:
                out.extend(f"- {line_markdown(line)}" for line in lines)
                continue
            out.append(f"- **{escape_markdown(group)}**")
            out.extend(f"  - {line_markdown(line)}" for line in lines)
    if summary.sources:
        out.append("\n### Sources")
    out.extend(f"- `{s.id}`: {escape_markdown(_source_label(s))}" for s in summary.sources)
    return "\n".join(out)


def render_text(summary: Summary) -> str:
    out = [summary.title.upper()]
    if summary.since:
        out.append(f"Since {summary.since}")
    if summary.empty:
        out.append(_nothing_message(summary))
    for section in summary.sections:
        if not section.lines:
            continue
        out.append(f"\n{section.title}")
        for group, lines in _grouped(section.lines):
            indent = "  "
            if group is not None:
                out.append(f"  {group}")
                indent = "    "
            out.extend(f"{indent}- {line_text(line)}" for line in lines)
    if summary.sources:
        out.append("\nSources")
    out.extend(f"  - {s.id}: {_source_label(s)}" for s in summary.sources)
    return "\n".join(out)


def _nothing_message(summary: Summary) -> str:
    if summary.since:
        return f"Nothing new in the fact base since {summary.since}."
    return "The fact base has nothing to summarise yet."


def _source_label(source: Source) -> str:
    return ", ".join(p for p in (source.name, source.title, source.published, source.url) if p)


def render(summary: Summary, fmt: str) -> str:
    """The summary as text, Markdown or one JSON object."""
    if fmt == "json":
        return json.dumps(summary.as_json(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return render_markdown(summary)
    if fmt == "text":
        return render_text(summary)
    raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.")


# --- Discord-ready pages ----------------------------------------------------------------


def discord_pages(summary: Summary, limits: EmbedLimits = DISCORD_LIMITS) -> list[Message]:
    """The summary as messages of embed pages within Discord's limits (pure data, see pages.py).

    People and sides become fields named after them, so a phone shows each under its name.
    """
    sections = [
        PageSection(
            section.title,
            tuple(Block(f"• {line_markdown(line)}", line.group) for line in section.lines),
        )
        for section in summary.sections
        if section.lines
    ]
    sources = tuple(
        Block(f"• `{s.id}`: {escape_markdown(_source_label(s))}") for s in summary.sources
    )
    if sources:
        sections.append(PageSection("Sources", sources))
    return pack(sections, limits)
