"""Bad input never crashes factbot: questions, knowledge files, ingested articles, CLI arguments.

Property tests over the targets in `hardening_fuzz.py` (bench/fuzz.py runs the same targets for
longer). Each input is accepted, or refused with a `FactbotError` whose message names what to
fix; a knowledge file's refusal names the file and line. Each test prints how many inputs it
tried and records it as the `inputs_tried` property (see the junit report).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hardening_fuzz import KNOWLEDGE, TARGETS, run_target

from factbot.errors import InputError, KnowledgeError
from factbot.index.ingest import MAX_DOCUMENT_CHARS, ingest_paths
from factbot.knowledge.build import build_fact_base
from factbot.knowledge.files import MAX_KNOWLEDGE_FILE_BYTES, load_knowledge

# Examples per target in the test suite: enough to catch the common failures in seconds; the
# long runs are bench/fuzz.py's job.
EXAMPLES = {
    "questions": 300,
    "knowledge sources": 150,
    "knowledge toml": 120,
    "ingest": 120,
    "cli": 80,
}
FACTBOT = [sys.executable, "-m", "factbot"]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_no_generated_input_crashes_factbot(
    name: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    tried = run_target(TARGETS[name], tmp_path, EXAMPLES[name])
    record_property("inputs_tried", tried)
    assert tried >= EXAMPLES[name] // 2, "hypothesis ran far fewer examples than asked"


# --- knowledge files: the cases a maintainer actually gets wrong -------------------------------


@pytest.fixture
def sources(knowledge_dir: Path) -> Path:
    return knowledge_dir / "sources"


def refusal(root: Path) -> KnowledgeError:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return caught.value


def test_a_huge_source_file_is_refused_at_once_naming_the_file(
    knowledge_dir: Path, sources: Path
) -> None:
    path = sources / "huge.md"
    path.write_bytes(b"The minister said the talks went well. " * (MAX_KNOWLEDGE_FILE_BYTES // 39 + 1))
    started = time.perf_counter()
    error = refusal(knowledge_dir)
    assert time.perf_counter() - started < 2.0
    assert str(error) == f"{path}: file is over {MAX_KNOWLEDGE_FILE_BYTES:,} bytes"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (bytes(range(256)) * 4, "file is binary (contains NUL bytes), expected UTF-8 text"),
        (
            "Baku\nSəfərov said.".encode("utf-16"),
            "file is binary (contains NUL bytes), expected UTF-8 text",
        ),
        (
            "---\nid: x\n---\nBaku\nİlham Şahin said so on Friday.".encode("cp1254"),
            "file is not valid UTF-8 text",
        ),
        (b"\x89PNG\r\n\x1a\n", "file is not valid UTF-8 text"),
    ],
    ids=["binary", "utf-16", "turkish-codepage", "png-header"],
)
def test_binary_and_wrongly_encoded_sources_are_refused_with_file_and_line(
    knowledge_dir: Path, sources: Path, data: bytes, expected: str
) -> None:
    path = sources / "bad.md"
    path.write_bytes(data)
    error = refusal(knowledge_dir)
    assert error.path == path
    assert error.reason == expected
    if "UTF-8" in expected and "binary" not in expected:
        assert error.line is not None


@pytest.mark.parametrize(
    ("front_matter", "line", "reason"),
    [
        (
            "---\noutlet: TRT\ntitle: never closed\n",
            1,
            "front matter opened with '---' but never closed",
        ),
        ("---\noutlet TRT\n---\n", 2, "expected 'key: value'"),
        ("---\nheadline: x\n---\n", 2, "expected 'key: value'"),
        ("---\npublished: last Friday\n---\n", 2, "published must be YYYY-MM-DD"),
        ("---\nurl: javascript:alert(1)\n---\n", 2, "url must start with http:// or https://"),
        ("---\nid: ../../etc/passwd\n---\n", 2, "source id '../../etc/passwd' must be"),
        ("---\nid: x\n---\n   \n", 4, "source has no text"),
    ],
    ids=["unclosed", "no-colon", "unknown-key", "bad-date", "bad-url", "path-id", "no-body"],
)
def test_malformed_front_matter_names_the_file_and_line(
    knowledge_dir: Path, sources: Path, front_matter: str, line: int, reason: str
) -> None:
    path = sources / "broken.md"
    body = "" if "no text" in reason else "The minister said the talks went well.\n"
    path.write_text(front_matter + body, encoding="utf-8")
    error = refusal(knowledge_dir)
    assert (error.path, error.line) == (path, line)
    assert error.reason.startswith(reason), error.reason


@pytest.mark.parametrize(
    ("name", "text", "line", "reason"),
    [
        ("entities.toml", "[[entity]]\nid = 'baku'\nname = \"unterminated\n", 3, "invalid TOML"),
        ("entities.toml", "entity = [1, 2]\n", 1, "expected [[entity]] tables"),
        ("entities.toml", "entity = ['baku']\n", 1, "expected [[entity]] tables"),
        ("facts.toml", "fact = 'x'\n", 1, "expected [[fact]] tables"),
        (
            "facts.toml",
            "[[fact]]\nid = 'a'\nsource = 'nowhere'\nquote = 'x'\n",
            1,
            "fact 'a': unknown source",
        ),
        ("facts.toml", "[[fact]]\nid = 1\n", 1, "field 'id' must be a string"),
        ("facts.toml", "title = 'facts'\n", 1, "unexpected top-level key(s): title"),
    ],
    ids=[
        "unterminated",
        "list-of-ints",
        "list-of-strings",
        "not-a-table",
        "unknown-source",
        "int-id",
        "stray-key",
    ],
)
def test_bad_toml_names_the_file_and_line(
    knowledge_dir: Path, name: str, text: str, line: int, reason: str
) -> None:
    (knowledge_dir / name).write_text(text, encoding="utf-8")
    error = refusal(knowledge_dir)
    assert (error.path, error.line) == (knowledge_dir / name, line)
    assert error.reason.startswith(reason), error.reason


def test_a_failed_build_leaves_the_previous_base_answering(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "live.db"
    build_fact_base(knowledge_dir, db)
    before = db.read_bytes()
    (knowledge_dir / "entities.toml").write_text("entity = [1]\n")
    with pytest.raises(KnowledgeError):
        build_fact_base(knowledge_dir, db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["knowledge", "live.db"]


# --- ingest ---------------------------------------------------------------------------------


def test_an_oversized_article_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    article = tmp_path / "huge.md"
    article.write_text("The minister said the talks went well. " * (MAX_DOCUMENT_CHARS // 39 + 1))
    db = tmp_path / "base.db"
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"huge.md is over 2,000,000 characters"):
        ingest_paths(db, [article])
    assert time.perf_counter() - started < 5.0


def test_one_bad_file_among_several_adds_none_of_them(tmp_path: Path, built_db: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("The ministers met in Tbilisi on Monday. They agreed to meet again soon.\n")
    bad = tmp_path / "bad.md"
    bad.write_bytes("Café owners said the road was shut.".encode("latin-1"))
    with pytest.raises(InputError, match=r"bad.md:1: not valid UTF-8 text"):
        ingest_paths(built_db, [good, bad])
    ids = {row[0] for row in sqlite3.connect(built_db).execute("SELECT id FROM sources")}
    assert "good" not in ids


# --- the CLI as a process -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "code", "shown"),
    [
        (["--db"], 2, "Option '--db' requires an argument"),
        (["ask"], 2, "Missing argument 'QUESTION'"),
        (["ask", " \t "], 2, "Please ask a question: it was empty."),
        (["fact", "history", "--limit", "0"], 2, "0 is not in the range"),
        (["revert", "first", "--reason", "x"], 2, "'first' is not a valid integer"),
        (["fact", "show", "no-such-fact"], 2, "no-such-fact"),
        (["summary", "--since", "last week"], 2, "Give the since date as YYYY-MM-DD"),
        (["ingest", "/dev/null"], 2, "is not a regular file"),
        (["--db", "/", "ask", "x"], 2, "is a directory"),
        (["frobnicate"], 2, "No such command 'frobnicate'"),
    ],
)
def test_bad_arguments_get_usage_errors_not_tracebacks(
    built_db: Path, args: list[str], code: int, shown: str
) -> None:
    argv = args if args[:1] == ["--db"] else ["--db", str(built_db), *args]
    result = subprocess.run([*FACTBOT, *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == code, result.stderr
    assert shown in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_a_10kb_question_with_control_characters_is_answered_or_abstained(shared_db: Path) -> None:
    question = ("who died in custody \x1b[2J\u202e\x07 " * 400)[:10_000]
    result = subprocess.run(
        [*FACTBOT, "--db", str(shared_db), "ask", "--json", question],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert '"answered"' in result.stdout


def test_knowledge_example_is_still_valid() -> None:
    """The fuzz targets start from the real knowledge folder; it must load."""
    assert load_knowledge(KNOWLEDGE).sources
