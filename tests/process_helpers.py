"""Stopping a process a test started, whatever it does with the polite signal."""

from __future__ import annotations

import asyncio
import contextlib
import signal


async def interrupt_then_kill(
    process: asyncio.subprocess.Process, grace: float = 30.0
) -> tuple[bytes, bytes]:
    """Send SIGINT and collect the output; kill by pid if it is still alive after `grace` s.

    A bot that ignores or outlives SIGINT must not stay behind, holding the fake's port and the
    test's fact base, after the test has failed.
    """
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        return await asyncio.wait_for(process.communicate(), grace)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
