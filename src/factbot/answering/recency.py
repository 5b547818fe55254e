"""Questions about the present, and the latest source that answers them.

A story followed for months changes: a man held in July is under house arrest by October. A
question about how things stand now ("is he still detained?") must be answered from the latest
source that answers it, and the answer must say that it replaces what earlier sources said.
Whether a question is about the present is read from its words: cue words in the languages
the community writes ("still", "now", "до сих пор", "hələ"), the present perfect ("has he
been released"), and a present or future tense of a state with no past-time marker ("is he
detained?", "will Russia pay?"). Nothing here is about one story.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

from factbot.language.text import fold

# Words that ask how things stand now (English, then Russian and Azerbaijani, folded to ASCII).
_PRESENT_CUES = re.compile(
    r"\b(?:still|now|nowadays|currently|current|latest|yet|anymore|any\s+more|ever|so\s+far|"
    r"these\s+days|at\s+the\s+moment|right\s+now|today|recent|recently|any\s+news|"
    r"any\s+updates?|news\s+on|update\s+on|since|"
    r"do\s+sikh\s+por|seychas|teper|eshche|uzhe|poka|"
    r"hala|hele|indi|hazirda|artiq|son\s+xabar)\b"
)
# Present and future auxiliaries that open a question about a state ("is he detained?").
_PRESENT_TENSE = re.compile(
    r"^(?:\w+\s+){0,3}?(?:is|are|am|isn|aren|does|do|doesn|don|has|have|hasn|haven|will|"
    r"gonna|going\s+to|can|may)\b"
)
_PAST_MARKERS = re.compile(
    r"\b(?:did|didn|was|wasn|were|weren|had|ago|yesterday|last|then|first|originally|"
    r"initially|before|earlier|in\s+(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december)|on\s+\d{1,2}|(?:19|20)\d\d)\b"
)


def asks_about_present(question: str) -> bool:
    """Whether `question` asks how things stand now rather than what happened then."""
    text = " ".join(re.sub(r"[^\w\s]", " ", fold(question).lower()).split())
    if _PRESENT_CUES.search(text):
        return True
    return bool(_PRESENT_TENSE.search(text)) and not _PAST_MARKERS.search(text)


class Ranked(Protocol):
    """What recency needs of a ranked passage (a `matcher.Candidate`)."""

    @property
    def passage_id(self) -> str: ...
    @property
    def source_id(self) -> str: ...
    @property
    def score(self) -> float: ...


T = TypeVar("T", bound=Ranked)


@dataclass(frozen=True)
class Choice(Generic[T]):
    """The passage to answer with and the earlier passages it replaces (newest first)."""

    answer: T
    replaces: tuple[T, ...] = ()


def prefer_latest(
    candidates: Sequence[T],
    published: Callable[[str], date | None],
    about: Callable[[T], frozenset[str]],
    min_share: float,
) -> Choice[T]:
    """Among the passages that answer about as well as the best, the one from the latest source.

    A passage competes if it scores at least `min_share` of the best (the bar at which the
    engine already shows a passage as related) and is about one of the same people or things
    (`about` gives a passage's entities; the best's own set decides). The earlier passages about
    the same thing that it outdates are returned with it, to be shown below as what was said
    before. Undated sources never outdate anything: their date is unknown, not old.
    """
    if not candidates:
        raise ValueError("no candidates")
    best = candidates[0]
    subject = about(best)
    bar = best.score * min_share
    contenders = [
        c for c in candidates
        if c.score >= bar and (c is best or not subject or about(c) & subject)
    ]  # fmt: skip
    dated = [(published(c.source_id), i, c) for i, c in enumerate(contenders)]
    known = [(day, i, c) for day, i, c in dated if day is not None]
    if not known:
        return Choice(best)
    latest_day, _, latest = max(known, key=lambda item: (item[0], -item[1]))
    replaced = sorted(
        ((day, c) for day, _, c in known if day < latest_day and c.source_id != latest.source_id),
        key=lambda item: item[0],
        reverse=True,
    )
    seen: set[str] = set()
    earlier = []
    for _, candidate in replaced:
        if candidate.source_id not in seen:
            seen.add(candidate.source_id)
            earlier.append(candidate)
    return Choice(latest, tuple(earlier[:2]))
