"""A question asking for one side's words is never answered with the other side's: the
speaker a question names is read, each passage's side is read from its speaker (or the
statement it continues, or the institution acting), and passages of another side are no
candidates. Checked on the shipped story and on an invented one no code was written for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from factbot.cli import cli
from factbot.language.speakers import asked_speaker

HARBOUR_WIRE = Path(__file__).parent / "fixtures" / "summary" / "harbour-wire-valmora.md"


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("What did Russia accuse Azerbaijan of?", "russia"),
        ("what does azerbaijan demand?", "azerbaijan"),
        ("What did Russia's foreign ministry say?", "russia's foreign ministry"),
        ("so what did baku actually say", "baku"),
        ("did baku say the russian police tortured ppl", "baku"),
        ("hajizada said what about human rights", "hajizada"),
        ("what is moscow's position on the raid", "moscow"),
        ("how did the plane crash happen according to the kremlin?", "the kremlin"),
    ],
)
def test_the_speaker_a_question_asks_about_is_read(question: str, speaker: str) -> None:
    assert asked_speaker(question) == speaker


@pytest.mark.parametrize(
    "question",
    [
        "which ministry in azerbaijan confirmed the sputnik op",
        "how many people were detained in baku",
        "who is rahman mustafayev?",
        "what happened in yekaterinburg",
        # Passive: the one named is spoken of, not speaking.
        "what is the russian charge d'affaires called",
        "why was mustafayev called in by the russians",
        "has any russian police officer been charged over the deaths",
    ],
)
def test_a_question_asking_for_no_ones_statement_names_no_speaker(question: str) -> None:
    assert asked_speaker(question) is None


def _asker(db: Path, knowledge: Path) -> Any:
    runner = CliRunner()
    env = {"FACTBOT_KNOWLEDGE_DIR": str(knowledge), "FACTBOT_LOG_LEVEL": "WARNING", "FACTBOT_MIN_CONFIDENCE": "0"}

    def run(*args: str) -> Any:
        result = runner.invoke(cli, ["--db", str(db), *args], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    run("build")

    def ask(question: str) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(run("ask", "--json", question).output)
        return answer

    ask.run = run  # type: ignore[attr-defined]
    return ask


@pytest.fixture
def ask_story(tmp_path: Path, knowledge_dir: Path) -> Any:
    return _asker(tmp_path / "story.db", knowledge_dir)


@pytest.fixture
def ask_harbour(tmp_path: Path) -> Any:
    knowledge = tmp_path / "knowledge"
    (knowledge / "sources").mkdir(parents=True)
    shutil.copy(HARBOUR_WIRE, knowledge / "sources" / HARBOUR_WIRE.name)
    return _asker(tmp_path / "harbour.db", knowledge)


def test_what_russia_accused_azerbaijan_of_is_not_answered_with_azerbaijans_accusation(
    ask_story: Any,
) -> None:
    answer = ask_story("What did Russia accuse Azerbaijan of?")

    assert "Hajizada" not in answer["attribution"]
    assert "accused Russian authorities" not in answer["quote"]


def test_azerbaijans_demand_is_not_answered_with_the_note_russia_handed_over(ask_story: Any) -> None:
    answer = ask_story("what does azerbaijan demand?")

    assert "note verbale demanding" not in answer["quote"]


def test_after_a_retire_russias_words_are_not_replaced_by_azerbaijans(ask_story: Any) -> None:
    ask_story.run("fact", "retire", "russia-protests-unfriendly-actions", "--reason", "disputed")

    answer = ask_story("What did Russia's foreign ministry say?")

    assert "Azerbaijan’s Foreign Ministry" not in answer["attribution"]
    assert not answer["quote"].startswith(("Azerbaijan’s Foreign Ministry", "In response, Azerbaijan’s"))


def test_a_side_is_still_answered_with_its_own_words(ask_story: Any) -> None:
    answer = ask_story("what did azerbaijan's foreign ministry say about the police?")

    assert answer["answered"]
    assert "Azerbaijan’s Foreign Ministry" in answer["attribution"] or "Hajizada" in answer["attribution"]


def test_invented_story_a_demand_made_in_a_meeting_belongs_to_the_side_that_made_it(
    ask_harbour: Any,
) -> None:
    theirs = ask_harbour("what did freedonia demand?")
    asked_of_the_other_side = ask_harbour("What did Ruritania demand?")

    assert "letter demanding" in theirs["quote"]
    assert "letter demanding" not in asked_of_the_other_side["quote"]


def test_invented_story_each_side_answers_with_its_own_statement(ask_harbour: Any) -> None:
    answer = ask_harbour("what did ruritania's foreign ministry say?")

    assert answer["quote"].startswith("Ruritania's Foreign Ministry said")


def test_a_verb_of_wanting_the_sources_never_use_is_answered_from_that_sides_own_words(
    tmp_path: Path,
) -> None:
    knowledge = tmp_path / "knowledge"
    (knowledge / "sources").mkdir(parents=True)
    shutil.copy(HARBOUR_WIRE, knowledge / "sources" / HARBOUR_WIRE.name)
    runner = CliRunner()
    env = {"FACTBOT_KNOWLEDGE_DIR": str(knowledge), "FACTBOT_LOG_LEVEL": "WARNING"}
    db = str(tmp_path / "harbour.db")
    assert runner.invoke(cli, ["--db", db, "build"], env=env).exit_code == 0

    # No sentence says "want"; at the default threshold it used to abstain at 0.01.
    result = runner.invoke(cli, ["--db", db, "ask", "--json", "what does ruritania want?"], env=env)
    answer = json.loads(result.output)

    assert answer["answered"], answer
    assert answer["quote"].startswith("Ruritania's Foreign Ministry said it expected")


def test_asked_what_a_side_wants_the_answer_is_in_that_sides_voice_not_a_sentence_naming_it(
    ask_story: Any,
) -> None:
    assert ask_story("what does russia want")["attribution"].startswith("Russia’s Foreign Ministry")
    ask_story.run("fact", "retire", "russia-protests-unfriendly-actions", "--reason", "disputed")

    # Without its verb the question is only "russia", which the lead ("Azerbaijan and Russia
    # have exchanged ...") covers in full; it came first at 0.93 once Russia's own words went.
    answer = ask_story("what does russia want")

    assert "exchanged formal diplomatic protests" not in (answer["quote"] or "")
