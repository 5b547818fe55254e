"""Names in an article: people, places and organisations, with the short forms readers use.

Found without hand annotation from capitalisation and context, so articles nobody prepared get
entities too; curated entities in knowledge/entities.toml take precedence when names collide.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from factbot.language.text import STOPWORDS, Span

_ORG_WORDS = frozenset(
    """
    ministry office agency council committee court party union company university bank news
    police army government parliament assembly service services department commission bureau
    institute organisation organization association church league corporation group ltd inc
    club school college academy foundation navy force forces embassy
    """.split()
)
_PLACE_CUES = frozenset({"in", "at", "from", "to", "near", "across", "city", "capital"})
_NAME_TOKEN = re.compile(r"[A-ZÀ-ÞА-ЯƏŞÇĞİÖÜ][\w’'-]*", re.U)
_NAME_RUN = re.compile(
    r"(?<![\w’'])(?:[A-ZÀ-ÞА-ЯƏŞÇĞİÖÜ][\w-]*(?:[’'][sS])?)(?:\s+(?:of\s+|de\s+|the\s+)?[A-ZÀ-ÞА-ЯƏŞÇĞİÖÜ][\w-]*(?:[’'][sS])?)*"
)


@dataclass(frozen=True)
class FoundEntity:
    name: str
    kind: str
    aliases: tuple[str, ...]


def find_entities(text: str, spans: Sequence[Span]) -> list[FoundEntity]:
    """Capitalised names in `text`, with a guessed kind and the short forms readers use.

    A sentence's first word counts only if the document also uses it capitalised mid-sentence
    or it is not an ordinary word there ("The", "During" are dropped; "Baku" stays).
    """
    lowercase_words = {w for w in re.findall(r"\b[a-z][a-z’'-]+\b", text)}
    counts: Counter[str] = Counter()
    contexts: dict[str, set[str]] = {}
    for span in spans:
        for match in _NAME_RUN.finditer(span.text):
            name = _trim_name(match.group(), at_start=match.start() == 0, lower=lowercase_words)
            if not name:
                continue
            counts[name] += 1
            before = span.text[: match.start()].split()
            contexts.setdefault(name, set()).add(before[-1].lower() if before else "")
    found = []
    for name in sorted(counts):
        kind = _guess_kind(name, contexts[name])
        found.append(
            FoundEntity(
                name=name, kind=kind, aliases=_short_forms(name) if kind == "person" else ()
            )
        )
    return found


def _trim_name(name: str, at_start: bool, lower: set[str]) -> str | None:
    tokens = [re.sub(r"[’']s$", "", token, flags=re.I) for token in name.split()]
    if at_start and tokens and (tokens[0].lower() in lower or tokens[0].lower() in STOPWORDS):
        tokens = tokens[1:]
    while tokens and tokens[0].lower() in {"of", "de", "the"}:
        tokens = tokens[1:]
    while tokens and tokens[-1].lower() in {"of", "de", "the"}:
        tokens = tokens[:-1]
    if not tokens:
        return None
    if len(tokens) == 1 and (tokens[0].lower() in STOPWORDS or len(tokens[0]) < 3):
        return None
    return " ".join(tokens)


def _guess_kind(name: str, contexts: set[str]) -> str:
    tokens = [t.lower() for t in name.split()]
    if any(t in _ORG_WORDS for t in tokens):
        return "organisation"
    if contexts & _PLACE_CUES and len(tokens) <= 2:
        return "place"
    if len(tokens) in (2, 3):
        return "person"
    return "other"


def _short_forms(name: str) -> tuple[str, ...]:
    tokens = name.split()
    if len(tokens) >= 2 and not any(t.lower() in _ORG_WORDS for t in tokens):
        return (tokens[-1],)
    return ()
