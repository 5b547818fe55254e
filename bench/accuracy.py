"""Answer accuracy of factbot, set by set and kind by kind, against a plain BM25 sentence retriever.

Usage: python bench/accuracy.py [--protocol held-out|shipped] [--sets incident,story-dev,squad]
                                [--articles A,B] [--verbose]

Sets (bench/benchsets.py): the incident questions (shipped, and the chat-style ones written
apart from them), story-dev (four other outlets' articles built with knowledge/ into one base in
a temporary folder, scored by kind as ../shared/bench/story-dev/README.md says, `conflicts`
included) and the public SQuAD articles.

Protocols:
- held-out (default): every fitted weight and the threshold are fitted again by
  `calibrate.fit_parameters` without the fold being scored; folds leave whole articles out (the
  incident article; the story-dev corpus; three SQuAD articles at a time, calibrate.SQUAD_FOLDS).
  Only these figures say what to expect on articles and questions not seen.
- shipped: the weights and threshold in the code as they are (fitted on some of these sets:
  in-sample figures, for comparison only).

Per set it prints answered right (answerable questions answered with a right quote),
abstained (unanswerable questions), their mean, top-1 (the best quote holds the answer, answered
or not), and the answers that are wrong yet shown as "High". "Best threshold" lines choose the
threshold on the very set they report (an upper bound, not held out), as for BM25, which has
no threshold of its own.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchsets import (
    ANSWERABLE_KINDS,
    BM25Sentences,
    Question,
    Verdict,
    all_sets,
    at_threshold,
    judge,
    missing_shared,
    sentences_of,
)
from calibrate import Parameters, collect_cached, fit_parameters, fold_of, installed

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import Answer
from factbot.settings import load_settings

SET_ORDER = ("incident", "incident-chat", "story-dev", "squad")


def high(answer: Answer) -> bool:
    """Whether the bot would show this answer as "High" confidence."""
    return dataclasses.replace(answer, answered=True).confidence_words == "high"


def ask_all(db: Path, questions: Sequence[Question], threshold: float, timings: list[float]) -> list[Verdict]:
    """factbot's verdicts: asked at threshold 0 (to see the best quote even when it would
    abstain), then abstaining below `threshold`."""
    engine = AnswerEngine(db, 0.0)
    verdicts = []
    for q in questions:
        started = time.perf_counter()
        answer = engine.ask(q.text)
        timings.append(time.perf_counter() - started)
        fields = answer.as_json()
        fields["top_quote"] = answer.quote
        fields["top_source"] = answer.source.id if answer.source else None
        verdicts.append(at_threshold(judge(q, fields, high(answer)), threshold))
    engine._forget()
    return verdicts


def bm25_all(db: Path, questions: Sequence[Question]) -> list[Verdict]:
    """BM25's top sentence for each question, always answering (thresholds come later)."""
    retriever = BM25Sentences(sentences_of(db))
    verdicts = []
    for q in questions:
        quote, source, score = retriever.top(q.text)
        fields = {"answered": quote is not None, "quote": quote, "source": {"id": source}, "confidence": score}
        verdicts.append(judge(q, fields, False))
    return verdicts


def rates(verdicts: Sequence[Verdict]) -> tuple[float, float]:
    answerable = [v for v in verdicts if v.question.answerable]
    unanswerable = [v for v in verdicts if not v.question.answerable]
    return (
        sum(v.right for v in answerable) / len(answerable) if answerable else math.nan,
        sum(v.right for v in unanswerable) / len(unanswerable) if unanswerable else math.nan,
    )


def mean_of(pair: tuple[float, float]) -> float:
    values = [x for x in pair if not math.isnan(x)]
    return sum(values) / len(values) if values else math.nan


