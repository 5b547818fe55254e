"""The summary follows the fact base: retired and added facts, and `since` for follow-up posts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from summary_helpers import ingest_text, problems

from factbot.briefing.summary import Summary, build_summary, parse_since
from factbot.errors import InputError
from factbot.index.ingest import bump_revision, link_entities, refresh_term_stats
from factbot.knowledge.build import insert_fact
from factbot.knowledge.files import FactRecord
from factbot.store.database import connect, get_source_text, transaction, utc_now

SEED = "trt-azerbaijan-russia-protests"
RUSSIA_FACT = "russia-protests-unfriendly-actions"
NOTE_VERBALE = "During the meeting, Mustafayev was handed a note verbale demanding the release"


def cited(summary: Summary) -> set[str]:
    return {line.passage_id for line in summary.lines if line.passage_id}


def side_lines(summary: Summary, side: str) -> list[str]:
    section = summary.section("sides")
    assert section is not None
    return [line.text for line in section.lines if line.group == side]


def retire(path: Path, passage_id: str) -> None:
    db = connect(path)
    with transaction(db):
        db.execute("UPDATE passages SET status = 'retired' WHERE id = ?", [passage_id])
        refresh_term_stats(db)
        bump_revision(db)


def add_fact(path: Path, fact_id: str, quote: str, attribution: str) -> None:
    db = connect(path)
    with transaction(db):
        record = FactRecord(
            id=fact_id,
            source=SEED,
            quote=quote,
            attribution=attribution,
            entities=(),
            note=None,
            status="active",
            path=Path("<test>"),
            line=0,
        )
        insert_fact(db, record, get_source_text(db, SEED) or "")
        link_entities(db)
        refresh_term_stats(db)
        bump_revision(db)


def test_retiring_a_fact_takes_it_and_the_sentence_it_covers_out_of_the_summary(
    built_db: Path,
) -> None:
    before = build_summary(connect(built_db, readonly=True))
    assert RUSSIA_FACT in cited(before)
    assert side_lines(before, "Russia")

    retire(built_db, RUSSIA_FACT)
    after = build_summary(connect(built_db, readonly=True))

    assert RUSSIA_FACT not in cited(after)
    assert f"{SEED}:3" not in cited(after), "the same words must not come back under another id"
    assert not any("unfriendly" in line.text for line in after.lines)
    assert problems(after, connect(built_db, readonly=True)) == []


def test_an_added_fact_appears_under_its_speakers_side(built_db: Path) -> None:
    sentence = next(
        line
        for line in connect(built_db, readonly=True)["passages"].rows_where(
            "text LIKE ?", [NOTE_VERBALE + "%"]
        )
    )
    add_fact(built_db, "russia-demands-release", sentence["text"], "Russia’s Foreign Ministry")

    summary = build_summary(connect(built_db, readonly=True))

    assert "russia-demands-release" in cited(summary)
    assert sentence["id"] not in cited(summary), "the curated fact replaces the sentence"
    assert sentence["text"] in side_lines(summary, "Russia")


def test_summary_follows_a_maintainers_retirement_through_the_editing_api(
    built_db: Path,
) -> None:
    editing = pytest.importorskip("factbot.editing")
    base = editing.FactBase(built_db)
    try:
        actor = editing.Actor(name="test", is_maintainer=True)
        editing.retire(base, actor, f"{SEED}:13", "test: retire the ambassador's statement")
    finally:
        base.close()

    summary = build_summary(connect(built_db, readonly=True))

    assert f"{SEED}:13" not in cited(summary)
    assert problems(summary, connect(built_db, readonly=True)) == []


def test_since_after_everything_gives_an_empty_summary(shared_db: Path) -> None:
    summary = build_summary(connect(shared_db, readonly=True), since=date(2999, 1, 1))
    assert summary.empty
    assert summary.sources == ()


def test_since_keeps_only_sources_published_on_or_after_the_date(built_db: Path) -> None:
    db = connect(built_db)
    db.execute("UPDATE sources SET published = '2025-06-30' WHERE id = ?", [SEED])
    db.conn.commit()
    ingest_text(
        db,
        "follow-up",
        "Azerbaijan’s Foreign Ministry said on Wednesday it had summoned Russia’s ambassador again.\n"
        "Russia’s Foreign Ministry said the detained Sputnik staff must be released at once.\n",
        outlet="Example Wire",
        published="2025-07-02",
    )

    summary = build_summary(connect(built_db, readonly=True), since=date(2025, 7, 1))

    assert summary.sources and {s.id for s in summary.sources} == {"follow-up"}
    assert {line.source_id for line in summary.lines if line.source_id} == {"follow-up"}
    assert side_lines(summary, "Russia") and side_lines(summary, "Azerbaijan")


def test_since_includes_passages_changed_since_the_date(built_db: Path) -> None:
    db = connect(built_db)
    db.execute("UPDATE sources SET published = '2025-06-30' WHERE id = ?", [SEED])
    db.conn.commit()
    if "changes" not in db.table_names():
        pytest.skip("this fact base has no change history")
    editing = pytest.importorskip("factbot.editing")
    base = editing.FactBase(built_db)
    try:
        actor = editing.Actor(name="test", is_maintainer=True)
        draft = editing.FactDraft(
            quote="A criminal case has been opened by Azerbaijan’s Prosecutor General’s Office.",
            fact_id="criminal-case",
            attribution="Azerbaijan’s Prosecutor General’s Office",
        )
        editing.add_fact(base, actor, draft, "test: a new curated fact")
    finally:
        base.close()
    today = date.fromisoformat(utc_now()[:10])

    summary = build_summary(connect(built_db, readonly=True), since=today)

    assert cited(summary) == {"criminal-case"}


def test_since_accepts_a_day_or_a_timestamp_and_refuses_anything_else() -> None:
    assert parse_since("2025-07-01") == date(2025, 7, 1)
    assert parse_since("2025-07-01T10:00:00Z") == date(2025, 7, 1)
    assert parse_since(None) is None
    with pytest.raises(InputError, match="since date"):
        parse_since("last week")


def test_unknown_length_is_refused(shared_db: Path) -> None:
    with pytest.raises(InputError, match="--length"):
        build_summary(connect(shared_db, readonly=True), length="medium")
