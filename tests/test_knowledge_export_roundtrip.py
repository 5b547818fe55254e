"""The git round trip: export writes reviewable files, and building from them gives the same
answers; a rebuild never silently drops edits made in the live base."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factbot.answering.answers import AnswerEngine
from factbot.answering.gaps import GapPolicy, record_gap
from factbot.editing import (
    Actor,
    FactBase,
    FactDraft,
    FactPatch,
    SourceDraft,
    add_aliases,
    add_fact,
    add_source,
    edit_fact,
    get_passage,
    history,
    remove_aliases,
    remove_source,
    retire,
)
from factbot.editing.entities import resolve_entities
from factbot.errors import InputError, KnowledgeError
from factbot.knowledge.export import export_knowledge, pending_edits
from factbot.knowledge.rebuild import rebuild
from factbot.knowledge.render import toml_string
from factbot.settings import REPO_ROOT

EDITOR = Actor.os_user("alice")
SOURCE = "trt-azerbaijan-russia-protests"
TORTURE = "azerbaijan-protests-torture"
QUESTIONS = [
    "Who is Aykhan Hajizada?",
    "What did Azerbaijan protest about torture?",
    "Who was detained in Baku?",
    "What has Baku called for?",
    "Who did Azerbaijan recall from Moscow?",
    "Who is Jewgeni Belousow?",
    "What did Russia's Foreign Ministry say?",
    "Where did the police raid happen?",
    "What happened in Yekaterinburg?",
    "Who is the head of Sputnik Azerbaijan?",
]
ARTICLE = """\
Azerbaijan recalled its ambassador from Moscow for consultations on Tuesday.
The foreign ministry in Baku said the recall was temporary.
"""


@pytest.fixture
def base(tmp_path: Path, knowledge_dir: Path) -> Iterator[FactBase]:
    path = tmp_path / "live.db"
    rebuild(knowledge_dir, path, EDITOR)
    handle = FactBase(path)
    yield handle
    handle.close()


def answers(path: Path) -> list[tuple[bool, str | None, str | None, str | None]]:
    engine = AnswerEngine(path)
    return [(a.answered, a.quote, a.attribution, a.passage_id) for a in map(engine.ask, QUESTIONS)]


def make_edits(base: FactBase) -> None:
    add_source(
        base,
        EDITOR,
        SourceDraft(ARTICLE, source_id="recall", outlet="Example", title="Recall"),
        "news",
    )
    add_fact(
        base,
        EDITOR,
        FactDraft(
            "Baku has called for a full investigation",
            attribution="Baku",
            entities=("baku",),
            note="n",
        ),
        "demand",
    )
    edit_fact(
        base, EDITOR, TORTURE, FactPatch(note="checked against the ministry's statement"), "note"
    )
    retire(base, EDITOR, "russia-protests-unfriendly-actions", "disputed")
    retire(base, EDITOR, f"{SOURCE}:5", "misleading out of context")
    edit_fact(
        base,
        EDITOR,
        f"{SOURCE}:6",
        FactPatch(attribution="", note="not a claim"),
        "outlet's own words",
    )
    add_aliases(base, EDITOR, "yevgeny-belousov", ["Jewgeni Belousow"], "German spelling")


def test_export_of_an_unedited_base_leaves_knowledge_byte_for_byte(
    base: FactBase, knowledge_dir: Path
) -> None:
    assert export_knowledge(base, knowledge_dir).written == ()
    for original in sorted((REPO_ROOT / "knowledge").rglob("*")):
        if original.is_file():
            copy = knowledge_dir / original.relative_to(REPO_ROOT / "knowledge")
            assert copy.read_bytes() == original.read_bytes(), copy


def test_export_to_an_empty_folder_builds_the_same_answers(base: FactBase, tmp_path: Path) -> None:
    make_edits(base)
    target = tmp_path / "elsewhere"
    export_knowledge(base, target)
    rebuild(target, tmp_path / "elsewhere.db", EDITOR)
    assert answers(tmp_path / "elsewhere.db") == answers(base.path)


def test_export_to_another_folder_carries_the_synonyms_file(base: FactBase, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    export_knowledge(base, target)
    original = (REPO_ROOT / "knowledge" / "synonyms.toml").read_text(encoding="utf-8")
    assert (target / "synonyms.toml").read_text(encoding="utf-8") == original
    rebuild(target, tmp_path / "elsewhere.db", EDITOR)
    synonyms = "SELECT term, group_id FROM synonyms ORDER BY term, group_id"
    with sqlite3.connect(tmp_path / "elsewhere.db") as copy, sqlite3.connect(base.path) as first:
        assert copy.execute(synonyms).fetchall() == first.execute(synonyms).fetchall()


def test_export_leaves_a_folder_s_own_synonyms_file_alone(
    base: FactBase, knowledge_dir: Path
) -> None:
    own = knowledge_dir / "synonyms.toml"
    own.write_text(own.read_text(encoding="utf-8") + "\n# a maintainer's note\n", encoding="utf-8")
    export_knowledge(base, knowledge_dir, force=True)
    assert own.read_text(encoding="utf-8").endswith("# a maintainer's note\n")


def test_build_edit_export_build_gives_the_same_answers(
    base: FactBase, knowledge_dir: Path, tmp_path: Path
) -> None:
    make_edits(base)
    edited = answers(base.path)
    export_knowledge(base, knowledge_dir)
    fresh = tmp_path / "fresh.db"
    rebuild(knowledge_dir, fresh, EDITOR)
    assert answers(fresh) == edited
    rebuild(knowledge_dir, base.path, EDITOR)
    assert answers(base.path) == edited


def test_export_twice_writes_nothing_the_second_time(base: FactBase, knowledge_dir: Path) -> None:
    make_edits(base)
    assert export_knowledge(base, knowledge_dir).written
    assert export_knowledge(base, knowledge_dir).written == ()


def test_exported_diff_holds_only_the_edits(base: FactBase, knowledge_dir: Path) -> None:
    retire(base, EDITOR, TORTURE, "disputed")
    report = export_knowledge(base, knowledge_dir)
    assert report.written == (Path("facts.toml"),)
    text = (knowledge_dir / "facts.toml").read_text(encoding="utf-8")
    original = (REPO_ROOT / "knowledge" / "facts.toml").read_text(encoding="utf-8")
    added = [line for line in text.splitlines() if line not in original.splitlines()]
    assert added == ['status = "retired"']


def test_rebuild_refuses_while_edits_are_not_exported(base: FactBase, knowledge_dir: Path) -> None:
    retire(base, EDITOR, TORTURE, "disputed")
    with pytest.raises(InputError, match="factbot export") as refused:
        rebuild(knowledge_dir, base.path, EDITOR)
    assert "fact.retire passage:azerbaijan-protests-torture by os:alice" in str(refused.value)
    assert get_passage(base, EDITOR, TORTURE).status == "retired"


def test_rebuild_after_export_keeps_the_edit_and_the_history(
    base: FactBase, knowledge_dir: Path
) -> None:
    change = retire(base, EDITOR, TORTURE, "disputed")
    export_knowledge(base, knowledge_dir)
    rebuild(knowledge_dir, base.path, EDITOR)
    assert get_passage(base, EDITOR, TORTURE).status == "retired"
    assert change in history(base, EDITOR)
    assert pending_edits(base.db, knowledge_dir) == []


def test_forced_rebuild_discards_edits_after_backing_up(
    base: FactBase, knowledge_dir: Path
) -> None:
    retire(base, EDITOR, TORTURE, "disputed")
    report = rebuild(knowledge_dir, base.path, EDITOR, force=True)
    assert report.discarded == 1 and report.backup is not None
    assert get_passage(base, EDITOR, TORTURE).status == "active"
    saved = FactBase(report.backup)
    assert get_passage(saved, EDITOR, TORTURE).status == "retired"
    saved.close()


def test_rebuild_keeps_gap_counts(base: FactBase, knowledge_dir: Path) -> None:
    engine = AnswerEngine(base.path)
    with base.write() as db:
        record_gap(db, engine.ask("What did the pope say about football?"), GapPolicy())
    rebuild(knowledge_dir, base.path, EDITOR)
    assert base.db.execute("SELECT count FROM gaps").fetchall() == [(1,)]


def test_running_reader_sees_a_rebuild_without_reopening(
    base: FactBase, knowledge_dir: Path
) -> None:
    engine = AnswerEngine(base.path)
    assert engine.ask("What did Azerbaijan protest about torture?").passage_id == TORTURE
    facts = knowledge_dir / "facts.toml"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace(
            'note = "Russia', 'status = "retired"\nnote = "Russia'
        )
    )
    facts.write_text(
        facts.read_text(encoding="utf-8").replace(
            'entities = ["azerbaijan-foreign-ministry"]',
            'entities = ["azerbaijan-foreign-ministry"]\nstatus = "retired"',
        )
    )
    rebuild(knowledge_dir, base.path, EDITOR)
    assert engine.ask("What did Azerbaijan protest about torture?").passage_id != TORTURE


def test_rebuild_with_an_ingested_source_missing_from_knowledge_refuses(
    base: FactBase, knowledge_dir: Path
) -> None:
    with base.write() as db:
        db.execute("UPDATE sources SET origin = 'ingest'")
    shutil.rmtree(knowledge_dir / "sources")
    (knowledge_dir / "sources").mkdir()
    (knowledge_dir / "facts.toml").write_text("")
    with pytest.raises(InputError, match="added with `factbot ingest`"):
        rebuild(knowledge_dir, base.path, EDITOR)


def test_export_refuses_to_overwrite_files_changed_since_the_build(
    base: FactBase, knowledge_dir: Path
) -> None:
    entities = knowledge_dir / "entities.toml"
    entities.write_text(
        entities.read_text(encoding="utf-8") + "\n# a hand edit\n", encoding="utf-8"
    )
    retire(base, EDITOR, TORTURE, "disputed")
    with pytest.raises(InputError, match="changed since"):
        export_knowledge(base, knowledge_dir)
    export_knowledge(base, knowledge_dir, force=True)


def test_stale_passage_override_fails_the_build_with_file_and_line(
    base: FactBase, knowledge_dir: Path, tmp_path: Path
) -> None:
    retire(base, EDITOR, f"{SOURCE}:5", "misleading")
    export_knowledge(base, knowledge_dir)
    overrides = knowledge_dir / "passages.toml"
    overrides.write_text(
        overrides.read_text(encoding="utf-8").replace('text = "', 'text = "Not ', 1),
        encoding="utf-8",
    )
    with pytest.raises(
        KnowledgeError, match=r"passages\.toml:\d+: sentence .* is now a different text"
    ):
        rebuild(knowledge_dir, tmp_path / "other.db", EDITOR)


def test_exported_toml_is_valid_and_lists_what_changed(base: FactBase, knowledge_dir: Path) -> None:
    make_edits(base)
    export_knowledge(base, knowledge_dir)
    facts = tomllib.loads((knowledge_dir / "facts.toml").read_text(encoding="utf-8"))["fact"]
    assert [f["id"] for f in facts][:2] == [TORTURE, "russia-protests-unfriendly-actions"]
    assert facts[1]["status"] == "retired"
    passages = tomllib.loads((knowledge_dir / "passages.toml").read_text(encoding="utf-8"))[
        "passage"
    ]
    assert {p["id"]: p.get("status") for p in passages} == {
        f"{SOURCE}:5": "retired",
        f"{SOURCE}:6": None,
    }
    assert (knowledge_dir / "sources" / "recall.md").read_text(encoding="utf-8").endswith(ARTICLE)


@given(st.text())
def test_toml_strings_read_back_exactly(value: str) -> None:
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value


def test_edits_change_answers_so_the_round_trip_is_not_vacuous(base: FactBase) -> None:
    unedited = answers(base.path)
    make_edits(base)
    assert sum(a != b for a, b in zip(unedited, answers(base.path), strict=True)) >= 3


def test_rebuild_is_done_in_place_so_open_connections_stay_valid(
    base: FactBase, knowledge_dir: Path
) -> None:
    inode = base.path.stat().st_ino
    assert rebuild(knowledge_dir, base.path, EDITOR).in_place
    assert base.path.stat().st_ino == inode


def test_base_from_an_older_schema_is_replaced_whole_keeping_history(
    base: FactBase, knowledge_dir: Path
) -> None:
    change = retire(base, EDITOR, TORTURE, "disputed")
    export_knowledge(base, knowledge_dir)
    with base.write() as db:
        db.execute("ALTER TABLE passages ADD COLUMN legacy TEXT")
    report = rebuild(knowledge_dir, base.path, EDITOR)
    assert not report.in_place
    assert change in history(base, EDITOR)
    assert get_passage(base, EDITOR, TORTURE).status == "retired"
    assert "legacy" not in {r[1] for r in base.db.execute("PRAGMA table_info(passages)")}


def test_export_after_source_remove_deletes_its_file_and_facts_and_build_agrees(
    base: FactBase, knowledge_dir: Path
) -> None:
    recall = "The foreign ministry in Baku said the recall was temporary."
    add_source(base, EDITOR, SourceDraft(ARTICLE, source_id="recall"), "new")
    add_fact(base, EDITOR, FactDraft(recall, fact_id="recall-temporary"), "key")
    export_knowledge(base, knowledge_dir)
    assert (knowledge_dir / "sources" / "recall.md").is_file()
    retire(base, EDITOR, "recall-temporary", "off topic")
    remove_source(base, EDITOR, "recall", "off topic")
    report = export_knowledge(base, knowledge_dir)
    assert report.removed == (Path("sources/recall.md"),)
    assert not (knowledge_dir / "sources" / "recall.md").exists()
    assert "recall-temporary" not in (knowledge_dir / "facts.toml").read_text(encoding="utf-8")
    rebuild(knowledge_dir, base.path, EDITOR)
    assert base.db.execute("SELECT count(*) FROM sources WHERE id = 'recall'").fetchone() == (0,)
    assert pending_edits(base.db, knowledge_dir) == []


def test_export_after_alias_remove_drops_it_from_entities_toml(
    base: FactBase, knowledge_dir: Path
) -> None:
    remove_aliases(base, EDITOR, "igor-kartavykh", ["Kartavih"], "nobody spells it so")
    export_knowledge(base, knowledge_dir)
    entities = tomllib.loads((knowledge_dir / "entities.toml").read_text(encoding="utf-8"))
    igor = next(e for e in entities["entity"] if e["id"] == "igor-kartavykh")
    assert igor["aliases"] == ["Игорь Картавых", "Kartavykh"]
    rebuild(knowledge_dir, base.path, EDITOR)
    with pytest.raises(InputError, match="Unknown entity 'Kartavih'"):
        resolve_entities(base.db, ["Kartavih"])
