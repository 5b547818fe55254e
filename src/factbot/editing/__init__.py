"""Maintainers' changes to the live fact base: operations, their history, and revert.

Every operation is one write transaction that checks its input against the current state, makes
the change, appends a `changes` row (who, when in UTC, before and after as JSON, why) and bumps
`meta.revision`, so a running `AnswerEngine` answers with it on its next question. Either all of
that happens or none of it: a refused or interrupted change leaves the previous state.

Nothing is ever deleted. Retiring a passage keeps it (status 'retired'); reverting an added alias
moves it to `aliases_retired`; `revert` undoes a change by making a new one. How a change is
undone depends on its target:

- `passage:<id>`: before/after are the passage's whole state; an undo applies `before` if the
  passage is still as `after` left it (else it names the later change to revert first). Undoing
  an addition retires the passage.
- `entity:<id>` and `source:<id>`: before/after list only the aliases (or active passages) the
  change concerned, so unrelated later changes to the same entity do not block an undo.
"""

from __future__ import annotations

import getpass
import json
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from factbot.errors import DatabaseError, InputError, KnowledgeError, PermissionDenied
from factbot.index.ingest import (
    ArticleMeta,
    IngestReport,
    bump_revision,
    ingest_paths,
    link_entities,
    passage_texts,
    refresh_term_stats,
    slug,
    update_term_stats,
)
from factbot.index.ingest import add_source as ingest_source
from factbot.index.meaning import encode_ahead
from factbot.knowledge.build import insert_fact
from factbot.knowledge.files import SOURCE_FIELDS, FactRecord, read_source
from factbot.language.text import index_columns, words
from factbot.models import Source
from factbot.store.database import (
    REBUILD_HINT,
    DatabaseUnavailable,
    connect,
    database_error,
    get_source_text,
    migrate,
    require_schema,
    source_from_row,
    transaction,
    utc_now,
)

# Limits on what a maintainer types. A quote is a sentence or two; a reason or note a few lines.
MAX_QUOTE_CHARS = 2_000
MAX_NOTE_CHARS = 2_000
MAX_REASON_CHARS = 1_000
MAX_NAME_CHARS = 200
# A 5,000-word long read is about 30 kB; a bigger paste is usually a whole web page with menus
# and footers, which make poor quotes. Longer documents go through `factbot ingest`.
MAX_SOURCE_BYTES = 64_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ONE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FACT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
# Same-length replacements only, so an index in the folded text is an index in the original.
_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


# --- who --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the history records it, and whether they may."""

    name: str
    is_maintainer: bool
    kind: str = "os"
    user_id: str | None = None

    @classmethod
    def os_user(cls, name: str | None = None) -> Actor:
        """The person at the terminal: whoever can run the CLI on the base can edit it."""
        return cls(name=name or _login_name(), is_maintainer=True, kind="os")

    @classmethod
    def discord(cls, user_id: int, name: str, roles: Iterable[str], maintainer_role: str) -> Actor:
        """A Discord member; `roles` holds their role names and ids, either may be configured.

        Names compare case-insensitively, as Discord shows them to admins who type them in .env.
        """
        allowed = maintainer_role.casefold() in {role.casefold() for role in roles}
        return cls(name=name, is_maintainer=allowed, kind="discord", user_id=str(user_id))

    @property
    def label(self) -> str:
        if self.kind == "discord":
            return f"discord:{self.user_id} ({self.name})"
        return f"{self.kind}:{self.name}"


