"""Real processes against one fact base: concurrent editors lose nothing, a kill -9 mid-change
leaves the change wholly there or wholly absent, and a running reader sees an edit at once."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from edit_workers import EDITOR, STOPS, STOPS_INSIDE, python, recorded_and_stored_sources

from factbot.editing import Actor, FactBase, history

# Every test here starts factbot (or pytest) as a process: see README, "Tests".
pytestmark = pytest.mark.slow

TORTURE = "azerbaijan-protests-torture"
FACTBOT = str(Path(sys.executable).parent / "factbot")

READER = """
import sys, time, json
from pathlib import Path
from factbot.answering.answers import AnswerEngine
engine = AnswerEngine(Path(sys.argv[1]))
question, watched = sys.argv[2], sys.argv[3]
assert engine.ask(question).passage_id == watched
print("ready", flush=True)
give_up = time.time() + float(sys.argv[4])
while engine.ask(question).passage_id == watched and time.time() < give_up:
    time.sleep(0.005)
print(json.dumps({"seen_at": time.time()}), flush=True)
"""


def test_two_processes_editing_at_once_lose_no_change(built_db: Path) -> None:
    count = 40
    start = time.time() + 0.5
    workers = [python(EDITOR, built_db, who, count, start) for who in ("ann", "bob")]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    base = FactBase(built_db)
    changes = history(base, Actor.os_user(), limit=10_000)
    assert sorted(c.reason for c in changes) == sorted(
        f"{w} {i}" for w in ("ann", "bob") for i in range(count)
    )
    aliases = {r[0] for r in base.db.execute("SELECT alias FROM aliases WHERE entity_id = 'baku'")}
    assert {f"{w} spelling {i}" for w in ("ann", "bob") for i in range(0, count, 2)} <= aliases
    edits = sorted((c for c in changes if c.target == f"passage:{TORTURE}"), key=lambda c: c.id)
    for earlier, later in itertools.pairwise(edits):
        assert later.before == earlier.after  # each edit saw the one before it: no lost update
    base.close()


def test_kill_during_a_change_leaves_it_wholly_there_or_wholly_absent(built_db: Path) -> None:
    """Each worker has its own ids, completes some changes, then signals from inside the next
    one's transaction and is killed on that signal: no timing, so it holds on a loaded machine."""
    completed: list[str] = []
    killed_inside: list[str] = []
    for number, statement in enumerate(STOPS):
        worker = python(STOPS_INSIDE, built_db, 1000 * (number + 1), number + 1, statement)
        assert worker.stdout is not None
        for line in worker.stdout:
            kind, _, ident = line.strip().partition(" ")
            if kind == "done":
                completed.append(f"report-{ident}")
            if kind == "inside":
                killed_inside.append(f"report-{ident}")
                break
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=60)
    assert len(killed_inside) == len(STOPS), "a worker never reached its stop inside a change"
    conn = sqlite3.connect(built_db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded, stored = recorded_and_stored_sources(conn)
        sources = {row[0] for row in conn.execute("SELECT id FROM sources")}
    finally:
        conn.close()
    assert stored == recorded, "a change is there in part"
    assert set(completed) <= set(recorded), "a committed change was lost"
    assert not set(killed_inside) & (sources | set(recorded)), "a change killed before COMMIT is there"


LOADS_BEFORE_LOCKING = """
import sys
from pathlib import Path
from factbot.editing import Actor, FactBase, retire
from factbot.index.meaning import default_encoder
base = FactBase(Path(sys.argv[1]))
loaded_at_begin = []
def note(sql):
    if sql.startswith("BEGIN IMMEDIATE"):
        loaded_at_begin.append(default_encoder.cache_info().currsize == 1)
base.db.conn.set_trace_callback(note)
retire(base, Actor.os_user("ops"), sys.argv[2], "disputed")
print(loaded_at_begin, flush=True)
"""


def test_a_processs_first_change_loads_the_model_before_taking_the_write_lock(built_db: Path) -> None:
    worker = python(LOADS_BEFORE_LOCKING, built_db, TORTURE)
    out, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0
    assert out.strip() == "[True]"


def test_a_running_reader_answers_with_a_cli_edit_within_two_seconds(built_db: Path) -> None:
    question = "What did Azerbaijan protest about torture?"
    reader = python(READER, built_db, question, TORTURE, 20)
    assert reader.stdout is not None
    assert reader.stdout.readline().strip() == "ready"
    edit = subprocess.run(
        [FACTBOT, "--db", str(built_db), "fact", "retire", TORTURE, "--reason", "disputed"],
        capture_output=True,
        text=True,
        check=False,
    )
    committed = time.time()
    assert edit.returncode == 0, edit.stderr
    seen = json.loads(reader.stdout.readline())["seen_at"]
    assert reader.wait(timeout=10) == 0
    assert seen - committed < 2.0
