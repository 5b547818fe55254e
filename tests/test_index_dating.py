"""Every passage knows its source's date and, where the text gives one, its event's date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from story_helpers import build_harbour

from factbot.index.dating import (
    DAY,
    MONTH,
    YEAR,
    PassageDate,
    date_passages,
    event_date,
    passage_dates,
)
from factbot.models import Source, format_day
from factbot.store.database import connect

MONDAY = date(2024, 3, 4)


@pytest.fixture(scope="module")
def harbour_dates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PassageDate]:
    db = connect(build_harbour(tmp_path_factory.mktemp("harbour")))
    try:
        return passage_dates(db)
    finally:
        db.conn.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dockers walked out on Saturday.", date(2024, 3, 2)),
        ("The union met on Monday.", MONDAY),  # the day of publication itself
        ("The union met last Monday.", date(2024, 2, 26)),
        ("Talks will resume on Thursday.", date(2024, 3, 7)),  # future tense: the coming one
        ("The port closed yesterday.", date(2024, 3, 3)),
        ("The port closed three days ago.", date(2024, 3, 1)),
        ("The crane fell on 29 February.", date(2024, 2, 29)),
        ("The crane fell on 30 December.", date(2023, 12, 30)),  # after publication: last year
        ("The pier opened on 12 May 1931.", date(1931, 5, 12)),
    ],
)
def test_relative_and_partial_dates_resolve_against_the_publication_date(
    text: str, expected: date
) -> None:
    found = event_date(text, MONDAY)

    assert found is not None
    assert (found[0], found[1]) == (expected, DAY)


def test_a_day_later_counts_from_the_event_just_told_not_from_publication() -> None:
    dated = date_passages(
        [
            ("a:1", "Dockers went back to work on 17 May."),
            ("a:2", "The quay reopened a day later."),
        ],
        published=date(2024, 5, 20),
    )

    assert dated[1].event == date(2024, 5, 18)
    assert dated[1].event_text == "a day later"


def test_an_undated_source_takes_its_year_from_the_story_and_leaves_weekdays_undated() -> None:
    dated = date_passages(
        [
            ("u:1", "Dockers walked out on 2 March."),
            ("u:2", "The port company made its offer on Friday."),
            ("u:3", "Three days later, the union voted."),
        ],
        published=None,
        years=(2023, 2024),
    )

    assert (dated[0].event, dated[0].inferred_year) == (date(2024, 3, 2), True)
    assert dated[1].event is None, "no label-like date for a weekday with nothing to count from"
    assert dated[2].event is None, "counted from the unknown Friday, not from 2 March"


def test_a_birth_year_or_a_month_is_kept_at_its_own_precision() -> None:
    assert event_date("The crane was built in 1987.", MONDAY) == (
        date(1987, 1, 1),
        YEAR,
        "1987",
        False,
    )
    found = event_date("The port opened in May 2023.", MONDAY)
    assert found is not None and found[1] == MONTH


def test_every_passage_of_a_built_base_carries_its_source_date(
    harbour_dates: dict[str, PassageDate],
) -> None:
    courier = harbour_dates["courier-dockers-walk-out:1"]
    undated = harbour_dates["almanac-portvale-history:2"]

    assert courier.published == MONDAY
    assert courier.event == date(2024, 3, 2)
    assert undated.published is None
    assert undated.event == date(2024, 3, 2), "year from the dated sources"
    assert harbour_dates["courier-dockers-walk-out:2"].event == date(2024, 2, 29)
    assert harbour_dates["gazette-strike-over:3"].event == date(2024, 5, 18)


def test_sources_are_cited_with_their_date_and_undated_ones_without_a_label() -> None:
    assert (
        Source(id="r", outlet="Reuters", published="2025-10-24").dated_name
        == "Reuters, 24 Oct 2025"
    )
    assert Source(id="t", outlet="TRT").dated_name == "TRT"
    assert format_day("not a date") is None


def test_dates_are_read_from_the_stored_text_of_one_source_only(tmp_path: Path) -> None:
    db = connect(build_harbour(tmp_path))
    try:
        only = passage_dates(db, ["gazette-strike-over"])
    finally:
        db.conn.close()

    assert only and all(key.startswith("gazette-strike-over:") for key in only)
