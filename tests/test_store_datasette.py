"""The shipped Datasette metadata describes tables and columns that a build really makes, and its
canned queries run against the base (so schema changes cannot silently break the browsing docs)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from factbot.settings import REPO_ROOT

METADATA = json.loads((REPO_ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))
DATABASE = METADATA["databases"]["factbot"]


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}


@pytest.mark.parametrize("table", sorted(DATABASE["tables"]))
def test_described_tables_and_columns_exist(built_db: Path, table: str) -> None:
    conn = sqlite3.connect(built_db)
    described = set(DATABASE["tables"][table].get("columns", {}))
    assert described <= columns(conn, table), f"{table}: {described - columns(conn, table)}"


@pytest.mark.parametrize("name", sorted(DATABASE["queries"]))
def test_canned_queries_run(built_db: Path, name: str) -> None:
    sql = DATABASE["queries"][name]["sql"]
    params = {p: "baku" for p in re.findall(r":(\w+)", sql)}
    sqlite3.connect(f"file:{built_db}?mode=ro", uri=True).execute(sql, params).fetchall()
