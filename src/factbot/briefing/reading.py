"""The fact base as a summary reads it: every passage with its resolved speaker, voice, terms
and entities, the sources, the claims sources dispute; and a passage made into a quoted line.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlite_utils

from factbot.briefing.document import Line
from factbot.errors import DatabaseError
from factbot.index.dating import PassageDate, passage_dates
from factbot.index.disagreement import ROLE, Claim, ClaimIndex
from factbot.language.roles import lowercase_words
from factbot.language.speakers import voices
from factbot.models import Entity, Source, attribution_for
from factbot.store.database import list_entities, revision, source_from_row


@dataclass(frozen=True, slots=True)
class Row:
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
class Base:
    sources: dict[str, Source]
    texts: dict[str, str]
    added: dict[str, str]
    rows: tuple[Row, ...]
    entities: dict[str, Entity]
    idf: dict[str, float]
    revision: str | None
    common: frozenset[str] = frozenset()
    curated: frozenset[str] = frozenset()
    dates: dict[str, PassageDate] = field(default_factory=dict)
    disputes: tuple[tuple[Claim, ...], ...] = ()
    role_claims: dict[str, tuple[Claim, ...]] = field(default_factory=dict)


def load_base(db: sqlite_utils.Database) -> Base:
    try:
        return _read_base(db)
    except sqlite3.Error as error:
        raise DatabaseError(
            f"The fact base cannot be summarised ({error}); rebuild it with: factbot build"
        ) from None


def _read_base(db: sqlite_utils.Database) -> Base:
    sources, texts, added = _read_sources(db)
    curated = db.execute("SELECT id FROM entities WHERE origin = 'knowledge'").fetchall()
    claims = ClaimIndex(db)
    role_claims: dict[str, list[Claim]] = {}
    for found in claims.claims.values():
        for claim in found:
            if claim.kind == ROLE:
                role_claims.setdefault(claim.about[0], []).append(claim)
    return Base(
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


def _read_rows(db: sqlite_utils.Database) -> list[Row]:
    """Every passage, active or retired (retired facts still hide the sentences they cover)."""
    links: dict[str, set[str]] = {}
    for passage_id, entity_id in db.execute("SELECT passage_id, entity_id FROM passage_entities"):
        links.setdefault(passage_id, set()).add(entity_id)
    rows = db.execute(
        "SELECT id, source_id, position, start, end, text, attribution, kind, status, terms "
        "FROM passages ORDER BY source_id, start, kind DESC, id"
    ).fetchall()
    return [
        Row(
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


def _with_voices(rows: Sequence[Row]) -> list[Row]:
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


def overlap(a: Row, b: Row) -> bool:
    return a.start < b.end and b.start < a.end


def in_source_order(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r.source_id, r.start, r.id))


def quote_line(row: Row, base: Base, **extra: Any) -> Line:
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

