"""`factbot`: thin click commands over the library.

Each command calls one library function and formats its result; `FactbotError`s become a
one-line message and exit status 1 (or 2 for bad input), never a traceback.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click

from factbot.answering.answers import AnswerEngine
from factbot.answering.conversation import ConversationMemory, Conversations, respond
from factbot.answering.gaps import GapPolicy, GapRecorder, top_gaps, top_reports
from factbot.answering.replies import format_text, unanswerable_json
from factbot.briefing.render import FORMATS, render
from factbot.briefing.summary import LENGTHS, build_summary, parse_since
from factbot.editing import (
    Actor,
    Change,
    FactBase,
    FactDraft,
    FactPatch,
    SourcePatch,
    add_aliases,
    add_articles,
    add_fact,
    edit_fact,
    edit_source,
    get_passage,
    get_source_view,
    history,
    list_passages,
    list_source_views,
    require_known,
    restore,
    retire,
    retire_notice,
    revert,
    source_text,
)
from factbot.errors import FactbotError, InputError
from factbot.files import FileRefused, read_at_most
from factbot.index.ingest import MAX_DOCUMENT_BYTES, ArticleMeta
from factbot.index.sketch import use_cache_dir
from factbot.knowledge.export import export_knowledge
from factbot.knowledge.rebuild import rebuild
from factbot.language.text import not_unicode
from factbot.settings import Settings, load_settings
from factbot.store.backup import backup_database
from factbot.store.database import database_error

F = TypeVar("F", bound=Callable[..., Any])


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


pass_context = click.make_pass_decorator(Context)


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


@cli.command()
@click.option(
    "--knowledge",
    "knowledge_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Knowledge folder (default: $FACTBOT_KNOWLEDGE_DIR, else ./knowledge).",
)
@click.option("--force", is_flag=True, help="Discard edits not exported yet (backs up first).")
@pass_context
def build(context: Context, knowledge_dir: Path | None, force: bool) -> None:
    """Build the fact base from knowledge/ (verifies every quote; keeps history and gaps)."""
    with user_errors():
        rebuilt = rebuild(
            knowledge_dir or context.settings.knowledge_dir, context.db_path, Actor.os_user(), force=force
        )
    report = rebuilt.build
    if rebuilt.backup:
        click.echo(f"Backed up the previous base to {rebuilt.backup}.", err=True)
    click.echo(
        f"Built {report.path}: {report.sources} sources, {report.passages} passages "
        f"({report.facts} curated facts), {report.entities} entities in {report.seconds:.2f}s."
    )


def _article_options(function: F) -> F:
    """The metadata flags every command that adds an article takes, under the same names.

    Each overrides the file's front matter; a field neither gives stays empty.
    """
    for option in reversed(
        (
            click.option("--id", "source_id", help="Source id (default: the front matter's, else the file name)."),
            click.option("--outlet", help="Name of the outlet, e.g. TRT or Reuters."),
            click.option(
                "--source",
                "deprecated_outlet",
                hidden=True,
                help="Deprecated: the outlet; use --outlet (--source names a source id elsewhere).",
            ),
            click.option("--title", help="Headline of the article."),
            click.option("--url", help="Address of the article (one file only)."),
            click.option("--published", metavar="YYYY-MM-DD", help="Publication date."),
            click.option("--author", help="Byline."),
            click.option("--photo-credit", help="Who the article's photos are credited to."),
        )
    ):
        function = option(function)
    return function


def _article_meta(
    source_id: str | None,
    outlet: str | None,
    deprecated_outlet: str | None,
    title: str | None,
    url: str | None,
    published: str | None,
    author: str | None,
    photo_credit: str | None,
) -> ArticleMeta:
    if deprecated_outlet is not None:
        click.echo("Note: --source is deprecated here; use --outlet for the outlet's name.", err=True)
        if outlet is not None and outlet != deprecated_outlet:
            raise InputError("Give the outlet once: --outlet (or the deprecated --source).")
    return ArticleMeta(
        source_id=source_id,
        outlet=outlet if outlet is not None else deprecated_outlet,
        title=title,
        url=url,
        published=published,
        author=author,
        photo_credit=photo_credit,
    )


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@_article_options
@click.option("--reason", help="Why: recorded in the history (default: 'added with factbot ingest').")
@click.option("--actor", metavar="NAME", help="Name recorded in the history (default: your OS user name).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@pass_context
def add_article_command(
    context: Context,
    /,
    files: tuple[Path, ...],
    reason: str | None,
    actor: str | None,
    as_json: bool,
    **meta: str | None,
) -> None:
    """Add articles from FILES ('-' for stdin): plain text, Markdown, or the knowledge/sources
    format, whose front matter gives the metadata (flags override it). All or none; each is in
    the history and undone with `factbot revert`."""
    with user_errors(), _stdin_as_file(files) as paths:
        given = _article_meta(**meta)
        added = add_articles(context.db_path, Actor.os_user(actor), paths, given, reason)
    for path, article in zip(files, added, strict=True):
        if as_json:
            change = article.change.as_json() if article.change else None
            found = {"file": str(path), "source_id": article.source_id, "passages": article.passages}
            click.echo(json.dumps({**found, "change": change}, ensure_ascii=False))
        elif article.change is not None:
            click.echo(f"Added {path} as {article.source_id}: {article.passages} passages.")
            click.echo(f"Undo with: factbot revert {article.change.id} --reason '...'")
        else:
            click.echo(f"{path} is already stored as {article.source_id}; nothing changed.")


@contextmanager
def _stdin_as_file(files: tuple[Path, ...]) -> Iterator[list[Path]]:
    """'-' read from stdin into a temporary file, so every article is read the same way."""
    if Path("-") not in files:
        yield list(files)
        return
    if files.count(Path("-")) > 1:
        raise InputError("Read stdin ('-') once.")
    with tempfile.TemporaryDirectory() as folder:
        pasted = Path(folder) / "pasted-article.md"
        try:
            pasted.write_bytes(read_at_most(sys.stdin.buffer, MAX_DOCUMENT_BYTES))
        except FileRefused as refused:
            raise InputError(f"stdin {refused.reason}.") from None
        yield [pasted if path == Path("-") else path for path in files]


cli.add_command(add_article_command, "ingest")


@cli.command()
@click.argument("question", required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@pass_context
def ask(context: Context, question: str, as_json: bool) -> None:
    """Answer QUESTION; with QUESTION '-', one question per line from stdin."""
    with user_errors():
        engine = context.engine()
        gaps = GapRecorder(context.db_path, GapPolicy.from_settings(context.settings))
        if question == "-":
            _ask_stream(engine, as_json, gaps)
            return
        answer, _ = respond(engine, question, None)
        gaps.record(answer)
    click.echo(json.dumps(answer.as_json(), ensure_ascii=False) if as_json else format_text(answer))


def _ask_stream(engine: AnswerEngine, as_json: bool, gaps: GapRecorder) -> None:
    """Answer stdin line by line, in order; a bad line gets an error object, not an exit.

    Lines are read as bytes and decoded one by one, so a line that is not UTF-8 is refused on
    its own and the stream goes on.
    """
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        question = raw.rstrip(b"\r\n").decode("utf-8", "surrogateescape")
        try:
            if not_unicode(question):
                raise InputError(f"Line {number} is not valid UTF-8 text.")
            answer, _ = respond(engine, question, None)
            gaps.record(answer)
            result: dict[str, Any] = answer.as_json()
            text = format_text(answer)
        except FactbotError as error:
            result = unanswerable_json(question.encode("utf-8", "replace").decode(), error)
            text = f"error: {error}"
        click.echo(json.dumps(result, ensure_ascii=False) if as_json else text)
        sys.stdout.flush()


@cli.command()
@pass_context
def chat(context: Context) -> None:
    """Ask questions interactively; an empty line or Ctrl-D quits. Follow-ups ("who are they?",
    "tell me more") are read against the previous question for a few minutes."""
    with user_errors():
        conversation = Conversations(
            context.engine(), ConversationMemory(ttl=context.settings.follow_up_seconds)
        )
    click.echo("Ask about the story (empty line to quit).")
    while True:
        try:
            question = click.prompt("?", default="", show_default=False, prompt_suffix=" ")
        except (EOFError, click.Abort):
            break
        except UnicodeDecodeError:
            click.echo("error: that line is not valid UTF-8 text.", err=True)
            continue
        if not question.strip():
            break
        try:
            click.echo(format_text(conversation.ask("console", question)))
        except FactbotError as error:
            click.echo(f"error: {error}", err=True)


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


@cli.command()
@click.option("--length", type=click.Choice(LENGTHS), default="full", show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--since", metavar="DATE", help="Only what is new or changed since DATE.")
@click.option(
    "--annotated",
    is_flag=True,
    help="Show passage ids and maintainers' notes, for checking (not for posting).",
)
@pass_context
def summary(context: Context, length: str, fmt: str, since: str | None, annotated: bool) -> None:
    """Print a cited, neutral briefing of the story that moderators can post as it is.

    The short text and Markdown fit one Discord message; --annotated adds what only
    maintainers need (ids to look passages up, their own notes).
    """
    with user_errors():
        built = build_summary(context.engine().db, length=length, since=parse_since(since))
        click.echo(render(built, fmt, annotated=annotated))


# --- maintainers: sources, facts, aliases, history, export, backup, gaps ------------------------


def _open_base(context: Context) -> FactBase:
    """The live base for writing, built from knowledge/ first if there is none yet.

    The engine opened to build it is closed first, so the writer is the base's last connection
    and takes SQLite's -wal and -shm files with it when the command ends, whatever order the
    interpreter tears objects down in (a read-only connection closing last leaves them, and a
    later writer in a read-only folder would then find them and write).
    """
    context.engine().close()
    return FactBase(context.db_path)


def _edit_options(function: F) -> F:
    """--reason (required: the history says why) and --actor (who, default the OS user)."""
    function = click.option(
        "--actor", metavar="NAME", help="Name recorded in the history (default: your OS user name)."
    )(function)
    function = click.option(
        "--reason", required=True, help="Why: recorded in the history with the change."
    )(function)
    return click.option("--json", "as_json", is_flag=True, help="Print the change as JSON.")(function)


def _echo_change(change: Change, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(change.as_json(), ensure_ascii=False))
        return
    click.echo("\n".join(change.describe()))
    click.echo(f"Undo with: factbot revert {change.id} --reason '...'")


def _read_text_argument(value: str) -> str:
    """'-' reads stdin, so quotes full of quotation marks need no shell escaping."""
    if value != "-":
        return value
    try:
        return sys.stdin.buffer.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("The text on stdin is not valid UTF-8.") from None


@cli.group()
def source() -> None:
    """Add, list and show sources (articles)."""


source.add_command(add_article_command, "add")


@source.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def source_list(context: Context, as_json: bool) -> None:
    """List the stored sources."""
    with user_errors():
        views = list_source_views(_open_base(context), Actor.os_user())
    if as_json:
        click.echo(json.dumps([v.as_json() for v in views], ensure_ascii=False))
        return
    for view in views:
        meta = ", ".join(p for p in (view.source.outlet, view.source.title, view.source.published) if p)
        click.echo(f"{view.source.id}  {meta or '(no metadata)'}  [{view.active}/{view.passages} passages active, {view.facts} facts]")


@source.command("show")
@click.argument("source_id")
@click.option("--text", "with_text", is_flag=True, help="Print the full text too.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def source_show(context: Context, source_id: str, with_text: bool, as_json: bool) -> None:
    """Show one source: metadata, counts and, with --text, its text."""
    with user_errors():
        base, actor = _open_base(context), Actor.os_user()
        view = get_source_view(base, actor, source_id)
        text = source_text(base, actor, source_id) if with_text else None
    if as_json:
        click.echo(json.dumps({**view.as_json(), "text": text}, ensure_ascii=False))
        return
    for key, value in view.as_json().items():
        click.echo(f"{key}: {value if value is not None else ''}")
    if text is not None:
        click.echo(f"\n{text}")


@source.command("edit")
@click.argument("source_id")
@click.option("--outlet", help="Name of the outlet ('' to clear).")
@click.option("--title", help="Headline ('' to clear).")
@click.option("--url", help="Address of the article ('' to clear).")
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date ('' to clear).")
@click.option("--author", help="Byline ('' to clear).")
@click.option("--photo-credit", help="Photo credit ('' to clear).")
@_edit_options
@pass_context
def source_edit(
    context: Context,
    /,
    source_id: str,
    reason: str,
    actor: str | None,
    as_json: bool,
    **fields: str | None,
) -> None:
    """Fill in or correct SOURCE_ID's metadata; its text never changes. Undo with revert."""
    with user_errors():
        change = edit_source(
            _open_base(context), Actor.os_user(actor), source_id, SourcePatch(**fields), reason
        )
    _echo_change(change, as_json)


