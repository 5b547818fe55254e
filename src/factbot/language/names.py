"""Names in an article: people, places and organisations, with the short forms readers use.

Found without hand annotation from capitalisation and context, so articles nobody prepared get
entities too; curated entities in knowledge/entities.toml take precedence when names collide.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from factbot.language.dates import TIME_WORDS
from factbot.language.text import STOPWORDS, Span

_ORG_WORDS = frozenset(
    """
    ministry office agency council committee court party union company university bank news
    police army government parliament assembly service services department commission bureau
    institute organisation organization association church league corporation group ltd inc
    club school college academy foundation navy force forces embassy airline airlines airways
    wire press times post herald gazette tribune courier ledger review media newspaper radio
    television channel broadcaster
    """.split()
)
_PLACE_CUES = frozenset({"in", "at", "near", "across", "city", "capital"})
# "to" and "from" come before people as often as places ("apologised to Ilham Aliyev"): they
# make a place only of a one-word name ("flew to Baku").
_ONE_WORD_PLACE_CUES = frozenset({"from", "to"})
# Titles written before a person's name, capitalised as part of it ("Presidents Vladimir Putin
# and Ilham Aliyev", "Prime Minister Anna Berg"): not part of the name, and a sign of a person.
# Words that also begin names of things ("General Electric", "Chief Executive") are left out.
_TITLES = frozenset(
    """
    president presidents prime minister ministers deputy vice foreign interior defence defense
    ambassador ambassadors envoy spokesman spokeswoman spokesperson judge mayor governor senator
    chancellor premier king queen prince princess pope sheikh emir mr mrs ms dr sir
    """.split()
)
# Words before a time word that make it a date, not part of the name that follows it: "on Friday
# the Culture Ministry", "since June Baku" (a day number, "1 July Moscow", counts too).
_TIME_CUES = frozenset(
    "on in at since by until till from during before after last next this every early late of".split()
)
_JOINERS = frozenset({"of", "de", "the"})
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
    titled_words = {w for w in re.findall(r"\b[A-Z][a-z’'-]+\b", text)}
    counts: Counter[str] = Counter()
    contexts: dict[str, set[str]] = {}
    for span in spans:
        for match in _NAME_RUN.finditer(span.text):
            before = span.text[: match.start()].split()
            previous = before[-1].lower() if before else ""
            name = _trim_name(
                _as_written_elsewhere(match.group(), titled_words),
                at_start=match.start() == 0,
                lower=lowercase_words,
                previous=previous,
            )
            if not name:
                continue
            name, titled = _without_title(name)
            counts[name] += 1
            contexts.setdefault(name, set()).add("(title)" if titled else previous)
    found = []
    kinds = {name: _guess_kind(name, contexts[name]) for name in counts}
    places = {name for name, kind in kinds.items() if kind == "place"}
    for name in sorted(counts):
        kind = kinds[name]
        if kind == "person" and len(name.split()) > 1 and places.intersection(name.split()):
            # A country or city inside a two-word name makes it a body, not a person:
            # "Sputnik Azerbaijan", "Azerbaijan Airlines".
            kind = "organisation"
        found.append(
            FoundEntity(
                name=name, kind=kind, aliases=_short_forms(name) if kind == "person" else ()
            )
        )
    return found


def _trim_name(name: str, at_start: bool, lower: set[str], previous: str) -> str | None:
    tokens = [re.sub(r"[’']s$", "", token, flags=re.I) for token in name.split()]
    if at_start and tokens and (tokens[0].lower() in lower or tokens[0].lower() in STOPWORDS):
        previous = tokens[0].lower()
        tokens = tokens[1:]
    tokens = _without_leading_date(tokens, previous)
    while tokens and tokens[0].lower() in _JOINERS:
        tokens = tokens[1:]
    while tokens and tokens[-1].lower() in _JOINERS:
        tokens = tokens[:-1]
    if not tokens or all(t.lower() in TIME_WORDS | _JOINERS for t in tokens):
        return None
    if len(tokens) == 1 and (tokens[0].lower() in STOPWORDS or len(tokens[0]) < 3):
        return None
    return " ".join(tokens)


def _without_leading_date(tokens: list[str], previous: str) -> list[str]:
    """The name after a weekday or month that opens it as a date ("on Sunday the Culture
    Ministry", "1 July Baku"), or the tokens unchanged.

    Only after a time cue, a day number or at the start of a sentence: after anything else the
    word may belong to the name ("the Sunday Times", "singer June Carter").
    """
    dated = previous in _TIME_CUES or previous.rstrip(",").isdigit() or previous == ""
    if not dated:
        return tokens
    while tokens and tokens[0].lower() in TIME_WORDS:
        tokens = tokens[1:]
    return tokens


def _as_written_elsewhere(name: str, titled_words: set[str]) -> str:
    """A name in capitals ("BAKU, June 29 (Wire) -", a dateline) as the text writes it in
    running prose ("Baku"); acronyms the text never writes otherwise ("FSB") stay."""
    return " ".join(
        token.capitalize() if token.isupper() and token.capitalize() in titled_words else token
        for token in name.split()
    )


def _without_title(name: str) -> tuple[str, bool]:
    """The name after the last title before it ("Russian Deputy Prime Minister Alexei Overchuk"
    -> "Alexei Overchuk"), and whether there was one. Only when two or three words are left, as
    a first and last name: "President Putin" and "Minister of Foreign Affairs" stay as written."""
    tokens = name.split()
    titles = [i for i, t in enumerate(tokens) if t.lower() in _TITLES]
    if not titles:
        return name, False
    kept = tokens[titles[-1] + 1 :]
    if not 2 <= len(kept) <= 3 or any(t.lower() in _ORG_WORDS | _JOINERS for t in kept):
        return name, False
    return " ".join(kept), True


def _guess_kind(name: str, contexts: set[str]) -> str:
    tokens = [t.lower() for t in name.split()]
    if any(t in _ORG_WORDS for t in tokens):
        return "organisation"
    if "(title)" in contexts and len(tokens) <= 3:
        return "person"
    if contexts & _PLACE_CUES and len(tokens) <= 2:
        return "place"
    if contexts & _ONE_WORD_PLACE_CUES and len(tokens) == 1:
        return "place"
    if len(tokens) in (2, 3):
        return "person"
    return "other"


def _short_forms(name: str) -> tuple[str, ...]:
    tokens = name.split()
    if len(tokens) >= 2 and not any(t.lower() in _ORG_WORDS for t in tokens):
        return (tokens[-1],)
    return ()
