"""The live base as knowledge files: the text `factbot build` reads back, written as people write it.

Existing order, comments and alias spellings are kept, so the git diff after an export shows
exactly what was edited and nothing else. Sentences found automatically in the sources cannot be
written into the sources themselves, so what maintainers changed about them (retired,
re-attributed, annotated) goes to `knowledge/passages.toml`. TOML is written here rather than by
a library, for those clean diffs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import sqlite_utils

from factbot.errors import KnowledgeError
from factbot.index.ingest import add_source
from factbot.knowledge.build import SYNONYMS_FILE_KEY
from factbot.knowledge.files import (
    OVERRIDES_FILE,
    SOURCE_FIELDS,
    EntityRecord,
    FactRecord,
    Knowledge,
    knowledge_files,
    load_knowledge,
)
from factbot.language.text import words
from factbot.models import Source
from factbot.store.database import meta_value, source_from_row
from factbot.store.migrations import migrate

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


def render_source_document(source: Source, text: str) -> str:
    """A source as a `knowledge/sources/*.md` file: front matter, then the text byte for byte."""
    lines = ["---"]
    for name in SOURCE_FIELDS:
        value = getattr(source, name)
        lines.append(f"{name}: {value}" if value else f"{name}:")
    lines.append("---")
    return "\n".join(lines) + "\n" + text


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


def toml_table(header: str, pairs: Sequence[tuple[str, str | Sequence[str] | None]]) -> str:
    lines = [f"[[{header}]]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pairs if value is not None]
    return "\n".join(lines)


def toml_file(header: str, tables: Sequence[str]) -> str:
    return "\n\n".join([header, *tables]) + "\n"


def leading_comments(path: Path, name: str) -> str:
    """The comment block a file starts with, kept as the maintainers wrote it."""
    if not path.is_file():
        return _HEADERS[name]
    kept: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        kept.append(line)
    return "\n".join(kept).rstrip("\n") or _HEADERS[name]


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
    files[Path("facts.toml")] = _render_facts(db, root, existing, removed_sources(db))
    overrides = _render_overrides(db, root)
    if overrides is not None:
        files[Path(OVERRIDES_FILE)] = overrides
    # Synonyms are not edited through the base: a folder that has the file keeps its own, one
    # that has none (an export elsewhere) gets the file the base was built from.
    synonyms = meta_value(db, SYNONYMS_FILE_KEY)
    if synonyms and not (root / "synonyms.toml").exists():
        files[Path("synonyms.toml")] = synonyms
    return files


def removed_sources(db: sqlite_utils.Database) -> set[str]:
    """Sources a maintainer took out of the live base (`source remove`, or the revert of an
    addition) and that are not stored again: their files and facts go on export."""
    latest = db.execute(
        """SELECT substr(target, 8), after IS NULL FROM changes
        WHERE id IN (SELECT max(id) FROM changes WHERE target LIKE 'source:%' GROUP BY target)"""
    ).fetchall()
    stored = {r[0] for r in db.execute("SELECT id FROM sources")}
    return {source_id for source_id, gone in latest if gone and source_id not in stored}


def removed_source_files(db: sqlite_utils.Database, root: Path) -> list[Path]:
    """The files in `root`, relative to it, of the sources `removed_sources` names."""
    existing = _existing(root)
    if existing is None:
        return []
    removed = removed_sources(db)
    return [d.path.relative_to(root) for d in existing.sources if d.id in removed]


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
        base = (
            _kept_aliases(db, entity_id, record.aliases)
            if record
            else _stored_aliases(db, entity_id, row[1], row[4])
        )
        aliases = base + _new_spellings(edited.get(entity_id, []), [row[1], *base])
        tables.append(
            _entity_table(
                EntityRecord(entity_id, row[1], row[2], row[3], tuple(aliases), Path(), 0)
            )
        )
    return toml_file(leading_comments(root / "entities.toml", "entities.toml"), tables)


def _entity_table(entity: EntityRecord) -> str:
    return toml_table(
        "entity",
        [
            ("id", entity.id),
            ("name", entity.name),
            ("kind", entity.kind),
            ("description", entity.description or None),
            ("aliases", list(entity.aliases) or None),
        ],
    )


def _kept_aliases(db: sqlite_utils.Database, entity_id: str, aliases: Sequence[str]) -> list[str]:
    """The file's aliases but those a maintainer removed (`alias remove`, a reverted addition)."""
    retired = {
        r[0]
        for r in db.execute(
            "SELECT folded FROM aliases_retired WHERE entity_id = ? "
            "AND folded NOT IN (SELECT folded FROM aliases WHERE entity_id = ?)",
            [entity_id, entity_id],
        )
    }
    return [a for a in aliases if " ".join(words(a)) not in retired]


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


def _render_facts(
    db: sqlite_utils.Database, root: Path, existing: Knowledge | None, removed: set[str]
) -> str:
    cursor = db.execute(
        "SELECT id, source_id, text, attribution, entity_ids, note, status FROM passages "
        "WHERE kind = 'fact' ORDER BY rowid"
    )
    stored = {
        r[0]: FactRecord(r[0], r[1], r[2], r[3], tuple((r[4] or "").split()), r[5], r[6], Path(), 0)
        for r in cursor.fetchall()
    }
    kept = [f for f in existing.facts if f.source not in removed] if existing else []
    in_file = [f.id for f in kept]
    file_records = {f.id: f for f in kept}
    order = in_file + [fact_id for fact_id in stored if fact_id not in file_records]
    tables = [_fact_table(stored.get(fact_id) or file_records[fact_id]) for fact_id in order]
    return toml_file(leading_comments(root / "facts.toml", "facts.toml"), tables)


def _fact_table(fact: FactRecord) -> str:
    return toml_table(
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
            tables.append(toml_table("passage", pairs))
    path = root / OVERRIDES_FILE
    if not tables and not path.is_file():
        return None
    return toml_file(leading_comments(path, OVERRIDES_FILE), tables)


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
