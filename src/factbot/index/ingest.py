"""Article text -> passages, speakers, entities and aliases, with no hand annotation.

Works on any plain-text or Markdown article: the same pipeline builds the incident base from
`knowledge/` and ingests articles nobody here has seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from factbot.errors import InputError, KnowledgeError
from factbot.files import FileRefused, read_regular_file
from factbot.index.meaning import encode_ahead
from factbot.index.source_files import SOURCE_FIELDS, SourceDocument, parse_source
from factbot.index.upkeep import bump_revision, link_entities, refresh_term_stats
from factbot.language.names import find_entities
from factbot.language.segment import document_title, paragraphs, segment
from factbot.language.speakers import speakers
from factbot.language.text import fold, index_columns, words
from factbot.models import Source
from factbot.store.database import (
    connect,
    record_text_processing,
    transaction,
    utc_now,
    verify_quotes,
)
from factbot.store.migrations import migrate

MAX_DOCUMENT_CHARS = 2_000_000
# The most bytes a text of MAX_DOCUMENT_CHARS can take in UTF-8 (with a byte-order mark): a file
# over it is too long whatever it holds, so no more than this is ever read.
MAX_DOCUMENT_BYTES = 4 * MAX_DOCUMENT_CHARS + 3
# An article sent as bytes (a Discord attachment) is downloaded and indexed by the running bot
# while it answers others. A 5,000-word long read is about 30 kB, so this is a dozen of them;
# longer documents go through `factbot ingest` on the host.
MAX_UPLOAD_BYTES = 512_000
UPLOAD_SUFFIXES = (".md", ".markdown", ".txt")


# --- writing -------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A stable id fragment: folded, lowercase, hyphenated, at most 60 characters."""
    value = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return value[:60].strip("-") or "source"


def add_source(
    db: sqlite_utils.Database, source: Source, text: str, origin: str, passages_from: str = "auto"
) -> int:
    """Store `source` and its sentences; returns how many passages it added.

    The caller owns the transaction, so a failed ingest leaves nothing half-written.
    """
    if not text.strip():
        raise InputError(f"source {source.id!r} has no text")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InputError(f"source {source.id!r} is over {MAX_DOCUMENT_CHARS:,} characters")
    db.table("sources").insert(
        {
            **{name: getattr(source, name) for name in SOURCE_FIELDS},
            "text": text,
            "origin": origin,
            "added_at": utc_now(),
        }
    )
    blocks = paragraphs(text)
    spans = [span for block in blocks for span in block]
    who = speakers([span.text for span in spans])
    columns = [index_columns(span.text) for span in spans]
    span_terms = [c["terms"].split() for c in columns]
    block_terms, offset = [], 0
    for block in blocks:
        block_terms.append(span_terms[offset : offset + len(block)])
        offset += len(block)
    elsewhere = [
        " ".join(t for j, other in enumerate(block) if j != i for t in other)
        for block in block_terms
        for i in range(len(block))
    ]
    rows = [
        {
            "id": f"{source.id}:{position}",
            "source_id": source.id,
            "position": position,
            "start": span.start,
            "end": span.end,
            "text": span.text,
            "attribution": speaker,
            "kind": "sentence",
            "status": "active",
            **columns[position - 1],
            "context_terms": " ".join(span_terms[position - 2]) if position > 1 else None,
            "paragraph_terms": elsewhere[position - 1] or None,
        }
        for position, (span, speaker) in enumerate(zip(spans, who, strict=True), start=1)
    ]
    db.table("passages").insert_all(rows)
    for entity in find_entities(text, spans):
        add_entity(db, entity.name, entity.kind, None, entity.aliases, origin="auto")
    return len(rows)


