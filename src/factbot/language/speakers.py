"""Who each sentence reports as speaking: the attribution shown with every quote.

A news sentence either reports someone's claim ("X said...", "..., X said", "according to X")
or is the outlet's own account; the answer credits the claim to its speaker, never to the bot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_REPORTING_VERBS = (
    "said|says|say|told|tells|stated|states|confirmed|confirms|announced|announces|added|adds|"
    "noted|notes|claimed|claims|alleged|alleges|argued|argues|warned|warns|insisted|insists|"
    "denied|denies|reported|reports|wrote|writes|stressed|stresses|emphasised|emphasized|"
    "reiterated|reiterates|accused|accuses|described|describes|urged|urges|demanded|demands|"
    "called|calls|protested|protests|explained|explains|maintained|maintains"
)
_SUBJECT = r"(?P<subject>(?:[A-Z][\w’'.-]*|of|the|and|for|de|al|el|von|van)(?:\s+(?:[A-Z][\w’'.-]*|of|the|and|for|de|al|el|von|van|[a-z]+person|spokesman|spokeswoman|minister|ministry|ambassador|official|officials|president|head|chief|editor|office|police|authorities|side|government|agency|prosecutors?|lawyers?|court|groups?|workers|residents|analysts|experts|critics|activists|sources|witnesses|leaders|union|officers|staff|members)){0,9})"
_LEADING = re.compile(
    rf"^(?:[^,]{{0,60}},\s+)?{_SUBJECT}\s+(?:(?:on|last)\s+\w+\s+|also\s+|later\s+|earlier\s+|previously\s+|has\s+|had\s+|have\s+)?(?:{_REPORTING_VERBS})\b"
)
_PRONOUN_LEADING = re.compile(
    rf"^(?P<pronoun>He|She|They|It)\s+(?:also\s+|later\s+)?(?:{_REPORTING_VERBS})\b"
)
_INSERTED = re.compile(rf"[,\"”]\s*{_SUBJECT}\s+(?:{_REPORTING_VERBS})\b")
# `"…," said Hajizada`: the verb before its speaker, right after a closing quote.
_INVERTED = re.compile(
    rf"[\"”],?\s+(?:said|says|added|adds|wrote|writes|stated|noted|continued|insisted|told\s+\w+)\s+{_SUBJECT}"
)
_ACCORDING = re.compile(rf"\baccording to {_SUBJECT}")
_NOT_SPEAKERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "there", "in", "on"})


def speakers(passages: Sequence[str]) -> list[str | None]:
    """Who each sentence reports as speaking, or None when it is the outlet's own account.

    "He said..." takes the speaker of the sentence before it, so a quote is never shown as an
    unattributed fact just because the article used a pronoun.
    """
    found: list[str | None] = []
    previous: str | None = None
    for text in passages:
        speaker = previous if _PRONOUN_LEADING.match(text) else _speaker(text)
        found.append(speaker)
        if speaker:
            previous = speaker
    return found


_REPORTING_WORDS = frozenset(_REPORTING_VERBS.split("|")) | {"according"}
_WORD = re.compile(r"[a-z]+")


def _speaker(text: str) -> str | None:
    # The patterns below backtrack a lot and most sentences report no one; the words are read
    # without punctuation, or `"…," Hajizada said, calling for…` would look like no report.
    if _REPORTING_WORDS.isdisjoint(_WORD.findall(text.lower())):
        return None
    for pattern in (_LEADING, _INSERTED, _INVERTED, _ACCORDING):
        match = pattern.search(text)
        if match:
            subject = _clean_subject(match.group("subject"))
            if subject:
                return subject
    return None


def _clean_subject(subject: str) -> str | None:
    """The speaker as a name to credit: leading words that are not the speaker dropped, but the
    article of a description kept, so "the Azerbaijani ambassador" reads "The Azerbaijani
    ambassador, as reported by…" rather than "Azerbaijani ambassador"."""
    tokens = subject.split()
    article = False
    while len(tokens) > 1 and tokens[0].lower() in _NOT_SPEAKERS | {"of", "and", "for"}:
        if tokens[0][:1].isupper() and not tokens[1][:1].isupper():
            break
        article = tokens[0].lower() == "the"
        tokens.pop(0)
    while tokens and tokens[-1].lower() in {"of", "and", "for", "the"}:
        tokens.pop()
    tokens = [t.rstrip(".,;:") for t in tokens]
    if not tokens or not any(t[:1].isupper() for t in tokens):
        return None
    if not tokens[0][:1].isupper():
        return None
    if article and not tokens[-1][:1].isupper():
        tokens.insert(0, "The")
    return " ".join(tokens)