def _login_name() -> str:
    """The OS user name; containers without a passwd entry or $USER still get a name."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def require_maintainer(actor: Actor) -> None:
    if not actor.is_maintainer:
        raise PermissionDenied(f"Only maintainers can do this, and {actor.name} is not one.")


# --- the record of a change --------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One row of the append-only history."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    reverted_change: int | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Change:
        change_id, at, actor, action, target, before, after, reason, reverted = row
        return cls(
            id=int(change_id),
            at=str(at),
            actor=str(actor),
            action=str(action),
            target=str(target),
            before=json.loads(before) if before else None,
            after=json.loads(after) if after else None,
            reason=str(reason),
            reverted_change=int(reverted) if reverted is not None else None,
        )

    def differences(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field the change altered, in a stable order."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    @property
    def summary(self) -> str:
        """One line for a list: number, when, who, what, on what, why."""
        undo = f" (undoes change {self.reverted_change})" if self.reverted_change else ""
        return f"#{self.id} {self.at} {self.actor} {self.action}{undo} {self.target}: {self.reason}"

    def describe(self) -> list[str]:
        """The summary and one line per altered field, shortened to stay readable."""
        lines = [self.summary]
        for key, old, new in self.differences():
            lines.append(f"    {key}: {_short(old)} -> {_short(new)}")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "reverted_change": self.reverted_change,
        }


def _short(value: Any, limit: int = 80) -> str:
    text = "(none)" if value is None or value == [] else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CHANGE_COLUMNS = "id, at, actor, action, target, before, after, reason, reverted_change"


def record_change(
    db: sqlite_utils.Database,
    actor: Actor,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    reverted_change: int | None = None,
) -> Change:
    def dump(value: dict[str, Any] | None) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    at = utc_now()
    cursor = db.execute(
        "INSERT INTO changes (at, actor, action, target, before, after, reason, reverted_change) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [at, actor.label, action, target, dump(before), dump(after), reason, reverted_change],
    )
    change_id = int(cursor.lastrowid or 0)
    return Change(
        change_id, at, actor.label, action, target, before, after, reason, reverted_change
    )


# --- the writer's handle -----------------------------------------------------------------------


class FactBase:
    """One writable connection to the live fact base, safe to share between threads.

    Writes are serialised by a lock here and by SQLite's write lock across processes. If the
    file is replaced underneath (an old-style rebuild renames a new file over it), the handle
    reopens instead of writing to the orphaned file where nobody would ever read the change.
    """

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise DatabaseError(f"No fact base at {path}. {REBUILD_HINT.format(path=path)}")
        self.path = path
        self._lock = threading.RLock()
        self._inode = -1
        self._db = self._open()

    def _open(self) -> sqlite_utils.Database:
        db = connect(self.path)
        require_schema(db, self.path)
        try:
            migrate(db)
        except sqlite3.DatabaseError:
            # Another process applied the same migration between our check and our write.
            migrate(db)
        self._inode = _inode(self.path)
        return db

    def _replaced(self) -> bool:
        try:
            return _inode(self.path) != self._inode
        except FileNotFoundError:
            return False

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection, for reads; reopened first if the file was replaced."""
        with self._lock:
            if self._replaced():
                self._db.conn.close()
                self._db = self._open()
            return self._db

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (BEGIN IMMEDIATE): committed on success, else rolled back."""
        with self._lock:
            try:
                db, stack = self._begin()
                with stack:
                    yield db
            except sqlite3.OperationalError as error:
                if "locked" in str(error) or "busy" in str(error):
                    raise DatabaseUnavailable(
                        f"The fact base at {self.path} is busy with another change; try again."
                    ) from error
                raise _refused(self.path, error) from error
            except sqlite3.DatabaseError as error:
                raise _refused(self.path, error) from error

    def _begin(self) -> tuple[sqlite_utils.Database, ExitStack]:
        """Take the write lock on the file that is really there now, not on a replaced one."""
        for _ in range(3):
            db = self.db
            stack = ExitStack()
            stack.enter_context(transaction(db))
            if not self._replaced():
                return db, stack
            stack.close()
        raise DatabaseError(f"The fact base at {self.path} keeps being replaced; try again.")

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()


def _inode(path: Path) -> int:
    return path.stat().st_ino


def _refused(path: Path, error: sqlite3.DatabaseError) -> DatabaseError:
    """Nothing changed; and when the base itself is at fault (read-only, damaged), how to fix it."""
    if isinstance(error, sqlite3.IntegrityError):
        return DatabaseError(f"The fact base refused the change ({error}); nothing changed.")
    cause = database_error(path, error, "cannot be written")
    return type(cause)(f"Nothing changed. {cause}")


# --- input checks ------------------------------------------------------------------------------


def clean_text(name: str, value: str | None, limit: int, *, one_line: bool = False) -> str | None:
    """Trimmed text, None if blank; refuses over-long text and hidden control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"The {name} must be text.")
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InputError(f"The {name} is {len(value):,} characters long; the limit is {limit:,}.")
    if (_ONE_LINE_CONTROL if one_line else _CONTROL).search(value):
        where = "line breaks or control characters" if one_line else "control characters"
        raise InputError(f"The {name} contains {where}.")
    return value


def required_text(name: str, value: str | None, limit: int, *, one_line: bool = False) -> str:
    text = clean_text(name, value, limit, one_line=one_line)
    if text is None:
        raise InputError(f"The {name} is empty; it is required.")
    return text


