"""`factbot --help` and every command's help: each option says what it does."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from factbot.cli import cli


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        assert command is not None
        found.append((*path, name))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*path, name)))
    return found


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    return command


@pytest.mark.parametrize("path", commands(cli), ids=" ".join)
def test_every_option_of_every_command_has_a_description(path: tuple[str, ...]) -> None:
    undescribed = [
        param.opts[0]
        for param in command_at(path).params
        if isinstance(param, click.Option) and not param.hidden and not param.help
    ]

    assert undescribed == [], f"factbot {' '.join(path)}: describe {undescribed}"


def test_json_is_described_in_the_help_of_export_backup_gaps_sources_and_facts() -> None:
    for path in (("export",), ("backup",), ("gaps",), ("source", "list"), ("source", "show"),
                 ("fact", "list"), ("fact", "show"), ("fact", "history")):
        shown = CliRunner().invoke(cli, [*path, "--help"]).output
        line = next(line for line in shown.splitlines() if "--json" in line)
        assert line.strip() != "--json", f"factbot {' '.join(path)} --help"


def test_fact_history_says_it_lists_every_change_not_only_facts() -> None:
    shown = " ".join(CliRunner().invoke(cli, ["fact", "history", "--help"]).output.split())

    assert "source" in shown and "alias" in shown and "every change" in shown
