"""Commands read only regular files, and never more than their limit.

`ingest`, `source add` and `build` (its knowledge files) all go through one reader
(`factbot.files.read_regular_file`): a link planted where an article was expected must not get a
secret stored and quoted to anyone, `/dev/zero` must not eat the memory, and a FIFO must not
hang the command. Each runs the real `factbot` process, with a timeout that a hang would hit.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

# Every test here starts factbot (or pytest) as a process: see README, "Tests".
pytestmark = pytest.mark.slow

FACTBOT = [sys.executable, "-m", "factbot"]
SECRET = "DISCORD_TOKEN=abc.def.ghi\nThe deploy key is kept in the vault, the admin said on Monday.\n"


def _ingest(db: Path, article: Path, _knowledge: Path) -> list[str]:
    return ["--db", str(db), "ingest", str(article)]


def _source_add(db: Path, article: Path, _knowledge: Path) -> list[str]:
    return ["--db", str(db), "source", "add", str(article), "--reason", "audit"]


def _build(db: Path, article: Path, knowledge: Path) -> list[str]:
    return ["--db", str(db), "build", "--knowledge", str(knowledge)]


COMMANDS: dict[str, Callable[[Path, Path, Path], list[str]]] = {
    "ingest": _ingest,
    "source add": _source_add,
    "build": _build,
}


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FACTBOT, *argv], capture_output=True, text=True, timeout=60)


def _stored_texts(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT text FROM sources")]
    finally:
        conn.close()


@pytest.fixture
def planted(built_db: Path, knowledge_dir: Path) -> Callable[[str], tuple[Path, Path]]:
    """Plant a file named like an article, for the command under test: (article path, knowledge folder).

    For `build` the article is a source in the knowledge folder; otherwise a download folder's file.
    """

    def plant(command: str) -> tuple[Path, Path]:
        if command == "build":
            return knowledge_dir / "sources" / "statement.md", knowledge_dir
        downloads = built_db.parent / "dl"
        downloads.mkdir(exist_ok=True)
        return downloads / "statement.md", knowledge_dir

    return plant


def _refused_cleanly(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_link_to_a_secret_is_refused_and_never_stored(
    command: str, built_db: Path, planted: Callable[[str], tuple[Path, Path]], tmp_path: Path
) -> None:
    secret = tmp_path / ".env"
    secret.write_text(SECRET)
    article, knowledge = planted(command)
    article.symlink_to(secret)
    before = built_db.read_bytes()
    result = _run(COMMANDS[command](built_db, article, knowledge))
    _refused_cleanly(result, "is a link")
    assert built_db.read_bytes() == before
    assert not any("DISCORD_TOKEN" in text for text in _stored_texts(built_db))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_fifo_is_refused_at_once_instead_of_hanging(
    command: str, built_db: Path, planted: Callable[[str], tuple[Path, Path]]
) -> None:
    article, knowledge = planted(command)
    os.mkfifo(article)
    result = _run(COMMANDS[command](built_db, article, knowledge))
    _refused_cleanly(result, "is not a regular file")


@pytest.mark.parametrize("command", ["ingest", "source add"])
def test_a_device_is_refused_without_reading_it(command: str, built_db: Path, knowledge_dir: Path) -> None:
    result = _run(COMMANDS[command](built_db, Path("/dev/zero"), knowledge_dir))
    _refused_cleanly(result, "is not a regular file")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_huge_file_is_refused_after_reading_no_more_than_the_limit(
    command: str, built_db: Path, planted: Callable[[str], tuple[Path, Path]]
) -> None:
    """A 64 GB sparse file: reading it whole would take minutes and all the memory."""
    article, knowledge = planted(command)
    with article.open("wb") as handle:
        handle.truncate(64 << 30)
    started = time.perf_counter()
    result = _run(COMMANDS[command](built_db, article, knowledge))
    _refused_cleanly(result, "is over")
    assert time.perf_counter() - started < 30


def test_a_link_inside_the_knowledge_folder_is_refused_too(knowledge_dir: Path, tmp_path: Path) -> None:
    """Even pointing inside the folder: git stores the link, not the file a reviewer reads."""
    drafts = knowledge_dir / "drafts"
    drafts.mkdir()
    (drafts / "note.txt").write_text("The ministers met in Tbilisi on Monday, an aide said.\n")
    (knowledge_dir / "sources" / "note.md").symlink_to(drafts / "note.txt")
    result = _run(["--db", str(tmp_path / "x.db"), "build", "--knowledge", str(knowledge_dir)])
    _refused_cleanly(result, "is a link")
    assert not (tmp_path / "x.db").exists()
