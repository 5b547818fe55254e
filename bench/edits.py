"""Maintainer edits under stress, with real processes: concurrency, crashes, and liveness.

Usage: python bench/edits.py [--changes 1000] [--kills 20] [--live 10]

Prints three figures for the issue's closing note:

1. Two processes make `--changes` edits between them at the same moment (half alias additions,
   half corrections of one shared fact): how many changes the history holds afterwards, whether
   every correction saw the one before it (no lost update), and the throughput.
2. `--kills` times, a process adding 60-sentence articles in a loop is killed with SIGKILL at a
   random moment: `PRAGMA integrity_check`, and whether every change is wholly there (source,
   passages and history row) or wholly absent. The worker logs "start N" before each change and
   "done N" after it, so the figure says how many kills landed inside an open change.
3. `--live` times, `factbot fact retire|restore` run as a separate process while another process
   holding an `AnswerEngine` (as the bot does) asks the affected question in a loop: the time
   from the CLI's exit to the first answer that reflects the edit, and the CLI's own run time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from edit_workers import CRASHER, EDITOR, python, recorded_and_stored_sources  # noqa: E402

from factbot.editing import Actor, FactBase, history  # noqa: E402
from factbot.knowledge.rebuild import rebuild  # noqa: E402
from factbot.settings import REPO_ROOT  # noqa: E402

FACT = "azerbaijan-protests-torture"
QUESTION = "What did Azerbaijan protest about torture?"
FACTBOT = str(Path(sys.executable).parent / "factbot")

READER = """
import sys, time, json
from pathlib import Path
from factbot.answering.answers import AnswerEngine
engine = AnswerEngine(Path(sys.argv[1]))
question, fact = sys.argv[2], sys.argv[3]
print("ready", flush=True)
for line in sys.stdin:
    want_fact = line.strip() == "active"
    while (engine.ask(question).passage_id == fact) != want_fact:
        time.sleep(0.001)
    print(json.dumps({"seen_at": time.time()}), flush=True)
"""


def fresh_base(folder: Path, name: str) -> Path:
    knowledge = folder / f"{name}-knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    path = folder / f"{name}.db"
    rebuild(knowledge, path, Actor.os_user("bench"))
    return path


def concurrent_edits(folder: Path, changes: int) -> None:
    path = fresh_base(folder, "concurrent")
    per_process = changes // 2
    start = time.time() + 1.0
    workers = [python(EDITOR, path, who, per_process, start) for who in ("ann", "bob")]
    failures = sum(worker.wait() != 0 for worker in workers)
    elapsed = time.time() - start
    base = FactBase(path)
    recorded = [c for c in history(base, Actor.os_user("bench"), limit=10 * changes) if c.action != "build"]
    expected = {f"{w} {i}" for w in ("ann", "bob") for i in range(per_process)}
    missing = expected - {c.reason for c in recorded}
    edits = sorted((c for c in recorded if c.target == f"passage:{FACT}"), key=lambda c: c.id)
    broken = sum(later.before != earlier.after for earlier, later in itertools.pairwise(edits))
    interleaved = sum(
        a.actor != b.actor for a, b in itertools.pairwise(sorted(recorded, key=lambda c: c.id))
    )
    base.close()
    print(
        f"1. Concurrent edits: 2 processes x {per_process} = {2 * per_process} changes in {elapsed:.1f}s "
        f"({2 * per_process / elapsed:.0f} changes/s); worker failures {failures}"
    )
    print(
        f"   history rows {len(recorded)}, missing {len(missing)}, lost updates {broken} "
        f"(chain of {len(edits)} corrections), writer switches {interleaved}"
    )


def crashes(folder: Path, kills: int) -> None:
    path = fresh_base(folder, "crash")
    mid_change = consistent = healthy = 0
    rng = random.Random(4)
    for trial in range(kills):
        worker = python(CRASHER, path, trial * 100_000)
        assert worker.stdout is not None
        time.sleep(rng.uniform(0.3, 1.2))
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        last = worker.stdout.read().strip().splitlines()[-1:] or ["none"]
        ok, whole, absent = check_crash(path, last[0])
        healthy += ok
        consistent += whole
        mid_change += absent
    print(
        f"2. kill -9 during changes: {kills} kills, integrity_check ok {healthy}/{kills}, "
        f"every change wholly there or absent {consistent}/{kills}, "
        f"kills inside an open change (rolled back) {mid_change}/{kills}"
    )


def check_crash(path: Path, last_line: str) -> tuple[bool, bool, bool]:
    """(integrity ok, all changes whole, the change in progress at the kill is absent)."""
    conn = sqlite3.connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded, stored = recorded_and_stored_sources(conn)
        in_progress = last_line.startswith("start ")
        absent = in_progress and f"report-{last_line.split()[1]}" not in stored
        return ok, stored == recorded, absent
    finally:
        conn.close()


def liveness(folder: Path, rounds: int) -> None:
    path = fresh_base(folder, "live")
    reader = python(READER, path, QUESTION, FACT, stdin=subprocess.PIPE)
    assert reader.stdout is not None and reader.stdin is not None
    assert reader.stdout.readline().strip() == "ready"
    after_exit: list[float] = []
    cli_runs: list[float] = []
    for number in range(rounds):
        action, state = ("retire", "retired") if number % 2 == 0 else ("restore", "active")
        began = time.time()
        subprocess.run(
            [FACTBOT, "--db", str(path), "fact", action, FACT, "--reason", "bench"],
            check=True,
            capture_output=True,
        )
        exited = time.time()
        reader.stdin.write(f"{state}\n")
        reader.stdin.flush()
        seen = json.loads(reader.stdout.readline())["seen_at"]
        after_exit.append(max(0.0, seen - exited) * 1000)
        cli_runs.append((exited - began) * 1000)
    reader.stdin.close()
    reader.wait()
    print(
        f"3. CLI edit -> another process's AnswerEngine answering with it, {rounds} edits: "
        f"p50 {statistics.median(after_exit):.1f} ms, max {max(after_exit):.1f} ms after the CLI exits; "
        f"the CLI itself runs p50 {statistics.median(cli_runs):.0f} ms, max {max(cli_runs):.0f} ms "
        f"(start-up included); target < 2000 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--live", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        concurrent_edits(Path(folder), args.changes)
        crashes(Path(folder), args.kills)
        liveness(Path(folder), args.live)


if __name__ == "__main__":
    main()
