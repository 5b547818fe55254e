"""Asking: `ask` (one question, or a stream of them) and `chat` (interactive, with follow-ups)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from factbot.answering.answers import AnswerEngine
from factbot.answering.conversation import ConversationMemory, Conversations, respond
from factbot.answering.gaps import GapPolicy, GapRecorder
from factbot.answering.replies import format_text, unanswerable_json
from factbot.cli.context import Context, pass_context, user_errors
from factbot.errors import FactbotError, InputError
from factbot.language.text import not_unicode


@click.command("ask")
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


@click.command("chat")
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