def clean_reason(reason: str | None) -> str:
    """Every change says why: the history is read by someone who was not there."""
    text = clean_text("reason", reason, MAX_REASON_CHARS)
    if text is None:
        raise InputError("Give a reason for the change (--reason): the history records why.")
    return text


# --- sources -----------------------------------------------------------------------------------


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


def render_source_document(source: Source, text: str) -> str:
    """A source as a `knowledge/sources/*.md` file: front matter, then the text byte for byte."""
    lines = ["---"]
    for name in SOURCE_FIELDS:
        value = getattr(source, name)
        lines.append(f"{name}: {value}" if value else f"{name}:")
    lines.append("---")
    return "\n".join(lines) + "\n" + text


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
    if size > MAX_SOURCE_BYTES:
        raise InputError(
            f"The source text is {size:,} bytes; the limit is {MAX_SOURCE_BYTES:,}. "
            "Use `factbot ingest` for long documents."
        )
    return text


def _draft_source(db: sqlite_utils.Database, draft: SourceDraft, text: str) -> Source:
    meta = {
        name: clean_text(
            name.replace("_", " "), getattr(draft, name), MAX_NAME_CHARS, one_line=True
        )
        for name in SOURCE_FIELDS
        if name != "id"
    }
    source_id = clean_text("source id", draft.source_id, 80, one_line=True)
    source = Source(
        id=source_id or _new_source_id(db, meta.get("title"), meta.get("outlet")), **meta
    )
    check_source_document(source, text)
    return source


def _new_source_id(db: sqlite_utils.Database, title: str | None, outlet: str | None) -> str:
    base = slug(" ".join(p for p in (outlet, title) if p) or "source")[:60].strip("-")
    return _unused_id(db, "sources", base)


def _unused_id(db: sqlite_utils.Database, table: str, base: str) -> str:
    candidate, number = base, 1
    while db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [candidate]).fetchone():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


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
            _source_state(db, source.id),
            reason,
        )
        bump_revision(db)
    return change


EDITABLE_SOURCE_FIELDS = ("outlet", "title", "url", "published", "author", "photo_credit")


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
        before = _source_meta(db, source_id)
        after = dict(before)
        for name in EDITABLE_SOURCE_FIELDS:
            value = getattr(patch, name)
            if value is not None:
                after[name] = clean_text(name.replace("_", " "), value, MAX_NAME_CHARS, one_line=True)
        if after == before:
            raise InputError(f"Nothing to change: source {source_id!r} already has those values.")
        text = get_source_text(db, source_id) or ""
        check_source_document(Source(id=source_id, **after), text)
        _write_source_meta(db, source_id, after)
        change = record_change(db, actor, "source.edit", f"source:{source_id}", before, after, reason)
        bump_revision(db)
    return change


def _source_meta(db: sqlite_utils.Database, source_id: str) -> dict[str, Any]:
    row = db.execute(
        f"SELECT {', '.join(EDITABLE_SOURCE_FIELDS)} FROM sources WHERE id = ?", [source_id]
    ).fetchone()
    if row is None:
        raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
    return {name: (value or None) for name, value in zip(EDITABLE_SOURCE_FIELDS, row, strict=True)}


def _write_source_meta(db: sqlite_utils.Database, source_id: str, meta: dict[str, Any]) -> None:
    assignments = ", ".join(f"{name} = ?" for name in EDITABLE_SOURCE_FIELDS)
    db.execute(
        f"UPDATE sources SET {assignments} WHERE id = ?",
        [*(meta.get(name) for name in EDITABLE_SOURCE_FIELDS), source_id],
    )


@dataclass(frozen=True)
class AddedArticle:
    """One file added: where its text went, and the history's entry (None if already stored)."""

    path: Path
    source_id: str
    passages: int
    change: Change | None


def add_articles(
    db_path: Path, actor: Actor, paths: Sequence[Path], meta: ArticleMeta, reason: str | None = None
) -> list[AddedArticle]:
    """Add article files (all or none), each with its front matter's metadata under the
    command line's, each recorded in the history as a `source.add` that `revert` undoes.

    The one way the CLI adds an article (`factbot ingest`, and its other name `factbot source
    add`); it also starts a base from nothing when `db_path` does not exist, as `ingest` has.
    """
    require_maintainer(actor)
    why = clean_reason(reason) if reason else "added with `factbot ingest`"
    changes: dict[str, Change] = {}

    def record(db: sqlite_utils.Database, report: IngestReport) -> None:
        state = _source_state(db, report.source_id)
        target = f"source:{report.source_id}"
        changes[report.source_id] = record_change(db, actor, "source.add", target, None, state, why)

    reports = ingest_paths(db_path, paths, meta=meta, record=record)
    return [
        AddedArticle(path, r.source_id, r.passages, changes.get(r.source_id))
        for path, r in zip(paths, reports, strict=True)
    ]


