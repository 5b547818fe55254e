"""Worker scripts run as real processes against one fact base, and the crash-consistency check.

Shared by tests/test_editing_processes.py (short runs) and bench/edits.py (long runs), so the
test and the benchmark measure the same workload.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

# argv: DB WHO COUNT START [PAUSE]. Loads the model, waits until START (epoch seconds) so both
# editors begin together, then alternates corrections of one shared fact with alias additions,
# pausing up to PAUSE seconds (random) after each, as a person or a bot between edits does. With
# no pause, one writer re-takes the lock before the other's busy handler wakes: the "concurrent"
# editors would take turns only once.
EDITOR = """
import random, sys, time
from pathlib import Path
from factbot.editing import Actor, FactBase, FactPatch, add_aliases, edit_fact
from factbot.index.meaning import default_encoder
db, who, count, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
base = FactBase(db)
actor = Actor.os_user(who)
default_encoder()
while time.time() < start:
    time.sleep(0.0005)
for i in range(count):
    if i % 2:
        edit_fact(base, actor, "azerbaijan-protests-torture", FactPatch(note=f"{who} {i}"), f"{who} {i}")
    else:
        add_aliases(base, actor, "baku", [f"{who} spelling {i}"], f"{who} {i}")
    time.sleep(random.uniform(0, pause))
"""

# argv: DB FIRST COMPLETE STATEMENT. Adds COMPLETE articles (ids report-FIRST...), printing
# "done N" after each; then starts one more and, from inside its transaction, when it is about
# to run the first SQL statement that starts with STATEMENT (e.g. 'INSERT INTO [changes]' or
# 'COMMIT'), prints "inside N" and waits to be killed. The kill then lands inside the change
# every time, however slow the machine.
STOPS_INSIDE = """
import sys, time
from pathlib import Path
from factbot.editing import Actor, FactBase, SourceDraft, add_source
base = FactBase(Path(sys.argv[1]))
actor = Actor.os_user("crasher")
first, complete, statement = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sentences = " ".join(f"Minister number {n} visited the city of Gyumri on day {n}." for n in range(60))

def article(i):
    return SourceDraft(f"Report {i}. " + sentences, source_id=f"report-{i}")

for i in range(first, first + complete):
    add_source(base, actor, article(i), "load")
    print(f"done {i}", flush=True)

stopping = first + complete

def stop_at(sql):
    if sql.lstrip().startswith(statement) and base.db.conn.in_transaction:
        print(f"inside {stopping}", flush=True)
        time.sleep(600)

base.db.conn.set_trace_callback(stop_at)
add_source(base, actor, article(stopping), "load")
print(f"done {stopping}", flush=True)
"""


# argv: STATEMENT TAG FACTBOT-ARGS... Runs the real `factbot` CLI (the same `main` as the console
# script) with FACTBOT-ARGS, every SQLite connection it opens traced: when one of them, inside a
# transaction, is about to run the first SQL statement that starts with STATEMENT, it prints
# "inside TAG" and waits to be killed. With STATEMENT "EXIT" it instead prints "finished TAG" once
# the command has returned, before the process exits. Either way the kill lands where it is meant
# to, however slow the machine.
CLI_STOPS_INSIDE = """
import sqlite3, sys, time
statement, tag = sys.argv[1], sys.argv[2]
sys.argv = ["factbot", *sys.argv[3:]]
connect = sqlite3.connect

def traced_connect(*args, **kwargs):
    conn = connect(*args, **kwargs)

    def stop_at(sql):
        if sql.lstrip().startswith(statement) and conn.in_transaction:
            print(f"inside {tag}", flush=True)
            time.sleep(600)

    conn.set_trace_callback(stop_at)
    return conn

sqlite3.connect = traced_connect
from factbot.cli import main
try:
    main()
finally:
    if statement == "EXIT":
        print(f"finished {tag}", flush=True)
        time.sleep(600)
"""


# Where, inside the transaction of an article being added, a STOPS_INSIDE worker stops to be
# killed: with its source row written and no passage yet; with every row but the history's; and
# with everything written, just before COMMIT.
STOPS = ('INSERT INTO "passages"', "INSERT INTO changes", "COMMIT")


def python(code: str, *args: object, stdin: int | None = None) -> subprocess.Popen[str]:
    """Run `code` in a fresh interpreter with `args` as argv, reading its stdout as text."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        text=True,
        stdout=subprocess.PIPE,
        stdin=stdin,
    )


def recorded_and_stored_sources(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, int]]:
    """Passages per added source as the history records them, and as the tables hold them.

    After a crash the two are equal exactly when every change is wholly there or wholly absent.
    """
    recorded = {
        row[0].partition(":")[2]: len(json.loads(row[1])["active"])
        for row in conn.execute("SELECT target, after FROM changes WHERE action = 'source.add'")
    }
    stored = dict(
        conn.execute(
            "SELECT s.id, count(p.id) FROM sources s JOIN passages p ON p.source_id = s.id "
            "WHERE s.origin = 'edit' GROUP BY s.id"
        ).fetchall()
    )
    return recorded, stored
