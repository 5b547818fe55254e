"""What every command shares: the settings and base path, and turning errors into one line.

`FactbotError`s become a one-line message and exit status 1 (or 2 for bad input), never a
traceback; arguments that are not text are refused before any command runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from factbot.answering.answers import AnswerEngine
from factbot.editing import Actor, FactBase
from factbot.errors import FactbotError
from factbot.knowledge.rebuild import rebuild
from factbot.language.text import not_unicode
from factbot.settings import Settings
from factbot.store.database import database_error


@dataclass
class Context:
    settings: Settings
    db_path: Path

    def engine(self) -> AnswerEngine:
        """Open the fact base, building it from knowledge/ first if there is none yet."""
        if not self.db_path.exists():
            click.echo(
                f"No fact base at {self.db_path} yet; building it from {self.settings.knowledge_dir}.",
                err=True,
            )
            rebuild(self.settings.knowledge_dir, self.db_path, Actor.os_user())
        engine = AnswerEngine(self.db_path, self.settings.min_confidence)
        advice = engine.needs_rebuild()
        if advice:
            click.echo(advice, err=True)
        return engine


pass_context = click.make_pass_decorator(Context)


def open_base(context: Context) -> FactBase:
    """The live base for writing, built from knowledge/ first if there is none yet.

    The engine opened to build it is closed first, so the writer is the base's last connection
    and takes SQLite's -wal and -shm files with it when the command ends, whatever order the
    interpreter tears objects down in (a read-only connection closing last leaves them, and a
    later writer in a read-only folder would then find them and write).
    """
    context.engine().close()
    return FactBase(context.db_path)


class UsageFailure(click.ClickException):
    exit_code = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into click errors carrying the right exit status.

    SQLite and OS errors that got past the library (a damaged page deep in the base, a folder
    that turned read-only) still become one line saying how to recover, never a traceback.
    """
    try:
        yield
    except FactbotError as error:
        if error.exit_code == 2:
            raise UsageFailure(str(error)) from None
        raise click.ClickException(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        raise click.ClickException(str(database_error(_db_path(), error, "cannot be used"))) from None


def _db_path() -> Path:
    context = click.get_current_context(silent=True)
    found = context.find_object(Context) if context is not None else None
    return found.db_path if found is not None else Path("factbot.db")


class FactbotGroup(click.Group):
    """The `factbot` group: refuses arguments that are not UTF-8 text before any command runs.

    Python keeps undecodable command-line bytes as lone surrogates, which every later step
    (matching, storing, printing) would choke on with a traceback; a NUL cannot be stored or
    shown either. Checking here covers every command, present and future.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for number, value in enumerate(args, start=1):
            problem = _argument_problem(value)
            if problem:
                raise UsageFailure(f"Argument {number} ({_shown(value)}) {problem}.")
        return super().parse_args(ctx, args)


def _argument_problem(value: str) -> str | None:
    if not_unicode(value):
        return "is not valid UTF-8 text"
    if "\x00" in value:
        return "holds a NUL character"
    return None


def _shown(value: str) -> str:
    """The argument as its bytes, printable whatever they are."""
    try:  # undecodable command-line bytes come back as the bytes they were
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates (not from argv bytes) as \\udxxx
        raw = value.encode("utf-8", "backslashreplace")
    shown = repr(raw)[2:-1]
    return shown if len(shown) <= 60 else shown[:59] + "…"