@cli.group()
def fact() -> None:
    """Add, correct, retire and restore facts; list, show and see their history."""


@fact.command("add")
@click.argument("quote")
@click.option("--source", "source_id", help="Source the quote is from (needed if several have it).")
@click.option("--id", "fact_id", help="Fact id (default: from the quote's first words).")
@click.option("--attribution", help="Who says it, e.g. \"Azerbaijan's Foreign Ministry\".")
@click.option("--entity", "entities", multiple=True, help="Entity id or name it is about (repeatable).")
@click.option("--alias", "aliases", multiple=True, metavar="ENTITY=SPELLING", help="Another spelling of an entity (repeatable).")
@click.option("--note", help="A note for maintainers.")
@_edit_options
@pass_context
def fact_add(
    context: Context,
    quote: str,
    source_id: str | None,
    fact_id: str | None,
    attribution: str | None,
    entities: tuple[str, ...],
    aliases: tuple[str, ...],
    note: str | None,
    reason: str,
    actor: str | None,
    as_json: bool,
) -> None:
    """Add QUOTE ('-' for stdin), which must be verbatim in a stored source."""
    with user_errors():
        pairs = tuple(_alias_pair(a) for a in aliases)
        draft = FactDraft(_read_text_argument(quote), source_id, fact_id, attribution, entities, pairs, note)
        change = add_fact(_open_base(context), Actor.os_user(actor), draft, reason)
    _echo_change(change, as_json)


