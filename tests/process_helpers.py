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
    test's fact base, after the test has failed. When it outlives SIGINT, the TimeoutError
    carries the end of what it printed, with every thread's stack if it was started with
    `faulthandler.register(SIGUSR1)` (as the security tests' launcher does): what it was
    waiting for is the first thing anyone needs to know.
    """
    reading = asyncio.ensure_future(process.communicate())
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        return await asyncio.wait_for(asyncio.shield(reading), grace)
    except TimeoutError as timeout:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGUSR1)
            await asyncio.sleep(1.0)
        _kill(process)
        raise TimeoutError(
            f"still running {grace:.0f} s after SIGINT; the end of its output:\n"
            + _tail(await reading)
        ) from timeout
    finally:
        _kill(process)
        await process.wait()


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def _tail(output: tuple[bytes | None, bytes | None], limit: int = 6000) -> str:
    """The end of stdout, then of stderr (None where the stream was not piped)."""
    out, err = ((stream or b"").decode(errors="replace") for stream in output)
    return f"{out[-limit // 3 :]}\n--- stderr ---\n{err[-limit:]}"
