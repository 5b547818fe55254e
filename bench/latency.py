"""Latency per question and build time, for the incident base and a synthetic 100,000-passage base.

Usage: python bench/latency.py [--passages 100000] [--repeat 5]

Prints p50/p99 of `AnswerEngine.ask` (warm, one thread), the share of questions for which the
matcher consulted the sentence encoder (it encodes a question only when word evidence leaves the
top two passages close), and the time to build each base: for the incident base the first build
in the process (loading the encoder, encoding every passage) and the best of five rebuilds
(passage vectors cached in the process). Questions are never cached. The synthetic base is generated deterministically: articles of Zipf-distributed words with names,
numbers and reporting verbs, ingested through the same pipeline as any article.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from factbot.answering.answers import AnswerEngine
from factbot.answering.matcher import Matcher
from factbot.index.ingest import add_source, finish_ingest
from factbot.knowledge.build import build_fact_base
from factbot.models import Source
from factbot.settings import REPO_ROOT
from factbot.store.database import connect, transaction
from factbot.store.migrations import migrate

INCIDENT_QUESTIONS = REPO_ROOT / "bench" / "incident_questions.jsonl"
SYLLABLES = "ka ro mi ten sa vo li de nu pa ri to ma zel gor an is ur bel tan vik os".split()


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_questions(engine: AnswerEngine, questions: Sequence[str], repeat: int) -> list[float]:
    for question in questions:
        engine.ask(question)
    timings = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            engine.ask(question)
            timings.append(time.perf_counter() - started)
    return timings


def encoded_share(db_path: Path, questions: Sequence[str]) -> float:
    matcher = Matcher(connect(db_path, readonly=True))
    encoded = 0
    for question in questions:
        ranking = matcher.rank(matcher.analyse(question))
        encoded += any("semantic" in c.features for c in ranking.candidates)
    return encoded / len(questions)


def report(name: str, timings: Sequence[float], build: str, encoded: float) -> None:
    print(
        f"{name}: build {build}; {len(timings)} questions: "
        f"p50 {percentile(timings, 0.5) * 1000:.2f} ms, p99 {percentile(timings, 0.99) * 1000:.2f} ms, "
        f"mean {statistics.mean(timings) * 1000:.2f} ms; question encoded for {encoded:.0%}"
    )


def best_of(runs: int, action: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def incident(repeat: int, tmp: Path) -> None:
    db = tmp / "incident.db"
    first = best_of(1, lambda: build_fact_base(REPO_ROOT / "knowledge", db))
    rebuild = best_of(5, lambda: build_fact_base(REPO_ROOT / "knowledge", db))
    questions = [json.loads(line)["question"] for line in INCIDENT_QUESTIONS.read_text().splitlines() if line.strip()]
    timings = time_questions(AnswerEngine(db), questions, repeat)
    build = f"{first:.2f}s first, {rebuild:.2f}s rebuild"
    report("incident base", timings, build, encoded_share(db, questions))


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic_article(rng: random.Random, vocabulary: list[str], names: list[str], sentences: int) -> str:
    lines = []
    for _ in range(sentences):
        body = rng.choices(vocabulary, cum_weights=ZIPF[len(vocabulary)], k=rng.randint(8, 22))
        body.insert(rng.randrange(len(body)), rng.choice(names))
        if rng.random() < 0.3:
            body.insert(rng.randrange(len(body)), str(rng.randint(2, 2025)))
        if rng.random() < 0.2:
            body = [rng.choice(names), "said", *body]
        lines.append(" ".join(body).capitalize() + ".")
    return "\n".join(lines)


class _ZipfTable(dict[int, list[float]]):
    """Cumulative Zipf weights per vocabulary size, computed once."""

    def __missing__(self, size: int) -> list[float]:
        self[size] = list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))
        return self[size]


ZIPF = _ZipfTable()


def synthetic(passages: int, repeat: int, tmp: Path) -> None:
    rng = random.Random(7)
    vocabulary = make_vocabulary(rng, 20_000)
    names = [f"{rng.choice(vocabulary).title()} {rng.choice(vocabulary).title()}" for _ in range(300)]
    db_path = tmp / "synthetic.db"
    per_article = 200
    started = time.perf_counter()
    db = connect(db_path)
    migrate(db)
    texts = []
    with transaction(db):
        for number in range(passages // per_article):
            text = synthetic_article(rng, vocabulary, names, per_article)
            texts.append(text)
            add_source(db, Source(id=f"synthetic-{number}", outlet="Synthetic"), text, origin="bench")
        finish_ingest(db)
    build_seconds = time.perf_counter() - started
    count = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    db.conn.close()
    questions = []
    for _ in range(200):
        sentence = rng.choice(rng.choice(texts).split("\n")).rstrip(".").split()
        picked = rng.sample(sentence, k=min(4, len(sentence)))
        questions.append(f"{rng.choice(['What', 'Who', 'When', 'Where'])} {' '.join(picked)}?")
    questions += [f"What about {rng.choice(vocabulary)}x{rng.choice(vocabulary)}?" for _ in range(50)]
    timings = time_questions(AnswerEngine(db_path), questions, repeat)
    report(f"synthetic base ({count:,} passages)", timings, f"{build_seconds:.1f}s", encoded_share(db_path, questions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        incident(args.repeat, tmp)
        synthetic(args.passages, max(1, args.repeat // 2), tmp)


if __name__ == "__main__":
    main()