def add_entity(
    db: sqlite_utils.Database,
    name: str,
    kind: str,
    description: str | None,
    aliases: Iterable[str],
    origin: str,
    entity_id: str | None = None,
) -> str:
    """Add an entity, or fold its spellings into an existing one that already answers to them."""
    spellings = [name, *aliases]
    existing = _entity_for_spellings(db, spellings) if entity_id is None else None
    target = existing or entity_id or slug(name)
    if existing is None:
        db.table("entities").upsert(
            {
                "id": target,
                "name": name,
                "kind": kind,
                "description": description,
                "origin": origin,
            },
            pk="id",
        )
    if origin == "auto":
        spellings = [s for s in spellings if not _alias_taken(db, s, target)]
    db.table("aliases").insert_all(
        (
            {"entity_id": target, "alias": alias, "folded": " ".join(words(alias))}
            for alias in spellings
            if words(alias)
        ),
        pk=("entity_id", "folded"),
        ignore=True,
    )
    return target


def _alias_taken(db: sqlite_utils.Database, spelling: str, entity_id: str) -> bool:
    """Whether another entity already answers to `spelling` (a found short form must not steal it)."""
    row = db.execute(
        "SELECT 1 FROM aliases WHERE folded = ? AND entity_id != ? LIMIT 1",
        [" ".join(words(spelling)), entity_id],
    ).fetchone()
    return row is not None


def _entity_for_spellings(db: sqlite_utils.Database, spellings: Sequence[str]) -> str | None:
    folded = [" ".join(words(s)) for s in spellings[:1]]
    row = db.execute(
        f"SELECT entity_id FROM aliases WHERE folded IN ({','.join('?' * len(folded))}) "
        "ORDER BY entity_id LIMIT 1",
        folded,
    ).fetchone()
    return None if row is None else str(row[0])


# --- files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestReport:
    source_id: str
    passages: int


@dataclass(frozen=True)
class ArticleMeta:
    """What the command line says about an article; None where it says nothing.

    Anything given here overrides the file's front matter, which overrides nothing else: a field
    neither gives stays empty, never guessed (a Markdown heading or a plain headline on the
    first line may still give the title: see `document_title`).
    """

    source_id: str | None = None
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    photo_credit: str | None = None


@dataclass(frozen=True)
class UploadedArticle:
    """An article received as bytes, not named by a path: a file attached in Discord.

    It is read exactly as a file is (front matter, UTF-8, sentences), under its own size limit
    and only as plain text or Markdown, since nobody on the host chose it.
    """

    name: str
    data: bytes

    @property
    def path(self) -> Path:
        """The file name alone, for messages and the default id: never a folder to write in."""
        return Path(Path(self.name.replace("\\", "/")).name or "article.md")


Article = Path | UploadedArticle


def article_path(article: Article) -> Path:
    """The name an article goes by in messages: its path, or an upload's file name."""
    return article.path if isinstance(article, UploadedArticle) else article


def read_document(article: Article) -> SourceDocument:
    """An article file as metadata and body: its `knowledge/sources` front matter, if any, is
    read, never indexed; a file with front matter and no body is refused, as `build` does."""
    path = article_path(article)
    text = read_upload(article) if isinstance(article, UploadedArticle) else read_article(path)
    try:
        document = parse_source(text, path, default_id=slug(path.stem))
    except KnowledgeError as error:
        raise InputError(str(error)) from None
    if not segment(document.body):
        raise InputError(f"{path} has no sentences to quote after its front matter.")
    return document


def article_source(document: SourceDocument, given: ArticleMeta) -> Source:
    """The source to store: the command line's metadata over the file's front matter."""
    front = document.meta

    def pick(name: str) -> str | None:
        value = getattr(given, name)
        return value if value is not None and value.strip() else front.get(name)

    published, url = pick("published"), pick("url")
    if published:
        _check_date(published)
    if url and not re.match(r"^https?://\S+$", url):
        raise InputError(f"--url must start with http:// or https://, not {url!r}")
    return Source(
        id=given.source_id or document.id,
        outlet=pick("outlet"),
        title=pick("title") or document_title(document.body),
        url=url,
        published=published,
        author=pick("author"),
        photo_credit=pick("photo_credit"),
    )


