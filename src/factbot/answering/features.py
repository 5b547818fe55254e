"""What a candidate passage offers a question, as numbers in 0..1: how much of the question's
weight it covers (as written, in another form, through a synonym, in its context), whether the
question's words stand close together in it, whether it holds the kind of thing asked for (a
name for "who", a date for "when"), and whether it is about the question's own entities.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from factbot.answering.question import Question
from factbot.answering.vocabulary import Vocabulary
from factbot.language.text import (
    QUESTION_WORDS,
    STOPWORDS,
    fold,
    name_words,
    stem,
    words,
)

# A word found through a synonym counts a little less than the word itself.
SYNONYM_CREDIT = 0.65

_MONTHS = """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
""".split()
_WEEKDAYS = """
    monday tuesday wednesday thursday friday saturday sunday
""".split()
_TIME_WORDS = frozenset(_MONTHS + _WEEKDAYS) | frozenset(
    """
    yesterday today tomorrow tonight earlier later ago week weeks month months year years
    day days decade decades century centuries morning evening night hour hours period era
    age season weekend annual annually
    """.split()
)
_NUMBER_WORDS = frozenset(
    """
    one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred hundreds thousand thousands million millions billion billions dozen
    dozens several few many half quarter both pair couple
    """.split()
)
_CAUSE_WORDS = frozenset(
    """
    because due following after over response aimed cause caused causes reason reasons since
    result led lead prompted triggered amid against protest protesting order so
    """.split()
)
_ROLE_WORDS = frozenset(
    """
    spokesperson spokesman spokeswoman ambassador minister president head chief editor
    director leader officials official king queen emperor prince duke general commander
    founder author inventor scientist engineer bishop pope governor mayor chairman ceo
    """.split()
)
# A sentence opening with one of these leans on the one before ("They were descended from..."),
# so question words found only next to it count for more.
_ANAPHORS = frozenset(
    "he she it they this these that those its their his her him them such there".split()
)
_DETERMINERS = frozenset("the a an its their his her this that".split())
_PLACE_NOUNS = frozenset(
    """
    capital city country region town village province state border street district area
    territory island coast
    """.split()
)
_PLACE_PREPOSITIONS = {"in", "at", "near", "from", "to", "across", "into"}
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})s?$")
_DIGITS = re.compile(r"^\d+(?:[.,]\d+)*(?:s|st|nd|rd|th)?$")


class PassageFeatures(Vocabulary):
    """Scores passages against a question with one fact base's vocabulary."""

    def features(
        self,
        question: Question,
        row: dict[str, Any],
        weights: dict[str, float],
        total: float,
        passage_entities: set[str],
    ) -> dict[str, float]:
        text = str(row["text"])
        passage_terms = str(row["terms"]).split()
        passage_words = str(row["words"]).split() if row["words"] is not None else words(text)
        names = (
            set(str(row["names"]).split()) if row["names"] is not None else set(name_words(text))
        )
        present = set(passage_terms)
        context = set(str(row["context_terms"] or "").split()) - present
        paragraph = set(str(row["paragraph_terms"] or "").split()) - present
        credit = credits(question, present)
        matched = [t for t in question.terms if t in present]
        context_share = sum(w for t, w in weights.items() if t in context) / total if total else 0.0
        anaphor = float(bool(passage_words) and passage_words[0] in _ANAPHORS)
        return {
            "coverage": sum(weights[t] * c for t, c in credit.items()) / total if total else 0.0,
            "exact": _exact_share(question, set(passage_words), weights, total),
            "context": context_share,
            "anaphor": anaphor,
            "context_anaphor": context_share * anaphor,
            "paragraph": (
                sum(w for t, w in weights.items() if t in paragraph) / total if total else 0.0
            ),
            "proximity": _proximity(question.terms, passage_terms, weights),
            "bigram": _bigram_share(question.words, passage_words),
            "density": _density(matched, passage_terms),
            "novelty": len(present - set(question.terms)) / len(present) if present else 0.0,
            "length": min(1.0, math.log1p(len(passage_terms)) / math.log(60)),
            **self._answer_types(question, text, passage_words, names, passage_entities),
            **self._entity_fit(question, passage_words, passage_entities),
            "entity": (
                len(set(question.entities) & passage_entities) / len(question.entities)
                if question.entities
                else 0.0
            ),
        }

    def _entity_fit(
        self, question: Question, passage_words: Sequence[str], passage_entities: set[str]
    ) -> dict[str, float]:
        """Whether the passage is about the question's own places, people and organisations.

        `clash`: share of the question's entities for which the passage names another entity of
        the same kind and not this one ("detained in Baku" against a passage about
        Yekaterinburg). `order_agrees` / `order_reversed`: the passage names two of the
        question's entities in the question's order or the other way round ("What did Russia
        accuse Azerbaijan of?" against "Azerbaijan ... accused Russian authorities").
        """
        asked = [e for e in question.entity_order if self.entity_kind.get(e) in _CLASH_KINDS]
        clash = 0.0
        for entity in asked:
            kind = self.entity_kind[entity]
            others = {e for e in passage_entities if self.entity_kind.get(e) == kind} - {entity}
            if others and entity not in passage_entities:
                clash += 1.0
        agrees = reversed_ = 0.0
        if len(question.entity_order) >= 2:
            first = self._first_mentions(passage_words)
            for a, b in itertools.combinations(question.entity_order, 2):
                if a in first and b in first and first[a] != first[b]:
                    if first[a] < first[b]:
                        agrees = 1.0
                    else:
                        reversed_ = 1.0
        return {
            "clash": clash / len(asked) if asked else 0.0,
            "order_agrees": agrees,
            "order_reversed": reversed_ * (1.0 - agrees),
        }

    def _first_mentions(self, passage_words: Sequence[str]) -> dict[str, int]:
        """Where each entity is first named in the passage (by its names and aliases)."""
        first: dict[str, int] = {}
        for size in (3, 2, 1):
            for i in range(len(passage_words) - size + 1):
                for entity in self.alias_entities.get(" ".join(passage_words[i : i + size]), ()):
                    if first.get(entity, i + 1) > i:
                        first[entity] = i
        return first

    def _answer_types(
        self,
        question: Question,
        text: str,
        passage_words: Sequence[str],
        names: set[str],
        passage_entities: set[str],
    ) -> dict[str, float]:
        """Whether the passage holds something of the asked-for kind that the question lacks.

        `type_fit` is 1 when it holds the kind the intent asks for (a name for "who", a date
        for "when"...), 0 when it does not, 0.5 when the intent names no kind. `what_name` and
        `what_number` tell, for "what" questions, whether it offers a new name or number.
        """
        asked = set(question.words)
        new_words = set(passage_words) - asked
        kinds = {self.entity_kind.get(e) for e in passage_entities - set(question.entities)}
        new_names = names - asked
        has_name = bool(kinds & {"person", "organisation"}) or bool(new_names)
        has_number = any(w in _NUMBER_WORDS or _DIGITS.match(w) for w in new_words)

        def who_fits() -> bool:
            if _ROLE_WORDS & new_words:
                return True
            # A capitalised word that belongs to no known entity may be a person; one that is
            # part of a known place or organisation ("Azerbaijan", "Prosecutor General's
            # Office") is not.
            known = {t for e in passage_entities for t in self.entity_terms.get(e, ())}
            has_person = "person" in kinds or any(stem(n) not in known for n in new_names)
            if _asks_identity(question.words):
                # "Who is / who leads X?" wants a person (maybe the one the question names by
                # role); "Who confirmed the raid?" is answered by a ministry as often.
                return has_person or any(
                    self.entity_kind.get(e) == "person" for e in passage_entities
                )
            return has_person or has_name

        fits: dict[str, Callable[[], bool]] = {
            "who": who_fits,
            "when": lambda: any(w in _TIME_WORDS or _YEAR.match(w) for w in new_words),
            "where": lambda: "place" in kinds or _names_a_place(text, asked),
            "how_many": lambda: _counts_something_asked(question, passage_words),
            # "What triggered the reaction?": the cause stands next to the question's own verb.
            "why": lambda: bool(_CAUSE_WORDS & set(passage_words)),
        }
        fit = fits.get(question.intent)
        open_question = question.intent in {"what", "about", "how", "yes_no"}
        type_fit = 0.5 if fit is None else float(fit())
        kind_fit = 0.5 if question.wanted is None else float(
            _holds_kind(question.wanted, text, new_words, kinds)
        )
        return {
            "kind_fit": kind_fit,
            "kind_missing": float(question.wanted is not None and not kind_fit),
            "type_fit": type_fit,
            "type_missing": float(fit is not None and not type_fit),
            "fit_when": type_fit if question.intent == "when" else 0.0,
            "fit_who": type_fit if question.intent == "who" else 0.0,
            "fit_count": type_fit if question.intent == "how_many" else 0.0,
            "what_name": float(open_question and has_name),
            "what_number": float(open_question and has_number),
        }


