"""Adding an article: its text exactly as published, checked to survive export and rebuild."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from factbot.editing.checks import (
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_PASTED_SOURCE_BYTES,
    clean_reason,
    clean_text,
    unused_id,
)
from factbot.errors import InputError, KnowledgeError
from factbot.index.ingest import (
    Article,
    ArticleMeta,
    IngestReport,
    article_path,
    ingest_paths,
    passage_texts,
    slug,
)
from factbot.index.ingest import add_source as ingest_source
from factbot.index.meaning import encode_ahead
from factbot.index.upkeep import bump_revision, link_entities, refresh_term_stats
from factbot.knowledge.files import SOURCE_FIELDS, read_source
from factbot.knowledge.render import render_source_document
from factbot.models import ID_PATTERN, ID_RULE, Actor, Source, require_maintainer
from factbot.store.database import get_source_text
from factbot.store.history import Change, record_change
from factbot.store.writer import FactBase

# Every field of a source but its id: what an article may state and a maintainer may correct.
EDITABLE_SOURCE_FIELDS = tuple(name for name in SOURCE_FIELDS if name != "id")


@dataclass(frozen=True)
class SourceDraft:
    """An article to add: its text exactly as published, and what is known about it."""

    text: str
    source_id: str | None = None
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    photo_credit: str | None = None


def check_source_document(source: Source, text: str) -> None:
    """Refuse a source that `factbot export` could not write and `factbot build` read back.

    The check parses the rendered file with the build's own reader, so the two cannot drift.
    The file name is fixed (the reader takes the id from the front matter): an id such as
    `../../x` must be refused, not choose where the check writes.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "source.md"
        path.write_text(render_source_document(source, text), encoding="utf-8")
        try:
            document = read_source(path)
        except KnowledgeError as error:
            raise InputError(f"Source {source.id!r}: {error.reason}.") from None
    if document.body != text or document.id != source.id:
        raise InputError(f"Source {source.id!r} cannot be stored as given; check its text.")


def _draft_text(draft: SourceDraft) -> str:
    """The article's text as it will be stored, refused if empty or too large."""
    text = (draft.text or "").replace("\r\n", "\n").lstrip("\ufeff")
    if not text.strip():
        raise InputError("The source has no text.")
    size = len(text.encode("utf-8"))
    if size > MAX_PASTED_SOURCE_BYTES:
        raise InputError(
            f"The source text is {size:,} bytes; the limit is {MAX_PASTED_SOURCE_BYTES:,}. "
            "Use `factbot ingest` for long documents."
        )
    return text


def _draft_source(db: sqlite_utils.Database, draft: SourceDraft, text: str) -> Source:
    source_id, meta = _cleaned_metadata(draft)
    source = Source(
        id=source_id or _new_source_id(db, meta.get("title"), meta.get("outlet")), **meta
    )
    check_source_document(source, text)
    return source


def _cleaned_metadata(
    given: SourceDraft | ArticleMeta,
) -> tuple[str | None, dict[str, str | None]]:
    """The source id and the other metadata fields of a pasted source or an added article,
    each one line of text within its limit (`InputError` otherwise)."""
    fields = {
        name: clean_text(
            name.replace("_", " "), getattr(given, name), MAX_NAME_CHARS, one_line=True
        )
        for name in EDITABLE_SOURCE_FIELDS
    }
    return clean_text("source id", given.source_id, MAX_ID_CHARS, one_line=True), fields


def _new_source_id(db: sqlite_utils.Database, title: str | None, outlet: str | None) -> str:
    base = slug(" ".join(p for p in (outlet, title) if p) or "source")[:60].strip("-")
    return unused_id(db, "sources", base)


def add_source(base: FactBase, actor: Actor, draft: SourceDraft, reason: str) -> Change:
    """Store an article and its sentences, so facts can quote it and questions find it."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    text = _draft_text(draft)
    encode_ahead(passage_texts(text))
    with base.write() as db:
        source = _draft_source(db, draft, text)
        if get_source_text(db, source.id) is not None:
            raise InputError(f"A source with id {source.id!r} is already stored.")
        same = db.execute("SELECT id FROM sources WHERE text = ?", [text]).fetchone()
        if same:
            raise InputError(f"This text is already stored as source {same[0]!r}.")
        ingest_source(db, source, text, origin="edit")
        link_entities(db)
        refresh_term_stats(db)
        change = record_change(
            db,
            actor,
            "source.add",
            f"source:{source.id}",
            None,
            source_state(db, source.id),
            reason,
        )
        bump_revision(db)
    return change


def source_state(db: sqlite_utils.Database, source_id: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT id, outlet, title, url, published, author, photo_credit FROM sources WHERE id = ?",
        [source_id],
    ).fetchone()
    if row is None:
        raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
    active = [
        r[0]
        for r in db.execute(
            "SELECT id FROM passages WHERE source_id = ? AND status = 'active' ORDER BY rowid",
            [source_id],
        )
    ]
    state: dict[str, Any] = dict(zip(SOURCE_FIELDS, row, strict=True))
    state["active"] = active
    return state


@dataclass(frozen=True)
class AddedArticle:
    """One file added: where its text went, and the history's entry (None if already stored)."""

    path: Path
    source_id: str
    passages: int
    change: Change | None


