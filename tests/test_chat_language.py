"""Chat language: slang and abbreviations read through a general table, answer kinds, entities."""

from __future__ import annotations

from pathlib import Path

import pytest

from factbot.answering.matcher import Matcher
from factbot.answering.question import answer_kind
from factbot.language import chat
from factbot.language.text import words
from factbot.store.database import connect


def test_slang_table_expands_common_chat_abbreviations() -> None:
    assert chat.expansion("ppl") == ("people",)
    assert chat.expansion("bros") == ("brothers",)
    assert chat.expansion("tix") == ("tickets",)
    assert chat.expansion("detained") == ()


def test_unknown_slang_word_is_read_as_the_known_word_it_stands_for(shared_db: Path) -> None:
    matcher = Matcher(connect(shared_db, readonly=True), meaning=False)
    question = matcher.analyse("who are the safarov bros")
    assert "brother" in question.terms
    assert "bros" not in question.unknown_terms


def test_slang_whose_expansion_the_base_never_uses_stays_unknown(shared_db: Path) -> None:
    matcher = Matcher(connect(shared_db, readonly=True), meaning=False)
    question = matcher.analyse("any tix left")
    assert "ticket" not in question.terms


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("which court in baku locked up the sputnik staff", "organisation"),
        ("how long do they keep belousov now", "duration"),
        ("how old were huseyn and ziyaddin", "age"),
        ("what year did the crash happen", "year"),
        ("how much is russia paying", "amount"),
        ("who was detained", None),
        ("how many people were detained", None),
    ],
)
def test_answer_kind_is_read_from_the_wording(question: str, kind: str | None) -> None:
    assert answer_kind(words(question)) == kind


def test_passage_about_another_place_clashes_with_the_place_asked_about(shared_db: Path) -> None:
    matcher = Matcher(connect(shared_db, readonly=True), meaning=False)
    ranking = matcher.rank(matcher.analyse("how many people were detained in baku"), limit=60)
    clash = {c.text: c.features["clash"] for c in ranking.candidates}
    yekaterinburg = next(t for t in clash if "two Azerbaijani nationals were arrested" in t)
    baku = next(t for t in clash if "detained in Baku a day earlier" in t)
    assert clash[yekaterinburg] == 1.0
    assert clash[baku] == 0.0


def test_entities_named_in_the_other_order_mark_the_passage_reversed(shared_db: Path) -> None:
    matcher = Matcher(connect(shared_db, readonly=True), meaning=False)
    # Worded so that it asks for no side's statement: "what did russia accuse ..." would leave
    # Azerbaijan's passages out of the candidates altogether (test_answering_sides.py).
    ranking = matcher.rank(matcher.analyse("russia accusing azerbaijan over the raid"), limit=60)
    by_text = {c.text: c.features for c in ranking.candidates}
    russia_speaks = next(f for t, f in by_text.items() if "Russia’s Foreign Ministry said" in t)
    azerbaijan_speaks = next(f for t, f in by_text.items() if "Azerbaijan’s Foreign Ministry summoned" in t)
    assert russia_speaks["order_agrees"] == 1.0 and russia_speaks["order_reversed"] == 0.0
    assert azerbaijan_speaks["order_reversed"] == 1.0