def _proximity(
    question_terms: Sequence[str], passage_terms: Sequence[str], weights: dict[str, float]
) -> float:
    """Weighted share of adjacent question-term pairs that stand within three terms in the passage."""
    if len(question_terms) < 2:
        return 0.0
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(passage_terms):
        positions.setdefault(term, []).append(i)
    hit = possible = 0.0
    for a, b in itertools.pairwise(question_terms):
        pair_weight = weights.get(a, 0.0) + weights.get(b, 0.0)
        possible += pair_weight
        pa, pb = positions.get(a), positions.get(b)
        if pa and pb and any(abs(i - j) <= 3 for i in pa for j in pb):
            hit += pair_weight
    return hit / possible if possible else 0.0


def credits(question: Question, present: set[str]) -> dict[str, float]:
    """How much each question term is found in a passage: 1 as asked or in another form of the
    word, less through a synonym."""
    credit = {}
    for term in question.terms:
        if term in present or any(v in present for v in question.variants.get(term, ())):
            credit[term] = 1.0
        elif any(alt in present for alt in question.alternatives.get(term, ())):
            credit[term] = SYNONYM_CREDIT
    return credit


def _exact_share(
    question: Question, passage_words: set[str], weights: dict[str, float], total: float
) -> float:
    """Weighted share of question words found as written, not just by stem ("stators")."""
    if not total:
        return 0.0
    hit = sum(
        weights.get(stem(w), 0.0)
        for w in set(question.words)
        if w in passage_words and w not in STOPWORDS
    )
    return min(1.0, hit / total)