def add_articles(
    db_path: Path,
    actor: Actor,
    paths: Sequence[Article],
    meta: ArticleMeta,
    reason: str | None = None,
) -> list[AddedArticle]:
    """Add article files (all or none), each with its front matter's metadata under the
    command line's, each recorded in the history as a `source.add` that `revert` undoes.

    The one way a front end adds an article: the CLI (`factbot ingest`, and its other name
    `factbot source add`) with paths, the bot (`/source add`) with the attachment's bytes as an
    `UploadedArticle`. It also starts a base from nothing when `db_path` does not exist, as
    `ingest` has.
    """
    require_maintainer(actor)
    why = clean_reason(reason) if reason else "added with `factbot ingest`"
    meta = clean_meta(meta)
    changes: dict[str, Change] = {}

    def record(db: sqlite_utils.Database, report: IngestReport) -> None:
        state = source_state(db, report.source_id)
        target = f"source:{report.source_id}"
        changes[report.source_id] = record_change(db, actor, "source.add", target, None, state, why)

    reports = ingest_paths(db_path, paths, meta=meta, record=record)
    return [
        AddedArticle(article_path(path), r.source_id, r.passages, changes.get(r.source_id))
        for path, r in zip(paths, reports, strict=True)
    ]


def clean_meta(meta: ArticleMeta) -> ArticleMeta:
    """The metadata as `source edit` would accept it: one line each, UTF-8, within limits.

    Checked here, not by the front end, because a Discord option can carry what a shell cannot
    (a lone surrogate from JSON, a line break), and each would otherwise fail deep in the write;
    an id such as `../x` would otherwise be stored and name a file outside the folder on export.
    """
    source_id, fields = _cleaned_metadata(meta)
    if source_id is not None and not ID_PATTERN.match(source_id):
        raise InputError(f"Source id {source_id!r} must be {ID_RULE}.")
    return ArticleMeta(source_id=source_id, **fields)


@dataclass(frozen=True)
class SourcePatch:
    """Metadata to fill in or correct later; None leaves a field as it is, "" empties it."""

    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    photo_credit: str | None = None


def edit_source(
    base: FactBase, actor: Actor, source_id: str, patch: SourcePatch, reason: str
) -> Change:
    """Fill in or correct a source's metadata (the article as received may have given none).

    Only what the maintainer gives changes; the text and its passages never do. The change is
    in the history with the values before and after, and `revert` puts the old ones back.
    """
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        before = source_meta(db, source_id)
        after = dict(before)
        for name in EDITABLE_SOURCE_FIELDS:
            value = getattr(patch, name)
            if value is not None:
                after[name] = clean_text(name.replace("_", " "), value, MAX_NAME_CHARS, one_line=True)
        if after == before:
            raise InputError(f"Nothing to change: source {source_id!r} already has those values.")
        text = get_source_text(db, source_id) or ""
        check_source_document(Source(id=source_id, **after), text)
        write_source_meta(db, source_id, after)
        change = record_change(db, actor, "source.edit", f"source:{source_id}", before, after, reason)
        bump_revision(db)
    return change


def source_meta(db: sqlite_utils.Database, source_id: str) -> dict[str, Any]:
    row = db.execute(
        f"SELECT {', '.join(EDITABLE_SOURCE_FIELDS)} FROM sources WHERE id = ?", [source_id]
    ).fetchone()
    if row is None:
        raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
    return {name: (value or None) for name, value in zip(EDITABLE_SOURCE_FIELDS, row, strict=True)}


def write_source_meta(db: sqlite_utils.Database, source_id: str, meta: dict[str, Any]) -> None:
    assignments = ", ".join(f"{name} = ?" for name in EDITABLE_SOURCE_FIELDS)
    db.execute(
        f"UPDATE sources SET {assignments} WHERE id = ?",
        [*(meta.get(name) for name in EDITABLE_SOURCE_FIELDS), source_id],
    )
