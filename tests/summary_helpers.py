"""Helpers shared by the summary tests: open a fact base, ingest an article, check a summary."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from factbot.briefing.summary import Summary
from factbot.index.ingest import add_source, bump_revision, link_entities, refresh_term_stats
from factbot.models import Source
from factbot.store.database import connect, transaction
from factbot.store.migrations import migrate

REPO = Path(__file__).resolve().parent.parent
SQUAD_ARTICLES = REPO.parent / "shared" / "bench" / "squad-public" / "articles"
SEED_ARTICLE = REPO / "knowledge" / "sources" / "trt-azerbaijan-russia-protests.md"


def seed_body() -> str:
    """The seed article's text without its front matter, as ingest would receive it."""
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    return text.split("---\n", 2)[2]


def ingest_text(
    db: sqlite_utils.Database,
    source_id: str,
    text: str,
    *,
    outlet: str | None = None,
    title: str | None = None,
    published: str | None = None,
) -> None:
    """Add one article through the ordinary ingest pipeline, in one write transaction."""
    migrate(db)
    with transaction(db):
        source = Source(id=source_id, outlet=outlet, title=title, published=published)
        add_source(db, source, text, origin="ingest")
        link_entities(db)
        refresh_term_stats(db)
        bump_revision(db)


def fresh_db(path: Path) -> sqlite_utils.Database:
    db = connect(path)
    migrate(db)
    return db


def problems(summary: Summary, db: sqlite_utils.Database) -> list[str]:
    """Everything that breaks the summary's promises, as readable messages (empty when none).

    Every quote is an active passage or a verbatim sub-span of one at the stored offsets; every
    line is attributed; notes are labelled as the maintainers'; gaps cite a stored source; a
    side's silence names the side and cites nothing.
    """
    found = []
    for line in summary.lines:
        if not line.attribution:
            found.append(f"unattributed line {line}")
        if line.kind in ("quote", "role"):
            found.extend(_quote_problems(line.passage_id, line.text, line.start, line.end, db))
        elif line.kind == "note":
            if "Maintainers" not in line.attribution or not line.entity_id:
                found.append(f"note not labelled as the maintainers': {line}")
        elif line.kind == "gap":
            if (
                db.execute("SELECT 1 FROM sources WHERE id = ?", [line.source_id]).fetchone()
                is None
            ):
                found.append(f"gap cites an unknown source: {line}")
        elif line.kind == "absent":
            if line.passage_id or line.source_id or not line.group:
                found.append(f"a side's silence must name the side and cite nothing: {line}")
        else:
            found.append(f"unknown line kind {line.kind!r}")
    return found


def _quote_problems(
    passage_id: str | None, text: str, start: int | None, end: int | None, db: sqlite_utils.Database
) -> list[str]:
    row = db.execute(
        "SELECT p.text, p.start, p.end, p.status, s.text FROM passages p "
        "JOIN sources s ON s.id = p.source_id WHERE p.id = ?",
        [passage_id],
    ).fetchone()
    if row is None:
        return [f"cites a passage that does not exist: {passage_id!r}"]
    passage, p_start, p_end, status, source_text = row
    found = []
    if status != "active":
        found.append(f"cites a retired passage: {passage_id}")
    if start is None or end is None or source_text[start:end] != text:
        found.append(f"quote from {passage_id} is not verbatim at its offsets: {text!r}")
    elif not (p_start <= start and end <= p_end and text in passage):
        found.append(f"quote from {passage_id} is not inside the passage: {text!r}")
    return found
