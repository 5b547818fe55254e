"""The fact base file as the tests get it (built once, copied) and compare it before and after
a refused change."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from factbot.knowledge.build import build_fact_base


def snapshot(path: Path) -> list[str]:
    """Everything in the file, as SQL: equal snapshots mean nothing changed."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def knowledge_digest(folder: Path) -> str:
    """The content of a knowledge folder (every file's relative path and bytes), as one hash."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class BuiltBases:
    """Fact bases built once per session, keyed by the knowledge files' content, handed out as
    copies so that a test may write to its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[str, Path] = {}

    def copy(self, knowledge: Path, target: Path) -> Path:
        """`target` holds the base `build_fact_base(knowledge, target)` would have written."""
        key = knowledge_digest(knowledge)
        original = self.built.get(key)
        if original is None:
            original = self.folder / f"{key[:16]}.db"
            build_fact_base(knowledge, original)
            self.built[key] = original
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(original, target)
        return target
