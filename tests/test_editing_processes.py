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

from edit_workers import CRASHER, EDITOR, python, recorded_and_stored_sources

from factbot.editing import Actor, FactBase, history

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
    for delay in (0.4, 0.75, 1.1):
        worker = python(CRASHER, built_db)
        assert worker.stdout is not None
        # Count the delay from the first committed change, not from launch: loading the meaning
        # model on a busy machine can take longer than any delay, and then nothing is ever killed
        # mid-change. Later changes take a tenth of a second, so the kill lands inside one.
        for line in worker.stdout:
            if line.startswith("done"):
                break
        time.sleep(delay)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    conn = sqlite3.connect(built_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    recorded, stored = recorded_and_stored_sources(conn)
    assert recorded, "the worker never committed a change; the delays are too short"
    assert stored == recorded


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