def _alias_pair(value: str) -> tuple[str, str]:
    entity, sep, spelling = value.partition("=")
    if not sep or not entity.strip() or not spelling.strip():
        raise InputError(f"--alias takes ENTITY=SPELLING, not {value!r}.")
    return entity.strip(), spelling.strip()


@fact.command("edit")
@click.argument("passage_id")
@click.option("--quote", help="New quote ('-' for stdin), verbatim in the source.")
@click.option("--source", "source_id", help="Move the quote to another source.")
@click.option("--attribution", help="Who says it ('' for nobody).")
@click.option("--entity", "entities", multiple=True, help="Entities it is about (replaces the list).")
@click.option("--no-entities", is_flag=True, help="Clear the entity list.")
@click.option("--note", help="Note for maintainers ('' to clear).")
@_edit_options
@pass_context
def fact_edit(
    context: Context,
    passage_id: str,
    quote: str | None,
    source_id: str | None,
    attribution: str | None,
    entities: tuple[str, ...],
    no_entities: bool,
    note: str | None,
    reason: str,
    actor: str | None,
    as_json: bool,
) -> None:
    """Correct a fact (or a sentence's attribution, entities or note)."""
    with user_errors():
        patch = FactPatch(
            quote=_read_text_argument(quote) if quote is not None else None,
            source_id=source_id,
            attribution=attribution,
            entities=() if no_entities else (entities or None),
            note=note,
        )
        change = edit_fact(_open_base(context), Actor.os_user(actor), passage_id, patch, reason)
    _echo_change(change, as_json)


