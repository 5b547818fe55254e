"""The fact base file as the tests compare it before and after a refused change."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def snapshot(path: Path) -> list[str]:
    """Everything in the file, as SQL: equal snapshots mean nothing changed."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
