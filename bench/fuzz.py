"""Long fuzz runs: the property tests' targets (tests/hardening_fuzz.py) with many more inputs.

Unlike the tests, a failing input does not stop the run: each failure is counted, its first
occurrences are printed (input and error), and the run goes on, so one pass reports every kind of
failure at once. Prints, per target, the inputs tried, accepted, refused with a clear message,
failed, and the slowest single input.

Usage: python bench/fuzz.py [--examples 2000] [--target questions --target cli ...] [--seed N]
Exit status 1 if any input failed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from hardening_fuzz import TARGETS, Target  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

SHOWN_FAILURES = 3


@dataclass
class Tally:
    failures: int = 0
    slowest: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)


def fuzz(target: Target, examples: int, folder: Path, run_seed: int | None) -> Tally:
    world = target.prepare(folder)
    tally = Tally()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def run(value: Any) -> None:
        started = time.perf_counter()
        try:
            target.run(world, value)
        except Exception as error:  # a failure is counted and the run goes on
            target.counter.tried += 1
            tally.failures += 1
            kind = (
                f"{type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"
            )
            tally.kinds[kind] = tally.kinds.get(kind, 0) + 1
            if len(tally.shown) < SHOWN_FAILURES and tally.kinds[kind] == 1:
                tally.shown.append(f"input {value!r:.300}\n{traceback.format_exc(limit=-3)}")
        finally:
            tally.slowest = max(tally.slowest, time.perf_counter() - started)

    if run_seed is not None:
        run = seed(run_seed)(run)
    run()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="inputs per target")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="repeatable")
    parser.add_argument("--seed", type=int, help="hypothesis seed, for a reproducible run")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # factbot warns about refused inputs; the tally says it all
    names = args.target or list(TARGETS)
    total_tried = total_failed = 0
    started = time.perf_counter()
    print(
        f"{'target':<18} {'tried':>7} {'accepted':>9} {'refused':>8} {'failed':>7} {'slowest':>9}"
    )
    for name in names:
        target = TARGETS[name]
        with tempfile.TemporaryDirectory(prefix="factbot-fuzz-") as folder:
            tally = fuzz(target, args.examples, Path(folder), args.seed)
        count = target.counter
        total_tried += count.tried
        total_failed += tally.failures
        print(
            f"{name:<18} {count.tried:>7} {count.accepted:>9} {count.refused:>8} "
            f"{tally.failures:>7} {tally.slowest * 1000:>7.0f}ms",
            flush=True,
        )
        for kind, times in sorted(tally.kinds.items(), key=lambda item: -item[1]):
            print(f"    {times} x {kind}")
        for shown in tally.shown:
            print("    " + shown.replace("\n", "\n    "))
    print(
        f"total: {total_tried} inputs tried, {total_failed} failures, "
        f"{time.perf_counter() - started:.0f}s"
    )
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
