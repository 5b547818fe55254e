"""`factbot export`: the live base back to `knowledge/` as reviewable files, and what is not yet.

`export_knowledge` writes the files `render.py` makes of the live base, only those whose text
changed. The meta keys it sets (the last change exported, a fingerprint of the files) are how
`rebuild` tells edits not yet exported (`pending_edits`) from edits already in the files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from factbot.errors import InputError, KnowledgeError
from factbot.knowledge.files import knowledge_digest, knowledge_files, read_source
from factbot.knowledge.render import removed_source_files, render_knowledge
from factbot.store.database import meta_value, set_meta
from factbot.store.writer import FactBase

log = logging.getLogger(__name__)

SYNCED_CHANGE_KEY = "synced_change"
KNOWLEDGE_DIGEST_KEY = "knowledge_digest"
_PENDING_SHOWN = 10


def pending_edits(db: sqlite_utils.Database, root: Path) -> list[str]:
    """What a rebuild from `root` would lose: changes since the last sync, and sources added
    outside the change history (`factbot ingest`) that `root` does not hold."""
    synced = int(meta_value(db, SYNCED_CHANGE_KEY) or 0)
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


@dataclass(frozen=True)
class ExportReport:
    directory: Path
    written: tuple[Path, ...]
    unchanged: int
    synced_change: int
    removed: tuple[Path, ...] = ()


def export_knowledge(base: FactBase, root: Path, *, force: bool = False) -> ExportReport:
    """Write the live base to `root` as knowledge files; only files whose text changed are written,
    and the files of sources removed from the base are deleted.

    Refuses to overwrite files changed since the last build or export (a `git pull`, a hand edit)
    unless forced, because those changes would otherwise vanish without anyone deciding so.
    """
    with base.write() as db:
        recorded = meta_value(db, KNOWLEDGE_DIGEST_KEY)
        if not force and recorded and knowledge_files(root) and knowledge_digest(root) != recorded:
            raise InputError(
                f"The files in {root} changed since the fact base was last built or exported; "
                "exporting would overwrite those changes. Commit them and run `factbot build` "
                "(after exporting somewhere else with --to if the base has edits too), "
                "or run `factbot export --force` to overwrite them."
            )
        files = render_knowledge(db, root)
        removed = removed_source_files(db, root)
        last = int(db.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0])
    for path in [*files, *removed]:
        _require_inside(root, path)
    written = tuple(
        path for path, text in sorted(files.items()) if _write_if_changed(root / path, text)
    )
    for path in removed:
        (root / path).unlink()
    digest = knowledge_digest(root)
    with base.write() as db:
        synced = max(last, int(meta_value(db, SYNCED_CHANGE_KEY) or 0))
        set_meta(db, SYNCED_CHANGE_KEY, str(synced))
        set_meta(db, KNOWLEDGE_DIGEST_KEY, digest)
    log.info("exported %s: %d file(s) written, %d removed", root, len(written), len(removed))
    return ExportReport(root, written, len(files) - len(written), synced, tuple(removed))


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
