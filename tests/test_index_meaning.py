"""Meaning vectors: stored for every passage however it arrives, used only to settle close calls,
and never needed for an answer."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from meaning_helpers import encoder

import factbot.answering.answers
import factbot.answering.matcher
import factbot.index.ingest
import factbot.index.meaning
from factbot.answering.answers import AnswerEngine
from factbot.answering.matcher import Matcher
from factbot.editing import Actor, FactBase, FactPatch, SourceDraft, add_source, edit_fact
from factbot.index.ingest import ingest_paths
from factbot.index.meaning import MODEL_ID, Encoder, from_blob
from factbot.knowledge.build import build_fact_base
from factbot.knowledge.export import export_knowledge
from factbot.knowledge.rebuild import rebuild
from factbot.store.database import connect

TORTURE = "azerbaijan-protests-torture"
EDITOR = Actor.os_user("editor")


def vectors(db: Path) -> dict[int, bytes]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT rowid, vector FROM passage_vectors ORDER BY rowid"))
    finally:
        conn.close()


def active_rowids(db: Path) -> set[int]:
    conn = sqlite3.connect(db)
    try:
        return {r for (r,) in conn.execute("SELECT rowid FROM passages WHERE status = 'active'")}
    finally:
        conn.close()


def run_sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def assert_each_active_passage_has_the_vector_of_its_text(db: Path) -> None:
    conn = sqlite3.connect(db)
    texts = dict(conn.execute("SELECT rowid, text FROM passages WHERE status = 'active'"))
    conn.close()
    stored = vectors(db)
    assert set(stored) == set(texts)
    for rowid, text in texts.items():
        assert np.allclose(from_blob(stored[rowid]), encoder().encode(text), atol=2e-3), text


def test_similar_sentences_are_closer_than_unrelated_ones() -> None:
    model = encoder()
    asked = model.encode("What does Baku demand?")
    answer = model.encode("Baku has called for a full investigation.")
    unrelated = model.encode("The museum opens at nine on weekdays.")
    assert abs(float(np.linalg.norm(asked)) - 1.0) < 1e-5
    assert float(asked @ answer) > float(asked @ unrelated) + 0.2


def test_every_active_passage_has_a_vector_of_the_current_model_after_a_build(
    built_db: Path,
) -> None:
    assert set(vectors(built_db)) == active_rowids(built_db)
    db = connect(built_db, readonly=True)
    assert (
        db.execute("SELECT value FROM meta WHERE key = 'meaning_model'").fetchone()[0] == MODEL_ID
    )


def test_an_ingested_article_gets_vectors_for_its_passages(tmp_path: Path) -> None:
    article = tmp_path / "report.md"
    article.write_text("# Report\n\nThe bridge reopened on Monday.\n\nTraffic was light.\n")
    db = tmp_path / "base.db"
    ingest_paths(db, [article])
    stored = vectors(db)
    assert set(stored) == active_rowids(db) and len(stored) == 2


def test_an_edited_quote_gets_a_fresh_vector(built_db: Path) -> None:
    conn = sqlite3.connect(built_db)
    rowid = conn.execute("SELECT rowid FROM passages WHERE id = ?", [TORTURE]).fetchone()[0]
    conn.close()
    before = vectors(built_db)[rowid]
    new_quote = "Azerbaijan’s Foreign Ministry summoned Russia’s charge d’affaires"
    edit_fact(FactBase(built_db), EDITOR, TORTURE, FactPatch(quote=new_quote), "shorter quote")
    after = vectors(built_db)[rowid]
    assert after != before
    assert np.allclose(from_blob(after), encoder().encode(new_quote), atol=2e-3)


def test_vectors_are_the_same_whether_or_not_the_process_computed_them_before(
    tmp_path: Path, knowledge_dir: Path
) -> None:
    build_fact_base(knowledge_dir, tmp_path / "a.db")
    encoder().encode_passage.cache_clear()
    build_fact_base(knowledge_dir, tmp_path / "b.db")
    assert vectors(tmp_path / "a.db") == vectors(tmp_path / "b.db")


def _two_close_passages(tmp_path: Path) -> Path:
    article = tmp_path / "article.md"
    article.write_text(
        "# Flood report\n\n"
        "Farmers in Gyumri demanded compensation for the flooded fields.\n\n"
        "Farmers in Gyumri attended the opening of the new museum.\n",
        encoding="utf-8",
    )
    db = tmp_path / "base.db"
    ingest_paths(db, [article])
    return db


def test_meaning_settles_a_question_that_words_leave_undecided(tmp_path: Path) -> None:
    db = _two_close_passages(tmp_path)
    question = "What do the farmers in Gyumri want?"
    by_words = Matcher(connect(db, readonly=True), meaning=False)
    scores = [c.score for c in by_words.rank(by_words.analyse(question)).candidates]
    assert factbot.answering.matcher.undecided(scores), "the two passages share the question's words"
    matcher = Matcher(connect(db, readonly=True))
    best = matcher.rank(matcher.analyse(question)).candidates[0]
    assert "semantic" in best.features
    assert best.text.startswith("Farmers in Gyumri demanded compensation")


def test_a_clear_word_match_is_answered_without_encoding_the_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _two_close_passages(tmp_path)
    matcher = Matcher(connect(db, readonly=True))
    monkeypatch.setattr(encoder(), "encode", lambda text: pytest.fail("encoded"))
    best = matcher.rank(matcher.analyse("Who attended the opening of the museum?")).candidates[0]
    assert best.text.startswith("Farmers in Gyumri attended")


def test_a_base_built_before_meaning_vectors_still_answers_by_words(built_db: Path) -> None:
    run_sql(built_db, "DELETE FROM passage_vectors", "DELETE FROM meta WHERE key = 'meaning_model'")
    answer = AnswerEngine(built_db).ask("Who is Yevgeny Belousov?")
    assert answer.answered and "Belousov" in (answer.quote or "")


def test_without_the_encoder_answers_come_from_words(
    built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(factbot.answering.matcher, "default_encoder", lambda: None)
    engine = AnswerEngine(built_db, 0.0)
    by_words = Matcher(connect(built_db, readonly=True), meaning=False)
    for question in (
        "What does Baku want?",
        "who did azerbaijan summon",
        "Who is Yevgeny Belousov?",
    ):
        best = by_words.rank(by_words.analyse(question)).candidates[0]
        assert engine.ask(question).passage_id == best.passage_id


def test_prepare_loads_the_encoder_and_its_word_piece_table_before_the_first_question(
    built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = []
    monkeypatch.setattr(factbot.answering.answers, "default_table", lambda: loaded.append("table"))
    AnswerEngine(built_db).prepare()
    assert loaded == ["table"]


def test_a_rebuild_in_place_leaves_every_passage_with_the_vector_of_its_own_text(
    built_db: Path, knowledge_dir: Path
) -> None:
    base = FactBase(built_db)
    draft = SourceDraft("Report. The ferry to Baku was cancelled on Monday.", source_id="ferry")
    add_source(base, EDITOR, draft, "new report")
    export_knowledge(base, knowledge_dir)
    rebuild(knowledge_dir, built_db, EDITOR)
    assert_each_active_passage_has_the_vector_of_its_text(built_db)


def test_an_ingest_encodes_its_passages_before_it_takes_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real = encoder()

    class Recording:
        def __init__(self) -> None:
            self.encode_passage = functools.lru_cache(maxsize=None)(self._encode)

        def _encode(self, text: str) -> Any:
            events.append("encode")
            return real.encode(text)

    recording = Recording()
    monkeypatch.setattr(factbot.index.meaning, "default_encoder", lambda: recording)
    real_transaction = factbot.index.ingest.transaction

    @contextlib.contextmanager
    def recorded_transaction(db: Any) -> Iterator[Any]:
        events.append("lock")
        with real_transaction(db) as inside:
            yield inside

    monkeypatch.setattr(factbot.index.ingest, "transaction", recorded_transaction)
    article = tmp_path / "report.md"
    article.write_text("# Report\n\nThe bridge reopened.\n\nTraffic was light.\n\nRain fell.\n")
    db = tmp_path / "base.db"
    ingest_paths(db, [article])
    stored = len(vectors(db))
    assert stored >= 2
    assert events == ["encode"] * stored + ["lock"], "each passage encoded once, before the lock"


def test_a_model_file_other_than_the_one_measured_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not the model")
    with pytest.raises(ValueError, match="not the expected model"):
        Encoder(other)


def test_vectors_of_another_model_are_all_replaced_at_the_next_change(built_db: Path) -> None:
    run_sql(
        built_db,
        "UPDATE meta SET value = 'another-model' WHERE key = 'meaning_model'",
        "UPDATE passage_vectors SET vector = zeroblob(768)",
    )
    assert AnswerEngine(built_db).needs_rebuild() is not None, "not compared with ours"
    edit_fact(FactBase(built_db), EDITOR, TORTURE, FactPatch(note="checked"), "a note")
    assert_each_active_passage_has_the_vector_of_its_text(built_db)
    assert AnswerEngine(built_db).needs_rebuild() is None