def _source_state(db: sqlite_utils.Database, source_id: str) -> dict[str, Any]:
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


# --- passages and facts ------------------------------------------------------------------------


@dataclass(frozen=True)
class FactDraft:
    """A curated fact to add: a quote that must be verbatim in a stored source."""

    quote: str
    source_id: str | None = None
    fact_id: str | None = None
    attribution: str | None = None
    entities: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class FactPatch:
    """Fields to correct; None leaves a field as it is, an empty string clears it."""

    quote: str | None = None
    source_id: str | None = None
    attribution: str | None = None
    entities: tuple[str, ...] | None = None
    note: str | None = None


_PASSAGE_COLUMNS = "id, source_id, kind, text, start, end, attribution, note, entity_ids, status"


def _passage_state(db: sqlite_utils.Database, passage_id: str) -> dict[str, Any] | None:
    row = db.execute(
        f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE id = ?", [passage_id]
    ).fetchone()
    if row is None:
        return None
    state = dict(zip(_PASSAGE_COLUMNS.split(", "), row, strict=True))
    state["entities"] = (state.pop("entity_ids") or "").split()
    return state


def _require_passage(db: sqlite_utils.Database, passage_id: str) -> dict[str, Any]:
    state = _passage_state(db, passage_id)
    if state is None:
        raise InputError(
            f"Unknown fact or passage {passage_id!r}. See `factbot fact list` (--all for sentences)."
        )
    return state


def _write_passage(
    db: sqlite_utils.Database, current: dict[str, Any], desired: dict[str, Any]
) -> None:
    """Bring one passage from `current` to `desired`, then the statistics that depend on it."""
    changed = {k for k in desired if desired[k] != current.get(k)}
    if not changed:
        return
    columns = index_columns(desired["text"])
    db.execute(
        "UPDATE passages SET source_id = ?, text = ?, start = ?, end = ?, terms = ?, words = ?, "
        "names = ?, attribution = ?, note = ?, entity_ids = ?, status = ? WHERE id = ?",
        [
            desired["source_id"],
            desired["text"],
            desired["start"],
            desired["end"],
            columns["terms"],
            columns["words"],
            columns["names"],
            desired["attribution"],
            desired["note"],
            " ".join(desired["entities"]) or None,
            desired["status"],
            current["id"],
        ],
    )
    if changed & {"text", "entities"}:
        link_entities(db, [current["id"]])
    if changed & {"text", "status"}:
        update_term_stats(
            db,
            current["text"] if current.get("status") == "active" else None,
            desired["text"] if desired["status"] == "active" else None,
        )


def _locate(db: sqlite_utils.Database, quote: str, source_id: str | None) -> tuple[str, int]:
    """Where `quote` is verbatim: (source id, offset); refuses with the nearest spelling if not."""
    if source_id is not None:
        text = get_source_text(db, source_id)
        if text is None:
            raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
        if quote in text:
            return source_id, text.index(quote)
        raise InputError(
            f"The quote is not verbatim in source {source_id!r}.{_near_miss(db, quote)}"
        )
    found = [
        row[0]
        for row in db.execute(
            "SELECT id FROM sources WHERE instr(text, ?) > 0 ORDER BY id", [quote]
        )
    ]
    if not found:
        raise InputError(f"The quote is not verbatim in any stored source.{_near_miss(db, quote)}")
    if len(found) > 1:
        raise InputError(
            f"The quote is in several sources ({', '.join(found)}); choose one with --source."
        )
    text = get_source_text(db, found[0]) or ""
    return found[0], text.index(quote)


def _near_miss(db: sqlite_utils.Database, quote: str) -> str:
    """A hint when only the quotation marks or apostrophes differ from the source's."""
    folded = quote.translate(_QUOTE_FOLD)
    for source_id, text in db.execute("SELECT id, text FROM sources ORDER BY id"):
        at = text.translate(_QUOTE_FOLD).find(folded)
        if at >= 0:
            return f" Source {source_id!r} has it with other quotation marks: {text[at : at + len(quote)]}"
    return ""


