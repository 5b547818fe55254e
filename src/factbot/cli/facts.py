"""`factbot fact`: add, correct, retire and restore facts; list, show and their history."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from factbot.cli.changes import CLEARS, dash_clears, echo_change, edit_options
from factbot.cli.context import Context, open_base, pass_context, user_errors
from factbot.editing import (
    Actor,
    Change,
    FactDraft,
    FactPatch,
    add_fact,
    edit_fact,
    get_passage,
    history,
    list_passages,
    require_known,
    restore,
    retire,
    retire_notice,
)
from factbot.errors import InputError


@click.group("fact")
def fact() -> None:
    """Add, correct, retire and restore facts; list and show them; the history of every change."""


@fact.command("add")
@click.argument("quote")
@click.option("--source", "source_id", help="Source the quote is from (needed if several have it).")
@click.option("--id", "fact_id", help="Fact id (default: from the quote's first words).")
@click.option("--attribution", help="Who says it, e.g. \"Azerbaijan's Foreign Ministry\".")
@click.option("--entity", "entities", multiple=True, help="Entity id or name it is about (repeatable).")
@click.option("--alias", "aliases", multiple=True, metavar="ENTITY=SPELLING", help="Another spelling of an entity (repeatable).")
@click.option("--note", help="A note for maintainers.")
@edit_options
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
        change = add_fact(open_base(context), Actor.os_user(actor), draft, reason)
    echo_change(change, as_json)


def _read_text_argument(value: str) -> str:
    """'-' reads stdin, so quotes full of quotation marks need no shell escaping."""
    if value != "-":
        return value
    try:
        return sys.stdin.buffer.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("The text on stdin is not valid UTF-8.") from None


def _alias_pair(value: str) -> tuple[str, str]:
    entity, sep, spelling = value.partition("=")
    if not sep or not entity.strip() or not spelling.strip():
        raise InputError(f"--alias takes ENTITY=SPELLING, not {value!r}.")
    return entity.strip(), spelling.strip()


@fact.command("edit")
@click.argument("passage_id")
@click.option("--quote", help="New quote ('-' for stdin), verbatim in the source.")
@click.option("--source", "source_id", help="Move the quote to another source.")
@click.option("--attribution", callback=dash_clears, help="Who says it ('-' or '' for nobody).")
@click.option("--entity", "entities", multiple=True, help="Entities it is about (replaces the list).")
@click.option("--no-entities", is_flag=True, help="Clear the entity list.")
@click.option("--note", callback=dash_clears, help=f"Note for maintainers ({CLEARS}).")
@edit_options
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
        change = edit_fact(open_base(context), Actor.os_user(actor), passage_id, patch, reason)
    echo_change(change, as_json)


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
    @edit_options
    @pass_context
    def command(context: Context, passage_id: str, reason: str, actor: str | None, as_json: bool) -> None:
        with user_errors():
            base, who = open_base(context), Actor.os_user(actor)
            change = operation(base, who, passage_id, reason)
            told = notice(base, who, passage_id) if notice else None
        echo_change(change, as_json)
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
@click.option("--status", type=click.Choice(["active", "retired"]), help="Only active or only retired ones.")
@click.option("--source", "source_id", help="Only those from this source id.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the facts.")
@pass_context
def fact_list(context: Context, everything: bool, status: str | None, source_id: str | None, as_json: bool) -> None:
    """List curated facts (with --all, every passage)."""
    kinds = ("fact", "sentence") if everything else ("fact",)
    with user_errors():
        views = list_passages(open_base(context), Actor.os_user(), kinds=kinds, status=status, source_id=source_id)
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
@click.option("--json", "as_json", is_flag=True, help="Print the fact and its latest changes as JSON.")
@pass_context
def fact_show(context: Context, passage_id: str, as_json: bool) -> None:
    """Show one fact or sentence and its latest changes."""
    with user_errors():
        base, actor = open_base(context), Actor.os_user()
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
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="How many changes to list.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the changes.")
@pass_context
def fact_history(context: Context, item_id: str | None, limit: int, as_json: bool) -> None:
    """The history of every change, to facts, sources and aliases alike, newest first.

    With ITEM_ID (a fact, passage, entity or source), only the changes to it.
    """
    with user_errors():
        base, actor = open_base(context), Actor.os_user()
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
