"""When each passage was reported and when the thing it tells happened.

A story followed for months mixes articles from June and October; an answer or a timeline
needs both dates of every passage: its source's publication date (the reporting) and, where the
text gives one, the day of the event it tells. Relative days are resolved from the sentence's
own anchor: "on Monday" and "yesterday" from the publication date; "a day earlier", "the next
day" and "the same day" from the event the text has just dated. A day and month without a year
take the publication's year (or the one before, for a day after publication); in a source with
no publication date they take the year the story's dated sources put them in. Nothing is
guessed beyond that: a weekday in an undated source stays undated, never a label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import sqlite_utils

from factbot.language.dates import When, parse_day, time_expressions
from factbot.models import format_day

__all__ = ["DAY", "MONTH", "YEAR", "PassageDate", "date_passages", "event_date", "format_day",
           "passage_dates", "reported_on", "story_years"]  # fmt: skip

# Relative phrases anchored on the event just told, not on publication.
_FROM_EVENT = re.compile(
    r"\b(?:(?P<n>a|one|two|three|four|five|six|seven|\d{1,2})\s+days?\s+(?P<dir>earlier|before|later|after)"
    r"|the\s+(?P<rel>same|next|following|previous)\s+day"
    r"|(?P<eve>the\s+day\s+before|the\s+day\s+after))\b",
    re.I,
)
# A weekday after these names the coming one ("talks will resume on Thursday").
_FUTURE = re.compile(
    r"\b(?:will|would|shall|is\s+due|are\s+due|is\s+to|are\s+to|plans?\s+to|planned\s+for|"
    r"scheduled|expected\s+to|is\s+set\s+to|are\s+set\s+to)\b",
    re.I,
)
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
# A day's precision beats a month's, which beats a year's.
DAY, MONTH, YEAR = "day", "month", "year"


@dataclass(frozen=True, slots=True)
class PassageDate:
    """The two dates of one passage; None where the source or the text does not give one.

    `event` is the day (or first day of the month or year, per `precision`) the passage's event
    happened; `event_text` is the words that said so; `inferred_year` is true when the year came
    from the story's span rather than from the source. `scene` is the day of the events the
    passage is among: its own event day, else the last one the source told before it (not the
    day of a statement, "said on Monday"), so an undated sentence can still be placed.
    """

    passage_id: str
    published: date | None
    event: date | None = None
    precision: str | None = None
    event_text: str | None = None
    inferred_year: bool = False
    scene: date | None = None


def story_years(published: Iterable[date | None]) -> tuple[int, ...]:
    """The years the dated sources of the story were published in, oldest first."""
    return tuple(sorted({day.year for day in published if day is not None}))


def date_passages(
    passages: Sequence[tuple[str, str]],
    published: date | None,
    years: Sequence[int] = (),
) -> list[PassageDate]:
    """Date the passages of one source, given in reading order as (passage_id, text).

    The last day the text pinned is the anchor for the next relative phrase, so "a day
    earlier" in the sentence after "On 2 July" means 1 July, whatever the publication date.
    """
    dated: list[PassageDate] = []
    anchor: date | None = None
    scene: date | None = None
    for passage_id, text in passages:
        found = event_date(text, published, anchor, years)
        if found and found[1] == DAY:
            anchor = found[0]
            if not reported_on(text, found[2]) and not _opens_span(text, found[2]):
                scene = found[0]
        elif _names_a_day(text):
            anchor = None  # "on Friday" in an undated source: what follows has no anchor
        if found:
            dated.append(PassageDate(passage_id, published, *found, scene=scene))
        else:
            dated.append(PassageDate(passage_id, published, scene=scene))
    return dated


_REPORTING = frozenset(
    "said says say told tells reported reports added adds announced stated confirmed "
    "claimed claims wrote".split()
)


def _opens_span(text: str, expression: str) -> bool:
    """ "since 1 March": the start of a stretch of time, not the day of the passage's events."""
    spans = ("since", "until", "till", "from", "by")
    if expression.split()[0].lower() in spans:
        return True
    at = text.find(expression)
    before = re.findall(r"[\w’']+", text[max(0, at - 12) : at].lower()) if at >= 0 else []
    return bool(before) and before[-1] in spans


def _names_a_day(text: str) -> bool:
    return any(w.kind in ("weekday", "today", "dmy", "mdy") for w in time_expressions(text))


def reported_on(text: str, expression: str) -> bool:
    """Whether a date is the day of a statement ("said on Monday that ...") rather than of
    the event the statement is about."""
    at = text.find(expression)
    before = re.findall(r"[\w’']+", text[max(0, at - 20) : at].lower()) if at >= 0 else []
    return bool(before) and before[-1] in _REPORTING


def event_date(
    text: str, published: date | None, anchor: date | None = None, years: Sequence[int] = ()
) -> tuple[date, str, str, bool] | None:
    """(day, precision, words, inferred_year) of the event a sentence tells, or None.

    The first day-precise expression wins (news puts the event's date early, the date of a
    statement about it later); a month or a year counts only when no day is given.
    """
    best: tuple[date, str, str, bool] | None = None
    local_anchor = anchor
    for when in _expressions(text):
        future = bool(_FUTURE.search(text, 0, when.start)) or when.text.lower().startswith("next")
        pinned = _pin(when, published, local_anchor, years, future)
        if pinned is None:
            continue
        if pinned[1] == DAY:
            if best is None or best[1] != DAY:
                best = pinned
            local_anchor = pinned[0]
        elif best is None or _RANK[pinned[1]] > _RANK[best[1]]:
            best = pinned
    return best


