"""What every editing command shares: --reason/--actor/--json, the change printed with how to
undo it, and `revert`, which undoes any change."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from factbot.cli.context import Context, open_base, pass_context, user_errors
from factbot.editing import Actor, Change, revert

F = TypeVar("F", bound=Callable[..., Any])

CLEARS = "'-' or '' to clear"


def dash_clears(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A lone '-' clears a field, as on Discord (which cannot send an empty option); '' too."""
    return "" if value == "-" else value


def edit_options(function: F) -> F:
    """--reason (required: the history says why) and --actor (who, default the OS user)."""
    function = click.option(
        "--actor", metavar="NAME", help="Name recorded in the history (default: your OS user name)."
    )(function)
    function = click.option(
        "--reason", required=True, help="Why: recorded in the history with the change."
    )(function)
    return click.option("--json", "as_json", is_flag=True, help="Print the change as JSON.")(function)


def echo_change(change: Change, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(change.as_json(), ensure_ascii=False))
        return
    click.echo("\n".join(change.describe()))
    click.echo(f"Undo with: factbot revert {change.id} --reason '...'")


@click.command("revert")
@click.argument("change_id", type=int)
@edit_options
@pass_context
def revert_command(context: Context, change_id: int, reason: str, actor: str | None, as_json: bool) -> None:
    """Undo change CHANGE_ID by making a new change (the history keeps both).

    Also `factbot fact revert`, as on Discord (`/fact revert`)."""
    with user_errors():
        change = revert(open_base(context), Actor.os_user(actor), change_id, reason)
    echo_change(change, as_json)
