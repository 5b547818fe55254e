"""Building the fact base from knowledge/: verbatim quotes, errors that name file and line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from factbot.errors import KnowledgeError
from factbot.knowledge.build import build_fact_base
from factbot.store.database import connect
from factbot.store.migrations import schema_version


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def test_build_stores_the_seed_article_with_its_metadata(built_db: Path) -> None:
    [(outlet, title, url, published, credit)] = rows(
        built_db, "SELECT outlet, title, url, published, photo_credit FROM sources"
    )
    assert (outlet, credit) == ("TRT", "Reuters")
    assert (title, url, published) == (None, None, None), "fields the article lacks stay empty"


def test_every_passage_is_verbatim_at_its_offsets(built_db: Path) -> None:
    checked = rows(
        built_db,
        "SELECT p.text, substr(s.text, p.start + 1, p.end - p.start) FROM passages p "
        "JOIN sources s ON s.id = p.source_id",
    )
    assert len(checked) >= 15
    assert all(text == span for text, span in checked)


def test_photo_credit_and_source_footer_are_not_quotable(built_db: Path) -> None:
    texts = [t for (t,) in rows(built_db, "SELECT text FROM passages")]
    assert not any("(Photo/Reuters)" in t for t in texts)
    assert not any(t.strip().startswith(("___", "Source:")) for t in texts)


def test_aliases_cover_other_spellings_of_names(built_db: Path) -> None:
    folded = {f for (f,) in rows(built_db, "SELECT folded FROM aliases")}
    for spelling in ("ekaterinburg", "yekaterinburg", "safarov", "hajizade", "hajizada"):
        assert spelling in folded


def test_speakers_are_found_and_pronouns_resolved(built_db: Path) -> None:
    speakers = dict(rows(built_db, "SELECT text, attribution FROM passages WHERE kind = 'sentence'"))

    def speaker_of(opening: str) -> object:
        [speaker] = [who for text, who in speakers.items() if str(text).startswith(opening)]
        return speaker

    assert speaker_of("Russia’s Foreign Ministry said") == "Russia’s Foreign Ministry"
    assert speaker_of("He said the Azerbaijani side") == "Foreign Ministry spokesperson Aykhan Hajizada"
    assert speaker_of("The note, Hajizada said") == "Hajizada"
    assert speaker_of("Baku has called for") == "Baku"
    assert speaker_of("A criminal case has been opened") is None


def test_build_is_deterministic_and_idempotent(tmp_path: Path, knowledge_dir: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build_fact_base(knowledge_dir, first)
    build_fact_base(knowledge_dir, second)
    build_fact_base(knowledge_dir, second)
    query = "SELECT id, start, end, text, attribution, terms FROM passages ORDER BY id"
    assert rows(first, query) == rows(second, query)
    assert rows(first, "SELECT * FROM aliases ORDER BY 1, 3") == rows(
        second, "SELECT * FROM aliases ORDER BY 1, 3"
    )


def test_build_records_the_schema_version(built_db: Path) -> None:
    db = connect(built_db, readonly=True)
    version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert int(version) == schema_version()


def test_fts_index_matches_passages(built_db: Path) -> None:
    [(count,)] = rows(built_db, "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH 'yekaterinburg'")
    assert count >= 2


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message", "line"),
    [
        ("facts.toml", "Russia’s Foreign Ministry said it summoned", "Russia’s Foreign Ministry says it summoned", "not verbatim", 12),
        ("facts.toml", 'source = "trt-azerbaijan-russia-protests"', 'source = "nowhere"', "unknown source", 4),
        ("facts.toml", 'id = "russia-protests-unfriendly-actions"', 'id = "azerbaijan-protests-torture"', "duplicate fact id", 12),
        ("facts.toml", "[[fact]]\nid = \"russia", "[[fact]\nid = \"russia", "invalid TOML", 12),
        ("entities.toml", 'kind = "place"', 'kind = "planet"', "kind must be one of", None),
        ("entities.toml", 'id = "baku"', 'id = "Baku City"', "entity id", None),
        ("sources/trt-azerbaijan-russia-protests.md", "published:", "published: last friday", "YYYY-MM-DD", 6),
        ("sources/trt-azerbaijan-russia-protests.md", "photo_credit: Reuters", "photographer: Reuters", "expected 'key: value'", 8),
    ],
)
def test_malformed_knowledge_fails_the_build_with_file_and_line(
    tmp_path: Path, knowledge_dir: Path, file: str, old: str, new: str, message: str, line: int | None
) -> None:
    _replace(knowledge_dir / file, old, new)
    with pytest.raises(KnowledgeError) as raised:
        build_fact_base(knowledge_dir, tmp_path / "bad.db")
    assert message in str(raised.value)
    assert raised.value.path.name == Path(file).name
    if line is not None:
        assert raised.value.line == line
    else:
        assert raised.value.line is not None


def test_binary_source_file_is_refused(tmp_path: Path, knowledge_dir: Path) -> None:
    (knowledge_dir / "sources" / "junk.md").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(KnowledgeError, match="binary"):
        build_fact_base(knowledge_dir, tmp_path / "bad.db")


def test_non_utf8_source_file_names_the_line(tmp_path: Path, knowledge_dir: Path) -> None:
    (knowledge_dir / "sources" / "latin1.md").write_bytes("first line\nsecond caf\xe9\n".encode("latin-1"))
    with pytest.raises(KnowledgeError) as raised:
        build_fact_base(knowledge_dir, tmp_path / "bad.db")
    assert raised.value.line == 2


def test_failed_build_keeps_the_previous_fact_base(tmp_path: Path, knowledge_dir: Path) -> None:
    target = tmp_path / "live.db"
    build_fact_base(knowledge_dir, target)
    before = rows(target, "SELECT id, text FROM passages ORDER BY id")
    _replace(knowledge_dir / "facts.toml", "said it summoned", "said it invited")
    with pytest.raises(KnowledgeError):
        build_fact_base(knowledge_dir, target)
    assert rows(target, "SELECT id, text FROM passages ORDER BY id") == before
    assert not list(tmp_path.glob(".live.db.building-*"))
