"""The summary's timeline: the passages that say when something happened, in that order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from factbot.briefing.document import SOURCES_DIFFER, Line
from factbot.briefing.reading import Base, Row, quote_line
from factbot.briefing.selection import glued
from factbot.index.dating import DAY, MONTH, PassageDate, story_years
from factbot.index.disagreement import DATE
from factbot.language.dates import When, anchor, parse_day, reference_weekday, resolve
from factbot.models import format_day

APART = "Without a day in the sources"
NEWS_DAYS = 31  # an event this close before publication is the article's news


def timeline(pool: Sequence[Row], base: Base, scores: dict[str, float], n: int) -> list[Line]:
    """Passages that say when something happened, in the order it happened.

    Each passage's day comes from `factbot.index.dating` (relative days from the sentence's own
    anchor, a missing year from the story's span); `_placed` says which go among the dated
    events. The others (a background year, "born in 1956"; a weekday in an undated source) are
    listed apart, after the dated ones, never at their head. Each source's most central event is chosen first, latest source
    first, so later developments are not crowded out by the first days' coverage. Where
    sources date the same event differently, a line after it says so.
    """
    years = story_years(parse_day(source.published) for source in base.sources.values())
    placed: list[tuple[Row, date, str]] = []
    apart: list[tuple[Row, When]] = []
    for row in pool:
        when = anchor(row.text)
        if when is None or glued(row):
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
        lines.append(quote_line(row, base, label=label, date=day.isoformat(), when=words))
        differs = _date_differs(row, base)
        if differs and differs[0].text not in told:
            told.add(differs[0].text)
            lines.extend(differs)
    room = n - len(chosen)
    if room > 0 and apart:
        lines.extend(_apart(apart, base, scores, room, APART if chosen else None))
    return lines


def _event_words(when: PassageDate | None, row: Row) -> str | None:
    """The words that date a passage, as written ("on Friday")."""
    if when is not None and when.event_text:
        return when.event_text
    found = anchor(row.text)
    return found.text if found else None


def _placed(when: PassageDate | None, row: Row, years: Sequence[int]) -> tuple[date, str] | None:
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
    events: Sequence[tuple[Row, date, str]], base: Base, scores: dict[str, float], n: int
) -> list[tuple[Row, date, str]]:
    """`n` events: each source's news first (its most central event of the weeks before it was
    published, not the background it recalls), latest source first; then the most central of
    the rest, a day not yet shown before a day already shown."""

    def score(event: tuple[Row, date, str]) -> float:
        return scores.get(event[0].id, 0.0)

    def news(event: tuple[Row, date, str]) -> bool:
        published = parse_day(base.sources[event[0].source_id].published)
        return published is not None and (published - event[1]).days <= NEWS_DAYS

    by_source: dict[str, list[tuple[Row, date, str]]] = {}
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
    events: Sequence[tuple[Row, When]],
    base: Base,
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

    def order(event: tuple[Row, When]) -> tuple[str, tuple[int, int, int], int, int]:
        row, when = event
        pinned = resolve(when, None, references[row.source_id])
        return (row.source_id, pinned.key or (0, 0, 0), -(pinned.days_before or 0), row.start)

    return [
        quote_line(row, base, when=when.text, group=group)
        for row, when in sorted(chosen, key=order)
    ]


def _date_differs(row: Row, base: Base) -> list[Line]:
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


