"""`knowledge/` <-> the live fact base: export edits as reviewable files; rebuild without losing any.

`export_knowledge` writes the live base back as the files `factbot build` reads, in the same
style maintainers write them (existing order, comments and alias spellings kept), so the git diff
after an export shows exactly what was edited and nothing else. Sentences found automatically in
the sources cannot be written into the sources themselves, so what maintainers changed about
them (retired, re-attributed, annotated) goes to `knowledge/passages.toml`, applied by `rebuild`.

`rebuild` replaces the knowledge-derived tables of the live base inside one write transaction,
so a running bot keeps answering from the old state until the commit and reloads on the new
revision; history and gap counts stay where they are. It refuses while the base holds edits not
exported since the last build or export, unless forced, and then backs up first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlite_utils

from factbot.editing import (
    Actor,
    FactBase,
    record_change,
    render_source_document,
    require_maintainer,
)
from factbot.errors import DatabaseError, InputError, KnowledgeError
from factbot.index.ingest import add_source, bump_revision, link_entities, refresh_term_stats
from factbot.knowledge.build import SYNONYMS_FILE_KEY, BuildReport, build_fact_base
from factbot.knowledge.files import EntityRecord, FactRecord, Knowledge, load_knowledge, read_source
from factbot.language.text import words
from factbot.store.backup import automatic_backup, save_unreadable
from factbot.store.database import (
    DatabaseUnavailable,
    meta_value,
    migrate,
    set_meta,
    source_from_row,
)

log = logging.getLogger(__name__)

OVERRIDES_FILE = "passages.toml"
HISTORY_TABLES = ("changes", "aliases_retired", "gaps", "gap_askers")
_KEPT_TABLES = (*HISTORY_TABLES, "_migrations", "meta")
# Not copied from the fresh build: its rows go with their passages (a trigger), and
# `bump_revision` encodes the copied passages again under their new rowids (cached in-process).
_RECOMPUTED_TABLES = ("passage_vectors",)
_SYNCED = "synced_change"
_DIGEST = "knowledge_digest"
_PENDING_SHOWN = 10

_HEADERS = {
    "facts.toml": (
        "# Curated facts: quotes that must appear verbatim in their source, with who said them.\n"
        "# status: active (answered) | retired (kept, no longer answered). Edit with `factbot fact ...`."
    ),
    "entities.toml": (
        "# People, places and organisations in the story, with the other spellings readers use.\n"
        "# kind: person | place | organisation | other. Aliases are matched case- and accent-insensitively."
    ),
    OVERRIDES_FILE: (
        "# Sentences found automatically in the sources, as maintainers changed them: retired,\n"
        '# re-attributed (attribution = "" means nobody), annotated or linked to entities.\n'
        "# `text` must still be the sentence with that id, so a change in how sources are split\n"
        "# is caught instead of retiring the wrong sentence. Written by `factbot export`."
    ),
}


# --- what is in the files, and what is not yet -------------------------------------------------


def knowledge_files(root: Path) -> list[Path]:
    """The files `factbot build` reads from `root` (plus passages.toml), in a stable order."""
    if not root.is_dir():
        return []
    sources = sorted((root / "sources").glob("*.md")) + sorted((root / "sources").glob("*.txt"))
    tomls = [root / name for name in ("entities.toml", "facts.toml", OVERRIDES_FILE)]
    return sorted(sources) + [p for p in tomls if p.is_file()]


def knowledge_digest(root: Path) -> str:
    """A fingerprint of the knowledge files, to tell whether someone changed them since."""
    digest = hashlib.sha256()
    for path in knowledge_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def pending_edits(db: sqlite_utils.Database, root: Path) -> list[str]:
    """What a rebuild from `root` would lose: changes since the last sync, and sources added
    outside the change history (`factbot ingest`) that `root` does not hold."""
    synced = int(meta_value(db, _SYNCED) or 0)
    rows = db.execute(
        "SELECT id, action, target, actor FROM changes WHERE id > ? AND action != 'build' ORDER BY id",
        [synced],
    ).fetchall()
    pending = [f"change {r[0]}: {r[1]} {r[2]} by {r[3]}" for r in rows]
    targets = {r[2] for r in rows}
    in_files = _source_ids(root)
    for (source_id,) in db.execute(
        "SELECT id FROM sources WHERE origin != 'knowledge' ORDER BY id"
    ):
        if source_id not in in_files and f"source:{source_id}" not in targets:
            pending.append(f"source {source_id} (added with `factbot ingest`)")
    return pending


def _source_ids(root: Path) -> set[str]:
    ids = set()
    for path in knowledge_files(root):
        if path.parent.name == "sources":
            try:
                ids.add(read_source(path).id)
            except KnowledgeError:
                continue
    return ids


def pending_message(pending: Sequence[str]) -> str:
    shown = "\n".join(f"  {line}" for line in pending[:_PENDING_SHOWN])
    more = (
        f"\n  ... and {len(pending) - _PENDING_SHOWN} more" if len(pending) > _PENDING_SHOWN else ""
    )
    return (
        f"The fact base has {len(pending)} edit(s) not exported to knowledge/ yet:\n{shown}{more}\n"
        "Run `factbot export` to write them to knowledge/ (then review and commit them), "
        "or `factbot build --force` to discard them (a backup is taken first)."
    )


# --- TOML, written the way people write it -----------------------------------------------------


def toml_string(value: str) -> str:
    """A TOML basic string; non-ASCII stays readable, only what must be escaped is."""
    escapes = {
        '"': '\\"',
        "\\": "\\\\",
        "\n": "\\n",
        "\t": "\\t",
        "\r": "\\r",
        "\b": "\\b",
        "\f": "\\f",
    }
    out = []
    for char in value:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: str | Sequence[str]) -> str:
    if isinstance(value, str):
        return toml_string(value)
    return "[" + ", ".join(toml_string(v) for v in value) + "]"


def _toml_table(header: str, pairs: Sequence[tuple[str, str | Sequence[str] | None]]) -> str:
    lines = [f"[[{header}]]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pairs if value is not None]
    return "\n".join(lines)


def _toml_file(header: str, tables: Sequence[str]) -> str:
    return "\n\n".join([header, *tables]) + "\n"


def _leading_comments(path: Path, name: str) -> str:
    """The comment block a file starts with, kept as the maintainers wrote it."""
    if not path.is_file():
        return _HEADERS[name]
    kept: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        kept.append(line)
    return "\n".join(kept).rstrip("\n") or _HEADERS[name]


# --- rendering the live base --------------------------------------------------------------------


def _existing(root: Path) -> Knowledge | None:
    if not knowledge_files(root):
        return None
    try:
        return load_knowledge(root)
    except KnowledgeError as error:
        raise KnowledgeError(
            error.path,
            error.line,
            f"{error.reason} (fix it, or export to an empty folder with --to)",
        ) from None


def render_knowledge(db: sqlite_utils.Database, root: Path) -> dict[Path, str]:
    """Every knowledge file the live base needs, by path relative to `root`, as text."""
    existing = _existing(root)
    files = _render_sources(db, root, existing)
    files[Path("entities.toml")] = _render_entities(db, root, existing)
    files[Path("facts.toml")] = _render_facts(db, root, existing)
    overrides = _render_overrides(db, root)
    if overrides is not None:
        files[Path(OVERRIDES_FILE)] = overrides
    # Synonyms are not edited through the base: a folder that has the file keeps its own, one
    # that has none (an export elsewhere) gets the file the base was built from.
    synonyms = meta_value(db, SYNONYMS_FILE_KEY)
    if synonyms and not (root / "synonyms.toml").exists():
        files[Path("synonyms.toml")] = synonyms
    return files


def _render_sources(
    db: sqlite_utils.Database, root: Path, existing: Knowledge | None
) -> dict[Path, str]:
    paths = {d.id: d.path for d in existing.sources} if existing else {}
    files: dict[Path, str] = {}
    cursor = db.execute(
        "SELECT id, outlet, title, url, published, author, photo_credit, text FROM sources ORDER BY id"
    )
    columns = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(columns, values, strict=True))
        path = paths.get(row["id"])
        relative = path.relative_to(root) if path else Path("sources") / f"{row['id']}.md"
        files[relative] = render_source_document(source_from_row(row), row["text"])
    return files


def _render_entities(db: sqlite_utils.Database, root: Path, existing: Knowledge | None) -> str:
    in_file = {e.id: e for e in existing.entities} if existing else {}
    stored = {
        r[0]: r for r in db.execute("SELECT id, name, kind, description, origin FROM entities")
    }
    edited = _edited_aliases(db)
    extra = sorted(
        entity_id
        for entity_id, row in stored.items()
        if entity_id not in in_file and (row[4] in ("knowledge", "edit") or entity_id in edited)
    )
    tables = []
    for entity_id in [*in_file, *extra]:
        row = stored.get(entity_id)
        if row is None:
            tables.append(_entity_table(in_file[entity_id]))
            continue
        record = in_file.get(entity_id)
        base = list(record.aliases) if record else _stored_aliases(db, entity_id, row[1], row[4])
        aliases = base + _new_spellings(edited.get(entity_id, []), [row[1], *base])
        tables.append(
            _entity_table(
                EntityRecord(entity_id, row[1], row[2], row[3], tuple(aliases), Path(), 0)
            )
        )
    return _toml_file(_leading_comments(root / "entities.toml", "entities.toml"), tables)


def _entity_table(entity: EntityRecord) -> str:
    return _toml_table(
        "entity",
        [
            ("id", entity.id),
            ("name", entity.name),
            ("kind", entity.kind),
            ("description", entity.description or None),
            ("aliases", list(entity.aliases) or None),
        ],
    )


def _stored_aliases(db: sqlite_utils.Database, entity_id: str, name: str, origin: str) -> list[str]:
    if origin != "knowledge":
        return []
    rows = db.execute("SELECT alias FROM aliases WHERE entity_id = ? ORDER BY rowid", [entity_id])
    return _new_spellings([r[0] for r in rows], [name])


def _new_spellings(candidates: Sequence[str], known: Sequence[str]) -> list[str]:
    seen = {" ".join(words(k)) for k in known}
    fresh = []
    for alias in candidates:
        folded = " ".join(words(alias))
        if folded not in seen:
            seen.add(folded)
            fresh.append(alias)
    return fresh


def _edited_aliases(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Aliases maintainers added (and that are still in use), by entity, in the order added."""
    mentioned: dict[str, list[str]] = {}
    for target, before, after in db.execute(
        "SELECT target, before, after FROM changes WHERE target LIKE 'entity:%' ORDER BY id"
    ):
        entity_id = target.partition(":")[2]
        for state in (before, after):
            for alias in (json.loads(state) if state else {}).get("aliases", []):
                mentioned.setdefault(entity_id, []).append(alias)
    present: dict[str, list[str]] = {}
    for entity_id, aliases in mentioned.items():
        folded = {
            r[0] for r in db.execute("SELECT folded FROM aliases WHERE entity_id = ?", [entity_id])
        }
        kept = [a for a in dict.fromkeys(aliases) if " ".join(words(a)) in folded]
        if kept:
            present[entity_id] = kept
    return present


