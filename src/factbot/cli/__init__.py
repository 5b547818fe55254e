"""`factbot`: thin click commands over the library.

Each command calls one library function and formats its result; `FactbotError`s become a
one-line message and exit status 1 (or 2 for bad input), never a traceback.

The group lives here; its commands live by what they are for: `asking` (ask, chat),
`building` (build, ingest, export, backup), `sources`, `facts`, `aliases` and `changes`
(revert, and the options every change takes), `reports` (summary, gaps) and `discord_bot`
(run, sync-commands). `context` holds what they share.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from factbot.cli.aliases import alias
from factbot.cli.asking import ask, chat
from factbot.cli.building import add_article_command, backup_command, build, export_command
from factbot.cli.changes import revert_command
from factbot.cli.context import Context, FactbotGroup, user_errors
from factbot.cli.discord_bot import run, sync_commands
from factbot.cli.facts import fact
from factbot.cli.reports import gaps_command, summary
from factbot.cli.sources import source
from factbot.index.sketch import use_cache_dir
from factbot.settings import load_settings

__all__ = ["cli", "main"]


@click.group(cls=FactbotGroup)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fact base file (default: $FACTBOT_DB, else factbot.db).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress and debug details to stderr.")
@click.version_option(package_name="factbot")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, verbose: bool) -> None:
    """Answer questions about the news story with verbatim, sourced quotes."""
    with user_errors():
        settings = load_settings()
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    use_cache_dir(settings.cache_dir)
    ctx.obj = Context(settings=settings, db_path=db_path or settings.db_path)


for _command, _name in (
    (build, "build"),
    (add_article_command, "ingest"),
    (ask, "ask"),
    (chat, "chat"),
    (run, "run"),
    (sync_commands, "sync-commands"),
    (summary, "summary"),
    (source, "source"),
    (fact, "fact"),
    (alias, "alias"),
    (revert_command, "revert"),
    (export_command, "export"),
    (backup_command, "backup"),
    (gaps_command, "gaps"),
):
    cli.add_command(_command, _name)

# `/fact revert` on Discord; the top-level `factbot revert` stays for the scripts that use it.
fact.add_command(revert_command, "revert")


def main() -> None:
    cli(prog_name="factbot")
