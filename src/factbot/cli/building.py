"""The base as a file: `build` it from knowledge/, `ingest` articles into it, `export` it back
to knowledge/ files and `backup` it."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from factbot.cli.context import Context, open_base, pass_context, user_errors
from factbot.editing import Actor, add_articles
from factbot.errors import InputError
from factbot.files import FileRefused, read_at_most
from factbot.index.ingest import MAX_DOCUMENT_BYTES, ArticleMeta
from factbot.knowledge.export import export_knowledge
from factbot.knowledge.rebuild import rebuild
from factbot.store.backup import backup_database

F = TypeVar("F", bound=Callable[..., Any])


@click.command("build")
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


@click.command("export")
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path), help="Folder (default: the knowledge folder).")
@click.option("--force", is_flag=True, help="Overwrite files changed since the last build or export.")
@click.option("--json", "as_json", is_flag=True, help="Print the folder and the files written as JSON.")
@pass_context
def export_command(context: Context, directory: Path | None, force: bool, as_json: bool) -> None:
    """Write the live fact base back to knowledge/ files, for review in git."""
    with user_errors():
        report = export_knowledge(open_base(context), directory or context.settings.knowledge_dir, force=force)
    if as_json:
        click.echo(json.dumps({"directory": str(report.directory), "written": [str(p) for p in report.written],
                               "removed": [str(p) for p in report.removed],
                               "unchanged": report.unchanged, "synced_change": report.synced_change}))
        return
    for path in report.written:
        click.echo(f"wrote {report.directory / path}")
    for path in report.removed:
        click.echo(f"removed {report.directory / path} (its source was removed from the base)")
    removed = f", {len(report.removed)} removed" if report.removed else ""
    click.echo(f"Exported to {report.directory}: {len(report.written)} file(s) written{removed}, {report.unchanged} unchanged.")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the copy's path and size as JSON.")
@pass_context
def backup_command(context: Context, path: Path, as_json: bool) -> None:
    """Copy the live fact base to PATH (a file or a folder) with SQLite's online backup."""
    with user_errors():
        report = backup_database(context.db_path, path)
    if as_json:
        click.echo(json.dumps({"path": str(report.path), "bytes": report.bytes, "pages": report.pages}))
        return
    click.echo(f"Backed up {context.db_path} to {report.path} ({report.bytes:,} bytes).")
