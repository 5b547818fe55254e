"""Answers: verbatim quotes, attribution, sources, related passages, suggestions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import clean_question
from factbot.errors import DatabaseError, InputError


def test_answer_quotes_a_stored_passage_verbatim_with_its_source(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("Who did Russia summon?")
    assert answer.answered and answer.quote and answer.source
    with sqlite3.connect(shared_db) as conn:
        source_text = conn.execute(
            "SELECT text FROM sources WHERE id = ?", [answer.source.id]
        ).fetchone()[0]
    assert answer.quote in source_text
    assert answer.source.name == "TRT"


def test_claims_are_attributed_to_their_speaker(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("what did hajizada say about russian police")
    assert answer.attribution is not None
    assert answer.attribution.startswith("Foreign Ministry spokesperson Aykhan Hajizada")
    assert "TRT" in answer.attribution


def test_unattributed_passages_are_credited_to_the_outlet(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("Who opened a criminal case?")
    assert answer.attribution == "Reported by TRT"


def test_related_passages_are_other_passages_of_the_sources(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("who died in custody")
    assert 1 <= len(answer.related) <= 2
    assert all(
        r.passage_id != answer.passage_id and r.quote != answer.quote for r in answer.related
    )


def test_related_questions_are_ones_the_engine_answers(shared_db: Path) -> None:
    engine = AnswerEngine(shared_db)
    answer = engine.ask("Why did Russia summon the Azerbaijani ambassador?")
    follow_ups = engine.related_questions(answer)
    assert follow_ups
    assert all(engine.ask(q).answered for q in follow_ups)


def test_suggestions_after_an_abstention_are_answerable(shared_db: Path) -> None:
    engine = AnswerEngine(shared_db)
    answer = engine.ask("what is the price of bitcoin")
    assert not answer.answered and answer.message
    assert len(answer.suggestions) >= 2
    assert all(engine.ask(q).answered for q in answer.suggestions)


def test_confidence_is_between_zero_and_one(shared_db: Path) -> None:
    engine = AnswerEngine(shared_db)
    for question in ("who died", "zzz", "Yekaterinburg", "did putin comment"):
        assert 0.0 <= engine.ask(question).confidence <= 1.0


def test_answer_json_has_the_documented_fields(shared_db: Path) -> None:
    data = AnswerEngine(shared_db).ask("where was the raid").as_json()
    for field in (
        "question",
        "answered",
        "quote",
        "source",
        "attribution",
        "confidence",
        "passage_id",
        "related",
    ):
        assert field in data
    assert set(data["source"]) >= {"name", "title", "url", "published"}


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", "\x00\x01", "\u202e\u200b"])
def test_empty_or_blank_question_is_refused(blank: str) -> None:
    with pytest.raises(InputError, match="empty"):
        clean_question(blank)


def test_huge_question_is_cut_not_refused(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("Yekaterinburg raid " * 2000)
    assert len(answer.question) <= 2000


@pytest.mark.parametrize(
    "question",
    [
        '"',
        "*",
        "NEAR(",
        "'; drop table passages; --",
        'raid" OR "1"="1',
        "col:raid",
        "a AND OR NOT b",
        "^*",
    ],
)
def test_fts_and_sql_syntax_in_questions_is_inert(shared_db: Path, question: str) -> None:
    answer = AnswerEngine(shared_db).ask(question)
    assert answer.question
    with sqlite3.connect(shared_db) as conn:
        assert conn.execute("SELECT count(*) FROM passages").fetchone()[0] > 0


def test_missing_fact_base_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"factbot --db .* build"):
        AnswerEngine(tmp_path / "absent.db")


def test_corrupt_fact_base_says_how_to_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="build"):
        AnswerEngine(path)


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(DatabaseError, match="not a factbot fact base"):
        AnswerEngine(path)


def test_follow_up_checks_run_once_per_revision_of_the_base(
    built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factbot.answering.matcher import Matcher
    from factbot.editing import Actor, FactBase, retire

    ranked: list[str] = []
    real_rank = Matcher.rank

    def counting_rank(self: Matcher, question, limit=5, exclude=()):  # type: ignore[no-untyped-def]
        ranked.append(question.text)
        return real_rank(self, question, limit, exclude)

    monkeypatch.setattr(Matcher, "rank", counting_rank)
    engine = AnswerEngine(built_db)
    answer = engine.ask("Who died in police custody?")
    first = engine.related_questions(answer)
    checks = len(ranked)
    assert first and checks > 1, "the follow-ups were checked by asking them"
    assert engine.related_questions(answer) == first
    assert len(ranked) == checks, "the same follow-ups are not asked again"
    retire(FactBase(built_db), Actor.os_user("editor"), "azerbaijan-protests-torture", "test")
    engine.related_questions(engine.ask("Who died in police custody?"))
    assert len(ranked) > checks + 1, "an edit makes them be checked again"


def test_who_answered_without_a_name_comes_with_the_sentence_naming_the_people_it_means(
    tmp_path: Path,
) -> None:
    from factbot.knowledge.build import build_fact_base

    knowledge = tmp_path / "knowledge"
    (knowledge / "sources").mkdir(parents=True)
    article = Path(__file__).parent / "fixtures" / "summary" / "harbour-wire-valmora.md"
    (knowledge / "sources" / article.name).write_text(article.read_text(encoding="utf-8"), encoding="utf-8")
    (knowledge / "entities.toml").write_text(
        "\n".join(
            f'[[entity]]\nid = "{slug}"\nname = "{name}"\nkind = "person"\n'
            f'description = "Ruritanian woman who died in police custody in Valmora"\n'
            for slug, name in (("mila-kessel", "Mila Kessel"), ("dora-kessel", "Dora Kessel"))
        ),
        encoding="utf-8",
    )
    db = tmp_path / "valmora.db"
    build_fact_base(knowledge, db)
    engine = AnswerEngine(db, 0.0)

    answer = engine.ask("who died in police custody in valmora?")

    assert answer.quote is not None and "two Ruritanian sisters died" in answer.quote
    assert "Mila and Dora Kessel" in answer.related[0].quote
