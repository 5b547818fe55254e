"""One command adds an article: front matter read (never indexed), flags override it, history
kept; metadata filled in later with `source edit`; a rebuild keeps when a source was added."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from story_helpers import HARBOUR

from factbot.cli import cli

COURIER = HARBOUR / "courier-dockers-walk-out.md"


@pytest.fixture
def run(tmp_path: Path, knowledge_dir: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "story.db"
    runner = CliRunner()
    env = {"FACTBOT_KNOWLEDGE_DIR": str(knowledge_dir), "FACTBOT_DB": str(db)}

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(
            cli, ["--db", str(db), *args], input=stdin, env=env, catch_exceptions=False
        )

    invoke.db = db  # type: ignore[attr-defined]
    return invoke


def rows(db: Path, sql: str, *params: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("command", [("ingest",), ("source", "add")])
def test_an_article_with_front_matter_added_with_no_flags_keeps_its_metadata_out_of_the_passages(
    run, command: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    result = run(*command, str(COURIER))

    assert result.exit_code == 0, result.output
    [source] = rows(run.db, "SELECT id, outlet, title, url, published, author FROM sources")
    assert source == (
        "courier-dockers-walk-out",
        "North Sea Courier",
        "Dockers walk out in Portvale after crane collapse",
        "https://example.org/courier/2024/03/04/dockers-walk-out",
        "2024-03-04",
        "Courier staff",
    )
    texts = [t for (t,) in rows(run.db, "SELECT text FROM passages")]
    assert texts[0].startswith("Members of the Portvale Dock Union walked out")
    assert not any("outlet:" in t or "published:" in t or t.strip() == "---" for t in texts)


def test_flags_override_the_front_matter_and_title_and_author_are_taken(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "ingest", str(COURIER), "--title", "Strike at Portvale", "--author", "A. Writer",
        "--outlet", "Courier Weekly", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    added = json.loads(result.output)
    assert added["source_id"] == "courier-dockers-walk-out" and added["passages"] > 0
    assert added["change"]["action"] == "source.add"
    assert rows(run.db, "SELECT outlet, title, author, published FROM sources") == [
        ("Courier Weekly", "Strike at Portvale", "A. Writer", "2024-03-04")
    ]


def test_the_old_source_flag_of_ingest_still_names_the_outlet_with_a_note(run) -> None:  # type: ignore[no-untyped-def]
    article = Path(run.db).with_name("plain.txt")
    article.write_text("Dockers in Portvale went back to work on Friday.\n", encoding="utf-8")

    result = run("ingest", str(article), "--source", "Reuters")

    assert result.exit_code == 0
    assert rows(run.db, "SELECT outlet FROM sources") == [("Reuters",)]
    assert "deprecated" in result.output and "--outlet" in result.output


def test_a_file_with_front_matter_and_no_body_is_refused_and_nothing_is_stored(run) -> None:  # type: ignore[no-untyped-def]
    empty = Path(run.db).with_name("empty.md")
    empty.write_text("---\nid: empty\noutlet: Nobody\n---\n\n", encoding="utf-8")

    result = run("ingest", str(COURIER), str(empty))

    assert result.exit_code == 2
    assert "no text after its front matter" in result.output
    assert rows(run.db, "SELECT count(*) FROM sources") == [(0,)]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--id", "../outside", "Source id '../outside' must be lowercase letters"),
        ("--title", "Line one\nline two", "The title contains line breaks"),
        ("--outlet", "x" * 201, "The outlet is 201 characters long; the limit is 200."),
    ],
    ids=["id with a path", "title over two lines", "outlet too long"],
)
def test_metadata_that_source_edit_would_refuse_is_refused_on_add_and_nothing_is_stored(
    run, flag: str, value: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    result = run("source", "add", str(COURIER), flag, value)

    assert result.exit_code == 2
    assert message in result.output
    assert not Path(run.db).exists(), "refused before the base was even created"


def test_an_article_read_from_stdin_is_read_the_same_way(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "source", "add", "-", "--reason", "pasted", stdin=COURIER.read_text(encoding="utf-8")
    )

    assert result.exit_code == 0, result.output
    assert rows(run.db, "SELECT id, outlet FROM sources") == [
        ("courier-dockers-walk-out", "North Sea Courier")
    ]


def test_source_edit_fills_in_metadata_with_history_and_revert_undoes_it(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    trt = "trt-azerbaijan-russia-protests"
    assert rows(run.db, "SELECT published, author FROM sources WHERE id = ?", trt) == [
        (None, None)
    ], "the shipped TRT source gives no date or byline: none is invented"

    edited = run(
        "source",
        "edit",
        trt,
        "--published",
        "2025-07-01",
        "--author",
        "TRT World",
        "--reason",
        "from the page",
    )
    assert edited.exit_code == 0, edited.output
    assert rows(run.db, "SELECT published, author FROM sources WHERE id = ?", trt) == [
        ("2025-07-01", "TRT World")
    ]
    history = run("fact", "history", trt, "--json")
    [change] = [c for c in json.loads(history.output) if c["action"] == "source.edit"]
    assert change["before"]["published"] is None and change["after"]["published"] == "2025-07-01"

    undone = run("revert", str(change["id"]), "--reason", "wrong page")
    assert undone.exit_code == 0, undone.output
    assert rows(run.db, "SELECT published, author FROM sources WHERE id = ?", trt) == [(None, None)]


def test_source_edit_refuses_a_bad_date_and_an_unknown_source(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    bad = run(
        "source", "edit", "trt-azerbaijan-russia-protests", "--published", "1 July", "--reason", "r"
    )
    unknown = run("source", "edit", "nope", "--title", "x", "--reason", "r")

    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    assert unknown.exit_code == 2 and "Unknown source" in unknown.output


def test_a_rebuild_keeps_the_time_an_undated_source_was_added(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    with sqlite3.connect(run.db) as conn:
        conn.execute("UPDATE sources SET added_at = '2025-07-02T00:00:00Z'")

    assert run("build").exit_code == 0

    assert rows(run.db, "SELECT added_at FROM sources") == [("2025-07-02T00:00:00Z",)]


def test_reverting_an_ingest_is_refused_while_its_fact_is_active_then_leaves_source_list(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    change_id = json.loads(run("source", "add", str(COURIER), "--json").output)["change"]["id"]
    quote = "The collapsed crane was built in 1987."
    assert run("fact", "add", quote, "--id", "crane-age", "--reason", "key").exit_code == 0

    refused = run("revert", str(change_id), "--reason", "off topic")
    assert refused.exit_code == 2
    assert "crane-age" in refused.output and "factbot fact retire crane-age" in refused.output
    assert "courier-dockers-walk-out" in run("source", "list").output

    assert run("fact", "retire", "crane-age", "--reason", "off topic").exit_code == 0
    undone = run("revert", str(change_id), "--reason", "off topic")
    assert undone.exit_code == 0, undone.output
    assert "courier-dockers-walk-out" not in run("source", "list").output


def test_source_remove_from_the_cli_is_in_the_history_and_revert_puts_it_back(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    assert run("source", "add", str(COURIER)).exit_code == 0
    passages = "SELECT id, status, text FROM passages WHERE source_id = ? ORDER BY rowid"
    before = rows(run.db, passages, "courier-dockers-walk-out")

    removed = run("source", "remove", "courier-dockers-walk-out", "--reason", "off topic", "--json")
    assert removed.exit_code == 0, removed.output
    change = json.loads(removed.output)
    assert (change["action"], change["reason"]) == ("source.remove", "off topic")
    assert "courier-dockers-walk-out" not in run("source", "list").output

    assert run("revert", str(change["id"]), "--reason", "on topic").exit_code == 0
    assert rows(run.db, passages, "courier-dockers-walk-out") == before


def test_source_remove_from_the_cli_refuses_while_facts_quote_it(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    refused = run("source", "remove", "trt-azerbaijan-russia-protests", "--reason", "r")
    assert refused.exit_code == 2
    assert "factbot fact retire azerbaijan-protests-torture" in refused.output


def test_alias_remove_from_the_cli_and_revert_puts_it_back(run) -> None:  # type: ignore[no-untyped-def]
    assert run("build").exit_code == 0
    aliases = "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY alias"
    before = rows(run.db, aliases, "igor-kartavykh")
    removed = run("alias", "remove", "igor-kartavykh", "Kartavih", "--reason", "typo", "--json")
    assert removed.exit_code == 0, removed.output
    change = json.loads(removed.output)
    assert change["action"] == "alias.remove"
    assert ("Kartavih",) not in rows(run.db, aliases, "igor-kartavykh")
    assert run("revert", str(change["id"]), "--reason", "needed").exit_code == 0
    assert rows(run.db, aliases, "igor-kartavykh") == before
