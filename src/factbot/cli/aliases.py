"""`factbot alias`: other spellings of people, places and organisations."""

from __future__ import annotations

import click

from factbot.cli.changes import echo_change, edit_options
from factbot.cli.context import Context, open_base, pass_context, user_errors
from factbot.editing import Actor, add_aliases, remove_aliases


@click.group("alias")
def alias() -> None:
    """Other spellings of people, places and organisations."""


@alias.command("add")
@click.argument("entity")
@click.argument("spellings", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Add a spelling even if it already names another entity.")
@edit_options
@pass_context
def alias_add(context: Context, entity: str, spellings: tuple[str, ...], force: bool, reason: str, actor: str | None, as_json: bool) -> None:
    """Teach ENTITY (id or name) other SPELLINGS readers use."""
    with user_errors():
        change = add_aliases(
            open_base(context), Actor.os_user(actor), entity, spellings, reason, force=force
        )
    echo_change(change, as_json)


@alias.command("remove")
@click.argument("entity")
@click.argument("spellings", nargs=-1, required=True)
@edit_options
@pass_context
def alias_remove(context: Context, entity: str, spellings: tuple[str, ...], reason: str, actor: str | None, as_json: bool) -> None:
    """Stop ENTITY (id or name) answering to SPELLINGS. Undo with revert."""
    with user_errors():
        change = remove_aliases(open_base(context), Actor.os_user(actor), entity, spellings, reason)
    echo_change(change, as_json)
