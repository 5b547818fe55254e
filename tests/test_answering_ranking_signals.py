"""Ranking signals beyond exact stems: general word commonness, other word forms, anaphora."""

from __future__ import annotations

from pathlib import Path

from factbot.answering.answers import AnswerEngine
from factbot.answering.matcher import Matcher
from factbot.index.ingest import ingest_paths
from factbot.language.commonness import generality_factor
from factbot.store.database import connect


def _base(tmp_path: Path, body: str) -> Path:
    article = tmp_path / "article.md"
    article.write_text(f"# Test article\n\n{body}\n", encoding="utf-8")
    db = tmp_path / "base.db"
    ingest_paths(db, [article])
    return db


def test_common_english_words_weigh_less_than_specialist_ones() -> None:
    assert generality_factor("the") < generality_factor("first") < generality_factor("piston")
    assert generality_factor("piston") < generality_factor("huguenot")


def test_a_misspelling_weighs_like_the_word_it_was_corrected_to() -> None:
    assert generality_factor("hapened", "happened") == generality_factor("happened")
    assert generality_factor("hapened") > generality_factor("happened")


def test_a_word_common_everywhere_counts_less_than_an_equally_rare_topic_word(
    tmp_path: Path,
) -> None:
    db = _base(
        tmp_path,
        "Boilers were typically inspected every spring.\n\n"
        "The governor regulated the flywheel of each boiler.\n\n"
        "Coal was delivered by barge.",
    )
    matcher = Matcher(connect(db, readonly=True))
    question = matcher.analyse("How was the flywheel typically regulated?")
    # "typically" and "flywheel" are each in one passage of this base, so their IDF is the same.
    assert matcher.idf("typic") == matcher.idf("flywheel")
    assert matcher.term_weight(question, "typic") < matcher.term_weight(question, "flywheel")
    answer = AnswerEngine(db, 0.0).ask("How was the flywheel typically regulated?")
    assert answer.quote == "The governor regulated the flywheel of each boiler."


def test_another_form_of_a_question_word_counts_as_found(tmp_path: Path) -> None:
    db = _base(
        tmp_path,
        "The legislature of the union is made of two chambers.\n\n"
        "New legislation was passed in May.\n\n"
        "The union has a flag and an anthem.",
    )
    matcher = Matcher(connect(db, readonly=True))
    question = matcher.analyse("What makes up the union's legislation?")
    # The stemmer keeps "legislation" (legisl) and "legislature" (legislatur) apart.
    assert question.variants["legisl"] == ("legislatur",)
    coverage = {
        c.text.split()[1]: c.features["coverage"] for c in matcher.rank(question).candidates
    }
    # Union and legislature, against legislation alone and union alone.
    assert coverage["legislature"] > coverage["legislation"]
    assert coverage["legislature"] > coverage["union"]


def test_words_of_the_previous_sentence_count_more_when_the_sentence_leans_on_it(
    tmp_path: Path,
) -> None:
    db = _base(
        tmp_path,
        "The centrifugal governor was adopted for steam engines in 1788. "
        "It could not hold a set speed under changing loads.\n\n"
        "A centrifugal pump moves water in many mills.",
    )
    matcher = Matcher(connect(db, readonly=True))
    ranking = matcher.rank(
        matcher.analyse("What could the centrifugal governor not hold?"), limit=5
    )
    by_text = {c.text: c.features for c in ranking.candidates}
    leaning = by_text["It could not hold a set speed under changing loads."]
    assert leaning["anaphor"] == 1.0
    assert leaning["context_anaphor"] == leaning["context"] > 0
    assert by_text["A centrifugal pump moves water in many mills."]["anaphor"] == 0.0


def test_a_where_question_prefers_a_passage_naming_a_place_by_a_place_noun(
    tmp_path: Path,
) -> None:
    db = _base(
        tmp_path,
        "The raid took place at dawn, officials said.\n\n"
        "The raid took place in the capital, officials said.\n\n"
        "Officials said little else.",
    )
    matcher = Matcher(connect(db, readonly=True))
    ranking = matcher.rank(matcher.analyse("Where did the raid take place?"))
    assert ranking.candidates[0].text == "The raid took place in the capital, officials said."
    assert ranking.candidates[0].features["type_fit"] == 1.0
    assert ranking.candidates[1].features["type_missing"] == 1.0


def test_who_is_or_leads_wants_a_person_and_who_did_accepts_an_organisation(
    tmp_path: Path,
) -> None:
    db = _base(
        tmp_path,
        "A criminal case has been opened by the Prosecutor General's Office.\n\n"
        "The office is in the old town.",
    )
    matcher = Matcher(connect(db, readonly=True))
    leads = matcher.rank(matcher.analyse("Who leads the Prosecutor General's Office?"))
    opened = matcher.rank(matcher.analyse("Who opened a criminal case?"))
    assert leads.candidates[0].features["type_missing"] == 1.0
    assert opened.candidates[0].text.startswith("A criminal case")
    assert opened.candidates[0].features["type_fit"] == 1.0


def test_a_word_the_sources_lack_but_have_a_synonym_of_counts_as_found(shared_db: Path) -> None:
    matcher = Matcher(connect(shared_db, readonly=True))
    question = matcher.analyse("how many sputnik employees were detained")
    assert "employe" in question.terms and "employe" not in question.unknown_terms
    assert question.alternatives["employe"] == ("staff",)


def test_a_how_many_question_wants_a_number_next_to_what_it_counts(shared_db: Path) -> None:
    matcher = Matcher(connect(shared_db, readonly=True))
    staff = matcher.rank(matcher.analyse("how many sputnik employees were detained"))
    officers = matcher.rank(matcher.analyse("how many police officers were arrested"))
    assert "two Russian staff" in staff.candidates[0].text
    assert staff.candidates[0].features["type_fit"] == 1.0
    # "two Azerbaijani nationals were arrested" counts nationals, not officers.
    assert all(c.features["type_missing"] == 1.0 for c in officers.candidates if "two" in c.text)


def test_a_curated_fact_stands_for_the_article_sentence_it_quotes(built_db: Path) -> None:
    matcher = Matcher(connect(built_db, readonly=True))
    ranking = matcher.rank(matcher.analyse("What did Azerbaijan protest about torture?"), limit=20)
    best = ranking.candidates[0]
    assert best.kind == "fact" and best.passage_id == "azerbaijan-protests-torture"
    overlapping = [
        c
        for c in ranking.candidates[1:]
        if c.source_id == best.source_id and c.start < best.end and best.start < c.end
    ]
    assert overlapping == [], "the sentence the fact quotes is not offered a second time"
