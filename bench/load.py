"""Load and soak: /ask through the loopback fake Discord, as fast as it can send, then for minutes.

The real bot (discord.py client, every extension, a fact base built from knowledge/) runs against
tests/fakes in this process, on 127.0.0.1. Two parts:

1. burst: N interactions (default 1,000) sent back to back from many users, cooldown off. Every
   interaction must get exactly one visible reply (the callback, or the follow-up after a defer):
   prints lost, duplicated, deferred, and the latency from INTERACTION_CREATE sent to the reply
   received (p50 / p99 / max). Bot and fake share one event loop and two cores, so under a burst
   the latency is mostly queueing behind the questions sent before.
2. soak (--soak-seconds S): a steady rate of /ask (--rate per second) for S seconds. The fake
   forgets what it has checked, so what grows is the bot's own memory; RSS (VmRSS from
   /proc/self/status, after a garbage collection) is printed at the start, every minute, and at
   the end, with the same lost/duplicated counts and latency.

Usage: python bench/load.py [--interactions 1000] [--soak-seconds 600] [--rate 20]
Exit status 1 if any reply was lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
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
    "Who died in police custody in Ekaterinburg?",
    "Who is Rahman Mustafayev?",
    "What did Russia demand?",
    "Who is Igor Kartavykh?",
    "What is the capital of France?",
    "How many people attended the protest?",
    "@everyone what did Baku call for?",
    "'; drop table passages; -- who is safarov",
    "**bold** question about Сафаров?",
    "When was the raid?",
)
DEFERRED = {5, 6}
USERS = 200


@dataclass
class Tally:
    sent: int = 0
    lost: int = 0
    duplicated: int = 0
    deferred: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.deferred += other.deferred
        self.latencies_ms += other.latencies_ms


def rss_kb() -> int:
    """Resident memory of this process now, in kB (VmRSS; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def settled_rss_kb() -> int:
    gc.collect()
    return rss_kb()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def tally(fake: FakeDiscord, sent: list[SentInteraction]) -> Tally:
    """Visible replies per interaction: the callback, or the follow-up after a defer."""
    by_token = {s.token: s for s in sent}
    replies: Counter[str] = Counter()
    first_at: dict[str, float] = {}
    deferred = 0
    for request in fake.requests:
        parts = request.path.split("/")
        if len(parts) < 4 or parts[3] not in by_token:
            continue
        token = parts[3]
        if request.path.endswith("/callback"):
            if request.json.get("type") in DEFERRED:
                deferred += 1
                continue
        elif not (request.path.startswith("/webhooks/") and request.method == "POST"):
            continue
        replies[token] += 1
        first_at.setdefault(token, request.at)
    rejected = sum(1 for r in fake.rejected if any(t in r.path for t in by_token))
    return Tally(
        sent=len(sent),
        lost=sum(1 for token in by_token if replies[token] == 0),
        duplicated=sum(1 for token in by_token if replies[token] > 1) + rejected,
        deferred=deferred,
        latencies_ms=[(first_at[s.token] - s.sent_at) * 1000 for s in sent if s.token in first_at],
    )


async def wait_for_replies(fake: FakeDiscord, sent: list[SentInteraction], timeout: float) -> None:
    tokens = {s.token for s in sent}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = {
            r.path.split("/")[3]
            for r in fake.requests
            if r.path.split("/")[3:4]
            and r.path.split("/")[3] in tokens
            and not (r.path.endswith("/callback") and r.json.get("type") in DEFERRED)
        }
        if done >= tokens:
            await asyncio.sleep(0.2)  # let a duplicate, if any, arrive
            return
        await asyncio.sleep(0.05)


def forget(fake: FakeDiscord, sent: list[SentInteraction]) -> None:
    """Drop what the fake kept about checked interactions, so only the bot's memory remains."""
    tokens = {s.token for s in sent}
    fake.requests[:] = [
        r for r in fake.requests if r.path.split("/")[3:4] and r.path.split("/")[3] not in tokens
    ]
    fake.rejected.clear()
    for token in tokens:
        fake.interactions.pop(token, None)
    fake.messages.clear()
    for session in fake.sessions.values():
        del session.sent[:-50]


def report(title: str, result: Tally, seconds: float) -> None:
    values = result.latencies_ms
    print(f"{title}: {result.sent} x /ask in {seconds:.1f}s ({result.sent / seconds:.0f}/s)")
    print(
        f"  reply latency ms: p50 {percentile(values, 50):.1f}  p99 {percentile(values, 99):.1f}  "
        f"max {max(values, default=float('nan')):.1f}"
    )
    print(
        f"  replies: {result.sent - result.lost}/{result.sent} delivered, lost {result.lost}, "
        f"duplicated {result.duplicated}, "
        f"deferred first {result.deferred}"
    )


async def burst(fake: FakeDiscord, count: int) -> Tally:
    users = [fake.make_user(f"load{i}") for i in range(USERS)]
    started = time.perf_counter()
    sent = [
        await fake.slash("ask", {"question": QUESTIONS[i % len(QUESTIONS)]}, user=users[i % USERS])
        for i in range(count)
    ]
    await wait_for_replies(fake, sent, timeout=300)
    result = tally(fake, sent)
    report("burst", result, time.perf_counter() - started)
    forget(fake, sent)
    return result


async def soak(fake: FakeDiscord, seconds: float, rate: int) -> Tally:
    users = [fake.make_user(f"soak{i}") for i in range(USERS)]
    total = Tally()
    start_rss = settled_rss_kb()
    print(f"soak: {rate}/s for {seconds:.0f}s; RSS at start {start_rss / 1024:.1f} MiB", flush=True)
    started = time.monotonic()
    window: list[SentInteraction] = []
    samples = [(0.0, start_rss)]
    next_sample = 60.0
    index = 0
    while (elapsed := time.monotonic() - started) < seconds:
        tick = time.monotonic()
        for _ in range(rate):
            window.append(
                await fake.slash(
                    "ask",
                    {"question": QUESTIONS[index % len(QUESTIONS)]},
                    user=users[index % USERS],
                )
            )
            index += 1
        if len(window) >= rate * 5:
            await wait_for_replies(fake, window, timeout=60)
            total.add(tally(fake, window))
            forget(fake, window)
            window = []
        if elapsed >= next_sample:
            samples.append((elapsed, settled_rss_kb()))
            print(
                f"  {elapsed:5.0f}s  RSS {samples[-1][1] / 1024:.1f} MiB  sent {total.sent}  "
                f"lost {total.lost}  duplicated {total.duplicated}  "
                f"p99 {percentile(total.latencies_ms, 99):.1f} ms",
                flush=True,
            )
            next_sample += 60.0
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    await wait_for_replies(fake, window, timeout=60)
    total.add(tally(fake, window))
    forget(fake, window)
    end_rss = settled_rss_kb()
    report("soak", total, time.monotonic() - started)
    growth = (end_rss - start_rss) / 1024
    print(
        f"  RSS start {start_rss / 1024:.1f} MiB, end {end_rss / 1024:.1f} MiB "
        f"({growth:+.1f} MiB), peak {max(s for _, s in [*samples, (0, end_rss)]) / 1024:.1f} MiB"
    )
    return total


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="factbot-load-") as folder:
        db_path = Path(folder) / "factbot.db"
        build_fact_base(REPO / "knowledge", db_path)
        settings = Settings(
            db_path=db_path, discord_token=FakeDiscord.TOKEN, ask_cooldown_seconds=0.0
        )
        async with FakeDiscord() as fake:
            with fake.patched():
                async with start_bot(fake, settings):
                    await fake.reply(await fake.slash("ask", {"question": QUESTIONS[0]}))  # warm-up
                    fake.requests.clear()
                    print(f"RSS before the burst {settled_rss_kb() / 1024:.1f} MiB")
                    result = await burst(fake, args.interactions)
                    print(f"RSS after the burst {settled_rss_kb() / 1024:.1f} MiB")
                    if args.soak_seconds > 0:
                        result.add(await soak(fake, args.soak_seconds, args.rate))
    ok = result.lost == 0 and result.duplicated == 0
    print(
        "OK: every interaction got exactly one reply" if ok else "FAIL: replies lost or duplicated"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1000, help="burst size")
    parser.add_argument("--soak-seconds", type=float, default=0.0, help="0: no soak (default)")
    parser.add_argument("--rate", type=int, default=20, help="soak interactions per second")
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parser.parse_args())))
