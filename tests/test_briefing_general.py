"""The summary is general: articles nobody prepared, dates, roles and sides read from the text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from summary_helpers import SQUAD_ARTICLES, fresh_db, ingest_text, problems, seed_body

from factbot.briefing.summary import build_summary
from factbot.language.dates import anchor, reference_weekday, resolve, time_expressions
from factbot.language.roles import affiliations, mentions, roles_in
from factbot.models import Entity

ARTICLES = ["1973_oil_crisis.md", "Normans.md"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ARTICLES)
def test_an_unseen_article_gets_a_cited_verbatim_summary(tmp_path: Path, name: str) -> None:
    path = SQUAD_ARTICLES / name
    if not path.exists():
        pytest.skip(f"{path} is not available here")
    db = fresh_db(tmp_path / "article.db")
    ingest_text(db, "article", path.read_text(encoding="utf-8"), outlet="Wikipedia")

    summary = build_summary(db, length="full")

    assert problems(summary, db) == []
    what = summary.section("what_happened")
    assert what is not None and 2 <= len(what.lines) <= 4
    timeline = summary.section("timeline")
    assert timeline is not None and len(timeline.lines) >= 3
    keys = [anchor(line.text) for line in timeline.lines]
    years = [k.key[0] for k in keys if k is not None and k.key is not None]
    assert years == sorted(years), "dated events are in the order they happened"


def test_relative_days_resolve_against_the_publication_date(tmp_path: Path) -> None:
    db = fresh_db(tmp_path / "dated.db")
    ingest_text(db, "trt", seed_body(), outlet="TRT", published="2025-07-01")

    timeline = build_summary(db).section("timeline")

    assert timeline is not None
    assert ("on Friday", "2025-06-27") in [(line.when, line.date) for line in timeline.lines]
    assert all(line.date for line in timeline.lines if line.kind == "quote" and line.group is None)


def test_the_same_article_ingested_without_curation_still_has_both_sides(tmp_path: Path) -> None:
    db = fresh_db(tmp_path / "plain.db")
    ingest_text(db, "trt", seed_body(), outlet="TRT")

    sides = build_summary(db).section("sides")

    assert sides is not None
    assert {"Azerbaijan", "Russia"} <= {line.group for line in sides.lines}
    assert problems(build_summary(db), db) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The raid took place on Friday, police said.", ["on Friday"]),
        ("They were detained in Baku a day earlier.", ["a day earlier"]),
        ("On 1 May 1191, the fleet arrived.", ["1 May 1191"]),
        ("By January 18, 1974, talks had ended.", ["January 18, 1974"]),
        ("The embargo ended in March 1974.", ["March 1974"]),
        ("Prices rose 70% to $5.11 and 1,000 barrels.", []),
        ("You may come in May.", []),
    ],
)
def test_time_expressions_are_found_as_written(text: str, expected: list[str]) -> None:
    assert [w.text for w in time_expressions(text)] == expected


@pytest.mark.parametrize(
    ("phrase", "published", "expected"),
    [
        ("on Friday", date(2025, 7, 1), date(2025, 6, 27)),
        ("on Tuesday", date(2025, 7, 1), date(2025, 7, 1)),
        ("last Tuesday", date(2025, 7, 1), date(2025, 6, 24)),
        ("next Friday", date(2025, 7, 1), date(2025, 7, 4)),
        ("yesterday", date(2025, 7, 1), date(2025, 6, 30)),
        ("two days ago", date(2025, 7, 1), date(2025, 6, 29)),
        ("on 28 December", date(2025, 1, 3), date(2024, 12, 28)),
    ],
)
def test_relative_days_are_counted_from_publication(
    phrase: str, published: date, expected: date
) -> None:
    when = anchor(f"It happened {phrase}.")
    assert when is not None
    assert resolve(when, published, None).day == expected


def test_weekdays_without_a_date_are_ordered_in_the_shortest_past_week() -> None:
    friday, monday, wednesday = 4, 0, 2
    assert reference_weekday([friday, monday]) == monday  # Friday is 3 days back, not 4 ahead
    assert reference_weekday([monday, wednesday]) == wednesday
    assert reference_weekday([]) is None


def person(name: str, *aliases: str, description: str | None = None) -> Entity:
    return Entity(
        id=name.lower().replace(" ", "-"),
        name=name,
        kind="person",
        description=description,
        aliases=aliases,
    )


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        (
            "It summoned Azerbaijan’s ambassador in Moscow, Rahman Mustafayev, to protest.",
            "Rahman Mustafayev",
            "Azerbaijan’s ambassador in Moscow",
        ),
        (
            "Foreign Ministry spokesperson Aykhan Hajizada said so.",
            "Aykhan Hajizada",
            "Foreign Ministry spokesperson",
        ),
        (
            "Among them was its editor-in-chief, Yevgeny Belousov.",
            "Yevgeny Belousov",
            "editor-in-chief",
        ),
        (
            "By then US Secretary of State Henry Kissinger had left.",
            "Kissinger",
            "US Secretary of State",
        ),
        (
            "Jane Roe, the head of the agency, declined to comment.",
            "Jane Roe",
            "the head of the agency",
        ),
    ],
)
def test_roles_are_read_from_titles_and_appositions(text: str, name: str, role: str) -> None:
    entity = person(name)
    found = mentions(text, [tuple(name.lower().split())])
    assert found
    spans = list(roles_in(text, found[0], entity.kind))
    assert role in [text[start:end] for start, end in spans]


def test_a_noun_before_a_comma_is_no_role_when_the_name_goes_on_to_a_verb() -> None:
    text = "After meeting the president, Smith said nothing."
    found = mentions(text, [("smith",)])
    assert list(roles_in(text, found[0], "person")) == []


def test_a_speaker_speaks_for_the_place_their_words_role_or_description_name() -> None:
    russia = Entity("russia", "Russia", "place", None, ("Russian",))
    azerbaijan = Entity("azerbaijan", "Azerbaijan", "place", None, ("Azerbaijani",))
    baku = Entity("baku", "Baku", "place", "capital of Azerbaijan")
    spokesperson = person(
        "Aykhan Hajizada", "Hajizada", description="spokesperson of Azerbaijan's Foreign Ministry"
    )
    read = affiliations([russia, azerbaijan, baku, spokesperson], frozenset(), {})

    assert read.side_of("Russia’s Foreign Ministry") == "russia"
    assert read.side_of("The Azerbaijani ambassador") == "azerbaijan"
    assert read.side_of("Baku") == "azerbaijan"
    assert read.side_of("Hajizada") == "azerbaijan"
    assert read.side_of("Police") is None
