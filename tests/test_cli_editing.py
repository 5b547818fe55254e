"""The maintainers' CLI: thin commands with readable and --json output, and exit status 2 with
a one-line message for anything refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from factbot.cli import cli

TORTURE = "azerbaijan-protests-torture"
SOURCE = "trt-azerbaijan-russia-protests"
ARTICLE = "Azerbaijan recalled its ambassador from Moscow for consultations on Tuesday.\n"


@pytest.fixture
def run(tmp_path: Path, knowledge_dir: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "cli.db"
    runner = CliRunner()
    env = {
        "FACTBOT_KNOWLEDGE_DIR": str(knowledge_dir),
        "FACTBOT_LOG_LEVEL": "WARNING",
        "FACTBOT_DB": str(db),
    }

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(
            cli, ["--db", str(db), *args], input=stdin, env=env, catch_exceptions=False
        )

    assert invoke("build").exit_code == 0
    return invoke


def test_retire_prints_the_change_and_how_to_undo_it(run) -> None:  # type: ignore[no-untyped-def]
    result = run("fact", "retire", TORTURE, "--reason", "disputed", "--actor", "alice")
    assert result.exit_code == 0
    assert "os:alice fact.retire passage:azerbaijan-protests-torture: disputed" in result.output
    assert 'status: "active" -> "retired"' in result.output
    assert "factbot revert" in result.output


def test_every_change_needs_a_reason(run) -> None:  # type: ignore[no-untyped-def]
    missing = run("fact", "retire", TORTURE)
    assert missing.exit_code == 2 and "--reason" in missing.output
    empty = run("fact", "retire", TORTURE, "--reason", " ")
    assert empty.exit_code == 2 and "Give a reason" in empty.output


def test_unknown_id_exits_2_with_a_one_line_message(run) -> None:  # type: ignore[no-untyped-def]
    result = run("fact", "retire", "nope", "--reason", "r")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: Unknown fact or passage 'nope'. See `factbot fact list` (--all for sentences)."
    ]


def test_fact_add_edit_show_history_and_revert_as_json(run) -> None:  # type: ignore[no-untyped-def]
    quote = "Baku has called for a full investigation"
    added = json.loads(
        run(
            "fact",
            "add",
            "-",
            "--id",
            "baku-demand",
            "--entity",
            "baku",
            "--alias",
            "baku=Baky",
            "--reason",
            "r",
            "--json",
            stdin=quote,
        ).output
    )
    assert added["action"] == "fact.add" and added["after"]["text"] == quote
    edited = json.loads(
        run(
            "fact", "edit", "baku-demand", "--attribution", "Baku", "--reason", "who", "--json"
        ).output
    )
    shown = json.loads(run("fact", "show", "baku-demand", "--json").output)
    assert shown["attribution"] == "Baku" and shown["history"][0]["id"] == edited["id"]
    undone = json.loads(run("revert", str(edited["id"]), "--reason", "undo", "--json").output)
    assert undone["reverted_change"] == edited["id"]
    changes = json.loads(run("fact", "history", "baku-demand", "--json").output)
    assert [c["action"] for c in changes] == ["revert", "fact.edit", "fact.add"]


def test_fact_list_hides_sentences_unless_all(run) -> None:  # type: ignore[no-untyped-def]
    run("fact", "retire", f"{SOURCE}:4", "--reason", "r")
    facts = run("fact", "list").output
    assert TORTURE in facts and f"{SOURCE}:4" not in facts
    retired = json.loads(run("fact", "list", "--all", "--status", "retired", "--json").output)
    assert [p["id"] for p in retired] == [f"{SOURCE}:4"]


def test_source_add_list_and_show(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    article = tmp_path / "recall.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    added = run(
        "source",
        "add",
        str(article),
        "--id",
        "recall",
        "--outlet",
        "Example",
        "--published",
        "2024-07-02",
        "--reason",
        "news",
    )
    assert added.exit_code == 0, added.output
    assert "recall  Example, 2024-07-02" in run("source", "list").output
    shown = json.loads(run("source", "show", "recall", "--text", "--json").output)
    # `source add` is `ingest` under another name: one way to add an article.
    assert shown["text"] == ARTICLE and shown["origin"] == "ingest"


def test_source_add_refuses_a_bad_date(run) -> None:  # type: ignore[no-untyped-def]
    result = run("source", "add", "-", "--published", "July", "--reason", "r", stdin=ARTICLE)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_alias_add_then_history_of_the_entity(run) -> None:  # type: ignore[no-untyped-def]
    assert run("alias", "add", "baku", "Baky", "Bakou city", "--reason", "spellings").exit_code == 0
    assert "alias.add entity:baku" in run("fact", "history", "baku").output


def test_history_of_an_unknown_id_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    assert run("fact", "history", "atlantis").exit_code == 2


def test_build_refuses_then_export_makes_it_safe(run, knowledge_dir: Path) -> None:  # type: ignore[no-untyped-def]
    run("fact", "retire", TORTURE, "--reason", "disputed")
    refused = run("build")
    assert refused.exit_code == 2 and "factbot export" in refused.output
    exported = json.loads(run("export", "--json").output)
    assert exported["written"] == ["facts.toml"]
    assert run("build").exit_code == 0
    assert "[retired]" in run("fact", "list").output


def test_build_force_says_where_the_backup_is(run) -> None:  # type: ignore[no-untyped-def]
    run("fact", "retire", TORTURE, "--reason", "disputed")
    forced = run("build", "--force")
    assert forced.exit_code == 0 and "Backed up the previous base to" in forced.output


def test_backup_command_writes_a_copy(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(run("backup", str(tmp_path / "copy.db"), "--json").output)
    assert Path(report["path"]).stat().st_size == report["bytes"] > 0


def test_ask_records_gaps_that_the_gaps_command_lists(run) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        run("ask", "What did the pope say about football?")
    run("ask", "-", stdin="What is the price of bread in Paris?\nWho is Aykhan Hajizada?\n")
    listed = json.loads(run("gaps", "--json").output)
    assert [(g["question"], g["count"]) for g in listed] == [
        ("What did the pope say about football?", 2),
        ("What is the price of bread in Paris?", 1),
    ]
    assert "2x  What did the pope say about football?" in run("gaps").output


def test_a_dash_clears_a_field_on_the_cli_as_on_discord(run) -> None:  # type: ignore[no-untyped-def]
    def shown(*args: str) -> dict[str, object]:
        result: dict[str, object] = json.loads(run(*args, "--json").output)
        return result

    assert run("source", "edit", SOURCE, "--author", "Jane Roe", "--reason", "byline").exit_code == 0
    assert shown("source", "show", SOURCE)["author"] == "Jane Roe"
    cleared = run("source", "edit", SOURCE, "--author", "-", "--reason", "no byline")

    assert cleared.exit_code == 0, cleared.output
    assert shown("source", "show", SOURCE)["author"] in (None, "")
    edited = run("fact", "edit", TORTURE, "--attribution", "-", "--note", "-", "--reason", "r")
    assert edited.exit_code == 0, edited.output
    fact = shown("fact", "show", TORTURE)
    assert fact["attribution"] in (None, "") and fact["note"] in (None, "")