def _resolve_entities(db: sqlite_utils.Database, references: Iterable[str]) -> list[str]:
    """Entity ids for ids or names the maintainer typed; refuses unknown or ambiguous ones."""
    resolved: list[str] = []
    for reference in references:
        reference = required_text("entity", reference, MAX_NAME_CHARS, one_line=True)
        if db.execute("SELECT 1 FROM entities WHERE id = ?", [reference]).fetchone():
            entity_id = reference
        else:
            matches = sorted(
                {
                    r[0]
                    for r in db.execute(
                        "SELECT entity_id FROM aliases WHERE folded = ?",
                        [" ".join(words(reference))],
                    )
                }
            )
            if len(matches) != 1:
                detail = (
                    f"it could be {', '.join(matches)}"
                    if matches
                    else "no entity has that id or name"
                )
                raise InputError(f"Unknown entity {reference!r}: {detail}.")
            entity_id = matches[0]
        if entity_id not in resolved:
            resolved.append(entity_id)
    return resolved


def _new_fact_id(db: sqlite_utils.Database, quote: str) -> str:
    base = slug(" ".join(words(quote)[:8]))[:48].strip("-") or "fact"
    return _unused_id(db, "passages", base)


def _check_fact_id(db: sqlite_utils.Database, fact_id: str | None, quote: str) -> str:
    if fact_id is None:
        return _new_fact_id(db, quote)
    if not _FACT_ID.match(fact_id):
        raise InputError(f"Fact id {fact_id!r} must be lowercase letters, digits, '.', '_' or '-'.")
    if db.execute("SELECT 1 FROM passages WHERE id = ?", [fact_id]).fetchone():
        raise InputError(f"The id {fact_id!r} is already taken; choose another with --id.")
    return fact_id


def _refuse_duplicate_fact(
    db: sqlite_utils.Database, source_id: str, quote: str, skip: str | None = None
) -> None:
    row = db.execute(
        "SELECT id, status FROM passages WHERE kind = 'fact' AND source_id = ? AND text = ? AND id IS NOT ?",
        [source_id, quote, skip],
    ).fetchone()
    if row:
        hint = (
            f" It is retired; restore it with `factbot fact restore {row[0]}`."
            if row[1] == "retired"
            else ""
        )
        raise InputError(f"This quote is already fact {row[0]!r}.{hint}")


def add_fact(base: FactBase, actor: Actor, draft: FactDraft, reason: str) -> Change:
    """Add a curated fact; aliases given with it are recorded as their own changes."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    quote = required_text("quote", draft.quote, MAX_QUOTE_CHARS)
    attribution = clean_text("attribution", draft.attribution, MAX_NAME_CHARS, one_line=True)
    note = clean_text("note", draft.note, MAX_NOTE_CHARS)
    with base.write() as db:
        source_id, _ = _locate(db, quote, draft.source_id)
        _refuse_duplicate_fact(db, source_id, quote)
        fact_id = _check_fact_id(db, draft.fact_id, quote)
        entities = _resolve_entities(db, draft.entities)
        for entity_id, spellings in _group_aliases(db, draft.aliases).items():
            _add_aliases_in(db, actor, entity_id, spellings, reason, refuse_if_none=False)
        record = FactRecord(
            id=fact_id,
            source=source_id,
            quote=quote,
            attribution=attribution,
            entities=tuple(entities),
            note=note,
            status="active",
            path=Path("<edit>"),
            line=0,
        )
        insert_fact(db, record, get_source_text(db, source_id) or "")
        link_entities(db, [fact_id])
        update_term_stats(db, None, quote)
        after = _require_passage(db, fact_id)
        change = record_change(db, actor, "fact.add", f"passage:{fact_id}", None, after, reason)
        bump_revision(db)
    return change


def _group_aliases(
    db: sqlite_utils.Database, pairs: Iterable[tuple[str, str]]
) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entity, alias in pairs:
        (entity_id,) = _resolve_entities(db, [entity])
        grouped.setdefault(entity_id, []).append(alias)
    return grouped


def edit_fact(
    base: FactBase, actor: Actor, passage_id: str, patch: FactPatch, reason: str
) -> Change:
    """Correct a passage's quote span, attribution, entities or note; the old values stay in history."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        current = _require_passage(db, passage_id)
        desired = _patched(db, current, patch)
        if desired == current:
            raise InputError(f"Nothing to change: {passage_id!r} already has those values.")
        _write_passage(db, current, desired)
        change = record_change(
            db, actor, "fact.edit", f"passage:{passage_id}", current, desired, reason
        )
        bump_revision(db)
    return change


