"""Which passages a summary may quote (`--since` included), how central each is to the story,
and the few that say what happened.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date

import sqlite_utils

from factbot.briefing.document import Line
from factbot.briefing.reading import Base, Row, in_source_order, overlap, quote_line
from factbot.errors import InputError
from factbot.index.dating import DAY
from factbot.language.dates import parse_day

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


def select_pool(base: Base, db: sqlite_utils.Database, since: date | None) -> list[Row]:
    """Active passages a summary may quote, in source order; with `since`, only what is new.

    Curated facts win over the ingested sentences they overlap (the maintainers chose that span
    and its attribution), and a retired fact takes the sentences it overlaps with it: otherwise
    retiring a claim would leave the same words in the briefing under another id.
    """
    facts: dict[str, list[Row]] = {}
    for row in base.rows:
        if row.kind == "fact":
            facts.setdefault(row.source_id, []).append(row)
    pool = [
        row
        for row in base.rows
        if row.status == "active"
        and (row.kind == "fact" or not any(overlap(row, f) for f in facts.get(row.source_id, ())))
    ]
    if since is None:
        return pool
    changed, changed_sources = _changed_since(db, since)
    undated = {s for s in changed_sources if s in base.sources and not base.sources[s].published}
    fresh = _fresh_sources(base, since) | undated
    return [row for row in pool if row.source_id in fresh or row.id in changed]


def _fresh_sources(base: Base, since: date) -> set[str]:
    """Sources dated on or after `since`: by their publication date, else by the latest event
    their text dates, else (a source with neither) by the day it was first added to the base,
    which a rebuild keeps; edits since count too (see `_changed_since`). A dated source added
    today is still June's news: the time a base was built says nothing about when the story
    happened, but for an undated source it is the only date there is.
    """
    latest: dict[str, date] = {}
    for row in base.rows:
        when = base.dates.get(row.id)
        if when is not None and when.event is not None and when.precision == DAY:
            latest[row.source_id] = max(when.event, latest.get(row.source_id, when.event))
    fresh = set()
    for source_id, source in base.sources.items():
        day = (
            parse_day(source.published)
            or latest.get(source_id)
            or parse_day(base.added.get(source_id))
        )
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


def centrality(pool: Sequence[Row], idf: dict[str, float]) -> dict[str, float]:
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


def briefer(scores: dict[str, float], pool: Sequence[Row]) -> dict[str, float]:
    """Scores that favour sentences under `BRIEF` characters, for the one-message summary:
    two short sentences say more there than one long one."""
    return {
        row.id: scores.get(row.id, 0.0) * min(1.0, BRIEF / max(len(row.text), 1)) for row in pool
    }


def is_caption(row: Row, base: Base) -> bool:
    """A photo caption ("... (Photo/Reuters)") describes a picture, not the events."""
    text = base.texts.get(row.source_id, "")
    return bool(_CAPTION_AFTER.match(text, row.end))


def glued(row: Row) -> bool:
    """A passage spanning two lines is a headline or subheading glued to the text after it
    (pasted web pages carry no Markdown `#`); quoted whole it reads as a run-on sentence."""
    return "\n" in row.text.strip()


def _lead_weight(row: Row) -> float:
    """News puts the story first: the opening sentences weigh more (1.5x down to 1x)."""
    return 1.0 + 0.5 / (1 + max(row.position - 1, 0) / 3)


# --- What happened ----------------------------------------------------------------------


def what_happened(
    pool: Sequence[Row], base: Base, scores: dict[str, float], n: int
) -> list[Line]:
    """The `n` most central narrative sentences, in the order the sources tell them.

    The outlet's own account is preferred over claims it reports (those go under each side),
    and captions and direct quotations are left out.
    """
    candidates = [
        row
        for row in pool
        if not is_caption(row, base)
        and not glued(row)
        and not _OPENS_WITH_QUOTE.match(row.text)
        and 6 <= len(row.terms) <= 60
    ]

    def rank(row: Row) -> float:
        reported = 0.75 if row.speaker else 1.0
        return scores.get(row.id, 0.0) * _lead_weight(row) * reported

    chosen = sorted(candidates, key=lambda r: (-rank(r), r.source_id, r.start))[:n]
    return [quote_line(row, base) for row in in_source_order(chosen)]


