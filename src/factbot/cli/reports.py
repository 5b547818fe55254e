"""What the base tells moderators and maintainers: the `summary` to post, and the `gaps`
(questions not answered, answers reported)."""

from __future__ import annotations

import json

import click

from factbot.answering.gaps import top_gaps, top_reports
from factbot.briefing.render import FORMATS, render, render_posted
from factbot.briefing.summary import LENGTHS, build_summary, parse_since
from factbot.cli.context import Context, open_base, pass_context, user_errors
from factbot.editing import Actor


@click.command("summary")
@click.option(
    "--length",
    type=click.Choice(LENGTHS),
    default="full",
    show_default=True,
    help="short fits one Discord message; full says more.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Plain text, Markdown to paste in Discord, or one JSON object for tools.",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Only what is new since DATE: sources published on or after it (one with no date: first "
    "added to the base on or after it) and maintainers' changes since.",
)
@click.option(
    "--annotated",
    is_flag=True,
    help="Show passage ids, maintainers' notes and the metadata the sources leave out, for checking (not for posting).",
)
@pass_context
def summary(context: Context, length: str, fmt: str, since: str | None, annotated: bool) -> None:
    """Print a cited, neutral briefing of the story that moderators can post as it is.

    The short text and Markdown fit one Discord message. A longer one is printed as messages
    of at most 2,000 characters, each readable alone (title, part number, section headings),
    with a '--8<-- message 2 of 3 --8<--' line between them that is not part of any message.
    --annotated adds what only maintainers need (ids to look passages up, their own notes,
    what the sources leave out), for checking rather than posting.
    """
    with user_errors():
        built = build_summary(context.engine().db, length=length, since=parse_since(since))
        shown = render(built, fmt, annotated=True) if annotated else render_posted(built, fmt)
        click.echo(shown)


@click.command("gaps")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many of each to list.")
@click.option("--all", "include_answered", is_flag=True, help="Include questions answered since.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list: unanswered questions, then reported answers.")
@pass_context
def gaps_command(context: Context, limit: int, include_answered: bool, as_json: bool) -> None:
    """The questions asked most often that the sources do not answer, and beside them the
    answers people reported as wrong or unhelpful, most reported first."""
    with user_errors():
        engine = context.engine()
        base = open_base(context)
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
        if gap.closest:
            click.echo(f"       closest, unconfirmed: {gap.closest_passage_id}: “{gap.closest}”")
    if reported:
        click.echo("Reported as wrong or unhelpful:")
    for report in reported:
        people = f", {report.reporters} people" if report.reporters else ""
        quote = _short_quote(report.quote) if report.quote else "(passage gone)"
        click.echo(f"{report.count:>5}x  {report.label}  -> {report.passage_id}: “{quote}”")
        click.echo(f"       [last {report.last_at}{people}]")


def _short_quote(quote: str, limit: int = 100) -> str:
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"