def _status_command(
    name: str,
    operation: Callable[..., Change],
    doc: str,
    notice: Callable[..., str | None] | None = None,
) -> None:
    """`fact retire` and `fact restore`: the same command around a different operation;
    `notice` says what else the change touched (retire: the sentences a fact quotes)."""

    @fact.command(name, help=doc)
    @click.argument("passage_id")
    @_edit_options
    @pass_context
    def command(context: Context, passage_id: str, reason: str, actor: str | None, as_json: bool) -> None:
        with user_errors():
            base, who = _open_base(context), Actor.os_user(actor)
            change = operation(base, who, passage_id, reason)
            told = notice(base, who, passage_id) if notice else None
        _echo_change(change, as_json)
        if told and not as_json:
            click.echo(told)


_status_command(
    "retire",
    retire,
    "Stop answering with a fact or sentence; it is kept and can be restored.",
    retire_notice,
)
_status_command("restore", restore, "Answer with a retired fact or sentence again.")


@fact.command("list")
@click.option("--all", "everything", is_flag=True, help="Include the sentences found in sources.")
@click.option("--status", type=click.Choice(["active", "retired"]))
@click.option("--source", "source_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def fact_list(context: Context, everything: bool, status: str | None, source_id: str | None, as_json: bool) -> None:
    """List curated facts (with --all, every passage)."""
    kinds = ("fact", "sentence") if everything else ("fact",)
    with user_errors():
        views = list_passages(_open_base(context), Actor.os_user(), kinds=kinds, status=status, source_id=source_id)
    if as_json:
        click.echo(json.dumps([v.as_json() for v in views], ensure_ascii=False))
        return
    for view in views:
        flag = "" if view.status == "active" else " [retired]"
        click.echo(f"{view.id}{flag}  “{_clip(view.text)}”")


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@fact.command("show")
@click.argument("passage_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def fact_show(context: Context, passage_id: str, as_json: bool) -> None:
    """Show one fact or sentence and its latest changes."""
    with user_errors():
        base, actor = _open_base(context), Actor.os_user()
        view = get_passage(base, actor, passage_id)
        changes = history(base, actor, passage_id, limit=5)
    if as_json:
        click.echo(json.dumps({**view.as_json(), "history": [c.as_json() for c in changes]}, ensure_ascii=False))
        return
    click.echo(f"{view.id} ({view.kind}, {view.status})")
    click.echo(f"  “{view.text}”")
    click.echo(f"  Source: {view.source.id} [{view.start}:{view.end}]")
    for label, value in (("Attribution", view.attribution), ("Entities", ", ".join(view.entities)), ("Note", view.note)):
        if value:
            click.echo(f"  {label}: {value}")
    for change in changes:
        click.echo(f"  {change.summary}")


@fact.command("history")
@click.argument("item_id", required=False)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def fact_history(context: Context, item_id: str | None, limit: int, as_json: bool) -> None:
    """Changes to ITEM_ID (a fact, passage, entity or source), or to everything; newest first."""
    with user_errors():
        base, actor = _open_base(context), Actor.os_user()
        if item_id is not None:
            require_known(base, actor, item_id)
        changes = history(base, actor, item_id, limit)
    if as_json:
        click.echo(json.dumps([c.as_json() for c in changes], ensure_ascii=False))
        return
    if not changes:
        click.echo("No changes yet.")
    for change in changes:
        click.echo("\n".join(change.describe()))


@cli.group()
def alias() -> None:
    """Other spellings of people, places and organisations."""


@alias.command("add")
@click.argument("entity")
@click.argument("spellings", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Add a spelling even if it already names another entity.")
@_edit_options
@pass_context
def alias_add(context: Context, entity: str, spellings: tuple[str, ...], force: bool, reason: str, actor: str | None, as_json: bool) -> None:
    """Teach ENTITY (id or name) other SPELLINGS readers use."""
    with user_errors():
        change = add_aliases(
            _open_base(context), Actor.os_user(actor), entity, spellings, reason, force=force
        )
    _echo_change(change, as_json)


@cli.command("revert")
@click.argument("change_id", type=int)
@_edit_options
@pass_context
def revert_command(context: Context, change_id: int, reason: str, actor: str | None, as_json: bool) -> None:
    """Undo change CHANGE_ID by making a new change (the history keeps both)."""
    with user_errors():
        change = revert(_open_base(context), Actor.os_user(actor), change_id, reason)
    _echo_change(change, as_json)


@cli.command("export")
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path), help="Folder (default: the knowledge folder).")
@click.option("--force", is_flag=True, help="Overwrite files changed since the last build or export.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def export_command(context: Context, directory: Path | None, force: bool, as_json: bool) -> None:
    """Write the live fact base back to knowledge/ files, for review in git."""
    with user_errors():
        report = export_knowledge(_open_base(context), directory or context.settings.knowledge_dir, force=force)
    if as_json:
        click.echo(json.dumps({"directory": str(report.directory), "written": [str(p) for p in report.written],
                               "unchanged": report.unchanged, "synced_change": report.synced_change}))
        return
    for path in report.written:
        click.echo(f"wrote {report.directory / path}")
    click.echo(f"Exported to {report.directory}: {len(report.written)} file(s) written, {report.unchanged} unchanged.")


@cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def backup_command(context: Context, path: Path, as_json: bool) -> None:
    """Copy the live fact base to PATH (a file or a folder) with SQLite's online backup."""
    with user_errors():
        report = backup_database(context.db_path, path)
    if as_json:
        click.echo(json.dumps({"path": str(report.path), "bytes": report.bytes, "pages": report.pages}))
        return
    click.echo(f"Backed up {context.db_path} to {report.path} ({report.bytes:,} bytes).")


@cli.command("gaps")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--all", "include_answered", is_flag=True, help="Include questions answered since.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def gaps_command(context: Context, limit: int, include_answered: bool, as_json: bool) -> None:
    """The questions asked most often that the sources do not answer, and beside them the
    answers people reported as wrong or unhelpful, most reported first."""
    with user_errors():
        engine = context.engine()
        base = _open_base(context)
        found = top_gaps(base, Actor.os_user(), limit, engine, include_answered)
        reported = top_reports(base, Actor.os_user(), limit)
    if as_json:
        items = [{"kind": "unanswered", **g.as_json()} for g in found]
        items += [{"kind": "reported", **r.as_json()} for r in reported]
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    if not found:
        click.echo("No unanswered questions recorded.")
    for gap in found:
        askers = f", {gap.askers} people" if gap.askers else ""
        now = " (answered now)" if gap.answered_now else ""
        click.echo(f"{gap.count:>5}x  {gap.label}{now}  [last {gap.last_at}{askers}]")
    if reported:
        click.echo("Reported as wrong or unhelpful:")
    for report in reported:
        people = f", {report.reporters} people" if report.reporters else ""
        quote = _short_quote(report.quote) if report.quote else "(passage gone)"
        click.echo(f"{report.count:>5}x  {report.label}  -> {report.passage_id}: “{quote}”")
        click.echo(f"       [last {report.last_at}{people}]")


def _short_quote(quote: str, limit: int = 100) -> str:
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


def main() -> None:
    cli(prog_name="factbot")
