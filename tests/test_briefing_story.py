"""The summary across sources, through `factbot summary`: dates, later news, differing roles.

Built from knowledge/ plus the four story-dev articles (tests/fixtures/story_dev), and from
articles written for these tests (tests/fixtures/summary/timeline), so that nothing passes only
because the code knows one story.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_briefing_posting import MADE_UP, build_base, run, section, summary_json

TIMELINE = MADE_UP / "timeline"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_briefing_posting import KNOWLEDGE, STORY_DEV

    articles = sorted(a for a in STORY_DEV.glob("*.md") if a.name != "README.md")
    return build_base(tmp_path_factory.mktemp("story"), KNOWLEDGE, articles, with_seed=True)


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    articles = sorted(TIMELINE.glob("*.md"))
    return build_base(tmp_path_factory.mktemp("harbour"), Path(), articles, with_seed=False)


def dated(lines: list[dict[str, Any]]) -> list[date]:
    return [date.fromisoformat(line["date"]) for line in lines if line["date"]]


@pytest.mark.parametrize("base", ["story", "harbour"])
@pytest.mark.parametrize("length", ["short", "full"])
def test_timeline_is_in_date_order_with_undated_items_after_the_dated_ones(
    request: pytest.FixtureRequest, base: str, length: str
) -> None:
    lines = section(summary_json(request.getfixturevalue(base), length), "timeline")
    quotes = [line for line in lines if line["kind"] == "quote"]

    days = dated(quotes)
    assert days and days == sorted(days)
    first_apart = next((i for i, x in enumerate(quotes) if not x["date"]), len(quotes))
    assert all(not x["date"] for x in quotes[first_apart:]), "undated items are listed apart"
    assert all(x["group"] == "Without a day in the sources" for x in quotes[first_apart:])


def test_a_birth_year_does_not_head_the_timeline(harbour: Path) -> None:
    lines = section(summary_json(harbour), "timeline")

    assert "1956" not in (lines[0]["label"] or "") and "1956" not in lines[0]["text"]
    assert all(not x["date"] or x["date"] >= "2024-01-01" for x in lines)


def test_a_day_without_a_year_in_an_undated_source_sorts_in_the_storys_year(harbour: Path) -> None:
    lines = section(summary_json(harbour), "timeline")
    almanac = [x for x in lines if x["source_id"] == "almanac-harbour-notes" and x["date"]]

    assert almanac, "the undated almanac's '4 March' is placed among the dated events"
    assert all(x["date"].startswith("2024-03") for x in almanac)
    assert any("year inferred" in (x["label"] or "") for x in almanac)


def test_later_developments_are_in_the_timeline(story: Path) -> None:
    for length in ("short", "full"):
        lines = section(summary_json(story, length), "timeline")
        assert any(x["source_id"] == "04-baku-evening-post-october-update" for x in lines), length
        assert max(dated(lines)) >= date(2025, 8, 1)


def test_timeline_says_where_sources_date_an_event_differently(story: Path) -> None:
    text = run(story, "summary")
    timeline = text.split("\nTimeline\n", 1)[1].split("\nWho's who\n", 1)[0]

    assert "Sources differ:" in timeline


def whos_who(db: Path, length: str = "full") -> dict[str, list[dict[str, Any]]]:
    entries: dict[str, list[dict[str, Any]]] = {}
    for line in section(summary_json(db, length), "whos_who"):
        entries.setdefault(line["group"], []).append(line)
    return entries


@pytest.mark.parametrize(
    ("person", "roles"),
    [
        ("Igor Kartavykh", {"executive director", "editor-in-chief"}),
        ("Yevgeny Belousov", {"editor-in-chief", "senior editor"}),
    ],
)
def test_whos_who_lists_every_role_and_marks_where_sources_differ(
    story: Path, person: str, roles: set[str]
) -> None:
    lines = whos_who(story)[person]
    given = " | ".join(x["text"] for x in lines)

    assert all(role in given for role in roles), given
    assert any(x["disputed"] for x in lines)
    assert f"{person} (sources differ):" in run(story, "summary")
    short = run(story, "summary", "--length", "short")
    assert person not in short or f"{person} (sources differ)" in short


def test_roles_that_agree_are_not_marked(story: Path) -> None:
    lines = whos_who(story)["Rahman Mustafayev"]

    assert lines and not any(x["disputed"] for x in lines)


FRONT_MATTER = re.compile(r"^(?:id|outlet|title|url|published|author|photo_credit):", re.M)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_no_front_matter_appears_in_the_summary(story: Path, fmt: str) -> None:
    for length in ("short", "full"):
        out = run(story, "summary", "--format", fmt, "--length", length, "--annotated")
        texts = (
            [x["text"] for s in json.loads(out)["sections"] for x in s["lines"]]
            if fmt == "json"
            else [out]
        )
        for text in texts:
            assert not FRONT_MATTER.search(text)
            assert "photo_credit" not in text and "---" not in text


def dated_sources(summary: dict[str, Any]) -> list[str]:
    """The sources a summary cites that give a publication date. The shipped TRT article gives
    none: `--since` goes by the day it was first added to the base (today, in these tests)."""
    return [s["id"] for s in summary["sources"] if s["published"]]


def test_since_goes_by_the_sources_dates_not_the_build_time(story: Path) -> None:
    october = json.loads(run(story, "summary", "--format", "json", "--since", "2025-10-01"))
    july = json.loads(run(story, "summary", "--format", "json", "--since", "2025-07-02"))

    assert dated_sources(october) == ["04-baku-evening-post-october-update"]
    assert set(dated_sources(july)) == {
        "03-urals-daily-review-explainer",
        "04-baku-evening-post-october-update",
    }


def test_since_ignores_when_dated_articles_were_added(tmp_path: Path) -> None:
    from test_briefing_posting import KNOWLEDGE, STORY_DEV

    db = build_base(tmp_path, KNOWLEDGE, [], with_seed=True)
    articles = sorted(str(a) for a in STORY_DEV.glob("0*.md"))
    run(db, "ingest", *articles)

    october = json.loads(run(db, "summary", "--format", "json", "--since", "2025-10-01"))

    assert dated_sources(october) == ["04-baku-evening-post-october-update"]