_RANK = {YEAR: 0, MONTH: 1, DAY: 2}


def _expressions(text: str) -> list[When]:
    """Time expressions plus the event-anchored ones, in text order."""
    found = [w for w in time_expressions(text) if w.kind != "ago" or _ago_counts_back(w.text)]
    for match in _FROM_EVENT.finditer(text):
        if any(w.start <= match.start() < w.end for w in found):
            found = [w for w in found if not (w.start <= match.start() < w.end)]
        found.append(
            When(text=match.group(), kind="from_event", start=match.start(), end=match.end(),
                 days_before=_event_offset(match))
        )  # fmt: skip
    return sorted(found, key=lambda w: w.start)


def _ago_counts_back(text: str) -> bool:
    """ "three days ago" counts from publication; "a day earlier" is handled as event-anchored."""
    return text.lower().endswith("ago")


def _event_offset(match: re.Match[str]) -> int:
    """Days before the anchor event (negative: after it)."""
    if match.group("rel"):
        return {"same": 0, "next": -1, "following": -1, "previous": 1}[match.group("rel").lower()]
    if match.group("eve"):
        return 1 if match.group("eve").lower().endswith("before") else -1
    count = match.group("n").lower()
    days = int(count) if count.isdigit() else _NUMBERS[count]
    return days if match.group("dir").lower() in ("earlier", "before") else -days


def _pin(
    when: When,
    published: date | None,
    anchor: date | None,
    years: Sequence[int],
    future: bool = False,
) -> tuple[date, str, str, bool] | None:
    if when.kind == "from_event":
        base = anchor or published
        if base is None or when.days_before is None:
            return None
        return base - timedelta(days=when.days_before), DAY, when.text, False
    if when.key is not None:
        year, month, day = when.key
        if day:
            return date(year, month, day), DAY, when.text, False
        if month:
            return date(year, month, 1), MONTH, when.text, False
        return date(year, 1, 1), YEAR, when.text, False
    if when.month_day is not None:
        return _day_in_story(when, published, years)
    if when.weekday is not None:
        if published is None:
            return None
        if future:
            ahead = (when.weekday - published.weekday()) % 7 or 7
            return published + timedelta(days=ahead), DAY, when.text, False
        return published - timedelta(days=_days_back(when, published)), DAY, when.text, False
    if when.days_before is not None and published is not None:
        return published - timedelta(days=when.days_before), DAY, when.text, False
    return None


def _days_back(when: When, published: date) -> int:
    """Days from a named weekday back to publication: "on Sunday" in Sunday's paper is today."""
    assert when.weekday is not None
    modifier = when.text.split()[0].lower()
    if modifier == "next":
        return -((when.weekday - published.weekday()) % 7 or 7)
    back = (published.weekday() - when.weekday) % 7
    return (back or 7) if modifier == "last" else back


def _day_in_story(
    when: When, published: date | None, years: Sequence[int]
) -> tuple[date, str, str, bool] | None:
    month, day_of_month = when.month_day or (1, 1)
    try:
        if published is not None:
            day = date(published.year, month, day_of_month)
            if day > published:
                day = date(published.year - 1, month, day_of_month)
            return day, DAY, when.text, False
        if not years:
            return None
        # The latest year of the story in which that day falls: an undated source on the
        # story is read as one of its articles, and stories are followed forwards.
        return date(max(years), month, day_of_month), DAY, when.text, True
    except ValueError:
        return None


def passage_dates(
    db: sqlite_utils.Database, source_ids: Iterable[str] | None = None
) -> dict[str, PassageDate]:
    """Both dates of every passage (of `source_ids`, if given), keyed by passage id.

    Computed from the stored text on each call (a regex pass, ~1 ms per article), so a source
    whose date a maintainer fills in later is dated at once without a migration.
    """
    sources = {
        str(row[0]): parse_day(row[1])
        for row in db.execute("SELECT id, published FROM sources").fetchall()
    }
    years = story_years(sources.values())
    wanted = sorted(set(source_ids) if source_ids is not None else set(sources))
    by_source: dict[str, list[tuple[str, str]]] = {}
    facts: list[tuple[str, str, int, str]] = []
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for passage_id, source_id, kind, start, text in db.execute(
            "SELECT id, source_id, kind, start, text FROM passages "
            f"WHERE source_id IN ({','.join('?' * len(chunk))}) ORDER BY source_id, start",
            chunk,
        ).fetchall():
            if kind == "sentence":
                by_source.setdefault(source_id, []).append((passage_id, text))
            else:
                facts.append((passage_id, source_id, int(start or 0), text))
    dated: dict[str, PassageDate] = {}
    for source_id, passages in by_source.items():
        for found in date_passages(passages, sources.get(source_id), years):
            dated[found.passage_id] = found
    # Curated facts are quotes of a sentence: they carry that sentence's dates.
    for passage_id, source_id, start, text in facts:
        sentence = _sentence_at(db, source_id, start)
        base = dated.get(sentence) if sentence else None
        published = sources.get(source_id)
        own = event_date(text, published, None, years)
        if own:
            dated[passage_id] = PassageDate(passage_id, published, *own)
        elif base is not None:
            dated[passage_id] = replace(base, passage_id=passage_id)
        else:
            dated[passage_id] = PassageDate(passage_id, published)
    return dated


def _sentence_at(db: sqlite_utils.Database, source_id: str, offset: int) -> str | None:
    row = db.execute(
        "SELECT id FROM passages WHERE source_id = ? AND kind = 'sentence' AND start <= ? "
        "ORDER BY start DESC LIMIT 1",
        [source_id, offset],
    ).fetchone()
    return None if row is None else str(row[0])
