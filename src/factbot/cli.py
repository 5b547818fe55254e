"""`factbot`: thin click commands over the library.

Each command calls one library function and formats its result; `FactbotError`s become a
one-line message and exit status 1 (or 2 for bad input), never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click

from factbot.answers import AnswerEngine, format_text
from factbot.build import build_fact_base
from factbot.errors import FactbotError
from factbot.settings import Settings, load_settings
from factbot.summary import FORMATS, LENGTHS, build_summary, parse_since, render

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    settings: Settings
    db_path: Path

    def engine(self) -> AnswerEngine:
        """Open the fact base, building it from knowledge/ first if there is none yet."""
        if not self.db_path.exists():
            click.echo(f"No fact base at {self.db_path} yet; building it from {self.settings.knowledge_dir}.", err=True)
            build_fact_base(self.settings.knowledge_dir, self.db_path)
        return AnswerEngine(self.db_path, self.settings.min_confidence)


class UsageFailure(click.ClickException):
    exit_code = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into click errors carrying the right exit status."""
    try:
        yield
    except FactbotError as error:
        if error.exit_code == 2:
            raise UsageFailure(str(error)) from None
        raise click.ClickException(str(error)) from None


pass_context = click.make_pass_decorator(Context)


@click.group()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fact base file (default: $FACTBOT_DB, else factbot.db).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug details to stderr.")
@click.version_option(package_name="factbot")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, verbose: bool) -> None:
    """Answer questions about the news story with verbatim, sourced quotes."""
    with user_errors():
        settings = load_settings()
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level, logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = Context(settings=settings, db_path=db_path or settings.db_path)


@cli.command()
@click.option(
    "--knowledge",
    "knowledge_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Knowledge folder (default: $FACTBOT_KNOWLEDGE_DIR, else ./knowledge).",
)
@pass_context
def build(context: Context, knowledge_dir: Path | None) -> None:
    """Build the fact base from knowledge/ (verifies every quote)."""
    with user_errors():
        report = build_fact_base(knowledge_dir or context.settings.knowledge_dir, context.db_path)
    click.echo(
        f"Built {report.path}: {report.sources} sources, {report.passages} passages "
        f"({report.facts} curated facts), {report.entities} entities in {report.seconds:.2f}s."
    )


@cli.command()
@click.argument("question", required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@pass_context
def ask(context: Context, question: str, as_json: bool) -> None:
    """Answer QUESTION; with QUESTION '-', one question per line from stdin."""
    with user_errors():
        engine = context.engine()
        if question == "-":
            _ask_stream(engine, as_json)
            return
        answer = engine.ask(question)
    click.echo(json.dumps(answer.as_json(), ensure_ascii=False) if as_json else format_text(answer))


def _ask_stream(engine: AnswerEngine, as_json: bool) -> None:
    """Answer stdin line by line, in order; a bad line gets an error object, not an exit."""
    for line in sys.stdin:
        question = line.rstrip("\n")
        try:
            answer = engine.ask(question)
            result: dict[str, Any] = answer.as_json()
            text = format_text(answer)
        except FactbotError as error:
            result = {"question": question, "answered": False, "quote": None, "source": None,
                      "attribution": None, "confidence": 0.0, "passage_id": None, "related": [],
                      "error": str(error)}
            text = f"error: {error}"
        click.echo(json.dumps(result, ensure_ascii=False) if as_json else text)
        sys.stdout.flush()


@cli.command()
@pass_context
def chat(context: Context) -> None:
    """Ask questions interactively; an empty line or Ctrl-D quits."""
    with user_errors():
        engine = context.engine()
    click.echo("Ask about the story (empty line to quit).")
    while True:
        try:
            question = click.prompt("?", default="", show_default=False, prompt_suffix=" ")
        except (EOFError, click.Abort):
            break
        if not question.strip():
            break
        try:
            click.echo(format_text(engine.ask(question)))
        except FactbotError as error:
            click.echo(f"error: {error}", err=True)


@cli.command()
@click.option("--length", type=click.Choice(LENGTHS), default="full", show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--since", metavar="DATE", help="Only what is new or changed since DATE.")
@pass_context
def summary(context: Context, length: str, fmt: str, since: str | None) -> None:
    """Print a cited, neutral briefing of the story for moderators."""
    with user_errors():
        built = build_summary(context.engine().db, length=length, since=parse_since(since))
        click.echo(render(built, fmt))


@cli.command()
@click.option("--sync", is_flag=True, help="Register the slash commands before connecting.")
@pass_context
def run(context: Context, sync: bool) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN; see docs/discord.md)."""
    # Imported here: the core must not import discord at module level.
    from bot.app import run as run_bot

    with user_errors():
        run_bot(replace(context.settings, db_path=context.db_path), sync=sync)


@cli.command("sync-commands")
@click.option(
    "--clear-guild", is_flag=True, help="Remove the commands registered in DISCORD_GUILD_ID."
)
@pass_context
def sync_commands(context: Context, clear_guild: bool) -> None:
    """Register the slash commands: in DISCORD_GUILD_ID if set (instant), else globally."""
    # Imported here: the core must not import discord at module level.
    from bot.app import sync_only

    settings = replace(context.settings, db_path=context.db_path)
    with user_errors():
        scope, synced = sync_only(settings, clear_guild=clear_guild)
    names = ", ".join("/" + command.name for command in synced) or "none"
    click.echo(f"Synced {len(synced)} commands {scope}: {names}.")


def main() -> None:
    cli(prog_name="factbot")
