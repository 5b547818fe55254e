"""Discord-ready pages: every embed and message within Discord's limits, nothing lost in splitting."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from summary_helpers import SQUAD_ARTICLES, fresh_db, ingest_text

from factbot.briefing import pages
from factbot.briefing.pages import Block, EmbedLimits, EmbedPage, Message, PageSection, pack
from factbot.briefing.render import discord_pages, line_markdown, posted_messages, render
from factbot.briefing.summary import Summary, build_summary
from factbot.store.database import connect

TIGHT = EmbedLimits(
    title=20,
    description=300,
    fields=3,
    field_name=30,
    field_value=200,
    embed_total=700,
    embeds_per_message=2,
    message_total=900,
)


def violations(messages: list[Message], limits: EmbedLimits) -> list[str]:
    found = []
    for number, message in enumerate(messages):
        if not 1 <= len(message) <= limits.embeds_per_message:
            found.append(f"message {number} has {len(message)} embeds")
        if sum(embed.size for embed in message) > limits.message_total:
            found.append(f"message {number} is over {limits.message_total} characters")
        found.extend(
            f"message {number}: {v}" for e in message for v in _embed_violations(e, limits)
        )
    return found


def _embed_violations(embed: EmbedPage, limits: EmbedLimits) -> list[str]:
    checks = [
        (len(embed.title) <= limits.title, f"title {embed.title!r} too long"),
        (len(embed.description) <= limits.description, f"description of {embed.title!r}"),
        (len(embed.fields) <= limits.fields, f"{len(embed.fields)} fields in {embed.title!r}"),
        (embed.size <= limits.embed_total, f"{embed.title!r} is {embed.size} characters"),
        (bool(embed.description or embed.fields), f"{embed.title!r} is empty"),
    ]
    for item in embed.fields:
        checks.append((len(item.name) <= limits.field_name, f"field name {item.name!r}"))
        checks.append((len(item.value) <= limits.field_value, f"field {item.name!r} too long"))
    return [message for ok, message in checks if not ok]


def shown_text(messages: list[Message]) -> str:
    parts = []
    for message in messages:
        for embed in message:
            parts.append(embed.description)
            parts.extend(item.value for item in embed.fields)
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def seed_summary(shared_db: Path) -> Summary:
    return build_summary(connect(shared_db, readonly=True), length="full")


@pytest.fixture(scope="module")
def article_summary(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    path = SQUAD_ARTICLES / "Huguenot.md"
    if not path.exists():
        pytest.skip(f"{path} is not available here")
    db = fresh_db(tmp_path_factory.mktemp("pages") / "article.db")
    ingest_text(db, "article", path.read_text(encoding="utf-8"), outlet="Wikipedia")
    return build_summary(db, length="full")


def test_seed_summary_fits_discord_in_one_message(seed_summary: Summary) -> None:
    messages = discord_pages(seed_summary)
    assert violations(messages, EmbedLimits()) == []
    assert [embed.title for embed in messages[0]][:4] == [
        "What happened",
        "Timeline",
        "Who's who",
        "What each side says",
    ]


def test_people_and_sides_are_fields_named_after_them(seed_summary: Summary) -> None:
    embeds = {embed.title: embed for message in discord_pages(seed_summary) for embed in message}
    sides = [f.name.removesuffix(" (cont.)") for f in embeds["What each side says"].fields]
    assert list(dict.fromkeys(sides)) == ["Azerbaijan", "Russia"]
    assert "Rahman Mustafayev" in [f.name for f in embeds["Who's who"].fields]


@pytest.mark.parametrize("annotated", [False, True], ids=["posted", "preview"])
@pytest.mark.parametrize("limits", [EmbedLimits(), TIGHT], ids=["discord", "tight"])
def test_every_line_survives_splitting_within_the_limits(
    seed_summary: Summary, article_summary: Summary, limits: EmbedLimits, annotated: bool
) -> None:
    for summary in (seed_summary, article_summary):
        messages = discord_pages(summary, limits, annotated=annotated)
        assert violations(messages, limits) == []
        shown = shown_text(messages)
        lines = summary.lines if annotated else summary.for_posting().lines
        for line in lines:
            assert " ".join(line_markdown(line, annotated).split()) in shown


def test_tight_limits_continue_sections_over_several_embeds_and_messages(
    seed_summary: Summary,
) -> None:
    messages = discord_pages(seed_summary, TIGHT)
    titles = [embed.title for message in messages for embed in message]
    assert len(messages) > 1
    assert any(title.endswith("(cont.)") for title in titles)


def test_a_line_longer_than_a_whole_field_is_cut_at_spaces() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    section = PageSection("Long", (Block(words, group="Someone"),))
    messages = pack([section], TIGHT)
    assert violations(messages, TIGHT) == []
    values = [item.value for message in messages for embed in message for item in embed.fields]
    assert " ".join(values) == words
    assert all(not value.startswith(" ") and not value.endswith(" ") for value in values)


def test_the_core_splitter_does_not_import_discord() -> None:
    imports = [
        line
        for line in inspect.getsource(pages).splitlines()
        if line.startswith(("import", "from"))
    ]
    assert imports and not any("discord" in line for line in imports)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_posted_messages_under_a_tight_limit_each_fit_and_lose_no_word(
    seed_summary: Summary, article_summary: Summary, fmt: str
) -> None:
    for summary in (seed_summary, article_summary):
        whole = render(summary, fmt)
        messages = posted_messages(summary, fmt, limit=400)

        assert len(messages) > 1
        assert all(len(message) <= 400 for message in messages)
        assert all(f"({n}/{len(messages)})" in m.splitlines()[0] for n, m in enumerate(messages, 1))
        kept = " ".join(" ".join(m.splitlines()[1:]) for m in messages).split()
        assert [w for w in whole.split()[len(whole.splitlines()[0].split()):] if w not in kept] == []
