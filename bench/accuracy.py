"""Answer accuracy of factbot against a plain BM25 sentence retriever, measured in one run.

Usage: python bench/accuracy.py [--squad DIR] [--articles A,B] [--incident FILE]

For each question set it prints answerable accuracy (answered with a quote holding an expected
answer), abstention accuracy (unanswerable questions abstained) and their mean, for factbot at
its configured threshold, for factbot at its best threshold, and for BM25 at its best threshold.
Scoring follows ../shared/bench/README.md: lowercase, punctuation folded to spaces, whitespace
collapsed, then substring containment.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from factbot.answering.answers import AnswerEngine
from factbot.index.ingest import ingest_paths
from factbot.knowledge.build import build_fact_base
from factbot.language.segment import segment
from factbot.language.text import words
from factbot.settings import REPO_ROOT

SQUAD_DIR = REPO_ROOT.parent / "shared" / "bench" / "squad-public"
INCIDENT_QUESTIONS = REPO_ROOT / "bench" / "incident_questions.jsonl"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def holds_answer(quote: str | None, answers: Iterable[str]) -> bool:
    if not quote:
        return False
    haystack = f" {normalise(quote)} "
    return any(f" {normalise(a)} " in haystack for a in answers if normalise(a))


@dataclass(frozen=True)
class Outcome:
    """One system's top quote and score for one question."""

    answerable: bool
    correct_quote: bool
    score: float


def rates(outcomes: Sequence[Outcome], threshold: float) -> tuple[float, float]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    right = sum(o.correct_quote and o.score >= threshold for o in answerable)
    abstained = sum(o.score < threshold for o in unanswerable)
    return (
        right / len(answerable) if answerable else math.nan,
        abstained / len(unanswerable) if unanswerable else math.nan,
    )


def best_threshold(outcomes: Sequence[Outcome]) -> tuple[float, float, float]:
    """The threshold maximising the mean of the two rates, with those rates."""
    best = (-1.0, 0.0, 0.0, 0.0)
    for threshold in sorted({o.score for o in outcomes} | {math.inf}):
        answered, abstained = rates(outcomes, threshold)
        mean = (answered + abstained) / 2
        if mean > best[0]:
            best = (mean, threshold, answered, abstained)
    return best[1], best[2], best[3]


def rule_threshold(outcomes: Sequence[Outcome], share: float = 0.95) -> tuple[float, float, float]:
    """The rule settings.DEFAULT_MIN_CONFIDENCE follows: the highest threshold that still answers
    `share` of the answerable questions right, midway to the next unanswerable question below it.
    Returns it with the least confident right answer it keeps and that unanswerable's score."""
    answerable = sum(o.answerable for o in outcomes)
    right = sorted((o.score for o in outcomes if o.answerable and o.correct_quote), reverse=True)
    needed = math.ceil(share * answerable)
    if len(right) < needed:
        return 0.0, 0.0, 0.0
    keep = right[needed - 1]
    below = max((o.score for o in outcomes if not o.answerable and o.score < keep), default=0.0)
    return (keep + below) / 2, keep, below


def at_abstention(outcomes: Sequence[Outcome], target: float) -> tuple[float, float]:
    """Answerable accuracy at the lowest threshold that abstains on `target` of unanswerables."""
    for threshold in sorted({o.score for o in outcomes} | {math.inf}):
        answered, abstained = rates(outcomes, threshold)
        if abstained >= target:
            return answered, abstained
    return 0.0, 1.0


def trade_off_table(systems: dict[str, Sequence[Outcome]]) -> None:
    """Answerable accuracy of each system at matched abstention rates on unanswerables."""
    print("  abstained ->   " + "  ".join(f"{t:>5.0%}" for t in TRADE_OFF_POINTS))
    for name, outcomes in systems.items():
        cells = "  ".join(f"{at_abstention(outcomes, t)[0]:5.1%}" for t in TRADE_OFF_POINTS)
        print(f"  {name:<13s} {cells}")


TRADE_OFF_POINTS = (0.2, 0.4, 0.5, 0.6, 0.7, 0.8)


