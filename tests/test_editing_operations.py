"""Maintainers' operations on the live base: each one answers differently, records history,
and a refused one changes nothing at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from database_helpers import snapshot

from factbot.answering.answers import AnswerEngine
from factbot.editing import (
    MAX_PASTED_SOURCE_BYTES,
    Actor,
    ArticleMeta,
    FactBase,
    FactDraft,
    FactPatch,
    SourceDraft,
    add_aliases,
    add_articles,
    add_fact,
    add_source,
    edit_fact,
    get_passage,
    history,
    list_passages,
    restore,
    retire,
)
from factbot.errors import InputError
from factbot.index.upkeep import link_entities, refresh_term_stats

SOURCE = "trt-azerbaijan-russia-protests"
TORTURE = "azerbaijan-protests-torture"
EDITOR = Actor.os_user("alice")
BAKU_QUOTE = "Baku has called for a full investigation and the prosecution of those responsible."
NEW_ARTICLE = """\
Azerbaijan recalled its ambassador from Moscow for consultations on Tuesday.
The foreign ministry in Baku said the recall was temporary.
Officials in Moscow declined to comment on the decision.
"""


@pytest.fixture
def base(built_db: Path) -> Iterator[FactBase]:
    handle = FactBase(built_db)
    yield handle
    handle.close()



def test_retiring_the_answering_passage_changes_the_answer(base: FactBase, built_db: Path) -> None:
    engine = AnswerEngine(built_db)
    question = "What did Azerbaijan protest about torture?"
    first = engine.ask(question)
    assert first.answered and first.passage_id
    retire(base, EDITOR, first.passage_id, "disputed by a later report")
    assert engine.ask(question).passage_id != first.passage_id
    restore(base, EDITOR, first.passage_id, "the report was retracted")
    assert engine.ask(question).passage_id == first.passage_id


def test_added_fact_is_answered_with_its_attribution(base: FactBase, built_db: Path) -> None:
    change = add_fact(
        base,
        EDITOR,
        FactDraft(
            BAKU_QUOTE, fact_id="baku-wants-investigation", attribution="Baku", entities=("baku",)
        ),
        "Baku's demand, as a curated fact",
    )
    assert change.action == "fact.add" and change.before is None
    answer = AnswerEngine(built_db).ask("What has Baku called for?")
    assert answer.passage_id == "baku-wants-investigation"
    assert answer.quote == BAKU_QUOTE
    assert "Baku" in (answer.attribution or "")


def test_fact_ids_default_to_a_slug_of_the_quote(base: FactBase) -> None:
    change = add_fact(base, EDITOR, FactDraft(BAKU_QUOTE), "curated")
    assert change.target == "passage:baku-has-called-for-a-full-investigation-and"


def test_correcting_a_fact_keeps_the_old_values_in_history(base: FactBase) -> None:
    edit_fact(
        base,
        EDITOR,
        TORTURE,
        FactPatch(attribution="Azerbaijan's Foreign Ministry", note="checked"),
        "spelling",
    )
    view = get_passage(base, EDITOR, TORTURE)
    assert view.attribution == "Azerbaijan's Foreign Ministry" and view.note == "checked"
    (change,) = history(base, EDITOR, TORTURE)
    assert (
        change.before is not None
        and change.before["attribution"] == "Azerbaijan’s Foreign Ministry"
    )
    assert change.actor == "os:alice" and change.reason == "spelling"


def test_correcting_a_quote_moves_its_span_and_stays_verbatim(base: FactBase) -> None:
    shorter = "Azerbaijan’s Foreign Ministry summoned Russia’s charge d’affaires"
    edit_fact(base, EDITOR, TORTURE, FactPatch(quote=shorter), "shorter quote")
    view = get_passage(base, EDITOR, TORTURE)
    text = base.db.execute("SELECT text FROM sources WHERE id = ?", [SOURCE]).fetchone()[0]
    assert text[view.start : view.end] == shorter == view.text


def test_sentences_can_be_reattributed_but_not_rewritten(base: FactBase) -> None:
    edit_fact(
        base,
        EDITOR,
        f"{SOURCE}:8",
        FactPatch(attribution="Azerbaijan’s government"),
        "Baku said it",
    )
    assert get_passage(base, EDITOR, f"{SOURCE}:8").attribution == "Azerbaijan’s government"
    with pytest.raises(InputError, match="sentence of its source"):
        edit_fact(base, EDITOR, f"{SOURCE}:8", FactPatch(quote="Baku has called"), "shorter")


def test_added_source_is_quotable_and_answerable(base: FactBase, built_db: Path) -> None:
    draft = SourceDraft(
        NEW_ARTICLE, source_id="recall-report", outlet="Example News", published="2024-07-02"
    )
    change = add_source(base, EDITOR, draft, "new development")
    assert change.after is not None and len(change.after["active"]) == 3
    answer = AnswerEngine(built_db).ask("Who did Azerbaijan recall from Moscow?")
    assert answer.answered and answer.source is not None and answer.source.id == "recall-report"
    add_fact(
        base, EDITOR, FactDraft("the recall was temporary", source_id="recall-report"), "key claim"
    )


def test_new_alias_links_questions_to_the_entity(base: FactBase, built_db: Path) -> None:
    engine = AnswerEngine(built_db)
    assert "yevgeny-belousov" not in engine.ask("Who is Jewgeni Belousow?").entities
    add_aliases(base, EDITOR, "yevgeny-belousov", ["Jewgeni Belousow"], "German spelling")
    assert "yevgeny-belousov" in engine.ask("Who is Jewgeni Belousow?").entities


def test_aliases_given_with_a_fact_are_their_own_change(base: FactBase) -> None:
    add_fact(base, EDITOR, FactDraft(BAKU_QUOTE, aliases=(("baku", "Baky"),)), "with a spelling")
    actions = [c.action for c in history(base, EDITOR)]
    assert actions[:2] == ["fact.add", "alias.add"]


def test_entities_can_be_named_instead_of_given_by_id(base: FactBase) -> None:
    change = add_fact(base, EDITOR, FactDraft(BAKU_QUOTE, entities=("Bakı",)), "by name")
    assert change.after is not None and change.after["entities"] == ["baku"]


def test_every_change_bumps_the_revision_readers_watch(base: FactBase) -> None:
    def revision() -> int:
        return int(base.db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    before = revision()
    retire(base, EDITOR, TORTURE, "test")
    assert revision() == before + 1


def test_derived_statistics_match_a_full_recount_after_edits(base: FactBase) -> None:
    retire(base, EDITOR, f"{SOURCE}:3", "a")
    add_fact(base, EDITOR, FactDraft(BAKU_QUOTE, entities=("baku",)), "b")
    add_aliases(base, EDITOR, "baku", ["Baky"], "c")
    tables = ("term_stats", "passage_entities")
    kept = {t: sorted(base.db.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
    with base.write() as db:
        link_entities(db)
        refresh_term_stats(db)
    assert kept == {t: sorted(base.db.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}


def test_listing_shows_curated_facts_unless_asked_for_everything(base: FactBase) -> None:
    facts = list_passages(base, EDITOR)
    assert {v.kind for v in facts} == {"fact"}
    everything = list_passages(base, EDITOR, kinds=("fact", "sentence"), status="active")
    assert len(everything) > len(facts)


def test_history_is_append_only_even_for_direct_sql(base: FactBase) -> None:
    retire(base, EDITOR, TORTURE, "test")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        base.db.execute("DELETE FROM changes")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        base.db.execute("UPDATE changes SET reason = 'x'")


REFUSED = [
    pytest.param(
        lambda b: add_fact(b, EDITOR, FactDraft("Baku declared war on everyone."), "r"),
        "not verbatim in any stored source",
        id="quote-not-in-any-source",
    ),
    pytest.param(
        lambda b: add_fact(
            b, EDITOR, FactDraft("Baku has called for a full investigation", source_id="nope"), "r"
        ),
        "Unknown source",
        id="unknown-source",
    ),
    pytest.param(lambda b: retire(b, EDITOR, TORTURE, "   "), "reason", id="empty-reason"),
    pytest.param(lambda b: retire(b, EDITOR, "no-such-fact", "r"), "Unknown fact", id="unknown-id"),
    pytest.param(
        lambda b: add_fact(b, EDITOR, FactDraft("x" * 100_000), "r"),
        "limit is 2,000",
        id="100kB-quote",
    ),
    pytest.param(
        lambda b: retire(b, EDITOR, TORTURE, "x" * 100_000), "limit is 1,000", id="100kB-reason"
    ),
    pytest.param(
        lambda b: add_source(b, EDITOR, SourceDraft("Words here. " * 9_000), "r"),
        f"limit is {MAX_PASTED_SOURCE_BYTES:,}",
        id="100kB-source",
    ),
    pytest.param(
        lambda b: add_fact(
            b,
            EDITOR,
            FactDraft(get_passage(b, EDITOR, TORTURE).text),
            "r",
        ),
        "already fact 'azerbaijan-protests-torture'",
        id="duplicate-fact",
    ),
    pytest.param(
        lambda b: add_fact(b, EDITOR, FactDraft(BAKU_QUOTE, fact_id=TORTURE), "r"),
        "already taken",
        id="duplicate-id",
    ),
    pytest.param(lambda b: restore(b, EDITOR, TORTURE, "r"), "already active", id="restore-active"),
    pytest.param(
        lambda b: add_aliases(b, EDITOR, "baku", ["Bakı"], "r"),
        "already answers to",
        id="existing-alias",
    ),
    pytest.param(
        lambda b: add_aliases(b, EDITOR, "atlantis", ["Atlantida"], "r"),
        "Unknown entity",
        id="unknown-entity",
    ),
    pytest.param(
        lambda b: add_fact(b, EDITOR, FactDraft(BAKU_QUOTE, entities=("nobody",)), "r"),
        "Unknown entity",
        id="fact-with-unknown-entity",
    ),
    pytest.param(
        lambda b: add_source(b, EDITOR, SourceDraft(NEW_ARTICLE, published="yesterday"), "r"),
        "YYYY-MM-DD",
        id="bad-date",
    ),
    pytest.param(
        lambda b: add_source(b, EDITOR, SourceDraft(NEW_ARTICLE, title="two\nlines"), "r"),
        "line breaks",
        id="multi-line-title",
    ),
    pytest.param(
        lambda b: edit_fact(b, EDITOR, TORTURE, FactPatch(note=None), "r"),
        "Nothing to change",
        id="empty-patch",
    ),
]


@pytest.mark.parametrize(("operation", "message"), REFUSED)
def test_invalid_input_is_refused_clearly_and_changes_nothing(
    base: FactBase, built_db: Path, operation: object, message: str
) -> None:
    before = snapshot(built_db)
    with pytest.raises(InputError, match=message):
        operation(base)  # type: ignore[operator]
    assert snapshot(built_db) == before


def test_same_article_twice_is_refused_and_changes_nothing(base: FactBase, built_db: Path) -> None:
    add_source(base, EDITOR, SourceDraft(NEW_ARTICLE, source_id="first"), "r")
    before = snapshot(built_db)
    with pytest.raises(InputError, match="already stored as source 'first'"):
        add_source(base, EDITOR, SourceDraft(NEW_ARTICLE, source_id="second"), "r")
    assert snapshot(built_db) == before


def test_adding_an_article_already_stored_leaves_the_revision_and_file_alone(
    built_db: Path, tmp_path: Path
) -> None:
    article = tmp_path / "recall.md"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    [first] = add_articles(built_db, EDITOR, [article], ArticleMeta(outlet="Example News"))
    before = snapshot(built_db)

    [again] = add_articles(built_db, EDITOR, [article], ArticleMeta(outlet="Example News"))

    assert first.passages == 3 and again.passages == 0 and again.change is None
    assert snapshot(built_db) == before


def test_quote_with_straight_quotes_points_to_the_curly_original(base: FactBase) -> None:
    with pytest.raises(InputError, match="other quotation marks: Azerbaijan’s Interior Ministry"):
        add_fact(base, EDITOR, FactDraft("Azerbaijan's Interior Ministry on Monday confirmed"), "r")
