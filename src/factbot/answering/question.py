"""A question read: its intent, the kind of answer it wants, its terms as the base knows them
(typos corrected, slang expanded, names spelt otherwise linked to their entities), its entities
and the side whose statement it asks for.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from factbot.answering.vocabulary import TYPO_MIN_LENGTH, Vocabulary
from factbot.language import chat
from factbot.language.commonness import generality_factor
from factbot.language.speakers import ASKING_VERBS
from factbot.language.text import (
    FOREIGN_QUESTION_WORDS,
    QUESTION_WORDS,
    STOPWORDS,
    stem,
    words,
)

# Another form of a question word ("emigrated" for "emigres", "centrifuge" for "centrifugal") that
# the stemmer keeps apart counts as the word: its first VARIANT_MIN_PREFIX letters and at least
# VARIANT_PREFIX_SHARE of the shorter word are the same.
VARIANT_MIN_PREFIX = 5
VARIANT_PREFIX_SHARE = 0.75
VARIANT_SCAN = 200
MAX_QUESTION_TERMS = 40
ALIAS_MIN_SCORE = 88.0


@dataclass(frozen=True)
class Question:
    """A question reduced to what the ranking needs."""

    text: str
    intent: str
    words: tuple[str, ...]
    terms: tuple[str, ...]
    entities: tuple[str, ...]
    unknown_terms: tuple[str, ...]
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Term -> factor on its IDF from how common the word is in general English (commonness.py).
    generality: dict[str, float] = field(default_factory=dict)
    # A narrower kind of answer than the intent says: "which court" an organisation, "how long"
    # a duration, "how old" an age, "what year" a year, "how much" an amount (`answer_kind`).
    wanted: str | None = None
    # The entities named, in the order the question names them (for `_order`).
    entity_order: tuple[str, ...] = ()
    # The side whose statement is asked for ("what did Russia say"): passages known to speak
    # for another side are no candidates (`sides.py`).
    asked_side: str | None = None
    # The question's verb of saying or wanting was one the sources never use ("what does Baku
    # want"): only passages in that side's own voice are candidates, or the question would be
    # reduced to its speaker's name and any sentence naming it would seem to answer.
    own_voice_only: bool = False


_WHEN_NOUNS = frozenset("year years date day days time month century decade period era age".split())
_WHERE_NOUNS = frozenset(
    "city country place region town location state continent province village area".split()
)
_COUNT_WORDS = frozenset("many much long old often far large big".split())
_CAUSE_NOUNS = frozenset("reason cause caused led prompted triggered motive purpose".split())
_AUXILIARIES = frozenset(
    "is are was were did does do has have had can could will would should".split()
)


_CONTRACTED = {"whats": "what", "whos": "who", "wheres": "where", "whens": "when", "hows": "how"}


def detect_intent(question_words: Sequence[str]) -> str:
    """The kind of answer wanted, from the question's wording (a general grammar, no topics).

    The first question word decides, wherever it stands ("France laid siege in what year?"),
    and "what"/"which" take their kind from the noun that follows them.
    """
    ws = [_CONTRACTED.get(w, w) for w in question_words]
    for i, word in enumerate(ws):
        following = ws[i + 1 : i + 3]
        if word in FOREIGN_QUESTION_WORDS:
            return FOREIGN_QUESTION_WORDS[word]
        if word == "na" and following[:1] == ["vaxt"]:  # Azerbaijani "nə vaxt": when
            return "when"
        if word in {"who", "whom", "whose"}:
            return "who"
        if word == "when":
            return "when"
        if word == "where":
            return "where"
        if word == "why":
            return "why"
        if word == "how":
            return "how_many" if following[:1] and following[0] in _COUNT_WORDS else "how"
        if word in {"what", "which"}:
            return _what_intent(following, ws)
    if ws and ws[0] in _AUXILIARIES:
        return "yes_no"
    return "about"


def _what_intent(following: Sequence[str], ws: Sequence[str]) -> str:
    if _WHEN_NOUNS.intersection(following):
        return "when"
    if _WHERE_NOUNS.intersection(following):
        return "where"
    if _CAUSE_NOUNS.intersection(ws):
        return "why"
    return "what"


class QuestionReading(Vocabulary):
    """Reads questions against one fact base's vocabulary."""

    def analyse(self, text: str) -> Question:
        question_words = self._fix_question_word(words(text)[: MAX_QUESTION_TERMS * 2])
        intent = detect_intent(question_words)
        links = self._link_entities(question_words)
        entities = [e for ids, _ in links for e in ids]
        entity_at = {i: ids for ids, span in links for i in span}
        found: list[str] = []
        unknown: list[str] = []
        generality: dict[str, float] = {}
        asked_side = self.sides.asked(text)
        own_voice_only = False
        for index, word in enumerate(question_words):
            if word in STOPWORDS or word in QUESTION_WORDS:
                continue
            if asked_side and word in ASKING_VERBS and word not in self.df and stem(word) not in self.df:
                # "What does Baku want?": the verb only frames the question as Baku's statement,
                # which the side check enforces; a frame word the sources never use is no
                # evidence against a passage.
                own_voice_only = True
                continue
            for term in self._terms_for(word, entity_at.get(index, ())):
                if term is None:
                    unknown.append(stem(word))
                    generality.setdefault(stem(word), generality_factor(word))
                elif term not in found:
                    found.append(term)
                    generality.setdefault(term, generality_factor(word, term))
        found = found[:MAX_QUESTION_TERMS]
        # Before the tuples below: an unknown word with a synonym the sources use moves to found.
        alternatives = self._alternatives(found, unknown)
        return Question(
            text=text,
            intent=intent,
            words=tuple(question_words),
            terms=tuple(found),
            entities=tuple(dict.fromkeys(entities)),
            unknown_terms=tuple(unknown),
            alternatives=alternatives,
            variants={t: v for t in found if (v := self._variants(t))},
            generality=generality,
            wanted=answer_kind(question_words),
            entity_order=tuple(dict.fromkeys(e for i in sorted(entity_at) for e in sorted(entity_at[i]))),
            asked_side=asked_side,
            own_voice_only=own_voice_only,
        )

    def _fix_question_word(self, question_words: list[str]) -> list[str]:
        """A misspelt question word opening the question ("wat", "wher") read as that word.

        Only the first word, and only when the base does not know it: elsewhere a short word one
        letter from "who" or "how" is as likely a word of its own.
        """
        if not question_words:
            return question_words
        first = question_words[0]
        if first in QUESTION_WORDS or first in STOPWORDS or stem(first) in self.df:
            return question_words
        match = process.extractOne(
            first, _ENGLISH_QUESTION_WORDS, scorer=OSA.distance, score_cutoff=1
        )
        return question_words if match is None else [str(match[0]), *question_words[1:]]

    def _alternatives(self, found: list[str], unknown: list[str]) -> dict[str, tuple[str, ...]]:
        """Synonyms the sources use for the question's terms; an unknown word may have some."""
        alternatives = {}
        for term in found:
            known = sorted(t for t in self.synonyms.get(term, ()) if t in self.df)
            if known:
                alternatives[term] = tuple(known)
        for term in list(unknown):
            known = sorted(t for t in self.synonyms.get(term, ()) if t in self.df)
            if known:
                unknown.remove(term)
                found.append(term)
                alternatives[term] = tuple(known)
        return alternatives

    def _variants(self, term: str) -> tuple[str, ...]:
        """Known terms that are other forms of `term` by a long shared beginning."""
        if len(term) < VARIANT_MIN_PREFIX:
            return ()
        return tuple(
            known
            for known in self._known_starting_with(term[:VARIANT_MIN_PREFIX], VARIANT_SCAN)
            if known != term
            and _shared_prefix(term, known) >= VARIANT_PREFIX_SHARE * min(len(term), len(known))
        )

    def _known_starting_with(self, prefix: str, limit: int) -> list[str]:
        """Up to `limit` known terms beginning with `prefix`, in sorted order."""
        start = bisect.bisect_left(self.sorted_terms, prefix)
        found = []
        for known in self.sorted_terms[start : start + limit]:
            if not known.startswith(prefix):
                break
            found.append(known)
        return found

    def _terms_for(self, word: str, entity_ids: Collection[str]) -> list[str | None]:
        """The indexed term(s) a question word stands for; [None] when it is unknown.

        A word the base knows is used as is. A name the base spells otherwise (Cyrillic,
        Ekaterinburg) stands for its entity's name; any other unknown word gets a typo
        correction to a known word within one or two edits, else counts as unknown.
        """
        term = stem(word)
        if term in self.df:
            return [term]
        if entity_ids:
            names = [t for e in entity_ids for t in self.entity_terms.get(e, ()) if t in self.df]
            if names:
                return list(dict.fromkeys(names))
        slang = self._slang(word)
        if slang is not None:
            return list(slang)
        if _near_stopword(word):
            return []
        return [self._derived(term) or self._correct(word)]

    def _slang(self, word: str) -> Sequence[str] | None:
        """The known terms a chat word stands for ("ppl" -> people); [] when it stands only for
        filler words ("btw"); None when it is no slang, or none of its words is known here."""
        expanded = chat.expansion(word)
        if not expanded:
            return None
        content = [w for w in expanded if w not in STOPWORDS]
        if not content:
            return []
        known = [stem(w) for w in content if stem(w) in self.df]
        return list(dict.fromkeys(known)) or None

    def _derived(self, term: str) -> str | None:
        """A known term the unknown one is a stem of ("react" -> "reaction"), most frequent first.

        Snowball leaves derivations apart; up to four more letters bridges the common ones.
        """
        if len(term) < TYPO_MIN_LENGTH:
            return None
        found = [k for k in self._known_starting_with(term, 50) if len(k) - len(term) <= 4]
        return max(found, key=lambda t: (self.df[t], t)) if found else None

    def _correct(self, word: str) -> str | None:
        """Stem of the known word one edit away (two for long words), if there is one."""
        if len(word) < TYPO_MIN_LENGTH or not self.words or word.isdigit():
            return None
        allowed = 1 if len(word) < 10 else 2
        match = process.extractOne(word, self.words, scorer=OSA.distance, score_cutoff=allowed)
        return None if match is None else stem(str(match[0]))

    def _link_entities(self, question_words: Sequence[str]) -> list[tuple[set[str], range]]:
        """Entities named in the question, longest alias first, each with the words it spans."""
        linked: list[tuple[set[str], range]] = []
        used: set[int] = set()
        for size in (4, 3, 2, 1):
            for i in range(len(question_words) - size + 1):
                span = range(i, i + size)
                if used.intersection(span):
                    continue
                ids = self._entities_for(" ".join(question_words[i : i + size]), size)
                if ids:
                    used.update(span)
                    linked.append((ids, span))
        return sorted(linked, key=lambda link: link[1].start)

    def _entities_for(self, gram: str, size: int) -> set[str] | None:
        ids = self.alias_entities.get(gram)
        if ids is not None or len(gram) < TYPO_MIN_LENGTH or (size == 1 and gram in STOPWORDS):
            return ids
        if all(stem(word) in self.df or word in STOPWORDS for word in gram.split()):
            return None  # only a name spelt otherwise than in the sources needs fuzzy matching
        match = process.extractOne(
            gram, self.alias_keys, scorer=fuzz.ratio, score_cutoff=ALIAS_MIN_SCORE
        )
        return self.alias_entities.get(match[0]) if match else None


