"""The summary of the seed: its structure, and that every line is a cited, attributed quote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from summary_helpers import problems

from factbot.briefing.render import render
from factbot.briefing.summary import Summary, build_summary
from factbot.store.database import connect


@pytest.fixture(scope="module")
def seed(shared_db: Path) -> sqlite_utils.Database:
    return connect(shared_db, readonly=True)


@pytest.fixture(scope="module")
def full(seed: sqlite_utils.Database) -> Summary:
    return build_summary(seed, length="full")


@pytest.fixture(scope="module")
def short(seed: sqlite_utils.Database) -> Summary:
    return build_summary(seed, length="short")


def group_texts(summary: Summary, key: str, group: str) -> list[str]:
    section = summary.section(key)
    assert section is not None
    return [line.text for line in section.lines if line.group == group]


def test_full_summary_has_the_five_sections_in_order(full: Summary) -> None:
    keys = [section.key for section in full.sections]
    assert keys == ["what_happened", "timeline", "whos_who", "sides", "not_said"]
    titles = [section.title for section in full.sections]
    assert titles[:4] == ["What happened", "Timeline", "Who's who", "What each side says"]


def test_short_summary_leaves_out_what_the_sources_do_not_say(short: Summary) -> None:
    assert [section.key for section in short.sections] == [
        "what_happened",
        "timeline",
        "whos_who",
        "sides",
    ]


@pytest.mark.parametrize(("length", "counts"), [("short", (1, 2)), ("full", (4,))])
def test_what_happened_is_one_to_four_sentences(
    seed: sqlite_utils.Database, length: str, counts: tuple[int, ...]
) -> None:
    section = build_summary(seed, length=length).section("what_happened")
    assert section is not None
    assert len(section.lines) in counts


def test_what_happened_opens_with_the_lead_of_the_story(full: Summary) -> None:
    section = full.section("what_happened")
    assert section is not None
    assert section.lines[0].text.startswith("Azerbaijan and Russia have exchanged")
    assert all(
        "(Photo" not in line.text and "People hold portraits" not in line.text
        for line in section.lines
    )


@pytest.mark.parametrize("length", ["short", "full"])
def test_every_cited_passage_exists_and_every_quote_is_verbatim(
    seed: sqlite_utils.Database, length: str
) -> None:
    assert problems(build_summary(seed, length=length), seed) == []


def test_no_claim_is_credited_to_a_pronoun(full: Summary) -> None:
    for line in full.lines:
        assert not line.attribution.startswith(("He,", "She,", "They,", "It,"))


def test_who_is_who_gives_roles_in_the_sources_words(full: Summary) -> None:
    assert "Azerbaijan’s ambassador in Moscow" in group_texts(full, "whos_who", "Rahman Mustafayev")
    assert "Foreign Ministry spokesperson" in group_texts(full, "whos_who", "Aykhan Hajizada")
    assert "editor-in-chief" in group_texts(full, "whos_who", "Yevgeny Belousov")
    assert "the outlet’s head" in group_texts(full, "whos_who", "Igor Kartavykh")


def test_maintainers_descriptions_are_labelled_as_their_note(full: Summary) -> None:
    section = full.section("whos_who")
    assert section is not None
    notes = [line for line in section.lines if line.kind == "note"]
    assert notes, "full length shows the maintainers' descriptions"
    for note in notes:
        assert note.passage_id is None
        assert note.cite.startswith("entities.toml#")
        assert "Maintainers' note" in note.attribution


def test_each_side_speaks_in_attributed_quotes(full: Summary) -> None:
    section = full.section("sides")
    assert section is not None
    assert [g for g in dict.fromkeys(line.group for line in section.lines)] == [
        "Azerbaijan",
        "Russia",
    ]
    russia = [line for line in section.lines if line.group == "Russia"]
    assert any(line.attribution.startswith("Russia’s Foreign Ministry") for line in russia)
    azerbaijan = [line for line in section.lines if line.group == "Azerbaijan"]
    assert any("Hajizada" in line.attribution for line in azerbaijan)
    assert all(line.attribution.endswith("by TRT") for line in section.lines)


def test_sides_get_the_same_room(short: Summary) -> None:
    section = short.section("sides")
    assert section is not None
    counts = {g: sum(1 for x in section.lines if x.group == g) for g in ("Azerbaijan", "Russia")}
    assert max(counts.values()) <= 2


def test_timeline_keeps_relative_days_as_written_without_a_publication_date(
    full: Summary,
) -> None:
    section = full.section("timeline")
    assert section is not None
    assert [line.when for line in section.lines] == ["on Friday", "on Monday"]
    assert all(line.date is None for line in section.lines)


def test_what_the_sources_do_not_say_lists_missing_source_metadata(full: Summary) -> None:
    section = full.section("not_said")
    assert section is not None
    (gap,) = section.lines
    assert gap.source_id == "trt-azerbaijan-russia-protests"
    assert "publication date" in gap.text and "URL" in gap.text


def test_annotated_markdown_shows_headings_and_cites_every_line(full: Summary) -> None:
    text = render(full, "markdown", annotated=True)
    for title in ("What happened", "Timeline", "Who's who", "What each side says"):
        assert f"### {title}" in text
    for line in full.lines:
        assert f"`{line.cite}`" in text


def test_json_is_the_summary_as_data(full: Summary) -> None:
    data = json.loads(render(full, "json"))
    assert data == json.loads(json.dumps(full.as_json()))
    assert data["sections"][0]["lines"][0]["passage_id"] == full.lines[0].passage_id


def test_annotated_text_rendering_quotes_and_cites(full: Summary) -> None:
    text = render(full, "text", annotated=True)
    assert text.startswith("WHAT WE KNOW SO FAR")
    assert "[russia-protests-unfriendly-actions]" in text