def _bigram_share(question_words: Sequence[str], passage_words: Sequence[str]) -> float:
    """Share of the question's word pairs (not both stopwords) that the passage has verbatim."""
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(question_words)
        if not (a in STOPWORDS and b in STOPWORDS) and a not in QUESTION_WORDS
    ]
    if not pairs:
        return 0.0
    passage_pairs = set(itertools.pairwise(passage_words))
    return sum(pair in passage_pairs for pair in pairs) / len(pairs)


def _density(matched: Sequence[str], passage_terms: Sequence[str]) -> float:
    """How tightly the matched terms cluster: matched count over the window they span."""
    if len(matched) < 2:
        return 0.0
    wanted = set(matched)
    positions = [i for i, t in enumerate(passage_terms) if t in wanted]
    return len(wanted) / (positions[-1] - positions[0] + 1)


def _counts_something_asked(question: Question, passage_words: Sequence[str]) -> bool:
    """A number within three words of a question word ("two Russian staff ... detained" for
    "how many employees were detained"), not just any number in the passage."""
    asked = set(question.terms)
    for term in question.terms:
        asked.update(question.alternatives.get(term, ()))
        asked.update(question.variants.get(term, ()))
    near = [i for i, w in enumerate(passage_words) if stem(w) in asked]
    return any(
        any(abs(i - j) <= 3 for j in near)
        for i, w in enumerate(passage_words)
        if (w in _NUMBER_WORDS or _DIGITS.match(w)) and w not in question.words
    )


_IDENTITY_VERBS = frozenset("is are was were leads led heads headed runs ran chairs".split())


def _asks_identity(question_words: Sequence[str]) -> bool:
    """ "who is ...", "who leads ...": the question asks which person holds a place."""
    return any(
        word == "who" and following in _IDENTITY_VERBS
        for word, following in itertools.pairwise(question_words)
    )


def _names_a_place(text: str, asked: set[str]) -> bool:
    """A place the question did not name, right after "in", "at", "near"...: a capitalised
    word ("in Baku") or a place noun ("in the capital")."""
    tokens = [*text.split(), ""]
    for i, token in enumerate(tokens[:-2]):
        if token.lower() not in _PLACE_PREPOSITIONS:
            continue
        word = tokens[i + 2] if tokens[i + 1].lower() in _DETERMINERS else tokens[i + 1]
        folded = fold(word).strip(".,;:'\"")
        if folded in asked:
            continue
        if word[:1].isupper() or folded in _PLACE_NOUNS:
            return True
    return False



_CLASH_KINDS = frozenset({"place", "person", "organisation"})
_DURATION_UNITS = frozenset(
    "second seconds minute minutes hour hours day days week weeks month months year years decade decades".split()
)
_AMOUNT_WORDS = frozenset(
    "dollar dollars euro euros rouble roubles ruble rubles manat pound pounds percent per cent million billion".split()
)
_ORGANISATION_NAME = re.compile(
    r"\b(?:[A-Z][\w’'-]*\s+){0,4}(?:Court|Ministry|Office|Agency|Committee|Commission|Council|"
    r"Service|Party|Department|Company|Bank|University|Institute|Tribunal|Parliament|Police|"
    r"Corporation|Group|Authority)\b"
)
_AGE = re.compile(r"\b[A-Z][\w’'-]+,\s*\d{1,3},|\baged?\s+\d{1,3}\b|\b\d{1,3}[- ]years?[- ]old\b")


def _holds_kind(wanted: str, text: str, new_words: set[str], kinds: set[str | None]) -> bool:
    if wanted == "year":
        return any(_YEAR.match(w) for w in new_words)
    if wanted == "organisation":
        return "organisation" in kinds or bool(_ORGANISATION_NAME.search(text))
    if wanted == "age":
        return bool(_AGE.search(text))
    if wanted == "amount":
        return bool(_AMOUNT_WORDS & new_words) or any(c in text for c in "$€£₽%")
    if wanted == "duration":
        tokens = words(text)
        return any(
            (t in _NUMBER_WORDS or _DIGITS.match(t)) and _DURATION_UNITS.intersection(tokens[i + 1 : i + 3])
            for i, t in enumerate(tokens)
        )
    return False
