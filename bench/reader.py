"""The reader alone, as a sentence ranker and judge, against plain BM25, on held-out sets.

Usage: python bench/reader.py [--sets incident,story-dev,squad] [--candidates 8] [--articles A,B]
                              [--verbose]

For each question BM25 (benchsets.BM25Sentences) picks the `--candidates` best sentences of the
set's fact base; the reader (factbot.index.reader) scores them; its best sentence is the quote,
and it abstains when that sentence's probability is below the shipped threshold
(reader.THRESHOLD, chosen on SQuAD articles held out of training, never on these sets). The
sets and their judging are bench/benchsets.py's: incident and incident-chat (knowledge/), the
story-dev corpus by kind, and the public SQuAD articles. Nothing here trains or tunes anything.

Printed per set: top-1 (the reader's best candidate holds the answer, answered or not), the
share of answerable questions with the answer among the candidates at all (what reranking can
reach), answered right and abstained at the shipped threshold, and the best mean of the two over
all thresholds (chosen on the set itself: an upper bound, marked *), for the reader and for
BM25's own top sentence. Then the reader's time a question: p50/p99 to score the candidates.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from accuracy import best_threshold, kind_table, line, top1
from benchsets import BM25Sentences, Question, Verdict, all_sets, at_threshold, judge, sentences_of

from factbot.index import reader as reader_module
from factbot.language.text import words

SET_ORDER = ("incident", "incident-chat", "story-dev", "squad")


def bm25_ranked(retriever: BM25Sentences, question: str, k: int) -> list[tuple[str, str, float]]:
    """BM25's `k` best sentences (text, source, score), best first; ties keep base order."""
    query = set(words(question))
    scored = []
    for index, ((sentence, source), doc, length) in enumerate(
        zip(retriever.sentences, retriever.docs, retriever.lengths, strict=True)
    ):
        score = 0.0
        for term in query:
            tf = doc.get(term, 0)
            if tf:
                norm = tf + retriever.k1 * (
                    1 - retriever.b + retriever.b * length / retriever.average
                )
                score += retriever.idf[term] * tf * (retriever.k1 + 1) / norm
        if score > 0:
            scored.append((-score, index, sentence, source))
    scored.sort()
    return [(sentence, source, -negative) for negative, _, sentence, source in scored[:k]]


def verdicts_for(
    db: Path,
    questions: Sequence[Question],
    reader: reader_module.Reader,
    threshold: float,
    k: int,
    timings: list[float],
) -> tuple[list[Verdict], list[Verdict], list[bool]]:
    retriever = BM25Sentences(sentences_of(db))
    by_reader, by_bm25, reachable = [], [], []
    for q in questions:
        candidates = bm25_ranked(retriever, q.text, k)
        if not candidates:
            empty = {"answered": False}
            by_reader.append(judge(q, empty, False))
            by_bm25.append(judge(q, empty, False))
            reachable.append(False)
            continue
        started = time.perf_counter()
        scores = reader.score(q.text, [c[0] for c in candidates])
        if len(candidates) == k:
            timings.append(time.perf_counter() - started)
        best = max(range(len(candidates)), key=lambda i: scores[i])
        quote, source, _ = candidates[best]
        fields = {
            "answered": True,
            "quote": quote,
            "source": {"id": source},
            "confidence": scores[best],
        }
        by_reader.append(at_threshold(judge(q, fields, False), threshold))
        quote, source, score = candidates[0]
        fields = {"answered": True, "quote": quote, "source": {"id": source}, "confidence": score}
        by_bm25.append(judge(q, fields, False))
        reachable.append(q.answerable and any(q.right_passage(c[0], c[1]) for c in candidates))
    return by_reader, by_bm25, reachable


def report(
    name: str,
    reader: Sequence[Verdict],
    bm25: Sequence[Verdict],
    reachable: Sequence[bool],
    k: int,
    threshold: float,
) -> None:
    n_ans = sum(v.question.answerable for v in reader)
    print(
        f"\n== {name}: {len(reader)} questions ({n_ans} answerable, {len(reader) - n_ans} unanswerable)"
    )
    reach = sum(reachable) / n_ans if n_ans else float("nan")
    print(
        f"  top-1: reader {top1(reader):6.1%}   BM25 {top1(bm25):6.1%}   (answer among BM25's {k}: {reach:6.1%})"
    )
    print(line(f"reader at threshold {threshold:.3f}:", reader))
    if name == "story-dev":
        print("  reader at its threshold, by kind:\n    " + kind_table(reader))
    threshold, best = best_threshold(reader)
    print(line(f"reader at best threshold {threshold:.3f}*:", best))
    threshold, best = best_threshold(bm25)
    print(line(f"BM25 at best threshold {threshold:.2f}*:", best))
    if name == "story-dev":
        print("  BM25 at its best threshold, by kind:\n    " + kind_table(best))


def family(question: Question) -> str:
    return "incident" if question.set_name.startswith("incident") else question.set_name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="incident,story-dev,squad", help="comma-separated")
    parser.add_argument("--candidates", type=int, default=8, help="BM25 sentences the reader reads")
    parser.add_argument("--articles", help="SQuAD articles (comma-separated; default all)")
    parser.add_argument("--verbose", action="store_true", help="list the questions missed")
    parser.add_argument(
        "--model",
        type=Path,
        help="a training/run output folder to judge before shipping (its reader.onnx and the threshold in its figures.json)",
    )
    args = parser.parse_args(argv)
    wanted = set(args.sets.split(","))
    started = time.perf_counter()
    reader, threshold = reader_module.Reader(), reader_module.THRESHOLD
    if args.model:
        model = args.model / "reader.onnx"
        figures = json.loads((args.model / "figures.json").read_text(encoding="utf-8"))
        reader, threshold = (
            reader_module.Reader(model, sha256=figures["sha256"]["reader.onnx"]),
            figures["threshold"],
        )
    reader.warm_up()
    results: dict[str, tuple[list[Verdict], list[Verdict], list[bool]]] = {}
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        articles = set(args.articles.split(",")) if args.articles else None
        for db, questions in all_sets(Path(tmp), articles, with_squad="squad" in wanted):
            chosen = [q for q in questions if family(q) in wanted]
            by_reader, by_bm25, reachable = verdicts_for(
                db, chosen, reader, threshold, args.candidates, timings
            )
            for r, b, ok in zip(by_reader, by_bm25, reachable, strict=True):
                entry = results.setdefault(r.question.set_name, ([], [], []))
                entry[0].append(r)
                entry[1].append(b)
                entry[2].append(ok)
            print(f"  read {db.name}: {len(chosen)} questions", file=sys.stderr)
    print(
        f"reader: {reader.model_path}, threshold {threshold} (chosen on its training validation articles)"
    )
    print("* best threshold: chosen on the set it reports (an upper bound, not held out)")
    for name in SET_ORDER:
        if name in results:
            report(name, *results[name], args.candidates, threshold)
            if args.verbose:
                for v in results[name][0]:
                    if not v.right:
                        state = "answered" if v.answered else "abstained"
                        print(
                            f"    MISS [{v.question.kind}] {state} {v.score:.2f}: {v.question.text}"
                        )
    if timings:
        ms = sorted(t * 1000 for t in timings)
        p99 = ms[int(0.99 * (len(ms) - 1))]
        print(
            f"\nreader time a question, {args.candidates} candidates: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms ({len(ms)} questions)"
        )
    print(f"({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
