"""Who each sentence reports as speaking: the attribution shown with every quote.

A news sentence either reports someone's claim ("X said...", "..., X said", "according to X")
or is the outlet's own account; the answer credits the claim to its speaker, never to the bot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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


# Ingest sometimes stores the pronoun itself as the speaker ("He said ..." opening a paragraph);
# whoever was last named in the same source is the one speaking.
_PRONOUN_SPEAKERS = frozenset({"he", "she", "they", "it", "we", "i"})

# "During the meeting, X was handed a note ..." goes on telling the event of the sentence before.
_CONTINUES = re.compile(
    r"^(?:During|At|In|After|Following|Throughout)\s+(?:the|that|this)\s+"
    r"(?:meeting|talks|call|conversation|session|briefing|summons|exchange|hearing|visit)\b"
)


def voices(
    passages: Iterable[tuple[str, str, str, str | None]],
) -> list[tuple[str | None, str | None]]:
    """For each stored passage (source id, kind, text, speaker), in source order: its speaker
    with a pronoun resolved, and the voice its claim is in.

    A speaker stored as "He" is the last speaker named by a sentence of the same source, or
    none: a claim is never credited to "He". A sentence with no speaker that goes on telling
    the event of the sentence before ("Russia's Foreign Ministry said it summoned the
    ambassador. During the meeting, he was handed a note demanding ...") is in that sentence's
    voice: the quote stays credited to the outlet, but the demand is Russia's. Both the summary
    (which side says what) and the answer engine (whose words a question asks for) read claims
    this one way.
    """
    found: list[tuple[str | None, str | None]] = []
    last_speaker: dict[str, str] = {}
    last_voice: dict[str, str | None] = {}
    for source_id, kind, text, speaker in passages:
        if speaker and speaker.lower() in _PRONOUN_SPEAKERS:
            speaker = last_speaker.get(source_id)
        voice = speaker
        if kind == "sentence":
            if speaker:
                last_speaker[source_id] = speaker
            elif _CONTINUES.match(text):
                voice = last_voice.get(source_id)
            last_voice[source_id] = voice
        found.append((speaker, voice))
    return found


# What a question asks someone to have said: "what did X say/demand/accuse ...", "did X say
# ...", "X said what about ...", "what is X's position", "according to X". The verbs are those
# of reporting and of wanting; "which ministry confirmed ..." asks who, not what someone said.
_ASKING_VERBS = (
    r"say|says|said|saying|tell|tells|told|claim|claims|claimed|claiming|allege|alleges|alleged|"
    r"accuse|accuses|accused|accusing|blame|blames|blamed|blaming|demand|demands|demanded|"
    r"demanding|want|wants|wanted|wanting|ask|asks|asked|asking|call|calls|called|calling|urge|"
    r"urges|urged|think|thinks|thought|argue|argues|argued|insist|insists|insisted|deny|denies|"
    r"denied|warn|warns|warned|protest|protests|protested|complain|complains|complained|respond|"
    r"responds|responded|react|reacts|reacted|reply|replies|replied|announce|announces|announced|"
    r"threaten|threatens|threatened|request|requests|requested|expect|expects|expected|describe|"
    r"describes|described|condemn|condemns|condemned"
)
ASKING_VERBS = frozenset(_ASKING_VERBS.split("|"))
# After a form of "be" only the -ing form is the speaker's own act: "what is Russia demanding",
# but "what is the envoy called" and "why was he called in" are passive.
_BE = r"(?:is|was|are|were)"
_OPENERS = r"(?:(?:so|and|but|ok|okay|wait|btw|then|also)\W+)*"
_AUXILIARY = r"(?:did|does|do|has|have|had|is|was|are|were|will|would)"
_ADVERB = r"(?:(?:officially|actually|really|ever|also|now|first|publicly|still)\s+)?"
_ASKED_SPEAKER = (
    re.compile(
        rf"^{_OPENERS}(?:(?:what|how|why|when)\s+(?:else\s+)?)?(?!{_BE}\b){_AUXILIARY}\s+"
        rf"(?P<speaker>[^?!.,;:]{{2,60}}?)\s+{_ADVERB}(?:{_ASKING_VERBS})\b"
    ),
    re.compile(
        rf"^{_OPENERS}(?:(?:what|how|why|when)\s+)?{_BE}\s+"
        rf"(?P<speaker>[^?!.,;:]{{2,60}}?)\s+{_ADVERB}(?:{_ASKING_VERBS})(?<=ing)\b"
    ),
    re.compile(
        rf"^{_OPENERS}(?P<speaker>[^?!.,;:]{{2,60}}?)\s+(?:{_ASKING_VERBS})\s+(?:what|how|why)\b"
    ),
    re.compile(
        r"(?P<speaker>[^?!.,;:]{2,60}?)['’]s\s+(?:official\s+)?(?:position|view|views|stance|"
        r"response|reaction|reply|answer|side|version|account|demands?|claims?|accusations?|"
        r"statements?|complaints?|requests?)\b"
    ),
    re.compile(r"\baccording\s+to\s+(?P<speaker>[^?!.,;:]{2,60})"),
)
_QUESTION_OPENING = re.compile(
    rf"^(?:(?:what|how|why|when|which|who|whose|what's|whats|so|and|but|ok|okay|{_AUXILIARY})\s+)+"
)


def asked_speaker(question: str) -> str | None:
    """The words naming whose statement a question asks for, or None when it asks for none.

    "What did Russia accuse Azerbaijan of?" -> "russia"; "what is baku's position" -> "baku".
    The caller decides what the words stand for (a side, a person); this only finds them.
    """
    text = " ".join(question.lower().replace("’", "'").split())
    for pattern in _ASKED_SPEAKER:
        match = pattern.search(text)
        if match:
            speaker = _QUESTION_OPENING.sub("", match.group("speaker")).strip()
            if speaker:
                return speaker
    return None
