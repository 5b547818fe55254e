"""Bytes that are not UTF-8 never crash factbot: one line, exit 2; in a batch, an error object.

Python keeps undecodable command-line and stdin bytes as lone surrogates; JSON from Discord can
carry them as `\\ud800` escapes. Each way in refuses them clearly, and the batch stream goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.editing import Actor, FactBase, FactPatch, edit_fact
from factbot.errors import InputError

FACTBOT = [sys.executable, "-m", "factbot"]
TORTURE = "azerbaijan-protests-torture"
BAD = b"who died \xff in custody"

COMMANDS: dict[str, list[bytes]] = {
    "ask": [b"ask", BAD],
    "ask --json": [b"ask", b"--json", BAD],
    "fact add": [b"fact", b"add", BAD, b"--reason", b"r"],
    "fact retire": [b"fact", b"retire", BAD, b"--reason", b"r"],
    "fact show": [b"fact", b"show", BAD],
    "fact history": [b"fact", b"history", BAD],
    "alias add": [b"alias", b"add", b"baku", BAD, b"--reason", b"r"],
    "--reason": [b"fact", b"retire", TORTURE.encode(), b"--reason", BAD],
    "ingest --source": [b"ingest", b"article.md", b"--source", BAD],
    "ingest --url": [b"ingest", b"article.md", b"--url", b"https://x.example/\xff"],
}


def run(db: Path, args: list[bytes], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    (db.parent / "article.md").write_text("The ministers met in Tbilisi on Monday, an aide said.\n")
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [*FACTBOT, "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=db.parent,
        env=env,
    )


def one_line_usage_error(result: subprocess.CompletedProcess[bytes]) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, err)
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    return line


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_argument_that_is_not_utf8_gets_one_line_and_exit_2(
    command: str, built_db: Path
) -> None:
    before = built_db.read_bytes()
    line = one_line_usage_error(run(built_db, COMMANDS[command]))
    assert "not valid UTF-8" in line
    assert built_db.read_bytes() == before


@pytest.mark.slow
def test_a_line_that_is_not_utf8_in_a_batch_gets_an_error_object_and_the_stream_goes_on(
    shared_db: Path,
) -> None:
    result = run(shared_db, [b"ask", b"--json", b"-"], stdin=b"who died \xff\nwhere was the raid\n")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert "not valid UTF-8" in first["error"] and first["answered"] is False
    assert "error" not in second and second["answered"] is True


@pytest.mark.slow
@pytest.mark.parametrize(
    ("data", "shown"),
    [(bytes(range(256)), "binary"), ("Café owners said so.".encode("latin-1"), "not valid UTF-8")],
    ids=["binary", "latin-1"],
)
def test_source_add_of_a_file_that_is_not_utf8_gets_one_line_and_exit_2(
    built_db: Path, data: bytes, shown: str
) -> None:
    (built_db.parent / "binary.bin").write_bytes(data)
    line = one_line_usage_error(run(built_db, [b"source", b"add", b"binary.bin", b"--reason", b"x"]))
    assert shown in line


@pytest.mark.slow
def test_a_quote_on_stdin_that_is_not_utf8_gets_one_line_and_exit_2(built_db: Path) -> None:
    line = one_line_usage_error(run(built_db, [b"fact", b"add", b"-", b"--reason", b"r"], stdin=BAD))
    assert "not valid UTF-8" in line


@pytest.mark.slow
def test_chat_refuses_a_line_that_is_not_utf8_and_keeps_going(shared_db: Path) -> None:
    result = run(shared_db, [b"chat"], stdin=b"who died \xff\nwhere was the raid\n")
    assert result.returncode == 0, result.stderr
    assert b"not valid UTF-8" in result.stderr and b"Traceback" not in result.stderr
    assert "Yekaterinburg" in result.stdout.decode()


def test_lone_surrogates_from_any_front_end_are_refused_as_input(built_db: Path) -> None:
    """Discord's JSON can carry "\\ud800"; the core refuses it whoever calls."""
    with pytest.raises(InputError, match="not valid UTF-8"):
        AnswerEngine(built_db).ask("who died \ud800 in custody")
    base = FactBase(built_db)
    try:
        with pytest.raises(InputError, match="not valid UTF-8"):
            edit_fact(base, Actor.os_user("ops"), TORTURE, FactPatch(note="x"), "why \udcff")
    finally:
        base.close()
