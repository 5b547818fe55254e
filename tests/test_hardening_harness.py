"""The test harness itself: it runs however pytest is called and leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from process_helpers import interrupt_then_kill

from factbot.settings import REPO_ROOT

# Every test here starts factbot (or pytest) as a process: see README, "Tests".
pytestmark = pytest.mark.slow

IGNORES_SIGINT = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(600)\n"
)


async def test_a_process_that_ignores_sigint_is_killed_by_pid_when_the_test_ends() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", IGNORES_SIGINT, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert await process.stdout.readline() == b"ready\n"
    with pytest.raises(TimeoutError):
        await interrupt_then_kill(process, grace=1.0)
    assert process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)


def test_the_suite_runs_without_pytests_cache_plugin() -> None:
    """`-p no:cacheprovider` (read-only checkouts, some CI setups) must not crash conftest."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/test_settings.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "FACTBOT_CACHE_DIR"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