def _render_facts(db: sqlite_utils.Database, root: Path, existing: Knowledge | None) -> str:
    cursor = db.execute(
        "SELECT id, source_id, text, attribution, entity_ids, note, status FROM passages "
        "WHERE kind = 'fact' ORDER BY rowid"
    )
    stored = {
        r[0]: FactRecord(r[0], r[1], r[2], r[3], tuple((r[4] or "").split()), r[5], r[6], Path(), 0)
        for r in cursor.fetchall()
    }
    in_file = [f.id for f in existing.facts] if existing else []
    file_records = {f.id: f for f in existing.facts} if existing else {}
    order = in_file + [fact_id for fact_id in stored if fact_id not in file_records]
    tables = [_fact_table(stored.get(fact_id) or file_records[fact_id]) for fact_id in order]
    return _toml_file(_leading_comments(root / "facts.toml", "facts.toml"), tables)


def _fact_table(fact: FactRecord) -> str:
    return _toml_table(
        "fact",
        [
            ("id", fact.id),
            ("source", fact.source),
            ("quote", fact.quote),
            ("attribution", fact.attribution or None),
            ("entities", list(fact.entities) or None),
            ("note", fact.note or None),
            ("status", fact.status if fact.status != "active" else None),
        ],
    )


def _render_overrides(db: sqlite_utils.Database, root: Path) -> str | None:
    auto = _auto_sentences(db)
    tables = []
    rows = db.execute(
        "SELECT id, text, attribution, note, entity_ids, status FROM passages "
        "WHERE kind = 'sentence' ORDER BY source_id, position"
    ).fetchall()
    for passage_id, text, attribution, note, entity_ids, status in rows:
        found = auto.get(passage_id)
        if found is None or found[0] != text:
            continue
        pairs: list[tuple[str, str | Sequence[str] | None]] = [("id", passage_id), ("text", text)]
        if status != "active":
            pairs.append(("status", status))
        if (attribution or None) != (found[1] or None):
            pairs.append(("attribution", attribution or ""))
        pairs.append(("note", note or None))
        pairs.append(("entities", (entity_ids or "").split() or None))
        if any(value is not None for _, value in pairs[2:]):
            tables.append(_toml_table("passage", pairs))
    path = root / OVERRIDES_FILE
    if not tables and not path.is_file():
        return None
    return _toml_file(_leading_comments(path, OVERRIDES_FILE), tables)


