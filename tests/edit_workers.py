"""Worker scripts run as real processes against one fact base, and the crash-consistency check.

Shared by tests/test_editing_processes.py (short runs) and bench/edits.py (long runs), so the
test and the benchmark measure the same workload.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

# argv: DB WHO COUNT START. Waits until START (epoch seconds) so both editors begin together,
# then alternates corrections of one shared fact with alias additions.
EDITOR = """
import sys, time
from pathlib import Path
from factbot.editing import Actor, FactBase, FactPatch, add_aliases, edit_fact
db, who, count, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
base = FactBase(db)
actor = Actor.os_user(who)
while time.time() < start:
    time.sleep(0.0005)
for i in range(count):
    if i % 2:
        edit_fact(base, actor, "azerbaijan-protests-torture", FactPatch(note=f"{who} {i}"), f"{who} {i}")
    else:
        add_aliases(base, actor, "baku", [f"{who} spelling {i}"], f"{who} {i}")
"""

# argv: DB [FIRST]. Adds 60-sentence articles until killed, printing "start N" before each
# change and "done N" after it, so a kill can be placed inside or outside a change.
CRASHER = """
import sys
from pathlib import Path
from factbot.editing import Actor, FactBase, SourceDraft, add_source
base = FactBase(Path(sys.argv[1]))
actor = Actor.os_user("crasher")
first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
sentences = " ".join(f"Minister number {n} visited the city of Gyumri on day {n}." for n in range(60))
for i in range(first, first + 100_000):
    print(f"start {i}", flush=True)
    add_source(base, actor, SourceDraft(f"Report {i}. " + sentences, source_id=f"report-{i}"), "load")
    print(f"done {i}", flush=True)
"""


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
