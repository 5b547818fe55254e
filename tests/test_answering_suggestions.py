"""Suggestions and buttons come from the question's own people, places and answer, are answered
by the engine, and never repeat the question just answered: through the CLI and on Discord."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeDiscord

from factbot.answering.answers import AnswerEngine

HEAD = "Who is the head of Sputnik Azerbaijan?"


def ask_json(db: Path, *questions: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "factbot", "--db", str(db), "ask", "--json", "-"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FACTBOT_LOG_LEVEL": "WARNING"},
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.slow
def test_abstention_suggests_about_the_place_the_question_named(shared_db: Path) -> None:
    [baku, belousov] = ask_json(
        shared_db, "Who is the mayor of Baku?", "What did Belousov eat for breakfast?"
    )

    assert not baku["answered"] and not belousov["answered"]
    assert baku["suggestions"][0] == "What happened in Baku?"
    assert belousov["suggestions"][0] == "Who is Yevgeny Belousov?"
    assert baku["suggestions"] != belousov["suggestions"]


@pytest.mark.slow
def test_every_suggestion_is_a_question_the_engine_answers(shared_db: Path) -> None:
    asked = ask_json(shared_db, "Who is the mayor of Baku?", "What is the capital of France?")
    offered = sorted({s for answer in asked for s in answer["suggestions"]})

    answers = ask_json(shared_db, *offered)

    assert offered and all(a["answered"] for a in answers), [
        a["question"] for a in answers if not a["answered"]
    ]


def buttons(reply: Any) -> list[str]:
    rows = reply.message.get("components") or []
    return [b.get("label", "") for row in rows for b in row["components"]]


async def test_buttons_after_an_answer_offer_the_other_person_it_names(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": HEAD}))

    offered = buttons(reply)

    assert "Who is Yevgeny Belousov?" in offered
    assert HEAD not in offered
    assert "Who is Igor Kartavykh?" not in offered  # he is the answer just given


async def test_buttons_differ_with_the_question(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    first = await fake_discord.reply(await fake_discord.slash("ask", {"question": HEAD}))
    second = await fake_discord.reply(
        await fake_discord.slash("ask", {"question": "Who is Rahman Mustafayev?"})
    )

    assert buttons(first) != buttons(second)
    assert "Who is Rahman Mustafayev?" not in buttons(second)


def test_a_larger_limit_after_a_smaller_one_gets_the_longer_list(shared_db: Path) -> None:
    fresh = AnswerEngine(shared_db).suggestions(4)
    engine = AnswerEngine(shared_db)

    short = engine.suggestions(1)
    longer = engine.suggestions(4)

    assert len(fresh) > 1
    assert short == fresh[:1]
    assert longer == fresh
    assert engine.suggestions(2) == fresh[:2]
