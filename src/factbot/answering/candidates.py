"""A candidate passage as ranked, the ranking of one question, and the stretches of sources
they quote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from factbot.answering.question import Question


@dataclass(frozen=True)
class Candidate:
    rowid: int
    passage_id: str
    source_id: str
    text: str
    attribution: str | None
    kind: str
    start: int
    end: int
    score: float
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranking:
    question: Question
    candidates: tuple[Candidate, ...]
    confidence: float

# (source id, start, end): a stretch of a source, as passages and curated facts quote it.
Span = tuple[str, int, int]


def within(row: dict[str, Any], spans: Collection[Span]) -> bool:
    return any(
        row["source_id"] == source and row["start"] < end and start < row["end"]
        for source, start, end in spans
    )


def prefer_curated(candidates: list[Candidate]) -> list[Candidate]:
    """A curated fact and an article passage that quote the same stretch of a source are one
    piece of evidence: the fact stands for both, with the better of their scores.

    Maintainers curate a fact to be the quote for it; and two copies of one sentence would
    otherwise take a related-passage slot and make the best answer look contested.
    """
    facts = [c for c in candidates if c.kind == "fact"]
    if not facts:
        return candidates
    best = {id(f): f.score for f in facts}
    kept = []
    for candidate in candidates:
        same = [
            f
            for f in facts
            if candidate.kind != "fact"
            and f.source_id == candidate.source_id
            and f.start < candidate.end
            and candidate.start < f.end
        ]
        if not same:
            kept.append(candidate)
        for fact in same:
            best[id(fact)] = max(best[id(fact)], candidate.score)
    return [
        dataclasses.replace(c, score=best[id(c)], features={**c.features, "score": best[id(c)]})
        if c.kind == "fact"
        else c
        for c in kept
    ]
