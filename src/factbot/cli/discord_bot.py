"""The Discord bot: `run` starts it, `sync-commands` registers its slash commands.

`bot.app` is imported inside each command: the core must not import discord at module level.
"""

from __future__ import annotations

from dataclasses import replace

import click

from factbot.cli.context import Context, pass_context, user_errors


@click.command("run")
@click.option("--sync", is_flag=True, help="Register the slash commands before connecting.")
@pass_context
def run(context: Context, sync: bool) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN; see docs/discord.md)."""
    from bot.app import run as run_bot

    with user_errors():
        run_bot(replace(context.settings, db_path=context.db_path), sync=sync)


@click.command("sync-commands")
@click.option(
    "--clear-guild", is_flag=True, help="Remove the commands registered in DISCORD_GUILD_ID."
)
@pass_context
def sync_commands(context: Context, clear_guild: bool) -> None:
    """Register the slash commands: in DISCORD_GUILD_ID if set (instant), else globally."""
    from bot.app import sync_only

    settings = replace(context.settings, db_path=context.db_path)
    with user_errors():
        scope, synced = sync_only(settings, clear_guild=clear_guild)
    names = ", ".join("/" + command.name for command in synced) or "none"
    click.echo(f"Synced {len(synced)} commands {scope}: {names}.")