def _auto_sentences(db: sqlite_utils.Database) -> dict[str, tuple[str, str | None]]:
    """What a fresh build makes of each stored source: sentence id -> (text, attribution)."""
    scratch = sqlite_utils.Database(memory=True)
    migrate(scratch)
    cursor = db.execute(
        "SELECT id, outlet, title, url, published, author, photo_credit, text FROM sources"
    )
    columns = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(columns, values, strict=True))
        add_source(scratch, source_from_row(row), row["text"], origin="knowledge")
    found = {
        r[0]: (r[1], r[2]) for r in scratch.execute("SELECT id, text, attribution FROM passages")
    }
    scratch.conn.close()
    return found


# --- export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportReport:
    directory: Path
    written: tuple[Path, ...]
    unchanged: int
    synced_change: int


def export_knowledge(base: FactBase, root: Path, *, force: bool = False) -> ExportReport:
    """Write the live base to `root` as knowledge files; only files whose text changed are written.

    Refuses to overwrite files changed since the last build or export (a `git pull`, a hand edit)
    unless forced, because those changes would otherwise vanish without anyone deciding so.
    """
    with base.write() as db:
        recorded = meta_value(db, _DIGEST)
        if not force and recorded and knowledge_files(root) and knowledge_digest(root) != recorded:
            raise InputError(
                f"The files in {root} changed since the fact base was last built or exported; "
                "exporting would overwrite those changes. Commit them and run `factbot build` "
                "(after exporting somewhere else with --to if the base has edits too), "
                "or run `factbot export --force` to overwrite them."
            )
        files = render_knowledge(db, root)
        last = int(db.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0])
    for path in files:
        _require_inside(root, path)
    written = tuple(
        path for path, text in sorted(files.items()) if _write_if_changed(root / path, text)
    )
    digest = knowledge_digest(root)
    with base.write() as db:
        synced = max(last, int(meta_value(db, _SYNCED) or 0))
        set_meta(db, _SYNCED, str(synced))
        set_meta(db, _DIGEST, digest)
    log.info("exported %s: %d file(s) written", root, len(written))
    return ExportReport(root, written, len(files) - len(written), synced)


