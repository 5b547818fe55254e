"""The three replies: an answer, the closest quote shown as unconfirmed, or nothing.

Below the answer threshold the best quote is shown as "the closest my sources come" only when it
is about what was asked; a question about something no source covers gets a plain abstention.
The core decides (`closest.py`); the CLI's text, `ask --json`, the gaps list and Discord show it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakes import CapturedRequest, FakeDiscord, start_bot

from bot import render
from factbot.answering.answers import AnswerEngine
from factbot.answering.closest import CLOSEST_FLOOR, topic_weight
from factbot.answering.replies import NOT_SURE, SILENT, format_text
from factbot.cli import cli
from factbot.settings import Settings

# On the shipped base, below the threshold, with the quote that answers it ranked first.
UNSURE = "when were the sputnik ppl picked up, like which day"
OFF_TOPIC = "who won the football match last night"
EPHEMERAL = 1 << 6


@pytest.fixture
def engine(shared_db: Path) -> AnswerEngine:
    return AnswerEngine(shared_db)


def test_a_question_about_the_story_below_the_threshold_gets_the_closest_quote_not_an_answer(
    engine: AnswerEngine,
) -> None:
    answer = engine.ask(UNSURE)

    assert not answer.answered
    assert answer.quote is None and answer.passage_id is None
    assert answer.confidence < engine.min_confidence
    assert answer.message == NOT_SURE
    assert answer.closest is not None
    # When the Sputnik staff were detained, as the incident's chat questions expect it.
    assert any(
        phrase in answer.closest.quote
        for phrase in ("detained in Baku a day earlier", "Interior Ministry on Monday")
    )
    assert answer.suggestions


def test_the_closest_quote_is_a_verbatim_span_of_its_source_with_its_attribution(
    engine: AnswerEngine,
) -> None:
    closest = engine.ask(UNSURE).closest
    assert closest is not None

    text, start, end = engine.db.execute(
        "SELECT s.text, p.start, p.end FROM passages p JOIN sources s ON s.id = p.source_id "
        "WHERE p.id = ?",
        [closest.passage_id],
    ).fetchone()
    assert text[start:end] == closest.quote
    assert closest.attribution and closest.source.id


@pytest.mark.parametrize(
    "question",
    [OFF_TOPIC, "whats the weather like in baku tomorrow", "how do i get a tourist visa for russia"],
)
def test_a_question_no_source_covers_gets_my_sources_dont_say(
    engine: AnswerEngine, question: str
) -> None:
    answer = engine.ask(question)

    assert not answer.answered
    assert answer.closest is None
    assert answer.message == SILENT


def test_a_place_named_by_question_and_quote_alone_does_not_make_the_quote_the_closest(
    engine: AnswerEngine,
) -> None:
    matcher = engine._matcher()
    question = matcher.analyse("whats the best restaurant in baku")
    ranking = matcher.rank(question, limit=3)
    assert ranking.candidates  # passages about Baku are found...

    # ...but naming Baku is no evidence that they are about restaurants.
    assert topic_weight(matcher, question, ranking.candidates[0]) < CLOSEST_FLOOR


def test_answers_above_the_threshold_carry_no_closest(engine: AnswerEngine) -> None:
    answer = engine.ask("Who is Aykhan Hajizada?")

    assert answer.answered
    assert answer.closest is None
    assert answer.as_json()["closest"] is None


def test_ask_json_keeps_answered_false_and_gives_the_closest_quote(engine: AnswerEngine) -> None:
    shown = engine.ask(UNSURE).as_json()

    assert shown["answered"] is False
    assert shown["quote"] is None
    closest = shown["closest"]
    assert set(closest) >= {"quote", "source", "attribution", "passage_id", "confidence"}
    assert closest["confidence"] == shown["confidence"] < 1
    assert closest["source"]["id"]


def test_the_console_says_not_sure_before_the_closest_quote(engine: AnswerEngine) -> None:
    answer = engine.ask(UNSURE)
    assert answer.closest is not None

    lines = format_text(answer).splitlines()

    assert lines[0] == NOT_SURE
    quote_line = next(i for i, line in enumerate(lines) if answer.closest.quote in line)
    assert quote_line > 0
    assert "Not confirmed as the answer" in "\n".join(lines[quote_line:])
    assert "Confidence: high" not in "\n".join(lines)


def test_cli_ask_json_stream_gives_closest_for_each_line(shared_db: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--db", str(shared_db), "ask", "--json", "-"],
        input=f"{UNSURE}\n{OFF_TOPIC}\n",
        env={"FACTBOT_LOG_LEVEL": "WARNING"},
    )

    assert result.exit_code == 0, result.output
    unsure, off_topic = (json.loads(line) for line in result.output.splitlines())
    assert unsure["answered"] is False and unsure["closest"]["quote"]
    assert off_topic["answered"] is False and off_topic["closest"] is None


def test_gaps_list_questions_answered_with_a_closest_quote_beside_it(built_db: Path) -> None:
    runner = CliRunner()
    env = {"FACTBOT_LOG_LEVEL": "WARNING"}
    asked = runner.invoke(cli, ["--db", str(built_db), "ask", UNSURE], env=env)
    assert asked.exit_code == 0, asked.output

    listed = runner.invoke(cli, ["--db", str(built_db), "gaps", "--json"], env=env)

    assert listed.exit_code == 0, listed.output
    [gap] = [i for i in json.loads(listed.output) if i["kind"] == "unanswered"]
    assert gap["question"] == UNSURE
    assert gap["closest"] and gap["closest_passage_id"]
    text = runner.invoke(cli, ["--db", str(built_db), "gaps"], env=env).output
    assert "closest, unconfirmed" in text and gap["closest"] in text


def embed(reply: CapturedRequest) -> dict[str, Any]:
    [shown] = reply.message.get("embeds") or []
    return dict(shown)


async def test_discord_shows_not_sure_first_and_the_closest_quote_set_apart(
    fake_discord: FakeDiscord, discord_bot: Any, engine: AnswerEngine
) -> None:
    expected = engine.ask(UNSURE)
    assert expected.closest is not None

    reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": UNSURE}))

    shown = embed(reply)
    assert shown["description"].startswith(f"**{render.escape(NOT_SURE)}**\n> ")
    assert render.escape_text(expected.closest.quote) in shown["description"]
    assert f"— {render.escape(expected.closest.attribution)}" in shown["description"]
    fields = {f["name"]: f["value"] for f in shown["fields"]}
    assert "TRT" in fields["Source"]
    assert fields["Confidence"] == "Not confirmed as the answer"
    assert "may not answer the question" in shown["footer"]["text"]
    assert reply.message["allowed_mentions"] == {"parse": []}


async def test_discord_abstains_plainly_on_a_question_no_source_covers(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": OFF_TOPIC}))

    shown = embed(reply)
    assert "don't say" in shown["description"]
    assert NOT_SURE not in shown["description"]
    assert not any(f["name"] == "Source" for f in shown.get("fields", []))


async def test_a_closest_quote_can_be_reported_and_the_report_reaches_gaps(
    fake_discord: FakeDiscord, bot_settings: Settings, built_db: Path
) -> None:
    reader = fake_discord.make_user("bob")
    async with start_bot(fake_discord, replace(bot_settings, db_path=built_db)):
        reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": UNSURE}))
        rows = reply.message.get("components") or []
        [button] = [b for row in rows for b in row["components"] if b["label"] == render.REPORT_LABEL]
        message = fake_discord.stored_message(reply)
        thanks = await fake_discord.reply(
            await fake_discord.click(message, button["custom_id"], user=reader)
        )
    assert thanks.flags & EPHEMERAL

    listed = CliRunner().invoke(
        cli, ["--db", str(built_db), "gaps", "--json"], env={"FACTBOT_LOG_LEVEL": "WARNING"}
    )
    items = json.loads(listed.output)
    passage = str(button["custom_id"]).removeprefix(render.REPORT_CUSTOM_ID_PREFIX)
    assert [(i["question"], i["passage_id"]) for i in items if i["kind"] == "reported"] == [
        (UNSURE, passage)
    ]
    assert [i["closest_passage_id"] for i in items if i["kind"] == "unanswered"] == [passage]
