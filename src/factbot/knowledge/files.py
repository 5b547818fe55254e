"""Read and validate `knowledge/`: the truth in text, reviewable in git.

Layout::

    knowledge/sources/<id>.md   front matter (`key: value` lines between `---`), then the
                                article text exactly as published
    knowledge/entities.toml     [[entity]] id, name, kind, description, aliases
    knowledge/facts.toml        [[fact]] id, source, quote, attribution, entities, note, status
    knowledge/synonyms.toml     [[group]] words (single words that stand for each other), note
    knowledge/passages.toml     [[passage]] id, text, status, attribution, note, entities: what
                                maintainers changed about sentences found in the sources

Every error names the file and line, because the person fixing it is reading a diff.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factbot.errors import KnowledgeError
from factbot.index.source_files import SOURCE_FIELDS, SourceDocument, parse_source
from factbot.models import ID_PATTERN, ID_RULE

__all__ = ["SOURCE_FIELDS", "SourceDocument", "load_knowledge", "parse_source", "read_source"]

# Any one file under knowledge/ (a source, a TOML file); a bigger one is a mistake, not news.
MAX_KNOWLEDGE_FILE_BYTES = 5_000_000
ENTITY_KINDS = ("person", "place", "organisation", "other")
FACT_STATUSES = ("active", "retired")
OVERRIDES_FILE = "passages.toml"


@dataclass(frozen=True)
class EntityRecord:
    id: str
    name: str
    kind: str
    description: str | None
    aliases: tuple[str, ...]
    path: Path
    line: int


@dataclass(frozen=True)
class FactRecord:
    """A curated fact: a quote that must be verbatim in `source`, with who said it."""

    id: str
    source: str
    quote: str
    attribution: str | None
    entities: tuple[str, ...]
    note: str | None
    status: str
    path: Path
    line: int


@dataclass(frozen=True)
class SynonymGroup:
    """Words readers use for the same thing ("raid", "operation"), matched as one."""

    words: tuple[str, ...]
    path: Path
    line: int


@dataclass(frozen=True)
class Override:
    """What maintainers changed about one sentence found in a source (`passages.toml`)."""

    id: str
    text: str
    line: int
    status: str = "active"
    attribution: str | None = None
    sets_attribution: bool = False
    note: str | None = None
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    sources: tuple[SourceDocument, ...]
    entities: tuple[EntityRecord, ...]
    facts: tuple[FactRecord, ...]
    synonyms: tuple[SynonymGroup, ...] = ()
    # synonyms.toml as written: the base keeps only stems, and an export to another folder
    # needs the file itself (comments and notes included).
    synonyms_text: str = ""


def load_knowledge(root: Path) -> Knowledge:
    """Read and validate everything under `root`; raises `KnowledgeError` on the first problem."""
    if not root.is_dir():
        raise KnowledgeError(root, None, "knowledge folder not found")
    sources_dir = root / "sources"
    paths = sorted(sources_dir.glob("*.md")) + sorted(sources_dir.glob("*.txt"))
    _refuse_links_outside(root, [*paths, *sorted(root.glob("*.toml"))])
    sources = tuple(read_source(path) for path in sorted(paths))
    _reject_duplicates([(s.id, s.path, 1) for s in sources], "source")
    entities = _read_entities(root / "entities.toml")
    facts = _read_facts(root / "facts.toml")
    known = {s.id: s for s in sources}
    for fact in facts:
        source = known.get(fact.source)
        if source is None:
            raise KnowledgeError(
                fact.path, fact.line, f"fact {fact.id!r}: unknown source {fact.source!r}"
            )
        if fact.quote not in source.body:
            raise KnowledgeError(
                fact.path,
                fact.line,
                f"fact {fact.id!r}: quote is not verbatim in source {fact.source!r}",
            )
    synonyms_path = root / "synonyms.toml"
    synonyms = _read_synonyms(synonyms_path)
    return Knowledge(
        sources=sources,
        entities=entities,
        facts=facts,
        synonyms=synonyms,
        synonyms_text=synonyms_path.read_text(encoding="utf-8") if synonyms else "",
    )


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


def read_overrides(root: Path) -> list[Override]:
    """`passages.toml`, checked as the other TOML files are; whether each entry still fits the
    sentences of the sources is checked when it is applied to a build."""
    path = root / OVERRIDES_FILE
    _refuse_links_outside(root, [path])
    overrides = []
    for table, line in _tables(path, "passage"):
        _check_keys(path, line, table, ("id", "text", "status", "attribution", "note", "entities"))
        status = _string(path, line, table, "status", required=False) or "active"
        if status not in FACT_STATUSES:
            raise KnowledgeError(path, line, f"status must be one of {', '.join(FACT_STATUSES)}")
        overrides.append(
            Override(
                id=_string(path, line, table, "id", required=True) or "",
                text=_string(path, line, table, "text", required=True) or "",
                line=line,
                status=status,
                attribution=_string(path, line, table, "attribution", required=False),
                sets_attribution="attribution" in table,
                note=_string(path, line, table, "note", required=False),
                entities=_strings(path, line, table, "entities"),
            )
        )
    return overrides


def read_source(path: Path) -> SourceDocument:
    """Parse one source file: optional front matter, then the body kept byte for byte."""
    return parse_source(_read_text(path), path)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise KnowledgeError(path, None, f"cannot read file: {error.strerror}") from None
    if len(raw) > MAX_KNOWLEDGE_FILE_BYTES:
        raise KnowledgeError(path, None, f"file is over {MAX_KNOWLEDGE_FILE_BYTES:,} bytes")
    if b"\x00" in raw:
        raise KnowledgeError(path, None, "file is binary (contains NUL bytes), expected UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise KnowledgeError(path, line, "file is not valid UTF-8 text") from None
    return text.replace("\r\n", "\n")


def _refuse_links_outside(root: Path, paths: list[Path]) -> None:
    """Refuse files that are links to somewhere outside `root`.

    Git stores symlinks, and a one-line link in a pull request (`sources/x.md -> ~/.env`) would
    otherwise have the bot quote any file the server can read to anyone who asks.
    """
    inside = root.resolve()
    for path in paths:
        target = path.resolve()
        if not target.is_relative_to(inside):
            raise KnowledgeError(
                path, None, f"links to {target}, outside the knowledge folder; copy the file in"
            )


def _read_toml(path: Path) -> tuple[dict[str, Any], str]:
    if not path.exists():
        return {}, ""
    text = _read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at line (\d+), column \d+\)", str(error))
        line = int(where.group(1)) if where else None
        message = str(error)
        raise KnowledgeError(path, line, f"invalid TOML: {message}") from None


def _table_lines(text: str, header: str) -> list[int]:
    """Line numbers of each `[[header]]`, so errors in the N-th table can name its line."""
    pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{header}[ \t]*\]\]", re.M)
    return [text.count("\n", 0, match.start()) + 1 for match in pattern.finditer(text)]


def _tables(path: Path, header: str) -> list[tuple[dict[str, Any], int]]:
    data, text = _read_toml(path)
    unknown = set(data) - {header}
    if unknown:
        raise KnowledgeError(path, 1, f"unexpected top-level key(s): {', '.join(sorted(unknown))}")
    tables = data.get(header, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise KnowledgeError(path, 1, f"expected [[{header}]] tables")
    lines = _table_lines(text, header)
    return [(table, lines[i] if i < len(lines) else 1) for i, table in enumerate(tables)]


def _string(path: Path, line: int, table: dict[str, Any], key: str, required: bool) -> str | None:
    value = table.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise KnowledgeError(path, line, f"missing required field {key!r}")
        return None
    if not isinstance(value, str):
        raise KnowledgeError(path, line, f"field {key!r} must be a string")
    return value


def _strings(path: Path, line: int, table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(path, line, f"field {key!r} must be a list of non-empty strings")
    return tuple(value)


def _check_keys(path: Path, line: int, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(table) - set(allowed)
    if unknown:
        raise KnowledgeError(path, line, f"unknown field(s): {', '.join(sorted(unknown))}")


def _read_entities(path: Path) -> tuple[EntityRecord, ...]:
    allowed = ("id", "name", "kind", "description", "aliases")
    records = []
    for table, line in _tables(path, "entity"):
        _check_keys(path, line, table, allowed)
        entity_id = _string(path, line, table, "id", required=True) or ""
        if not ID_PATTERN.match(entity_id):
            raise KnowledgeError(
                path,
                line,
                f"entity id {entity_id!r} must be {ID_RULE}",
            )
        kind = _string(path, line, table, "kind", required=True) or ""
        if kind not in ENTITY_KINDS:
            raise KnowledgeError(path, line, f"kind must be one of {', '.join(ENTITY_KINDS)}")
        records.append(
            EntityRecord(
                id=entity_id,
                name=_string(path, line, table, "name", required=True) or "",
                kind=kind,
                description=_string(path, line, table, "description", required=False),
                aliases=_strings(path, line, table, "aliases"),
                path=path,
                line=line,
            )
        )
    _reject_duplicates([(r.id, r.path, r.line) for r in records], "entity")
    return tuple(records)


def _read_facts(path: Path) -> tuple[FactRecord, ...]:
    allowed = ("id", "source", "quote", "attribution", "entities", "note", "status")
    records = []
    for table, line in _tables(path, "fact"):
        _check_keys(path, line, table, allowed)
        fact_id = _string(path, line, table, "id", required=True) or ""
        if not ID_PATTERN.match(fact_id):
            raise KnowledgeError(
                path,
                line,
                f"fact id {fact_id!r} must be {ID_RULE}",
            )
        status = _string(path, line, table, "status", required=False) or "active"
        if status not in FACT_STATUSES:
            raise KnowledgeError(path, line, f"status must be one of {', '.join(FACT_STATUSES)}")
        records.append(
            FactRecord(
                id=fact_id,
                source=_string(path, line, table, "source", required=True) or "",
                quote=_string(path, line, table, "quote", required=True) or "",
                attribution=_string(path, line, table, "attribution", required=False),
                entities=_strings(path, line, table, "entities"),
                note=_string(path, line, table, "note", required=False),
                status=status,
                path=path,
                line=line,
            )
        )
    _reject_duplicates([(r.id, r.path, r.line) for r in records], "fact")
    return tuple(records)


def _read_synonyms(path: Path) -> tuple[SynonymGroup, ...]:
    groups = []
    for table, line in _tables(path, "group"):
        _check_keys(path, line, table, ("words", "note"))
        group = _strings(path, line, table, "words")
        if len(group) < 2:
            raise KnowledgeError(path, line, "a synonym group needs at least two words")
        if any(len(word.split()) != 1 for word in group):
            raise KnowledgeError(path, line, "synonyms are single words (use aliases for names)")
        groups.append(SynonymGroup(words=group, path=path, line=line))
    return tuple(groups)


def _reject_duplicates(items: list[tuple[str, Path, int]], what: str) -> None:
    seen: set[str] = set()
    for item_id, path, line in items:
        if item_id in seen:
            raise KnowledgeError(path, line, f"duplicate {what} id {item_id!r}")
        seen.add(item_id)
