"""`factbot summary`: formats, lengths, `--since`, and clear errors for bad options."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from factbot.cli import cli


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), "summary", *args])
    return result.exit_code, result.output


def test_summary_prints_readable_text_by_default(shared_db: Path) -> None:
    code, output = run(shared_db)
    assert code == 0
    assert output.startswith("WHAT WE KNOW SO FAR")
    assert "What each side says" in output


def test_summary_markdown_short(shared_db: Path) -> None:
    code, output = run(shared_db, "--format", "markdown", "--length", "short")
    assert code == 0
    assert "### What happened" in output
    assert "### What the sources don't say" not in output


def test_summary_json_is_one_object_with_cited_lines(shared_db: Path) -> None:
    code, output = run(shared_db, "--format", "json")
    assert code == 0
    data = json.loads(output)
    assert data["length"] == "full"
    assert all(line["cite"] for section in data["sections"] for line in section["lines"])


def test_summary_since_a_future_date_says_nothing_is_new(shared_db: Path) -> None:
    code, output = run(shared_db, "--since", "2999-01-01")
    assert code == 0
    assert "Nothing new in the fact base since 2999-01-01." in output


def test_summary_refuses_a_bad_date_with_exit_status_2(shared_db: Path) -> None:
    code, output = run(shared_db, "--since", "yesterday")
    assert code == 2
    assert "Give the since date as YYYY-MM-DD" in output
    assert "Traceback" not in output


def test_summary_refuses_an_unknown_length(shared_db: Path) -> None:
    code, _ = run(shared_db, "--length", "medium")
    assert code == 2


def test_summary_builds_the_fact_base_on_first_use(tmp_path: Path) -> None:
    code, output = run(tmp_path / "new.db", "--length", "short")
    assert code == 0
    assert "What happened" in output


def test_since_an_earlier_date_keeps_an_undated_source_added_after_it(shared_db: Path) -> None:
    # The shipped article gives no publication date: when it was added is the only date there is.
    code, output = run(shared_db, "--since", "2025-01-01")

    assert code == 0
    assert "Nothing new" not in output
    assert "What each side says" in output and "Rahman Mustafayev" in output


def test_since_goes_by_publication_date_not_by_when_a_dated_source_was_added(
    tmp_path: Path,
) -> None:
    db = tmp_path / "dated.db"
    article = tmp_path / "old-news.md"
    article.write_text(
        "Officials in Valmora opened a new harbour bridge on Tuesday, the city council said.\n",
        encoding="utf-8",
    )
    added = CliRunner().invoke(
        cli,
        ["--db", str(db), "ingest", str(article), "--id", "old-news", "--outlet", "Harbour Wire",
         "--published", "2024-03-05", "--reason", "test"],
    )
    assert added.exit_code == 0, added.output

    _, recent = run(db, "--since", "2025-01-01", "--format", "json")
    _, older = run(db, "--since", "2024-01-01", "--format", "json")

    assert "old-news" not in [s["id"] for s in json.loads(recent)["sources"]]
    assert "old-news" in [s["id"] for s in json.loads(older)["sources"]]
