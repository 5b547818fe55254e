"""Trust: a retired fact's words are no longer answered, and direct quotes are credited to the
person who said them, through the CLI and the real discord.py client on the loopback fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fakes import FakeDiscord, start_bot
from fakes.maintainers import ROLE, maintainer_bot_settings  # noqa: F401 (fixture)

from factbot.cli import cli
from factbot.settings import Settings

UNFRIENDLY = "russia-protests-unfriendly-actions"
UNFRIENDLY_QUESTION = "What did Russia's foreign ministry say?"
UNFRIENDLY_WORDS = 'recent "unfriendly" actions by Baku'


@pytest.fixture
def run(tmp_path: Path, knowledge_dir: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "trust.db"
    runner = CliRunner()
    env = {"FACTBOT_KNOWLEDGE_DIR": str(knowledge_dir), "FACTBOT_LOG_LEVEL": "WARNING"}

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--db", str(db), *args], env=env, catch_exceptions=False)

    assert invoke("build").exit_code == 0
    return invoke


def asked(run: Any, question: str) -> dict[str, Any]:
    result = run("ask", "--json", question)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def quoted(answer: dict[str, Any]) -> str:
    """Every quote an answer shows: the answer's and its related passages'."""
    return " ".join([answer["quote"] or "", *(r["quote"] for r in answer["related"])])


def test_retired_fact_is_no_longer_answered_even_from_the_sentence_it_quotes(run: Any) -> None:
    before = asked(run, UNFRIENDLY_QUESTION)
    assert UNFRIENDLY_WORDS in before["quote"]

    assert run("fact", "retire", UNFRIENDLY, "--reason", "disputed").exit_code == 0
    after = asked(run, UNFRIENDLY_QUESTION)

    assert UNFRIENDLY_WORDS not in quoted(after)
    assert after["passage_id"] not in {UNFRIENDLY, "trt-azerbaijan-russia-protests:3"}


def test_restoring_a_retired_fact_answers_with_its_words_again(run: Any) -> None:
    assert run("fact", "retire", UNFRIENDLY, "--reason", "disputed").exit_code == 0
    assert run("fact", "restore", UNFRIENDLY, "--reason", "confirmed").exit_code == 0

    answer = asked(run, UNFRIENDLY_QUESTION)

    assert answer["passage_id"] == UNFRIENDLY and UNFRIENDLY_WORDS in answer["quote"]


@pytest.mark.parametrize(
    ("question", "opening", "attribution"),
    [
        (
            "What did the note underline?",
            '"The note underlined',
            "Hajizada, as reported by TRT",
        ),
        (
            "Did the operation at the Sputnik office comply with domestic law?",
            "The Azerbaijani ambassador also reiterated",
            "The Azerbaijani ambassador, as reported by TRT",
        ),
    ],
)
def test_direct_quote_is_credited_to_its_speaker_as_reported_by_the_outlet(
    run: Any, question: str, opening: str, attribution: str
) -> None:
    answer = asked(run, question)

    assert answer["quote"].startswith(opening)
    assert answer["attribution"] == attribution



async def test_retire_on_discord_stops_the_same_question_being_answered_with_its_words(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    maintainer = fake_discord.make_user("alice", roles=(fake_discord.add_role(ROLE),))
    async with start_bot(fake_discord, bot_settings):
        before = await fake_discord.reply(
            await fake_discord.slash("ask", {"question": UNFRIENDLY_QUESTION})
        )
        retired = await fake_discord.reply(
            await fake_discord.slash(
                "fact",
                {"fact": UNFRIENDLY, "reason": "disputed"},
                user=maintainer,
                subcommand="retire",
            )
        )
        after = await fake_discord.reply(
            await fake_discord.slash("ask", {"question": UNFRIENDLY_QUESTION})
        )

    assert UNFRIENDLY_WORDS in str(before.message["embeds"])
    assert "retired" in str(retired.json)
    assert UNFRIENDLY_WORDS not in str(after.message["embeds"])
