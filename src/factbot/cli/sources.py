"""`factbot source`: add, list, show, edit and remove the stored articles."""

from __future__ import annotations

import json

import click

from factbot.cli.building import add_article_command
from factbot.cli.changes import CLEARS, dash_clears, echo_change, edit_options
from factbot.cli.context import Context, open_base, pass_context, user_errors
from factbot.editing import (
    Actor,
    SourcePatch,
    edit_source,
    get_source_view,
    list_source_views,
    remove_source,
    source_text,
)


@click.group("source")
def source() -> None:
    """Add, list, show, edit and remove sources (articles)."""


source.add_command(add_article_command, "add")


@source.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the sources.")
@pass_context
def source_list(context: Context, as_json: bool) -> None:
    """List the stored sources."""
    with user_errors():
        views = list_source_views(open_base(context), Actor.os_user())
    if as_json:
        click.echo(json.dumps([v.as_json() for v in views], ensure_ascii=False))
        return
    for view in views:
        meta = ", ".join(p for p in (view.source.outlet, view.source.title, view.source.published) if p)
        click.echo(f"{view.source.id}  {meta or '(no metadata)'}  [{view.active}/{view.passages} passages active, {view.facts} facts]")


@source.command("show")
@click.argument("source_id")
@click.option("--text", "with_text", is_flag=True, help="Print the full text too.")
@click.option("--json", "as_json", is_flag=True, help="Print the source as one JSON object.")
@pass_context
def source_show(context: Context, source_id: str, with_text: bool, as_json: bool) -> None:
    """Show one source: metadata, counts and, with --text, its text."""
    with user_errors():
        base, actor = open_base(context), Actor.os_user()
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
@click.option("--outlet", callback=dash_clears, help=f"Name of the outlet ({CLEARS}).")
@click.option("--title", callback=dash_clears, help=f"Headline ({CLEARS}).")
@click.option("--url", callback=dash_clears, help=f"Address of the article ({CLEARS}).")
@click.option("--published", callback=dash_clears, metavar="YYYY-MM-DD", help=f"Publication date ({CLEARS}).")
@click.option("--author", callback=dash_clears, help=f"Byline ({CLEARS}).")
@click.option("--photo-credit", callback=dash_clears, help=f"Photo credit ({CLEARS}).")
@edit_options
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
            open_base(context), Actor.os_user(actor), source_id, SourcePatch(**fields), reason
        )
    echo_change(change, as_json)


@source.command("remove")
@click.argument("source_id")
@edit_options
@pass_context
def source_remove(context: Context, source_id: str, reason: str, actor: str | None, as_json: bool) -> None:
    """Take SOURCE_ID and its passages out of the base (refused while active facts quote it).

    The history keeps all of it; revert puts it back.
    """
    with user_errors():
        change = remove_source(open_base(context), Actor.os_user(actor), source_id, reason)
    echo_change(change, as_json)