def _patched(
    db: sqlite_utils.Database, current: dict[str, Any], patch: FactPatch
) -> dict[str, Any]:
    desired = dict(current)
    if patch.quote is not None or patch.source_id is not None:
        if current["kind"] != "fact":
            raise InputError(
                f"{current['id']!r} is a sentence of its source; its text cannot change. "
                "Add a curated fact with `factbot fact add` and retire this one instead."
            )
        quote = required_text(
            "quote", patch.quote if patch.quote is not None else current["text"], MAX_QUOTE_CHARS
        )
        source_id, start = _locate(db, quote, patch.source_id or current["source_id"])
        _refuse_duplicate_fact(db, source_id, quote, skip=current["id"])
        desired.update(source_id=source_id, text=quote, start=start, end=start + len(quote))
    if patch.attribution is not None:
        desired["attribution"] = clean_text(
            "attribution", patch.attribution, MAX_NAME_CHARS, one_line=True
        )
    if patch.note is not None:
        desired["note"] = clean_text("note", patch.note, MAX_NOTE_CHARS)
    if patch.entities is not None:
        desired["entities"] = _resolve_entities(db, patch.entities)
    return desired


def retire(base: FactBase, actor: Actor, passage_id: str, reason: str) -> Change:
    """Stop answering with a passage (a fact or any sentence) while keeping it."""
    return _set_status(base, actor, passage_id, "retired", reason)


def restore(base: FactBase, actor: Actor, passage_id: str, reason: str) -> Change:
    """Answer with a retired passage again."""
    return _set_status(base, actor, passage_id, "active", reason)


def _set_status(base: FactBase, actor: Actor, passage_id: str, status: str, reason: str) -> Change:
    require_maintainer(actor)
    reason = clean_reason(reason)
    action = "fact.retire" if status == "retired" else "fact.restore"
    with base.write() as db:
        current = _require_passage(db, passage_id)
        if current["status"] == status:
            raise InputError(f"{passage_id!r} is already {status}.")
        desired = {**current, "status": status}
        _write_passage(db, current, desired)
        change = record_change(db, actor, action, f"passage:{passage_id}", current, desired, reason)
        bump_revision(db)
    return change


# --- aliases -----------------------------------------------------------------------------------


def add_aliases(
    base: FactBase, actor: Actor, entity: str, aliases: Sequence[str], reason: str
) -> Change:
    """Teach the matcher other spellings of an entity (a transliteration, a misspelling readers use)."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        (entity_id,) = _resolve_entities(db, [entity])
        change = _add_aliases_in(db, actor, entity_id, aliases, reason, refuse_if_none=True)
        assert change is not None
        bump_revision(db)
    return change


def _add_aliases_in(
    db: sqlite_utils.Database,
    actor: Actor,
    entity_id: str,
    aliases: Sequence[str],
    reason: str,
    *,
    refuse_if_none: bool,
) -> Change | None:
    known = {
        r[0] for r in db.execute("SELECT folded FROM aliases WHERE entity_id = ?", [entity_id])
    }
    new: list[str] = []
    for alias in aliases:
        text = required_text("alias", alias, MAX_NAME_CHARS, one_line=True)
        folded = " ".join(words(text))
        if not folded:
            raise InputError(f"The alias {text!r} has no letters or digits to match on.")
        if folded not in known:
            known.add(folded)
            new.append(text)
    if not new:
        if refuse_if_none:
            raise InputError(f"{entity_id!r} already answers to {', '.join(map(repr, aliases))}.")
        return None
    _set_aliases(db, entity_id, add=new, retire=[], change_id=None)
    return record_change(
        db, actor, "alias.add", f"entity:{entity_id}", {"aliases": []}, {"aliases": new}, reason
    )


def _set_aliases(
    db: sqlite_utils.Database,
    entity_id: str,
    add: Sequence[str],
    retire: Sequence[str],
    change_id: int | None,
) -> None:
    for alias in retire:
        folded = " ".join(words(alias))
        db.execute(
            "INSERT INTO aliases_retired (entity_id, alias, folded, retired_at, change_id) VALUES (?, ?, ?, ?, ?)",
            [entity_id, alias, folded, utc_now(), change_id],
        )
        db.execute("DELETE FROM aliases WHERE entity_id = ? AND folded = ?", [entity_id, folded])
    db.table("aliases").insert_all(
        ({"entity_id": entity_id, "alias": a, "folded": " ".join(words(a))} for a in add),
        pk=("entity_id", "folded"),
        ignore=True,
    )
    if db.execute("SELECT origin FROM entities WHERE id = ?", [entity_id]).fetchone() == ("auto",):
        db.execute("UPDATE entities SET origin = 'edit' WHERE id = ?", [entity_id])
    link_entities(db)


def _present_aliases(
    db: sqlite_utils.Database, entity_id: str, aliases: Iterable[str]
) -> list[str]:
    known = {
        r[0] for r in db.execute("SELECT folded FROM aliases WHERE entity_id = ?", [entity_id])
    }
    return [a for a in aliases if " ".join(words(a)) in known]


# --- revert ------------------------------------------------------------------------------------


def revert(base: FactBase, actor: Actor, change_id: int, reason: str) -> Change:
    """Undo one change by making a new one; the original stays in the history."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        original = get_change(db, change_id)
        kind, _, key = original.target.partition(":")
        if kind == "passage":
            before, after = _revert_passage(db, original, key)
        elif kind == "entity":
            before, after = _revert_aliases(db, original, key)
        elif kind == "source":
            before, after = _revert_source(db, original, key)
        else:
            raise InputError(f"Change {change_id} ({original.action}) cannot be reverted.")
        change = record_change(
            db, actor, "revert", original.target, before, after, reason, reverted_change=change_id
        )
        bump_revision(db)
    return change


