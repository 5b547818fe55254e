"""Time expressions in news text, and the days they name.

The timeline of a summary needs events in the order they happened, but articles say "on
Friday" or "a day earlier". Those are pinned to dates against the source's publication date when
it is known; otherwise they keep their words and are ordered by `reference_weekday`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Capitalised words that name a time, never a person, place or organisation on their own
# (folded): the weekdays, the months and their short forms, and the deictic days.
TIME_WORDS = frozenset(
    {w.lower() for w in (*_MONTHS, *_WEEKDAYS)} | {"today", "tonight", "tomorrow", "yesterday"}
)
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = re.compile(
    rf"""
    (?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)
  | (?P<mdy>\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>\d{{4}})\b)?)
  | (?P<dmy>\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\b(?:,?\s+(?P<y2>\d{{4}})\b)?)
  | (?P<my>\b(?P<m3>{_MONTH})\.?\s+(?:of\s+)?(?P<y3>\d{{4}})\b)
  | (?P<weekday>\b(?:(?i:on|last|this|next|by|since|until|late|early)\s+)?(?P<wd>{"|".join(_WEEKDAYS)})\b)
  | (?P<today>\b(?i:yesterday|today|tonight|this\s+(?:morning|afternoon|evening)|last\s+night)\b)
  | (?P<ago>\b(?P<n>(?i:a|one|two|three|four|five|six|seven)|\d{{1,2}})\s+(?i:days?)\s+(?P<dir>(?i:earlier|ago|before|later))\b)
  | (?P<year>(?<![\d,.$£€])\b(?P<y4>1[0-9]{{3}}|20[0-9]{{2}})s?\b(?![,.]\d))
    """,
    re.X,
)
_SPECIFICITY = {
    "iso": 3,
    "mdy": 3,
    "dmy": 3,
    "weekday": 3,
    "today": 3,
    "ago": 3,
    "my": 2,
    "year": 1,
}


@dataclass(frozen=True, slots=True)
class When:
    """A time expression in a passage: as written, and as a sortable (year, month, day)."""

    text: str
    kind: str
    start: int
    end: int
    key: tuple[int, int, int] | None = None
    day: date | None = None
    weekday: int | None = None
    days_before: int | None = None
    month_day: tuple[int, int] | None = None


def time_expressions(text: str) -> Iterator[When]:
    """Every date, weekday, "yesterday" or "N days earlier" in `text`, as written."""
    for match in _TIME.finditer(text):
        groups = match.groupdict()
        yield When(
            text=match.group().strip(),
            kind=next(k for k in _SPECIFICITY if groups.get(k)),
            start=match.start(),
            end=match.end(),
            key=_absolute_key(groups),
            month_day=_month_day(groups),
            weekday=_WEEKDAYS.index(groups["wd"]) if groups.get("wd") else None,
            days_before=_days_before(groups),
        )


def _absolute_key(groups: dict[str, str | None]) -> tuple[int, int, int] | None:
    if groups.get("iso"):
        parsed = date.fromisoformat(str(groups["iso"]))
        return (parsed.year, parsed.month, parsed.day)
    for month, day, year in (("m1", "d1", "y1"), ("m2", "d2", "y2")):
        if groups.get(month) and groups.get(year):
            return (int(str(groups[year])), _MONTHS[str(groups[month])], int(str(groups[day])))
    if groups.get("m3"):
        return (int(str(groups["y3"])), _MONTHS[str(groups["m3"])], 0)
    if groups.get("y4"):
        return (int(str(groups["y4"])), 0, 0)
    return None


def _month_day(groups: dict[str, str | None]) -> tuple[int, int] | None:
    for month, day in (("m1", "d1"), ("m2", "d2")):
        if groups.get(month):
            return (_MONTHS[str(groups[month])], int(str(groups[day])))
    return None


def _days_before(groups: dict[str, str | None]) -> int | None:
    if groups.get("today"):
        return 1 if str(groups["today"]).lower().startswith(("yesterday", "last")) else 0
    if groups.get("ago"):
        count = str(groups["n"]).lower()
        days = int(count) if count.isdigit() else _NUMBERS[count]
        return None if str(groups["dir"]).lower() == "later" else days
    return None


def anchor(text: str) -> When | None:
    """The most specific time expression of a passage (a day beats a month beats a year)."""
    found = list(time_expressions(text))
    if not found:
        return None
    return max(found, key=lambda w: (_SPECIFICITY[w.kind], -w.start))


def resolve(
    when: When, published: date | None, reference: int | None, year_hint: int | None = None
) -> When:
    """Pin a relative day to a date when the publication date is known.

    "On Friday" is the last Friday on or before publication; "a day earlier" and "yesterday" count
    back from it. Without a publication date the expression keeps its words, and `days_before`
    orders it against a reference weekday chosen by `reference_weekday`.
    """
    if when.key is not None:
        return when
    if when.month_day is not None and (published is not None or year_hint is not None):
        return _in_year_of(when, published, year_hint)
    if when.weekday is not None:
        if published is not None:
            day = published + timedelta(days=_weekday_offset(when, published))
            return replace(when, day=day, key=(day.year, day.month, day.day))
        if reference is not None:
            return replace(when, days_before=(reference - when.weekday) % 7)
        return when
    if when.days_before is None:
        return when
    if published is not None:
        day = published - timedelta(days=when.days_before)
        return replace(when, day=day, key=(day.year, day.month, day.day))
    return when


def _weekday_offset(when: When, published: date) -> int:
    """Days from publication to a named weekday: back to the last one, forward for "next"."""
    assert when.weekday is not None
    modifier = when.text.split()[0].lower()
    if modifier == "next":
        return (when.weekday - published.weekday()) % 7 or 7
    back = (published.weekday() - when.weekday) % 7
    return -(back or 7) if modifier == "last" else -back


def _in_year_of(when: When, published: date | None, year_hint: int | None) -> When:
    """Give a day and month the publication's year (or the year before), else the text's last."""
    month, day_of_month = when.month_day or (1, 1)
    year = published.year if published else year_hint
    if year is None:
        return when
    try:
        day = date(year, month, day_of_month)
        if published is not None and day > published:
            day = date(year - 1, month, day_of_month)
    except ValueError:
        return when
    return replace(when, day=day, key=(day.year, day.month, day.day))


def reference_weekday(weekdays: Iterable[int]) -> int | None:
    """The publication weekday that puts a source's named weekdays in the shortest past week.

    News names days of the week only for recent events, so the order that packs them closest
    before publication is the likely one ("Friday" then "Monday" in a story from the Tuesday).
    """
    days = set(weekdays)
    if not days:
        return None
    return min(
        range(7), key=lambda r: (max((r - d) % 7 for d in days), sum((r - d) % 7 for d in days))
    )


def parse_day(value: str | None) -> date | None:
    """A stored date ("2025-07-01", or a timestamp starting with one), else None."""
    day = iso_day(value)
    return date.fromisoformat(day) if day else None


def iso_day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None
