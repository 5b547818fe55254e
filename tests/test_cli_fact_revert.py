"""`factbot fact revert` undoes a change as `factbot revert` does: one name on the CLI and on
Discord (`/fact revert`)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from factbot.cli import cli

ENV = {"FACTBOT_LOG_LEVEL": "WARNING"}


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def test_fact_revert_undoes_a_retirement_like_the_top_level_revert(built_db: Path) -> None:
    facts = json.loads(run(built_db, "fact", "list", "--json"))
    fact_id = next(f["id"] for f in facts if f["status"] == "active")
    retired = json.loads(run(built_db, "fact", "retire", fact_id, "--reason", "test", "--json"))

    reverted = json.loads(
        run(built_db, "fact", "revert", str(retired["id"]), "--reason", "by mistake", "--json")
    )

    assert reverted["id"] != retired["id"]
    shown = {f["id"]: f["status"] for f in json.loads(run(built_db, "fact", "list", "--json"))}
    assert shown[fact_id] == "active"
    assert "revert" in run(built_db, "fact", "--help")