def _require_inside(root: Path, relative: Path) -> None:
    """Refuse, before writing anything, a file that would land outside `root`: a source id like
    `../../x` in a base edited by hand, or a `sources` folder that links elsewhere."""
    target = root / relative
    if not target.resolve().is_relative_to(root.resolve()):
        raise InputError(
            f"Not exporting: {target} would be written outside {root} (at {target.resolve()}). "
            "Rename the source, or remove the link, then export again."
        )


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_bytes(data)
    os.replace(partial, path)
    return True


# --- passages.toml ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    id: str
    text: str
    line: int
    status: str = "active"
    attribution: str | None = None
    sets_attribution: bool = False
    note: str | None = None
    entities: tuple[str, ...] = ()


def load_overrides(root: Path) -> list[Override]:
    path = root / OVERRIDES_FILE
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(
            path, getattr(error, "lineno", None), f"invalid TOML: {error}"
        ) from None
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if line.strip() == "[[passage]]"]
    tables = data.get("passage", [])
    if set(data) - {"passage"} or not isinstance(tables, list):
        raise KnowledgeError(path, 1, "expected only [[passage]] tables")
    return [
        _override(path, table, lines[i] if i < len(lines) else 1) for i, table in enumerate(tables)
    ]


def _override(path: Path, table: dict[str, Any], line: int) -> Override:
    allowed = {"id", "text", "status", "attribution", "note", "entities"}
    if set(table) - allowed:
        raise KnowledgeError(
            path, line, f"unknown field(s): {', '.join(sorted(set(table) - allowed))}"
        )
    for key in ("id", "text"):
        if not isinstance(table.get(key), str) or not table[key]:
            raise KnowledgeError(path, line, f"missing required field {key!r}")
    status = table.get("status", "active")
    if status not in ("active", "retired"):
        raise KnowledgeError(path, line, "status must be active or retired")
    entities = table.get("entities", [])
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        raise KnowledgeError(path, line, "entities must be a list of entity ids")
    for key in ("attribution", "note"):
        if key in table and not isinstance(table[key], str):
            raise KnowledgeError(path, line, f"field {key!r} must be a string")
    return Override(
        id=table["id"],
        text=table["text"],
        line=line,
        status=status,
        attribution=table.get("attribution") or None,
        sets_attribution="attribution" in table,
        note=table.get("note") or None,
        entities=tuple(entities),
    )


