"""Discord front-end latency: INTERACTION_CREATE sent -> interaction callback POST received.

Runs the real bot (discord.py client, all extensions, the real fact base built from knowledge/)
against the loopback fake from tests/fakes, all in one process on 127.0.0.1, so the figures are
the bot's own overhead (gateway parsing, command dispatch, thread hop, rendering, HTTP), not
Discord's network. Two runs:

1. sequential: N questions one after another -> p50 / p99 / max;
2. concurrent: N users each send /ask at once -> every interaction must get exactly one reply
   (no loss, no duplicate acknowledgement), with the latency spread under that burst. The burst
   is served one after another by one process (the fake shares its CPU and event loop), so its
   p50 is mostly queueing: roughly N/2 times the per-question cost.

Usage: python bench/discord_latency.py [--questions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fakes import FakeDiscord, SentInteraction, start_bot  # noqa: E402

from factbot.knowledge.build import build_fact_base  # noqa: E402
from factbot.settings import Settings  # noqa: E402

QUESTIONS = (
    "Who is Aykhan Hajizada?",
    "who is hajizade",
    "What did the Foreign Ministry say?",
    "Who was detained in Baku?",
    "Who died in police custody?",
    "What happened in Yekaterinburg?",
    "What happened in Ekaterinburg?",
    "Who is Rahman Mustafayev?",
    "Who is Safarov?",
    "What did Russia demand?",
    "Who is Igor Kartavykh?",
    "What is the capital of France?",
    "How many people attended the protest?",
    "What is Sputnik Azerbaijan?",
    "Who opened a criminal case?",
    "@everyone what did Baku call for?",
    "What did the note say about ethnic intolerance?",
    "Who is Yevgeny Belousov?",
    "When was the raid?",
    "What is the weather in Moscow?",
)


@dataclass
class RunResult:
    latencies_ms: list[float]
    lost: int
    duplicated: int
    deferred: int
    answered: int
    seconds: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def sequential(fake: FakeDiscord, count: int) -> RunResult:
    """One question at a time, so each latency is the bot's path with nothing else queued."""
    latencies: list[float] = []
    started = time.perf_counter()
    sent_all: list[SentInteraction] = []
    for index in range(count):
        sent = await fake.slash("ask", {"question": QUESTIONS[index % len(QUESTIONS)]})
        callback = await fake.callback(sent, timeout=10)
        latencies.append((callback.at - sent.sent_at) * 1000)
        sent_all.append(sent)
    return await _tally(fake, sent_all, latencies, time.perf_counter() - started)


async def concurrent(fake: FakeDiscord, count: int) -> RunResult:
    """`count` different users press enter at the same moment."""
    users = [fake.make_user(f"burst{i}") for i in range(count)]
    started = time.perf_counter()
    sent_all = await asyncio.gather(
        *(
            fake.slash("ask", {"question": QUESTIONS[i % len(QUESTIONS)]}, user=user)
            for i, user in enumerate(users)
        )
    )
    callbacks = await asyncio.gather(
        *(fake.callback(sent, timeout=30) for sent in sent_all), return_exceptions=True
    )
    latencies = [
        (c.at - s.sent_at) * 1000
        for s, c in zip(sent_all, callbacks, strict=True)
        if not isinstance(c, BaseException)
    ]
    await asyncio.gather(*(fake.reply(s, timeout=30) for s in sent_all), return_exceptions=True)
    return await _tally(fake, list(sent_all), latencies, time.perf_counter() - started)


async def _tally(
    fake: FakeDiscord, sent: list[SentInteraction], latencies: list[float], seconds: float
) -> RunResult:
    """Count visible replies per interaction: the callback, or the follow-up after a defer."""
    tokens = {s.token: s for s in sent}
    visible: Counter[str] = Counter()
    deferred = 0
    answered = 0
    for request in fake.requests:
        parts = request.path.split("/")
        if request.path.endswith("/callback") and parts[3] in tokens:
            if request.json.get("type") == 5:
                deferred += 1
                continue
            visible[parts[3]] += 1
            answered += "embeds" in request.message and "don't say" not in str(request.message)
        elif (
            request.path.startswith("/webhooks/")
            and request.method in {"POST", "PATCH"}
            and parts[3] in tokens
        ):
            visible[parts[3]] += 1
    lost = sum(1 for token in tokens if visible[token] == 0)
    duplicated = sum(1 for token in tokens if visible[token] > 1) + len(fake.rejected)
    return RunResult(latencies, lost, duplicated, deferred, answered, seconds)


def report(title: str, result: RunResult, count: int) -> None:
    values = result.latencies_ms
    print(f"{title}: {count} x /ask in {result.seconds:.2f}s")
    print(
        f"  callback latency ms: p50 {percentile(values, 50):.2f}  p99 {percentile(values, 99):.2f}  "
        f"max {max(values):.2f}  mean {statistics.fmean(values):.2f}"
    )
    print(
        f"  replies: {count - result.lost}/{count} delivered, lost {result.lost}, duplicated {result.duplicated}, "
        f"deferred {result.deferred}, with a quote {result.answered}"
    )


async def main(count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "factbot.db"
        build_fact_base(REPO / "knowledge", db_path)
        settings = Settings(
            db_path=db_path, discord_token=FakeDiscord.TOKEN, ask_cooldown_seconds=0.0
        )
        async with FakeDiscord() as fake:
            with fake.patched():
                async with start_bot(fake, settings):
                    await fake.reply(await fake.slash("ask", {"question": QUESTIONS[0]}))  # warm-up
                    fake.requests.clear()
                    first = await sequential(fake, count)
                    fake.requests.clear()
                    second = await concurrent(fake, count)
    report("sequential", first, count)
    report("concurrent", second, count)
    ok = first.lost == second.lost == 0 and first.duplicated == second.duplicated == 0
    print(
        "OK: every interaction got exactly one reply" if ok else "FAIL: replies lost or duplicated"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(args.questions)))