def best_threshold(verdicts: Sequence[Verdict]) -> tuple[float, list[Verdict]]:
    """The threshold (chosen on these very verdicts) maximising the mean of the two rates."""
    answerable = sorted((v.score, v.offered and v.quote_right) for v in verdicts if v.question.answerable)
    unanswerable = sorted(v.score for v in verdicts if not v.question.answerable and v.offered)
    n_ans = max(1, len(answerable))
    n_un = max(1, sum(not v.question.answerable for v in verdicts))
    abstained_always = sum(not v.question.answerable and not v.offered for v in verdicts)
    best_value, best = -1.0, math.inf
    for threshold in sorted({v.score for v in verdicts} | {math.inf}):
        right = sum(r for s, r in answerable[bisect.bisect_left(answerable, (threshold, False)) :])
        abstained = abstained_always + bisect.bisect_left(unanswerable, threshold)
        value = (right / n_ans + abstained / n_un) / 2
        if value > best_value:
            best_value, best = value, threshold
    return best, [at_threshold(v, best) for v in verdicts]


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "-"


def line(label: str, verdicts: Sequence[Verdict]) -> str:
    answered, abstained = rates(verdicts)
    wrong_high = sum(v.wrong_high for v in verdicts)
    return (
        f"  {label:<34s} answered right {answered:6.1%}  abstained {abstained:6.1%}  "
        f"mean {mean_of((answered, abstained)):6.1%}  wrong-High {wrong_high}"
    )


def top1(verdicts: Sequence[Verdict]) -> float:
    answerable = [v for v in verdicts if v.question.answerable]
    return sum(v.top1 for v in answerable) / len(answerable) if answerable else math.nan


def report_plain(name: str, factbot: Sequence[Verdict], bm25: Sequence[Verdict]) -> None:
    n_ans = sum(v.question.answerable for v in factbot)
    print(f"\n== {name}: {len(factbot)} questions ({n_ans} answerable, {len(factbot) - n_ans} unanswerable)")
    print(f"  factbot top-1 quote holds the answer:  {top1(factbot):6.1%}   (BM25 {top1(bm25):6.1%})")
    print(line("factbot at its threshold:", factbot))
    threshold, best = best_threshold(factbot)
    print(line(f"factbot at best threshold {threshold:.2f}*:", best))
    threshold, best = best_threshold(bm25)
    print(line(f"BM25 at best threshold {threshold:.2f}*:", best))


def kind_table(verdicts: Sequence[Verdict]) -> str:
    cells = []
    for kind in (*ANSWERABLE_KINDS, "unanswerable"):
        of_kind = [v for v in verdicts if v.question.kind == kind]
        cell = f"{kind} {pct(sum(v.right for v in of_kind), len(of_kind))}"
        if kind == "conflict":
            cell += f" [one side only {sum(v.one_side for v in of_kind)}]"
        cells.append(cell)
    return "\n    ".join(cells)


def report_story(factbot: Sequence[Verdict], bm25: Sequence[Verdict]) -> None:
    print(f"\n== story-dev: {len(factbot)} questions, one base of knowledge/ + 4 articles")
    print(f"  factbot top-1 quote holds the answer:  {top1(factbot):6.1%}   (BM25 {top1(bm25):6.1%})")
    print("  factbot at its threshold, by kind:\n    " + kind_table(factbot))
    print(line("factbot at its threshold:", factbot))
    wrong_high = [v for v in factbot if v.wrong_high]
    for v in wrong_high:
        print(f"    wrong-High: {v.question.text!r}")
    threshold, best = best_threshold(bm25)
    print(f"  BM25 at best threshold {threshold:.2f}*, by kind:\n    " + kind_table(best))
    print(line("BM25 at best threshold*:", best))


def verbose_misses(verdicts: Sequence[Verdict]) -> None:
    for v in verdicts:
        if not v.right:
            state = "one side" if v.one_side else ("answered" if v.answered else "abstained")
            top = " (best quote right)" if v.top1 else ""
            print(f"    MISS [{v.question.set_name}/{v.question.kind}] {state}{top} {v.score:.2f}: {v.question.text}")