def apply_overrides(db: sqlite_utils.Database, root: Path) -> int:
    """Apply knowledge/passages.toml to freshly built sentences; returns how many it changed."""
    overrides = load_overrides(root)
    known = {r[0] for r in db.execute("SELECT id FROM entities")}
    for item in overrides:
        auto_attribution = _check_override(db, root / OVERRIDES_FILE, item, known)
        db.execute(
            "UPDATE passages SET status = ?, attribution = ?, note = ?, entity_ids = ? WHERE id = ?",
            [
                item.status,
                item.attribution if item.sets_attribution else auto_attribution,
                item.note,
                " ".join(item.entities) or None,
                item.id,
            ],
        )
    if overrides:
        link_entities(db)
        refresh_term_stats(db)
    return len(overrides)


def _check_override(
    db: sqlite_utils.Database, path: Path, item: Override, known: set[str]
) -> str | None:
    """Refuse an entry that no longer fits the sources; returns the sentence's own attribution."""
    row = db.execute(
        "SELECT kind, text, attribution FROM passages WHERE id = ?", [item.id]
    ).fetchone()
    if row is None or row[0] != "sentence":
        raise KnowledgeError(
            path, item.line, f"no sentence {item.id!r} in the sources (was its source changed?)"
        )
    if row[1] != item.text:
        raise KnowledgeError(
            path,
            item.line,
            f"sentence {item.id!r} is now a different text; update or remove this entry",
        )
    unknown = [e for e in item.entities if e not in known]
    if unknown:
        raise KnowledgeError(path, item.line, f"unknown entity id(s): {', '.join(unknown)}")
    return None if row[2] is None else str(row[2])


# --- rebuild ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildReport:
    build: BuildReport
    backup: Path | None
    overrides: int
    discarded: int
    in_place: bool