def ingest_file(
    db: sqlite_utils.Database,
    path: Article,
    outlet: str | None = None,
    url: str | None = None,
    published: str | None = None,
    source_id: str | None = None,
    meta: ArticleMeta | None = None,
) -> IngestReport:
    """Add one plain-text or Markdown article with its front matter's metadata, if any.

    The caller owns the transaction and calls `finish_ingest` once after all files.
    """
    given = meta or ArticleMeta(source_id=source_id, outlet=outlet, url=url, published=published)
    document = read_document(path)
    source = article_source(document, given)
    text = document.body
    existing = db.execute("SELECT text FROM sources WHERE id = ?", [source.id]).fetchone()
    if existing is not None:
        if existing[0] == text:
            return IngestReport(source.id, 0)
        raise InputError(
            f"A different source with id {source.id!r} is already stored; rename the file to ingest it as a new source."
        )
    return IngestReport(source.id, add_source(db, source, text, origin="ingest"))


def finish_ingest(db: sqlite_utils.Database) -> None:
    """Recompute links and statistics after sources were added, and signal readers."""
    link_entities(db)
    refresh_term_stats(db)
    bump_revision(db)


def read_article(path: Path) -> str:
    """UTF-8 text of an article, refused clearly if a link, binary, not UTF-8, empty or too large."""
    try:
        raw = read_regular_file(path, MAX_DOCUMENT_BYTES)
    except FileRefused as refused:
        raise InputError(f"{path} {refused.reason}.") from None
    return article_text(raw, str(path))


def read_upload(upload: UploadedArticle) -> str:
    """UTF-8 text of an uploaded article, refused clearly unless a small plain-text or Markdown file."""
    name = upload.path
    if name.suffix.lower() not in UPLOAD_SUFFIXES:
        kinds = ", ".join(UPLOAD_SUFFIXES)
        raise InputError(f"{name} is not an article file; attach plain text or Markdown ({kinds}).")
    if len(upload.data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{name} is over {MAX_UPLOAD_BYTES:,} bytes; add longer documents with `factbot ingest`."
        )
    return article_text(upload.data, str(name))


def article_text(raw: bytes, name: str) -> str:
    """An article's bytes as text, refused, naming `name`, if binary, not UTF-8, too long or empty."""
    text = decode_article(raw, name)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InputError(f"{name} is over {MAX_DOCUMENT_CHARS:,} characters.")
    if not segment(text):
        raise InputError(f"{name} has no sentences to quote.")
    return text


def decode_article(raw: bytes, name: str) -> str:
    """Article bytes as text with Unix line ends; refused, naming `name` and the line, unless UTF-8."""
    if b"\x00" in raw:
        raise InputError(f"{name} is a binary file; ingest takes plain text or Markdown.")
    try:
        return raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(f"{name}:{line}: not valid UTF-8 text.") from None


def _check_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--published must be YYYY-MM-DD, not {value!r}") from None


def passage_texts(text: str) -> list[str]:
    """The passages `add_source` makes of a text, without storing anything."""
    return [span.text for block in paragraphs(text) for span in block]


def ingest_paths(
    db_path: Path,
    paths: Sequence[Article],
    outlet: str | None = None,
    url: str | None = None,
    published: str | None = None,
    meta: ArticleMeta | None = None,
    record: Callable[[sqlite_utils.Database, IngestReport], None] | None = None,
) -> list[IngestReport]:
    """Ingest files (or uploads) into the fact base at `db_path` (created if missing) in one
    transaction.

    Either every file is added and every quote verified, or nothing changes. `record` is called
    in the transaction for each source added (the history's entry for it). When every file is
    already stored, nothing is written, not even the revision: running bots reload their caches
    when it moves, and would do so for nothing.
    """
    given = meta or ArticleMeta(outlet=outlet, url=url, published=published)
    if not paths:
        raise InputError("Name at least one file to ingest.")
    if len(paths) > 1 and (given.url or given.source_id or given.title):
        raise InputError(
            "--url, --id and --title name one article; add one file at a time with them."
        )
    db = connect(db_path)
    try:
        migrate(db)
        for path in paths:
            encode_ahead(passage_texts(read_document(path).body))
        with transaction(db):
            fresh = db["passages"].count == 0
            reports = [ingest_file(db, path, meta=given) for path in paths]
            added = [report for report in reports if report.passages]
            if not added:
                return reports
            for report in added:
                if record is not None:
                    record(db, report)
            finish_ingest(db)
            if fresh:
                record_text_processing(db)
            verify_quotes(db)
        return reports
    finally:
        db.conn.close()
