"""`knowledge/` -> a fresh SQLite fact base, verified and swapped in atomically.

The new base is written beside the target and renamed over it only once every quote has been
checked verbatim, so a failed build leaves the previous base answering.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from factbot.index.ingest import (
    add_entity,
    add_source,
    bump_revision,
    link_entities,
    refresh_term_stats,
)
from factbot.knowledge.files import FactRecord, Knowledge, load_knowledge
from factbot.language.text import index_columns, terms
from factbot.models import Source
from factbot.store.database import connect, record_text_processing, set_meta, utc_now, verify_quotes
from factbot.store.migrations import migrate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    sources: int
    passages: int
    facts: int
    entities: int
    seconds: float


# meta key holding synonyms.toml as it was built from (see export.render_knowledge).
SYNONYMS_FILE_KEY = "synonyms_toml"


def build_fact_base(knowledge_dir: Path, db_path: Path) -> BuildReport:
    """Build `db_path` from `knowledge_dir`; deterministic, and idempotent for the same files."""
    started = time.perf_counter()
    knowledge = load_knowledge(knowledge_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staging = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    _remove_database_files(staging)
    try:
        db = connect(staging)
        try:
            migrate(db)
            with db.conn:
                write_knowledge(db, knowledge)
            verify_quotes(db)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            counts = {t: db[t].count for t in ("sources", "passages", "entities")}
            facts = db.execute("SELECT count(*) FROM passages WHERE kind = 'fact'").fetchone()[0]
        finally:
            db.conn.close()
        _remove_database_files(db_path, keep_main=True)
        os.replace(staging, db_path)
    finally:
        _remove_database_files(staging)
    report = BuildReport(
        path=db_path,
        sources=counts["sources"],
        passages=counts["passages"],
        facts=int(facts),
        entities=counts["entities"],
        seconds=time.perf_counter() - started,
    )
    log.info("built %s: %s", db_path, report)
    return report


def write_knowledge(db: sqlite_utils.Database, knowledge: Knowledge) -> None:
    """Insert curated entities first so names found in the articles fold into them."""
    for entity in knowledge.entities:
        add_entity(
            db,
            entity.name,
            entity.kind,
            entity.description,
            entity.aliases,
            origin="knowledge",
            entity_id=entity.id,
        )
    for document in knowledge.sources:
        meta = document.meta
        source = Source(
            id=document.id,
            outlet=meta.get("outlet"),
            title=meta.get("title"),
            url=meta.get("url"),
            published=meta.get("published"),
            author=meta.get("author"),
            photo_credit=meta.get("photo_credit"),
        )
        add_source(db, source, document.body, origin="knowledge")
    write_synonyms(db, knowledge)
    record_text_processing(db)
    if knowledge.synonyms_text:
        set_meta(db, SYNONYMS_FILE_KEY, knowledge.synonyms_text)
    texts = {d.id: d.body for d in knowledge.sources}
    for fact in knowledge.facts:
        insert_fact(db, fact, texts[fact.source])
    link_entities(db)
    refresh_term_stats(db)
    bump_revision(db)
    db.table("meta").upsert({"key": "built_at", "value": utc_now()}, pk="key")


def write_synonyms(db: sqlite_utils.Database, knowledge: Knowledge) -> None:
    """Store each synonym group as the stems a question and a passage are compared on."""
    rows = {
        (term, number): {"term": term, "group_id": number}
        for number, group in enumerate(knowledge.synonyms, start=1)
        for word in group.words
        for term in terms(word)
    }
    db.table("synonyms").insert_all(rows.values(), pk=("term", "group_id"), ignore=True)


def insert_fact(db: sqlite_utils.Database, fact: FactRecord, source_text: str) -> None:
    start = source_text.index(fact.quote)
    db.table("passages").insert(
        {
            "id": fact.id,
            "source_id": fact.source,
            "position": 0,
            "start": start,
            "end": start + len(fact.quote),
            "text": fact.quote,
            "attribution": fact.attribution,
            "kind": "fact",
            "status": fact.status,
            "note": fact.note,
            "entity_ids": " ".join(fact.entities) or None,
            **index_columns(fact.quote),
        }
    )


def _remove_database_files(path: Path, keep_main: bool = False) -> None:
    suffixes = ("-wal", "-shm", "-journal") if keep_main else ("", "-wal", "-shm", "-journal")
    for suffix in suffixes:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