def rebuild(
    knowledge_dir: Path, db_path: Path, actor: Actor, *, force: bool = False
) -> RebuildReport:
    """`factbot build`: the base from `knowledge_dir`, keeping history and gaps, losing no edit."""
    require_maintainer(actor)
    if not db_path.exists():
        return _build_new(knowledge_dir, db_path, actor, backup=None)
    try:
        base = FactBase(db_path)
    except DatabaseUnavailable:
        raise  # locked or read-only: the file is fine, and another process may be using it
    except DatabaseError:
        return _replace_unreadable(knowledge_dir, db_path, actor)
    if not _sound(base):
        base.close()
        return _replace_unreadable(knowledge_dir, db_path, actor)
    try:
        return _rebuild_live(base, knowledge_dir, actor, force)
    finally:
        base.close()


def _sound(base: FactBase) -> bool:
    """Whether SQLite finds every page intact: a base damaged deep inside opens fine, then fails
    the backup a live rebuild takes first, which would leave no way back but deleting it."""
    try:
        return bool(base.db.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.DatabaseError:
        return False


def _replace_unreadable(knowledge_dir: Path, db_path: Path, actor: Actor) -> RebuildReport:
    saved = save_unreadable(db_path)
    log.warning("%s could not be read; kept a copy at %s and rebuilt it", db_path, saved)
    return _build_new(knowledge_dir, db_path, actor, backup=saved)


def _build_new(
    knowledge_dir: Path, db_path: Path, actor: Actor, backup: Path | None
) -> RebuildReport:
    digest = knowledge_digest(knowledge_dir)
    report = build_fact_base(knowledge_dir, db_path)
    base = FactBase(db_path)
    try:
        with base.write() as db:
            overrides = apply_overrides(db, knowledge_dir)
            _finish(db, actor, report, knowledge_dir, digest, discarded=0)
    finally:
        base.close()
    return RebuildReport(report, backup, overrides, 0, in_place=False)


def _rebuild_live(base: FactBase, knowledge_dir: Path, actor: Actor, force: bool) -> RebuildReport:
    pending = pending_edits(base.db, knowledge_dir)
    if pending and not force:
        raise InputError(pending_message(pending))
    digest = knowledge_digest(knowledge_dir)
    staging = base.path.with_name(f".{base.path.name}.rebuild-{os.getpid()}")
    try:
        report = build_fact_base(knowledge_dir, staging)
        backup = automatic_backup(base.path, "before-build")
        with _attached(base.db, staging), base.write() as db:
            arrived = len(pending_edits(db, knowledge_dir)) - len(pending)
            if arrived > 0:
                raise InputError(
                    f"{arrived} edit(s) arrived while rebuilding; nothing changed. Run the build again."
                )
            in_place = _same_schema(db)
            if in_place:
                _copy_derived(db)
                overrides = apply_overrides(db, knowledge_dir)
                _finish(db, actor, report, knowledge_dir, digest, discarded=len(pending))
            else:
                _carry_history(db)
        if not in_place:
            overrides = _replace_whole(
                base, staging, actor, report, knowledge_dir, digest, len(pending)
            )
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{staging}{suffix}").unlink(missing_ok=True)
    return RebuildReport(replace(report, path=base.path), backup, overrides, len(pending), in_place)


@contextmanager
def _attached(db: sqlite_utils.Database, path: Path) -> Iterator[None]:
    db.execute("ATTACH DATABASE ? AS fresh", [str(path)])
    try:
        yield
    finally:
        db.execute("DETACH DATABASE fresh")


def _schema(db: sqlite_utils.Database, schema: str) -> set[tuple[str, str, str]]:
    rows = db.execute(
        f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    )
    return {(r[0], r[1], r[3] or "") for r in rows if r[2] not in HISTORY_TABLES}


def _same_schema(db: sqlite_utils.Database) -> bool:
    """Whether the live base has the tables a build makes now (not the case for a base built by
    an older factbot whose first migration differed)."""
    return _schema(db, "main") == _schema(db, "fresh")


def _derived_tables(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute(
        "SELECT name, sql FROM fresh.sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [
        name
        for name, _ in rows
        if name not in _KEPT_TABLES
        and name not in _RECOMPUTED_TABLES
        and not name.startswith("sqlite_")
        and name not in virtual
        and not any(name.startswith(f"{v}_") for v in virtual)
    ]


def _copy_derived(db: sqlite_utils.Database) -> None:
    """Replace what the build derives from knowledge/; the FTS index follows through its triggers."""
    db.execute("PRAGMA defer_foreign_keys = ON")
    added = _added_times(db, "main")
    tables = _derived_tables(db)
    for table in reversed(tables):
        db.execute(f'DELETE FROM main."{table}"')
    for table in tables:
        columns = ", ".join(f'"{r[1]}"' for r in db.execute(f'PRAGMA fresh.table_info("{table}")'))
        db.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM fresh."{table}"')
    db.execute(
        "INSERT OR REPLACE INTO main.meta (key, value) SELECT key, value FROM fresh.meta WHERE key != 'revision'"
    )
    _restore_added_times(db, "main", added)


def _added_times(db: sqlite_utils.Database, schema: str) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1])) for r in db.execute(f"SELECT id, added_at FROM {schema}.sources") if r[1]]


