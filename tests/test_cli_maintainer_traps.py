"""Maintainers' traps, through the CLI: another entity's alias is refused without --force, the
history shows the aliases an entity already had, automatic fact ids end on a whole word, and
retiring says what else stopped (or goes on) answering with the same words."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from factbot.cli import cli
from factbot.language.text import words

UNFRIENDLY = "russia-protests-unfriendly-actions"
UNFRIENDLY_SENTENCE = "trt-azerbaijan-russia-protests:3"
HAJIZADA_QUOTE = (
    '"The note underlined that these actions have triggered an extremely negative public '
    'reaction in Azerbaijan," Hajizada said'
)


@pytest.fixture
def run(tmp_path: Path, knowledge_dir: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "traps.db"
    runner = CliRunner()
    env = {"FACTBOT_KNOWLEDGE_DIR": str(knowledge_dir), "FACTBOT_LOG_LEVEL": "WARNING"}

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--db", str(db), *args], env=env, catch_exceptions=False)

    assert invoke("build").exit_code == 0
    return invoke


def entities_of(run, question: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(json.loads(run("ask", "--json", question).output)["entities"])


def test_another_entitys_alias_is_refused_without_force(run) -> None:  # type: ignore[no-untyped-def]
    refused = run("alias", "add", "igor-kartavykh", "Belousov", "--reason", "typo")

    assert refused.exit_code == 2
    assert "already names Yevgeny Belousov (yevgeny-belousov)" in refused.output
    assert "--force" in refused.output
    assert entities_of(run, "Who is Belousov?") == ["yevgeny-belousov"]


def test_force_adds_another_entitys_alias_on_purpose(run) -> None:  # type: ignore[no-untyped-def]
    forced = run("alias", "add", "igor-kartavykh", "Belousov", "--force", "--reason", "shared")

    assert forced.exit_code == 0, forced.output
    assert set(entities_of(run, "Who is Belousov?")) == {"yevgeny-belousov", "igor-kartavykh"}


def test_history_shows_the_aliases_the_entity_already_had(run) -> None:  # type: ignore[no-untyped-def]
    added = run("alias", "add", "igor-kartavykh", "Kartavyh", "--reason", "spelling", "--json")
    change = json.loads(added.output)

    assert "Kartavykh" in change["before"]["aliases"]
    assert change["after"]["aliases"] == [*change["before"]["aliases"], "Kartavyh"]
    shown = run("fact", "history", "igor-kartavykh").output
    assert "(none) ->" not in shown and "Kartavykh" in shown


def test_reverting_an_alias_added_with_its_full_list_retires_only_the_new_one(
    run,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    before = aliases(tmp_path / "traps.db", "igor-kartavykh")
    change = json.loads(
        run("alias", "add", "igor-kartavykh", "Kartavyh", "--reason", "r", "--json").output
    )
    reverted = run("revert", str(change["id"]), "--reason", "undo")

    assert reverted.exit_code == 0, reverted.output
    assert aliases(tmp_path / "traps.db", "igor-kartavykh") == before


def aliases(db: Path, entity_id: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY alias", [entity_id]
        )
        return [row[0] for row in rows]


def test_automatic_fact_id_ends_on_a_whole_word(run) -> None:  # type: ignore[no-untyped-def]
    added = run("fact", "add", HAJIZADA_QUOTE, "--reason", "quote", "--json")
    assert added.exit_code == 0, added.output
    fact_id = json.loads(added.output)["target"].removeprefix("passage:")

    quote_words = words(HAJIZADA_QUOTE)
    pieces = fact_id.split("-")
    assert pieces == quote_words[: len(pieces)], fact_id
    assert len(fact_id) <= 48


def test_retiring_a_fact_says_the_sentence_it_quotes_stopped_too(run) -> None:  # type: ignore[no-untyped-def]
    result = run("fact", "retire", UNFRIENDLY, "--reason", "disputed")

    assert result.exit_code == 0
    assert f"No longer answered either: the article sentence it quotes ({UNFRIENDLY_SENTENCE})" in (
        result.output
    )


def test_retiring_a_sentence_says_which_fact_still_answers_with_its_words(run) -> None:  # type: ignore[no-untyped-def]
    result = run("fact", "retire", UNFRIENDLY_SENTENCE, "--reason", "disputed")

    assert result.exit_code == 0
    assert f"Still answered with these words: fact {UNFRIENDLY}" in result.output
    assert f"factbot fact retire {UNFRIENDLY}" in result.output


def follow(advice: str, path: Path, env: dict[str, str]) -> Result:
    """Do what an error's last sentence says: move the file away if told to, then run the
    factbot command it gives, exactly as written."""
    if "move it away" in advice:
        path.rename(path.with_name(path.name + ".moved"))
    command = re.search(r"factbot (--db \S+ build)", advice)
    assert command is not None, f"the advice gives no command to run: {advice}"
    return CliRunner().invoke(cli, command.group(1).split(), env=env, catch_exceptions=False)


@pytest.mark.parametrize("damage", ["not a fact base", "a damaged fact base"])
def test_the_advice_for_an_unreadable_base_works_when_followed(
    tmp_path: Path, knowledge_dir: Path, damage: str
) -> None:
    env = {"FACTBOT_KNOWLEDGE_DIR": str(knowledge_dir), "FACTBOT_LOG_LEVEL": "WARNING"}
    path = tmp_path / "some-file.db"
    if damage == "not a fact base":
        path.write_bytes(bytes(range(256)) * 64)
    else:
        assert CliRunner().invoke(cli, ["--db", str(path), "build"], env=env).exit_code == 0
        with path.open("r+b") as handle:
            handle.write(b"garbage, not a header")
    asked = CliRunner().invoke(cli, ["--db", str(path), "ask", "Who died?"], env=env)
    assert asked.exit_code == 1 and "Traceback" not in asked.output

    followed = follow(asked.output, path, env)

    assert followed.exit_code == 0, f"{asked.output}\nthen: {followed.output}"
    again = CliRunner().invoke(cli, ["--db", str(path), "ask", "Who died?"], env=env)
    assert again.exit_code == 0, again.output