class BM25Sentences:
    """Okapi BM25 (k1=1.2, b=0.75) over the same sentences factbot quotes, no stemming."""

    def __init__(self, sentences: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.sentences = list(sentences)
        self.docs = [Counter(words(s)) for s in self.sentences]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def top(self, question: str) -> tuple[str | None, float]:
        query = set(words(question))
        best_score, best = 0.0, None
        for sentence, doc, length in zip(self.sentences, self.docs, self.lengths, strict=True):
            score = 0.0
            for term in query:
                tf = doc.get(term, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self.average)
                    score += self.idf[term] * tf * (self.k1 + 1) / norm
            if score > best_score:
                best_score, best = score, sentence
        return best, best_score


def factbot_outcomes(engine: AnswerEngine, questions: Sequence[dict[str, object]], key: str) -> list[Outcome]:
    outcomes = []
    for item in questions:
        answer = engine.ask(str(item["question"]))
        expected = item.get(key) or []
        assert isinstance(expected, list)
        outcomes.append(
            Outcome(bool(item["answerable"]), holds_answer(answer.quote, expected), answer.confidence)
        )
    return outcomes


def bm25_outcomes(retriever: BM25Sentences, questions: Sequence[dict[str, object]], key: str) -> list[Outcome]:
    outcomes = []
    for item in questions:
        quote, score = retriever.top(str(item["question"]))
        expected = item.get(key) or []
        assert isinstance(expected, list)
        outcomes.append(Outcome(bool(item["answerable"]), holds_answer(quote, expected), score))
    return outcomes


def top1(outcomes: Sequence[Outcome]) -> float:
    answerable = [o for o in outcomes if o.answerable]
    return sum(o.correct_quote for o in answerable) / len(answerable)


def report(name: str, factbot: Sequence[Outcome], bm25: Sequence[Outcome] | None, threshold: float) -> None:
    answered, abstained = rates(factbot, threshold)
    n_ans = sum(o.answerable for o in factbot)
    print(f"\n== {name}: {len(factbot)} questions ({n_ans} answerable, {len(factbot) - n_ans} unanswerable)")
    print(f"  factbot top-1 quote holds the answer:           {top1(factbot):6.1%}")
    print(f"  factbot at its threshold {threshold:.2f}:  answerable {answered:6.1%}  abstained {abstained:6.1%}  mean {(answered + abstained) / 2:6.1%}")
    t, a, b = best_threshold(factbot)
    print(f"  factbot at best threshold {t:.2f}: answerable {a:6.1%}  abstained {b:6.1%}  mean {(a + b) / 2:6.1%}")
    if bm25 is not None:
        print(f"  BM25 top-1 quote holds the answer:              {top1(bm25):6.1%}")
        t, a, b = best_threshold(bm25)
        print(f"  BM25 at best threshold {t:.2f}:    answerable {a:6.1%}  abstained {b:6.1%}  mean {(a + b) / 2:6.1%}")
        print("  answerable accuracy at matched abstention on unanswerables:")
        trade_off_table({"factbot": factbot, "BM25": bm25})


def load_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_incident(path: Path, threshold: float) -> tuple[list[Outcome], list[Outcome]]:
    questions = load_jsonl(path)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "incident.db"
        build_fact_base(REPO_ROOT / "knowledge", db)
        engine = AnswerEngine(db, 0.0)
        fb = factbot_outcomes(engine, questions, "expect")
        sentences = [str(r[0]) for r in engine.db.execute("SELECT text FROM passages WHERE kind = 'sentence'")]
    bm = bm25_outcomes(BM25Sentences(sentences), questions, "expect")
    return fb, bm


def run_squad(directory: Path, articles: set[str] | None, threshold: float) -> tuple[list[Outcome], list[Outcome]]:
    questions = load_jsonl(directory / "questions.jsonl")
    by_article: dict[str, list[dict[str, object]]] = {}
    for item in questions:
        by_article.setdefault(str(item["article"]), []).append(item)
    fb: list[Outcome] = []
    bm: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        for article, items in sorted(by_article.items()):
            if articles and article not in articles:
                continue
            path = directory / "articles" / f"{article}.md"
            db = Path(tmp) / f"{article}.db"
            ingest_paths(db, [path])
            engine = AnswerEngine(db, 0.0)
            fb += factbot_outcomes(engine, items, "answers")
            sentences = [s.text for s in segment(path.read_text(encoding="utf-8"))]
            bm += bm25_outcomes(BM25Sentences(sentences), items, "answers")
    return fb, bm


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD_DIR)
    parser.add_argument("--articles", help="comma-separated article names (default: all)")
    parser.add_argument("--incident", type=Path, default=INCIDENT_QUESTIONS)
    parser.add_argument("--threshold", type=float, help="factbot's abstention threshold (default: settings)")
    args = parser.parse_args(argv)
    from factbot.settings import load_settings

    threshold = args.threshold if args.threshold is not None else load_settings().min_confidence
    started = time.perf_counter()
    fb, bm = run_incident(args.incident, threshold)
    report(f"incident ({args.incident.name})", fb, bm, threshold)
    rule, keep, below = rule_threshold(fb)
    print(f"  threshold by the rule in settings.py: {rule:.3f} (least confident right answer kept {keep:.3f}, next unanswerable below {below:.3f})")
    if args.squad.is_dir():
        articles = set(args.articles.split(",")) if args.articles else None
        fb, bm = run_squad(args.squad, articles, threshold)
        report("SQuAD public" + (f" ({args.articles})" if articles else ""), fb, bm, threshold)
    else:
        print(f"\n(SQuAD set not found at {args.squad}; skipped)", file=sys.stderr)
    print(f"\n({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