def _shared_prefix(a: str, b: str) -> int:
    """How many leading letters two words have in common."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def unknown_share(matcher: Vocabulary, question: Question) -> float:
    """Share of the question's weight in words the fact base has never seen."""
    unknown = sum(matcher.term_weight(question, t) for t in question.unknown_terms)
    total = unknown + sum(matcher.term_weight(question, t) for t in question.terms)
    return unknown / total if total else 1.0



def _near_stopword(word: str) -> bool:
    """A misspelt filler word ("hapened") is dropped like the word itself, not counted unknown."""
    if len(word) <= TYPO_MIN_LENGTH:
        return False
    match = process.extractOne(word, _LONG_STOPWORDS, scorer=OSA.distance, score_cutoff=1)
    return match is not None


_ENGLISH_QUESTION_WORDS = ("what", "who", "when", "where", "why", "how", "which")
_LONG_STOPWORDS = sorted(w for w in STOPWORDS | QUESTION_WORDS if len(w) >= TYPO_MIN_LENGTH)
_ORGANISATION_NOUNS = frozenset(
    """
    court courts ministry office agency company committee commission council service party
    department organisation organization outlet newspaper paper channel broadcaster bank
    university institution body group firm authority tribunal parliament
    """.split()
)


def answer_kind(question_words: Sequence[str]) -> str | None:
    """A narrower kind of answer the wording asks for than its intent: "how long" a duration,
    "how old" an age, "how much" an amount, "what/which year" a year, "which court" (or
    ministry, office, agency...) an organisation. A general grammar, no topics."""
    for i, word in enumerate(question_words):
        following = question_words[i + 1 : i + 3]
        if word == "how" and following:
            return {"long": "duration", "old": "age", "much": "amount"}.get(following[0])
        if word in {"what", "which", "whats"}:
            if "year" in following:
                return "year"
            if _ORGANISATION_NOUNS.intersection(following):
                return "organisation"
            return None
    return None