def _revert_passage(
    db: sqlite_utils.Database, original: Change, passage_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    current = _require_passage(db, passage_id)
    if original.before is None:
        desired = {**current, "status": "retired"}
    else:
        if current != original.after:
            raise InputError(_conflict(db, original))
        desired = dict(original.before)
    if desired == current:
        raise InputError(
            f"Nothing to revert: {passage_id!r} is already as it was before change {original.id}."
        )
    _write_passage(db, current, desired)
    return current, desired


def _conflict(db: sqlite_utils.Database, original: Change) -> str:
    later = db.execute(
        "SELECT id, action FROM changes WHERE id > ? AND (target = ? OR action = 'build') "
        "ORDER BY id DESC LIMIT 1",
        [original.id, original.target],
    ).fetchone()
    if later is None:
        return f"{original.target} no longer matches what change {original.id} left; it cannot be reverted safely."
    if later[1] == "build":
        return (
            f"The fact base was rebuilt from knowledge/ by change {later[0]} since change "
            f"{original.id}, and {original.target} is not as that change left it; edit it directly instead."
        )
    return (
        f"{original.target} was changed again by change {later[0]} ({later[1]}); "
        f"revert that first, then change {original.id}."
    )


def _revert_aliases(
    db: sqlite_utils.Database, original: Change, entity_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    if db.execute("SELECT 1 FROM entities WHERE id = ?", [entity_id]).fetchone() is None:
        raise InputError(f"Entity {entity_id!r} of change {original.id} is no longer stored.")
    before = list((original.before or {}).get("aliases", []))
    after = list((original.after or {}).get("aliases", []))
    to_retire = _present_aliases(db, entity_id, [a for a in after if a not in before])
    present = set(_present_aliases(db, entity_id, before))
    to_restore = [a for a in before if a not in after and a not in present]
    if not to_retire and not to_restore:
        raise InputError(
            f"Nothing to revert: the aliases of change {original.id} are already as before it."
        )
    _set_aliases(db, entity_id, add=to_restore, retire=to_retire, change_id=original.id)
    return {"aliases": to_retire}, {"aliases": to_restore}


def _revert_source(
    db: sqlite_utils.Database, original: Change, source_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    if original.action == "source.edit" or (
        original.action == "revert" and "active" not in (original.after or {})
    ):
        return _revert_source_meta(db, original, source_id)
    current = _source_state(db, source_id)
    wanted = list((original.before or {}).get("active", []))
    concerned = set(wanted) | set((original.after or {}).get("active", []))
    retire_ids = [p for p in current["active"] if p in concerned and p not in wanted]
    restore_ids = [p for p in wanted if p not in current["active"]]
    if not retire_ids and not restore_ids:
        raise InputError(
            f"Nothing to revert: source {source_id!r} is already as before change {original.id}."
        )
    for passage_id, status in [(p, "retired") for p in retire_ids] + [
        (p, "active") for p in restore_ids
    ]:
        db.execute("UPDATE passages SET status = ? WHERE id = ?", [status, passage_id])
    refresh_term_stats(db)
    return {"active": retire_ids}, {"active": restore_ids}


def _revert_source_meta(
    db: sqlite_utils.Database, original: Change, source_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Put back the metadata a `source edit` (or the revert of one) replaced."""
    current = _source_meta(db, source_id)
    if current != original.after:
        raise InputError(_conflict(db, original))
    desired = dict(original.before or {})
    if desired == current:
        raise InputError(
            f"Nothing to revert: source {source_id!r} is already as before change {original.id}."
        )
    _write_source_meta(db, source_id, desired)
    return current, desired


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassageView:
    """A passage as maintainers see it: everything about it, and where it comes from."""

    id: str
    kind: str
    status: str
    text: str
    source: Source
    start: int
    end: int
    attribution: str | None = None
    note: str | None = None
    entities: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "quote": self.text,
            "source": self.source.as_json(),
            "start": self.start,
            "end": self.end,
            "attribution": self.attribution,
            "note": self.note,
            "entities": list(self.entities),
        }


def get_change(db: sqlite_utils.Database, change_id: int) -> Change:
    row = db.execute(f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE id = ?", [change_id]).fetchone()
    if row is None:
        raise InputError(f"Unknown change {change_id}. See `factbot fact history`.")
    return Change.from_row(row)


def history(db: sqlite_utils.Database, item_id: str | None = None, limit: int = 50) -> list[Change]:
    """Changes, newest first; for one fact, passage, entity or source when `item_id` is given."""
    if item_id is None:
        rows = db.execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes ORDER BY id DESC LIMIT ?", [limit]
        )
    else:
        targets = [f"{kind}:{item_id}" for kind in ("passage", "entity", "source")]
        rows = db.execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE target IN (?, ?, ?) ORDER BY id DESC LIMIT ?",
            [*targets, limit],
        )
    return [Change.from_row(row) for row in rows.fetchall()]


def get_passage(db: sqlite_utils.Database, passage_id: str) -> PassageView:
    state = _require_passage(db, passage_id)
    return _view(db, state)


def list_passages(
    db: sqlite_utils.Database,
    *,
    kinds: Sequence[str] = ("fact",),
    status: str | None = None,
    source_id: str | None = None,
) -> list[PassageView]:
    """Curated facts by default; sentences too when asked, in source order."""
    clauses = [f"kind IN ({','.join('?' * len(kinds))})"]
    params: list[Any] = list(kinds)
    if status:
        clauses.append("status = ?")
        params.append(status)
    if source_id:
        clauses.append("source_id = ?")
        params.append(source_id)
    ids = db.execute(
        f"SELECT id FROM passages WHERE {' AND '.join(clauses)} ORDER BY kind = 'sentence', source_id, position, rowid",
        params,
    ).fetchall()
    return [get_passage(db, row[0]) for row in ids]


def _view(db: sqlite_utils.Database, state: dict[str, Any]) -> PassageView:
    return PassageView(
        id=state["id"],
        kind=state["kind"],
        status=state["status"],
        text=state["text"],
        source=get_source(db, state["source_id"]),
        start=state["start"],
        end=state["end"],
        attribution=state["attribution"],
        note=state["note"],
        entities=tuple(state["entities"]),
    )


def get_source(db: sqlite_utils.Database, source_id: str) -> Source:
    rows = list(db["sources"].rows_where("id = ?", [source_id]))
    if not rows:
        raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
    return source_from_row(rows[0])


@dataclass(frozen=True)
class SourceView:
    source: Source
    origin: str
    added_at: str
    passages: int
    active: int
    facts: int
    chars: int

    def as_json(self) -> dict[str, Any]:
        return {
            **self.source.as_json(),
            "outlet": self.source.outlet,
            "author": self.source.author,
            "photo_credit": self.source.photo_credit,
            "origin": self.origin,
            "added_at": self.added_at,
            "passages": self.passages,
            "active_passages": self.active,
            "facts": self.facts,
            "chars": self.chars,
        }


def list_source_views(db: sqlite_utils.Database) -> list[SourceView]:
    rows = db.execute(
        """
        SELECT s.id, s.origin, s.added_at, length(s.text),
               count(p.id), coalesce(sum(p.status = 'active'), 0), coalesce(sum(p.kind = 'fact'), 0)
        FROM sources s LEFT JOIN passages p ON p.source_id = s.id
        GROUP BY s.id ORDER BY s.id
        """
    ).fetchall()
    return [
        SourceView(
            get_source(db, r[0]), r[1] or "", r[2] or "", int(r[4]), int(r[5]), int(r[6]), int(r[3])
        )
        for r in rows
    ]


def get_source_view(db: sqlite_utils.Database, source_id: str) -> SourceView:
    for view in list_source_views(db):
        if view.source.id == source_id:
            return view
    raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
