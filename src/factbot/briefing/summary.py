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

from collections.abc import Sequence
from datetime import date

import sqlite_utils

from factbot.briefing.budget import BUDGETS, Budget, shorter_budgets
from factbot.briefing.document import Length, Line, Section, Summary
from factbot.briefing.reading import Base, Row, load_base
from factbot.briefing.render import fits_one_message
from factbot.briefing.selection import (
    briefer,
    centrality,
    parse_since,
    select_pool,
    what_happened,
)
from factbot.briefing.sides import sides
from factbot.briefing.timeline import timeline
from factbot.briefing.whos_who import People, whos_who
from factbot.errors import DatabaseError, InputError

__all__ = ["LENGTHS", "Summary", "build_summary", "check_quotes", "parse_since"]

LENGTHS: tuple[Length, ...] = ("short", "full")

SUMMARY_TITLE = "What we know so far"


# --- What the sources don't say ---------------------------------------------------------

_SOURCE_FIELDS = (
    ("title", "title"),
    ("url", "URL"),
    ("published", "publication date"),
    ("author", "author"),
)


def _gaps(pool: Sequence[Row], base: Base) -> list[Line]:
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
    Markdown both fit `MESSAGE_CONTENT` characters, so it gives up lines (see `budget.SHORTER`) until
    they do.
    """
    if length not in LENGTHS:
        raise InputError(f"--length must be one of {', '.join(LENGTHS)}, not {length!r}.")
    base = load_base(db)
    pool = select_pool(base, db, since)
    scores = centrality(pool, base.idf)
    if length == "short":
        scores = briefer(scores, pool)
    people = People(pool, base)
    budgets = shorter_budgets(BUDGETS["short"]) if length == "short" else [BUDGETS["full"]]
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
    pool: Sequence[Row],
    base: Base,
    scores: dict[str, float],
    people: People,
    budget: Budget,
    since: date | None,
) -> tuple[Section, ...]:
    """The sections in reading order, each quoting passages no earlier pick has quoted.

    Sides pick first (each side's position must be complete), then the timeline, then what
    happened from what is left, so no quote is repeated across sections. Roles in who's who are
    a few words of a sentence, not a repeat of it.
    """
    claims = sides(pool, base, scores, budget, people, since)
    used = {line.passage_id for line in claims}
    dated = timeline([r for r in pool if r.id not in used], base, scores, budget.timeline)
    used |= {line.passage_id for line in dated}
    what = what_happened([r for r in pool if r.id not in used], base, scores, budget.what_happened)
    sections = [
        Section("what_happened", "What happened", tuple(what)),
        Section("timeline", "Timeline", tuple(dated)),
        Section("whos_who", "Who's who", tuple(whos_who(people, budget))),
        Section("sides", "What each side says", tuple(claims)),
    ]
    if budget.gaps:
        sections.append(Section("not_said", "What the sources don't say", tuple(_gaps(pool, base))))
    return tuple(sections)


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