def run(
    sets: Sequence[tuple[Path, list[Question]]],
    parameters_for: Callable[[Question], Parameters | None],
    shipped_threshold: float,
) -> tuple[list[Verdict], list[Verdict], list[float]]:
    factbot: list[Verdict] = []
    bm25: list[Verdict] = []
    timings: list[float] = []
    for db, questions in sets:
        by_parameters: dict[int, tuple[Parameters | None, list[Question]]] = {}
        for q in questions:
            parameters = parameters_for(q)
            by_parameters.setdefault(id(parameters), (parameters, []))[1].append(q)
        for parameters, chunk in by_parameters.values():
            if parameters is None:
                factbot += ask_all(db, chunk, shipped_threshold, timings)
            else:
                with installed(parameters):
                    factbot += ask_all(db, chunk, parameters.threshold, timings)
        bm25 += bm25_all(db, questions)
    return factbot, bm25, timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=("held-out", "shipped"), default="held-out")
    parser.add_argument("--sets", default="incident,story-dev,squad", help="comma-separated")
    parser.add_argument("--articles", help="SQuAD articles (comma-separated; default all)")
    parser.add_argument("--threshold", type=float, help="shipped protocol: abstention threshold (default: settings)")
    parser.add_argument("--verbose", action="store_true", help="list the questions missed")
    parser.add_argument("--cache", type=Path, help="held-out: keep the collected features in this file (reused while the code is unchanged)")
    args = parser.parse_args(argv)
    wanted = set(args.sets.split(","))
    # Held-out fits leave each set out in turn, so they need the shared sets whichever are reported.
    missing = missing_shared({"story-dev", "squad"} if args.protocol == "held-out" else wanted)
    if missing:
        print(f"bench/accuracy.py: {missing}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    shipped_threshold = args.threshold if args.threshold is not None else load_settings().min_confidence
    with tempfile.TemporaryDirectory() as tmp:
        articles = set(args.articles.split(",")) if args.articles else None
        # Held-out fits need every set, whichever are reported.
        sets = all_sets(Path(tmp), articles, with_squad="squad" in wanted or args.protocol == "held-out")
        if args.protocol == "held-out":
            items = collect_cached(sets, args.cache)
            folds = sorted({fold_of(i.question.group) for i in items})
            fitted = {}
            for fold in folds:
                fitted[fold] = fit_parameters([i for i in items if fold_of(i.question.group) != fold])
                print(f"fold {fold}: fitted without it, threshold {fitted[fold].threshold:.3f}", file=sys.stderr)
            chosen = [(db, [q for q in qs if _family(q) in wanted]) for db, qs in sets]
            factbot, bm25, timings = run(chosen, lambda q: fitted[fold_of(q.group)], shipped_threshold)
        else:
            chosen = [(db, [q for q in qs if _family(q) in wanted]) for db, qs in sets]
            factbot, bm25, timings = run(chosen, lambda q: None, shipped_threshold)
    print(f"protocol: {args.protocol}" + (" (leave whole articles out; every weight and threshold fitted without the fold)" if args.protocol == "held-out" else f" (weights in the code, threshold {shipped_threshold})"))
    print("* best threshold: chosen on the set it reports (an upper bound, not held out)")
    for set_name in SET_ORDER:
        fb = [v for v in factbot if v.question.set_name == set_name]
        bm = [v for v in bm25 if v.question.set_name == set_name]
        if not fb:
            continue
        if set_name == "story-dev":
            report_story(fb, bm)
        else:
            report_plain(set_name, fb, bm)
        if args.verbose:
            verbose_misses(fb)
    if timings:
        ms = sorted(t * 1000 for t in timings)
        print(f"\nfactbot time a question over all sets: p50 {statistics.median(ms):.1f} ms, p99 {ms[int(0.99 * (len(ms) - 1))]:.1f} ms (bench/latency.py measures the incident base alone)")
    print(f"({time.perf_counter() - started:.1f}s)")
    return 0


def _family(question: Question) -> str:
    return "incident" if question.set_name.startswith("incident") else question.set_name


if __name__ == "__main__":
    raise SystemExit(main())
