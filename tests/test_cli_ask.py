"""`factbot ask`, `build`, `ingest` and `chat` as other tools drive them: a real process."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.settings import REPO_ROOT

# Every test here starts factbot (or pytest) as a process: see README, "Tests".
pytestmark = pytest.mark.slow

SQUAD_ARTICLES = REPO_ROOT.parent / "shared" / "bench" / "squad-public" / "articles"


def factbot(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "factbot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_ask_prints_quote_attribution_and_source(shared_db: Path) -> None:
    result = factbot("--db", str(shared_db), "ask", "who is the editor in chief of sputnik azerbaijan")
    assert result.returncode == 0, result.stderr
    assert "Yevgeny Belousov" in result.stdout
    assert "Source: TRT" in result.stdout


def test_ask_json_prints_one_object_with_the_documented_fields(shared_db: Path) -> None:
    result = factbot("--db", str(shared_db), "ask", "--json", "Where was the raid?")
    data = json.loads(result.stdout)
    assert data["answered"] is True
    assert "Yekaterinburg" in data["quote"]
    assert data["source"]["name"] == "TRT"
    assert isinstance(data["related"], list) and isinstance(data["confidence"], float)


def test_batch_mode_answers_each_stdin_line_in_order(shared_db: Path) -> None:
    questions = ["who died in custody", "", "what is the capital of france", "Where was the raid?"]
    result = factbot("--db", str(shared_db), "ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["who died in custody", "", "what is the capital of france", "Where was the raid?"]
    assert [line["answered"] for line in lines] == [True, False, False, True]
    assert "error" in lines[1]


def test_empty_question_exits_2_with_a_message_and_no_traceback(shared_db: Path) -> None:
    result = factbot("--db", str(shared_db), "ask", "   ")
    assert result.returncode == 2
    assert "empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_fact_base_is_built_from_knowledge_on_first_use(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = factbot("--db", str(db), "ask", "--json", "Who did Russia summon?")
    assert result.returncode == 0, result.stderr
    assert db.exists()
    assert "Mustafayev" in json.loads(result.stdout)["quote"]


def test_factbot_db_environment_variable_sets_the_default(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    result = factbot("build", env={"FACTBOT_DB": str(db)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_corrupt_fact_base_gets_a_rebuild_hint(tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"garbage" * 1000)
    result = factbot("--db", str(db), "ask", "who died")
    assert result.returncode == 1
    assert "build" in result.stderr and "Traceback" not in result.stderr


def test_build_reports_counts(tmp_path: Path) -> None:
    result = factbot("--db", str(tmp_path / "b.db"), "build")
    assert result.returncode == 0, result.stderr
    assert "passages" in result.stdout


@pytest.mark.skipif(not SQUAD_ARTICLES.is_dir(), reason="shared benchmark articles not present")
def test_ingest_answers_from_an_article_nobody_prepared(tmp_path: Path) -> None:
    db = tmp_path / "ingest.db"
    article = SQUAD_ARTICLES / "Steam_engine.md"
    result = factbot("--db", str(db), "ingest", str(article), "--source", "Wikipedia", "--published", "2020-01-01")
    assert result.returncode == 0, result.stderr
    answer = json.loads(factbot("--db", str(db), "ask", "--json", "Who invented the first commercial steam-powered device?").stdout)
    assert answer["answered"] and "Savery" in answer["quote"]
    assert answer["source"] == {"id": "steam-engine", "name": "Wikipedia", "title": "Steam engine", "url": None, "published": "2020-01-01"}


def test_ingest_refuses_binary_files_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    good = tmp_path / "good.txt"
    good.write_text("The committee met in Paris on Monday. It approved the budget for next year.", encoding="utf-8")
    binary = tmp_path / "bad.bin"
    binary.write_bytes(b"\x89PNG\x00\x00")
    result = factbot("--db", str(db), "ingest", str(good), str(binary))
    assert result.returncode == 2
    assert "binary" in result.stderr
    listing = factbot("--db", str(db), "ask", "--json", "Where did the committee meet?")
    assert json.loads(listing.stdout)["answered"] is False


def test_chat_answers_until_an_empty_line(shared_db: Path) -> None:
    result = factbot("--db", str(shared_db), "chat", stdin="who is hajizade\n\n")
    assert result.returncode == 0, result.stderr
    assert "Hajizada" in result.stdout


@pytest.mark.parametrize(
    ("made_older", "advice"),
    [
        (["DELETE FROM meta WHERE key = 'text_processing'"], "indexed by an older factbot"),
        (
            ["DELETE FROM passage_vectors", "DELETE FROM meta WHERE key = 'meaning_model'"],
            "no meaning vectors",
        ),
    ],
    ids=["text processing", "meaning vectors"],
)
def test_a_base_built_by_an_older_factbot_still_answers_and_asks_for_a_rebuild(
    built_db: Path, tmp_path: Path, made_older: list[str], advice: str
) -> None:
    assert AnswerEngine(built_db).needs_rebuild() is None
    old = tmp_path / "old.db"
    shutil.copy(built_db, old)
    with sqlite3.connect(old) as conn:
        for statement in made_older:
            conn.execute(statement)
    result = factbot("--db", str(old), "ask", "--json", "who heads sputnik azerbaijan")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"]
    assert advice in result.stderr and "factbot build" in result.stderr
    rebuilt = factbot("--db", str(old), "build", "--force")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert AnswerEngine(old).needs_rebuild() is None


def test_an_ingested_base_is_current_from_the_start(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text("# A\n\nThe committee met in Paris on Monday.\n", encoding="utf-8")
    db = tmp_path / "a.db"
    assert factbot("--db", str(db), "ingest", str(article)).returncode == 0
    assert AnswerEngine(db).needs_rebuild() is None


@pytest.mark.parametrize("question", ["Кто задержан в Баку?", "Bakıda kim həbs olunub?"])
def test_a_question_it_could_not_wholly_read_is_not_blamed_on_the_sources(
    shared_db: Path, question: str
) -> None:
    result = factbot("--db", str(shared_db), "ask", "--json", question)
    answer = json.loads(result.stdout)

    # The English question is answered; these are not, and the bot says why.
    assert not answer["answered"]
    assert "could not read every word" in answer["message"]
    assert "don't say" not in answer["message"]
    assert answer["suggestions"]


def test_an_english_question_the_sources_do_not_answer_still_says_they_dont(shared_db: Path) -> None:
    answer = json.loads(factbot("--db", str(shared_db), "ask", "--json", "who is the mayor of baku").stdout)

    assert not answer["answered"]
    assert answer["message"].startswith("My sources don't say")