def _restore_added_times(db: sqlite_utils.Database, schema: str, added: list[tuple[str, str]]) -> None:
    """A rebuilt source keeps the time it was first added: for a source with no publication
    date it is the only date there is, and `summary --since` would call it new after every build."""
    db.conn.executemany(
        f"UPDATE {schema}.sources SET added_at = ? WHERE id = ?", [(at, sid) for sid, at in added]
    )


def _carry_history(db: sqlite_utils.Database) -> None:
    """Copy history, gaps, sync marks and sources' added times into the new build, for a base
    replaced whole."""
    _restore_added_times(db, "fresh", _added_times(db, "main"))
    for table in HISTORY_TABLES:
        fresh = {r[1] for r in db.execute(f'PRAGMA fresh.table_info("{table}")')}
        live = [r[1] for r in db.execute(f'PRAGMA main.table_info("{table}")') if r[1] in fresh]
        if live:
            columns = ", ".join(f'"{c}"' for c in live)
            db.execute(
                f'INSERT INTO fresh."{table}" ({columns}) SELECT {columns} FROM main."{table}"'
            )
    db.execute(
        "INSERT OR REPLACE INTO fresh.meta (key, value) SELECT key, value FROM main.meta "
        "WHERE key IN ('revision', ?, ?)",
        [_SYNCED, _DIGEST],
    )


def _replace_whole(
    base: FactBase,
    staging: Path,
    actor: Actor,
    report: BuildReport,
    root: Path,
    digest: str,
    discarded: int,
) -> int:
    """Copy the new build over the live base with the backup API, which keeps the file (and so
    every open connection) valid, unlike renaming a new file over it."""
    fresh = FactBase(staging)
    try:
        with fresh.write() as db:
            overrides = apply_overrides(db, root)
            _finish(db, actor, report, root, digest, discarded)
        try:
            fresh.db.conn.backup(base.db.conn)
        except sqlite3.DatabaseError as error:
            raise DatabaseError(
                f"Could not write the rebuilt base over {base.path}: {error}"
            ) from None
    finally:
        fresh.close()
    return overrides


def _finish(
    db: sqlite_utils.Database,
    actor: Actor,
    report: BuildReport,
    root: Path,
    digest: str,
    discarded: int,
) -> None:
    after = {
        "sources": report.sources,
        "passages": report.passages,
        "facts": report.facts,
        "entities": report.entities,
        "discarded_edits": discarded,
    }
    reason = "rebuilt from knowledge/"
    if discarded:
        reason += f", discarding {discarded} unexported edit(s) (--force; a backup was taken first)"
    change = record_change(db, actor, "build", f"knowledge:{root}", None, after, reason)
    set_meta(db, _SYNCED, str(change.id))
    set_meta(db, _DIGEST, digest)
    bump_revision(db)
