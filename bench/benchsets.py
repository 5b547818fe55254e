"""The question sets the benchmarks score, their fact bases, and how an answer is judged.

Three families, each reported on its own:
- incident: the project's knowledge/ (the TRT article and the curated files), with the shipped
  questions (bench/incident_questions.jsonl) and the chat-style dev questions written apart
  from them (bench/incident_chat_questions.jsonl);
- story-dev: ../shared/bench/story-dev, four articles of other outlets built into ONE base
  together with knowledge/ (copied to a temporary folder: the benchmark never enters
  knowledge/), scored by kind as its README says;
- SQuAD public: ../shared/bench/squad-public, one base per article.

Every question belongs to a *group*, the unit the held-out protocol leaves out whole: the
incident article, the story-dev corpus (its five articles share one base, so they leave
together), and each SQuAD article.

Text is compared as ../shared/bench/README.md says: lowercase, punctuation folded to spaces,
whitespace collapsed, then a whole-word substring.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from factbot.index.ingest import ingest_paths
from factbot.knowledge.build import build_fact_base
from factbot.language.text import words
from factbot.settings import REPO_ROOT
from factbot.store.database import connect

T = TypeVar("T")

SHARED_BENCH = REPO_ROOT.parent / "shared" / "bench"
SQUAD_DIR = SHARED_BENCH / "squad-public"
STORY_DIR = SHARED_BENCH / "story-dev"
INCIDENT_QUESTIONS = REPO_ROOT / "bench" / "incident_questions.jsonl"
INCIDENT_CHAT_QUESTIONS = REPO_ROOT / "bench" / "incident_chat_questions.jsonl"
KNOWLEDGE = REPO_ROOT / "knowledge"

INCIDENT_GROUP = "incident"
STORY_GROUP = "story-dev"
ANSWERABLE_KINDS = ("fact", "recency", "conflict", "follow-up-free")


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def phrases_in(text: str | None, phrases: Iterable[str]) -> set[str]:
    """The expected phrases `text` holds as whole words."""
    if not text:
        return set()
    haystack = f" {normalise(text)} "
    return {p for p in phrases if normalise(p) and f" {normalise(p)} " in haystack}


def holds_answer(quote: str | None, answers: Iterable[str]) -> bool:
    return bool(phrases_in(quote, answers))


@dataclass(frozen=True)
class Question:
    """One benchmark question, whatever file it came from."""

    set_name: str  # "incident", "incident-chat", "story-dev", "squad"
    group: str  # what the held-out protocol leaves out whole
    text: str
    kind: str  # "answerable"/"unanswerable", or story-dev's kinds
    expect: tuple[str, ...]
    sources: tuple[str, ...] = ()  # recency: the source the quote must come from

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def right_passage(self, text: str, source_id: str) -> bool:
        """Whether a passage would be a right answer (for fitting the ranking)."""
        if not holds_answer(text, self.expect):
            return False
        return self.kind != "recency" or source_id in self.sources


@dataclass(frozen=True)
class Verdict:
    """How one system did on one question."""

    question: Question
    answered: bool
    right: bool  # by the set's own rule (abstaining, for an unanswerable question)
    one_side: bool = False  # conflict: the answer shows exactly one version
    high: bool = False  # shown as "High" confidence
    top1: bool = False  # the best quote holds an expected phrase, answered or not
    score: float = 0.0  # confidence (factbot) or bm25 score
    quote_right: bool = False  # the answer would be right if given (before any threshold)
    quote_one_side: bool = False
    offered: bool = False  # the system had a quote to give (before any threshold)

    @property
    def wrong_high(self) -> bool:
        return self.answered and self.high and not self.right and not self.one_side


def judge(question: Question, answer: dict[str, Any], high: bool) -> Verdict:
    """Score an answer given as `ask --json` fields (answered, quote, source.id, conflicts)."""
    return replace(_judge(question, answer, high), offered=bool(answer.get("answered")))


def _judge(question: Question, answer: dict[str, Any], high: bool) -> Verdict:
    answered = bool(answer.get("answered"))
    quote = answer.get("quote") if answered else None
    source = (answer.get("source") or {}).get("id") if answered else None
    top_quote = answer.get("top_quote", quote)
    top_source = answer.get("top_source", source)
    top1 = question.answerable and question.right_passage(top_quote or "", str(top_source))
    score = float(answer.get("confidence") or 0.0)
    if not question.answerable:
        return Verdict(question, answered, not answered, high=high, score=score)
    if not answered:
        return Verdict(question, False, False, top1=top1, score=score)
    if question.kind == "conflict":
        quotes = [quote, *(c.get("quote") for c in answer.get("conflicts") or [])]
        found = set().union(*(phrases_in(q, question.expect) for q in quotes))
        return Verdict(
            question, True, len(found) >= 2, one_side=len(found) == 1, high=high, top1=top1, score=score,
            quote_right=len(found) >= 2, quote_one_side=len(found) == 1,
        )
    right = question.right_passage(quote or "", str(source))
    return Verdict(question, True, right, high=high, top1=top1, score=score, quote_right=right)


def at_threshold(verdict: Verdict, threshold: float) -> Verdict:
    """The same answer, abstaining when its score is below `threshold`."""
    answered = verdict.offered and verdict.score >= threshold
    if not verdict.question.answerable:
        return replace(verdict, answered=answered, right=not answered)
    return replace(
        verdict, answered=answered, right=verdict.quote_right and answered,
        one_side=verdict.quote_one_side and answered,
    )


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def incident_questions(path: Path, set_name: str) -> list[Question]:
    return [
        Question(
            set_name,
            INCIDENT_GROUP,
            str(q["question"]),
            "answerable" if q["answerable"] else "unanswerable",
            tuple(q.get("expect") or ()),
        )
        for q in load_jsonl(path)
    ]


def story_questions(directory: Path = STORY_DIR) -> list[Question]:
    out = []
    for q in load_jsonl(directory / "questions.jsonl"):
        source = q.get("source")
        sources = tuple(source) if isinstance(source, list) else ((source,) if source else ())
        out.append(Question("story-dev", STORY_GROUP, str(q["q"]), str(q["kind"]), tuple(q.get("expect") or ()), sources))
    return out


def squad_questions(directory: Path = SQUAD_DIR, articles: set[str] | None = None) -> list[Question]:
    return [
        Question(
            "squad",
            f"squad:{q['article']}",
            str(q["question"]),
            "answerable" if q["answerable"] else "unanswerable",
            tuple(q.get("answers") or ()),
        )
        for q in load_jsonl(directory / "questions.jsonl")
        if articles is None or q["article"] in articles
    ]


def build_incident(tmp: Path) -> Path:
    db = tmp / "incident.db"
    build_fact_base(KNOWLEDGE, db)
    return db


def build_story(tmp: Path, directory: Path = STORY_DIR) -> Path:
    """knowledge/ plus the four story-dev articles, built in a temporary copy."""
    knowledge = tmp / "story-knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    for article in sorted((directory / "articles").glob("*.md")):
        shutil.copy(article, knowledge / "sources" / article.name)
    db = tmp / "story.db"
    build_fact_base(knowledge, db)
    return db


def build_squad(tmp: Path, article: str, directory: Path = SQUAD_DIR) -> Path:
    db = tmp / f"squad-{article}.db"
    ingest_paths(db, [directory / "articles" / f"{article}.md"])
    return db


def missing_shared(names: set[str]) -> str | None:
    """Which of the shared sets `names` (story-dev, squad) are not beside this clone, and where
    they were looked for, as one line; None when all are there."""
    folders = {"story-dev": STORY_DIR, "squad": SQUAD_DIR}
    missing = [folders[name].name for name in sorted(names & folders.keys()) if not folders[name].is_dir()]
    if not missing:
        return None
    return (
        f"missing {' and '.join(missing)} in {SHARED_BENCH} (the shared bench, looked for beside "
        "this clone as ../shared/bench); with this clone alone, run: "
        "python bench/accuracy.py --protocol shipped --sets incident"
    )


def all_sets(
    tmp: Path, squad_articles: set[str] | None = None, with_squad: bool = True
) -> list[tuple[Path, list[Question]]]:
    """Each fact base with the questions asked of it."""
    sets = [(build_incident(tmp), incident_questions(INCIDENT_QUESTIONS, "incident"))]
    if INCIDENT_CHAT_QUESTIONS.exists():
        sets[0][1].extend(incident_questions(INCIDENT_CHAT_QUESTIONS, "incident-chat"))
    if STORY_DIR.is_dir():
        sets.append((build_story(tmp), story_questions()))
    if with_squad and SQUAD_DIR.is_dir():
        questions = squad_questions(articles=squad_articles)
        for article in sorted({q.group.split(":", 1)[1] for q in questions}):
            group = f"squad:{article}"
            sets.append((build_squad(tmp, article), [q for q in questions if q.group == group]))
    return sets


def sentences_of(db: Path) -> list[tuple[str, str]]:
    """(text, source id) of every active sentence of a fact base, in the order they were
    stored: what BM25 ranks, the same sentences factbot quotes."""
    connection = connect(db, readonly=True)
    rows = [
        (str(text), str(source))
        for text, source in connection.execute(
            "SELECT text, source_id FROM passages WHERE kind = 'sentence' AND status = 'active' ORDER BY rowid"
        )
    ]
    connection.conn.close()
    return rows


class BM25Sentences:
    """Okapi BM25 (k1=1.2, b=0.75) over the same sentences factbot quotes, no stemming."""

    def __init__(self, sentences: Sequence[tuple[str, str]], k1: float = 1.2, b: float = 0.75) -> None:
        """`sentences`: (text, source id) pairs."""
        self.sentences = list(sentences)
        self.docs = [Counter(words(s)) for s, _ in self.sentences]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def top(self, question: str) -> tuple[str | None, str | None, float]:
        query = set(words(question))
        best_score, best, best_source = 0.0, None, None
        for (sentence, source), doc, length in zip(self.sentences, self.docs, self.lengths, strict=True):
            score = 0.0
            for term in query:
                tf = doc.get(term, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self.average)
                    score += self.idf[term] * tf * (self.k1 + 1) / norm
            if score > best_score:
                best_score, best, best_source = score, sentence, source
        return best, best_source, best_score


def collected(
    sets: Sequence[tuple[Path, Sequence[Question]]],
    collect: Callable[[Sequence[tuple[Path, Sequence[Question]]]], list[T]],
    cache: Path | None,
) -> list[T]:
    """`collect(sets)`, kept in `cache` (a pickle) while factbot's code, its packaged data
    (the models among them) and the questions stay the same: collecting takes minutes."""
    if cache is None:
        return collect(sets)
    digest = hashlib.sha256()
    package = REPO_ROOT / "src" / "factbot"
    for path in sorted([*package.rglob("*.py"), *(package / "data").iterdir()]):
        if path.is_file():
            digest.update(path.read_bytes())
    digest.update(repr([q for _, questions in sets for q in questions]).encode())
    key = digest.hexdigest()
    if cache.exists():
        stored_key, items = pickle.loads(cache.read_bytes())
        if stored_key == key:
            return list(items)
    items = collect(sets)
    cache.write_bytes(pickle.dumps((key, items)))
    return items
