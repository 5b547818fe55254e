"""Summaries moderators can post unedited, checked through `factbot summary` on three stories.

The seed (knowledge/), the seed with the four story-dev articles (several outlets over months),
and articles written for these tests about a made-up story (tests/fixtures/summary), so that no
check passes only because the code knows one article.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from factbot.briefing.document import Line, Section, Summary
from factbot.briefing.pages import Message
from factbot.briefing.render import discord_pages, line_markdown, render_markdown
from factbot.briefing.summary import build_summary
from factbot.cli import cli
from factbot.settings import REPO_ROOT
from factbot.store.database import connect

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STORY_DEV = FIXTURES / "story_dev"
MADE_UP = FIXTURES / "summary"
DISCORD_MESSAGE = 2000
SEED = "trt-azerbaijan-russia-protests"
KNOWLEDGE = REPO_ROOT / "knowledge"


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def build_base(folder: Path, knowledge: Path, articles: list[Path], with_seed: bool) -> Path:
    """A fact base built by `factbot build` from a knowledge folder holding these articles."""
    target = folder / "knowledge"
    if with_seed:
        shutil.copytree(knowledge, target)
    else:
        (target / "sources").mkdir(parents=True)
        for name in ("entities.toml", "facts.toml"):
            (target / name).write_text("", encoding="utf-8")
    for article in articles:
        shutil.copy(article, target / "sources" / article.name)
    db = folder / "factbot.db"
    run(db, "build", "--knowledge", str(target))
    return db


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(tmp_path_factory.mktemp("seed"), KNOWLEDGE, [], with_seed=True)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    articles = sorted(STORY_DEV.glob("*.md"))
    articles = [a for a in articles if a.name != "README.md"]
    return build_base(tmp_path_factory.mktemp("story"), KNOWLEDGE, articles, with_seed=True)


@pytest.fixture(scope="module")
def made_up(tmp_path_factory: pytest.TempPathFactory) -> Path:
    article = MADE_UP / "harbour-wire-valmora.md"
    return build_base(tmp_path_factory.mktemp("made-up"), Path(), [article], with_seed=False)


@pytest.fixture(scope="module")
def one_side(tmp_path_factory: pytest.TempPathFactory) -> Path:
    article = MADE_UP / "valmora-post-one-side.md"
    return build_base(tmp_path_factory.mktemp("one-side"), Path(), [article], with_seed=False)


@pytest.fixture(params=["seed", "story", "made_up"])
def any_base(request: pytest.FixtureRequest) -> Path:
    path: Path = request.getfixturevalue(request.param)
    return path


def summary_json(db: Path, length: str = "full") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run(db, "summary", "--format", "json", "--length", length))
    return data


def section(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return next(s["lines"] for s in data["sections"] if s["key"] == key)


def passage_ids(db: Path) -> list[str]:
    """Every passage id the summary cites, to look for in what members would see."""
    data = summary_json(db)
    return [line["cite"] for s in data["sections"] for line in s["lines"] if line["cite"]]


@pytest.mark.parametrize("length", ["short", "full"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_posted_text_and_markdown_carry_no_internal_ids_or_maintainers_notes(
    any_base: Path, fmt: str, length: str
) -> None:
    posted = run(any_base, "summary", "--format", fmt, "--length", length)

    for cite in passage_ids(any_base):
        assert cite not in posted
    assert not re.search(r"\[[\w-]+:\d+\]|`[\w-]+:\d+`", posted)
    assert "Maintainers' note" not in posted and "entities.toml" not in posted


def test_annotated_summary_shows_ids_and_maintainers_notes_for_checking(seed: Path) -> None:
    annotated = run(seed, "summary", "--annotated")

    assert f"[{SEED}:" in annotated
    assert "Maintainers' note" in annotated


@pytest.mark.parametrize("length", ["short", "full"])
def test_no_quote_is_repeated_across_sections(any_base: Path, length: str) -> None:
    data = summary_json(any_base, length)
    quoted = [
        (line["passage_id"], line["text"])
        for s in data["sections"]
        for line in s["lines"]
        if line["kind"] == "quote"
    ]
    ids = [passage for passage, _ in quoted]
    texts = [text for _, text in quoted]
    assert len(ids) == len(set(ids)) and len(texts) == len(set(texts))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_short_text_and_markdown_fit_one_discord_message(any_base: Path, fmt: str) -> None:
    posted = run(any_base, "summary", "--format", fmt, "--length", "short")

    assert len(posted.rstrip("\n")) <= DISCORD_MESSAGE
    assert "What each side says" in posted and "Who's who" in posted


def people_entries(db: Path) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in section(summary_json(db), "whos_who"):
        entries.setdefault(line["group"], []).append(line["text"])
    return entries


@pytest.mark.parametrize(
    ("base", "together", "role"),
    [
        ("seed", "Huseyn Safarov and Ziyaddin Safarov", "Azerbaijani brothers"),
        ("made_up", "Dora Kessel and Mila", "Ruritanian sisters"),
    ],
)
def test_people_the_sources_describe_together_share_one_entry(
    request: pytest.FixtureRequest, base: str, together: str, role: str
) -> None:
    entries = people_entries(request.getfixturevalue(base))

    assert role in entries[together]
    alone = [name for name, roles in entries.items() if name != together and role in roles]
    assert alone == [], f"{role!r} is said of the pair, not of each: {alone}"


def test_a_person_is_not_listed_again_under_a_short_form_of_their_name(made_up: Path) -> None:
    entries = people_entries(made_up)

    assert "Ruritania's envoy" in entries["Otto Brandt"]
    assert not [name for name in entries if "Brandt" in name and name != "Otto Brandt"]


def test_whos_who_cites_the_outlets_sentence_not_a_curated_claim(seed: Path) -> None:
    roles = [line for line in section(summary_json(seed), "whos_who") if line["kind"] == "role"]
    ambassador = next(line for line in roles if line["text"] == "Azerbaijan’s ambassador in Moscow")

    assert ambassador["passage_id"] == f"{SEED}:3"
    assert ambassador["attribution"] == "TRT"
    assert all(line["passage_id"].startswith(line["source_id"] + ":") for line in roles)


def side_texts(db: Path, side: str, length: str = "full") -> list[str]:
    return [
        line["text"] for line in section(summary_json(db, length), "sides") if line["group"] == side
    ]


@pytest.mark.parametrize("length", ["short", "full"])
@pytest.mark.parametrize(
    ("base", "side", "words"),
    [
        ("seed", "Russia", "demanding the release of two Russian staff"),
        ("made_up", "Freedonia", "demanding the release of three Freedonian engineers"),
    ],
)
def test_a_demand_told_after_a_sides_statement_is_filed_under_that_side(
    request: pytest.FixtureRequest, base: str, side: str, words: str, length: str
) -> None:
    texts = side_texts(request.getfixturevalue(base), side, length)

    assert any(words in text for text in texts), texts


def test_a_side_the_sources_never_quote_is_said_to_have_no_statement(one_side: Path) -> None:
    lines = section(summary_json(one_side), "sides")
    silent = [line for line in lines if line["kind"] == "absent"]

    assert [line["group"] for line in silent] == ["Ruritania"]
    assert "no statement from Ruritania" in silent[0]["text"]
    assert silent[0]["passage_id"] is None
    text = run(one_side, "summary")
    assert "The sources quote no statement from Ruritania." in text


def test_a_side_with_nothing_new_since_a_date_is_said_to_have_nothing_new(story: Path) -> None:
    lines = section(
        json.loads(run(story, "summary", "--format", "json", "--since", "2025-10-01")), "sides"
    )

    absent = {line["group"]: line["text"] for line in lines if line["kind"] == "absent"}
    quoted = {line["group"] for line in lines if line["kind"] == "quote"}
    assert quoted and quoted | set(absent) == {"Azerbaijan", "Russia"}
    assert all("since 2025-10-01" in text for text in absent.values())


@pytest.mark.parametrize("length", ["short", "full"])
def test_each_side_gets_at_most_one_claim_more_than_the_other(any_base: Path, length: str) -> None:
    lines = section(summary_json(any_base, length), "sides")
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["group"]] = counts.get(line["group"], 0) + (line["kind"] == "quote")

    assert len(counts) >= 2
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize(
    ("base", "credited"),
    [
        ("seed", "The Azerbaijani ambassador, as reported by TRT"),
        ("made_up", "The Ruritanian ambassador, as reported by Harbour Wire"),
    ],
)
def test_a_common_noun_speaker_is_credited_with_its_article(
    request: pytest.FixtureRequest, base: str, credited: str
) -> None:
    posted = run(request.getfixturevalue(base), "summary")

    assert credited in posted
    assert f"— {credited.removeprefix('The ')}" not in posted


def test_a_city_the_sources_mention_often_is_not_taken_for_a_silent_side(tmp_path: Path) -> None:
    charges = MADE_UP / "timeline" / "valmora-tribune-charges.md"
    db = build_base(tmp_path, Path(), [charges], with_seed=False)

    lines = section(summary_json(db), "sides")

    assert lines and [line for line in lines if line["kind"] == "absent"] == []


def test_a_title_with_an_organisation_noun_is_quoted_whole(tmp_path: Path) -> None:
    inquiry = MADE_UP / "timeline" / "valmora-tribune-inquiry.md"
    db = build_base(tmp_path, Path(), [inquiry], with_seed=False)

    entries = people_entries(db)

    assert "Valmora's police chief" in entries["Karl Udo"]


HOSTILE = "desk_one *bold* [click](https://example.org/x) `code` @everyone <@123456789012345678>"


def unescaped(markdown: str, char: str) -> int:
    """How many times `char` appears without a backslash before it (Markdown would act on it)."""
    return len(re.findall(rf"(?<!\\){re.escape(char)}", markdown))


def hostile_summary() -> Summary:
    lines = tuple(
        Line(text="Three ministers resigned.", attribution=HOSTILE, kind=kind, group="Desk")
        for kind in ("quote", "role", "note", "gap", "differs")
    )
    return Summary(
        title="Briefing",
        length="full",
        since=None,
        revision="1",
        sources=(),
        sections=(Section("events", "Events", lines),),
    )


@pytest.mark.parametrize("kind", ["quote", "role", "note", "gap", "differs"])
def test_an_attribution_cannot_format_link_or_ping_in_markdown(kind: str) -> None:
    line = Line(text="Three ministers resigned.", attribution=HOSTILE, kind=kind)

    shown = line_markdown(line)

    assert "desk\\_one" in shown and "\\*bold\\*" in shown and "\\`code\\`" in shown
    assert unescaped(shown, "[") == 0 and unescaped(shown, "`") == 0
    assert "@everyone" not in shown and "<@1" not in shown


def test_posted_pages_and_markdown_never_ping_from_an_attribution() -> None:
    summary = hostile_summary()
    pages = discord_pages(summary, annotated=True)
    shown = [render_markdown(summary, annotated=True)] + [
        text
        for message in pages
        for embed in message
        for text in (embed.description, *(f.value for f in embed.fields))
    ]

    for text in shown:
        assert "@everyone" not in text and "<@1" not in text
        assert "](https" not in text.replace("\\](https", "")


MAINTAINERS_ONLY = ("Not given by", "What the sources don't say")


@pytest.mark.parametrize("length", ["short", "full"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_missing_source_metadata_is_shown_to_maintainers_never_posted(
    seed: Path, fmt: str, length: str
) -> None:
    posted = run(seed, "summary", "--format", fmt, "--length", length)
    annotated = run(seed, "summary", "--format", fmt, "--length", "full", "--annotated")

    assert not [words for words in MAINTAINERS_ONLY if words in posted]
    assert "Not given by TRT: title, URL, publication date, author" in annotated


def test_discord_posts_no_missing_metadata_lines_but_the_preview_shows_them(seed: Path) -> None:
    db = connect(seed, readonly=True)
    built = build_summary(db, length="full")
    db.close()

    def shown(messages: list[Message]) -> str:
        return "\n".join(
            f"{embed.title}\n{embed.description}\n" + "\n".join(f.value for f in embed.fields)
            for message in messages
            for embed in message
        )

    assert "Not given by" not in shown(discord_pages(built))
    assert "Not given by TRT" in shown(discord_pages(built, annotated=True))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
@pytest.mark.parametrize(
    ("base", "about", "voices"),
    [
        (
            "seed",
            ["Huseyn Safarov", "Ziyaddin Safarov", "Igor Kartavykh", "Yevgeny Belousov"],
            ["Rahman Mustafayev", "Aykhan Hajizada"],
        ),
        ("made_up", ["Dora Kessel and Mila"], ["Otto Brandt"]),
    ],
)
def test_the_short_summary_names_the_people_the_story_is_about_before_its_officials(
    request: pytest.FixtureRequest, base: str, about: list[str], voices: list[str], fmt: str
) -> None:
    db = request.getfixturevalue(base)
    posted = run(db, "summary", "--format", fmt, "--length", "short")
    whos_who = [line["group"] for line in section(summary_json(db, "short"), "whos_who")]

    assert [name for name in about if name not in posted] == []
    listed = [group for group in whos_who if any(name in group for name in voices)]
    assert whos_who[: len(whos_who) - len(listed)] == [g for g in whos_who if g not in listed]


MESSAGE_BREAK = re.compile(r"\n\n--8<-- message \d+ of \d+ --8<--\n\n")
TITLES = {"text": "WHAT WE KNOW SO FAR", "markdown": "## What we know so far"}


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_full_summary_is_posted_as_messages_that_each_fit_discord_and_read_alone(
    any_base: Path, fmt: str
) -> None:
    posted = run(any_base, "summary", "--format", fmt).rstrip("\n")
    messages = MESSAGE_BREAK.split(posted)

    assert [len(m) for m in messages if len(m) > DISCORD_MESSAGE] == []
    for number, message in enumerate(messages, start=1):
        title, *body = message.splitlines()
        numbered = f" ({number}/{len(messages)})" if len(messages) > 1 else ""
        assert title == TITLES[fmt] + numbered
        first = next(line for line in body if line.strip())
        assert first.startswith("### ") if fmt == "markdown" else not first.startswith(" ")
    if fmt == "text":
        data = summary_json(any_base)
        quoted = [line["text"] for s in data["sections"] for line in s["lines"] if line["kind"] == "quote"]
        assert [text for text in quoted if text not in posted] == []
