"""Follow-ups: "who are they?", "when did that happen?", "why?", "tell me more", and "what's going
on", in `factbot chat` (a real process) and on Discord (the real client on the loopback fake),
where one conversation is one person in one channel, thread or DM."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from discord.utils import escape_markdown
from fakes import CapturedRequest, FakeDiscord, start_bot

from factbot.answering.answers import AnswerEngine
from factbot.answering.conversation import ConversationMemory, Conversations
from factbot.settings import Settings

HEAD = "Who is the head of Sputnik Azerbaijan?"
DIED = "who died in custody in Yekaterinburg?"
SAFAROV_BROTHERS = "Huseyn and Ziyaddin Safarov"
KARTAVYKH = "Igor Kartavykh"
SILENT = "My sources don't say"
WHO_DO_YOU_MEAN = "Who do you mean?"


def chat(db: Path, *lines: str) -> list[str]:
    """`factbot chat` fed `lines`; what it printed for each, in order."""
    result = subprocess.run(
        [sys.executable, "-m", "factbot", "--db", str(db), "chat"],
        input="\n".join(lines) + "\n\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FACTBOT_LOG_LEVEL": "WARNING"},
    )
    assert result.returncode == 0, result.stderr
    replies = re.split(r"(?m)^\? ", result.stdout)[1:]
    assert len(replies) == len(lines) + 1, result.stdout
    return replies[: len(lines)]


@pytest.mark.slow
def test_chat_resolves_they_against_the_people_the_last_answer_named(shared_db: Path) -> None:
    first, follow_up = chat(shared_db, HEAD, "who are they?")

    assert KARTAVYKH in first
    assert SILENT not in follow_up
    assert f"Taken as: who are {KARTAVYKH} and Yevgeny Belousov?" in follow_up
    assert "editor-in-chief, Yevgeny Belousov" in follow_up


@pytest.mark.slow
def test_chat_who_are_they_after_an_answer_naming_no_one_finds_who_they_are(
    shared_db: Path,
) -> None:
    first, follow_up = chat(shared_db, DIED, "who are they?")

    quote = next(line for line in first.splitlines() if line.strip().startswith("“"))
    # The quote names no one (the people come with it as a related quote, and "who are they?"
    # is still read as asking about them).
    assert "two Azerbaijani nationals" in quote and SAFAROV_BROTHERS not in quote
    assert SAFAROV_BROTHERS in follow_up


@pytest.mark.slow
def test_chat_when_did_that_happen_asks_when_of_the_last_question(shared_db: Path) -> None:
    _, follow_up = chat(shared_db, "Where was the raid?", "when did that happen?")

    assert SILENT not in follow_up
    assert "on Friday" in follow_up
    assert "Taken as: When — Where was the raid?" in follow_up


@pytest.mark.slow
def test_chat_tell_me_more_shows_what_was_not_shown_yet(shared_db: Path) -> None:
    first, more, again = chat(shared_db, HEAD, "tell me more", "tell me more")

    def quotes(reply: str) -> set[str]:
        return {
            line.strip() for line in reply.splitlines() if line.strip().startswith(("“", "Related"))
        }

    assert SILENT not in more and SILENT not in again
    assert quotes(more) and not quotes(more) & quotes(first)
    assert quotes(again) and not quotes(again) & (quotes(first) | quotes(more))


@pytest.mark.slow
def test_chat_why_after_a_question_is_read_as_why_about_it(shared_db: Path) -> None:
    _, why = chat(shared_db, "What did Azerbaijan's foreign ministry protest?", "why?")

    assert "Taken as: Why — What did Azerbaijan's foreign ministry protest?" in why or SILENT in why
    assert WHO_DO_YOU_MEAN not in why


@pytest.mark.slow
def test_a_reference_with_nothing_to_refer_to_asks_who_is_meant(shared_db: Path) -> None:
    [reply] = chat(shared_db, "who are they?")

    assert reply.startswith(WHO_DO_YOU_MEAN)
    assert SILENT not in reply


@pytest.mark.slow
def test_he_with_two_people_in_the_last_answer_asks_which_one(shared_db: Path) -> None:
    _, reply = chat(shared_db, HEAD, "what did he say?")

    assert reply.startswith(WHO_DO_YOU_MEAN)
    assert f"Who is {KARTAVYKH}?" in reply and "Who is Yevgeny Belousov?" in reply


@pytest.mark.slow
def test_whats_going_on_and_summarize_the_story_get_the_lead(shared_db: Path) -> None:
    engine = AnswerEngine(shared_db)
    lead = engine.lead("what's going on")
    going_on, summarize = chat(shared_db, "what's going on", "summarize the story")

    assert lead.answered and lead.quote
    assert lead.quote.startswith("Azerbaijan and Russia have exchanged formal diplomatic protests")
    assert lead.quote in going_on and lead.quote in summarize
    assert "People hold portraits" not in going_on  # the photo caption is not the lead


def test_context_is_forgotten_after_a_few_minutes(shared_db: Path) -> None:
    now = [0.0]
    conversations = Conversations(
        AnswerEngine(shared_db), ConversationMemory(ttl=300, clock=lambda: now[0])
    )
    conversations.ask("me", HEAD)
    now[0] = 301.0

    late = conversations.ask("me", "who are they?")

    assert late.clarification and not late.answered


@pytest.mark.slow
def test_chat_does_not_resolve_a_follow_up_outside_the_window_set_in_the_environment(
    shared_db: Path,
) -> None:
    window = 1.0
    console = subprocess.Popen(
        [sys.executable, "-m", "factbot", "--db", str(shared_db), "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "FACTBOT_LOG_LEVEL": "WARNING",
            "FACTBOT_FOLLOW_UP_SECONDS": str(window),
            "PYTHONUNBUFFERED": "1",
        },
    )
    assert console.stdin is not None and console.stdout is not None
    try:
        console.stdin.write(HEAD + "\n")
        console.stdin.flush()
        first = ""
        while KARTAVYKH not in first:
            line = console.stdout.readline()
            assert line, "chat ended before answering the first question"
            first += line
        time.sleep(window + 0.5)
        late, errors = console.communicate("who are they?\n\n", timeout=120)
    finally:
        console.kill()
        console.wait()
    assert console.returncode == 0, errors
    assert WHO_DO_YOU_MEAN in late
    assert "Taken as" not in late


async def test_discord_does_not_resolve_a_follow_up_outside_the_configured_window(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    window = 1.0
    async with start_bot(fake_discord, replace(bot_settings, follow_up_seconds=window)):
        first = await ask(fake_discord, HEAD)
        await asyncio.sleep(window + 0.5)
        late = await ask(fake_discord, "who are they?")

    assert escape_markdown(KARTAVYKH) in first["description"]
    assert late["description"].startswith(WHO_DO_YOU_MEAN)
    assert "Taken as" not in late.get("footer", {}).get("text", "")


def test_a_question_with_words_of_its_own_is_not_read_as_a_follow_up(shared_db: Path) -> None:
    conversations = Conversations(AnswerEngine(shared_db))
    conversations.ask("me", HEAD)

    standalone = conversations.ask("me", "What was it like at the raid in Yekaterinburg?")

    assert standalone.understood_as is None


def embed(reply: CapturedRequest) -> dict[str, Any]:
    [shown] = reply.message["embeds"]
    return dict(shown)


async def ask(fake: FakeDiscord, question: str, **where: Any) -> dict[str, Any]:
    return embed(await fake.reply(await fake.slash("ask", {"question": question}, **where)))


async def test_discord_follow_up_is_read_per_person_and_channel(
    fake_discord: FakeDiscord, discord_bot: Any, shared_db: Path
) -> None:
    other = fake_discord.make_user("someone-else")
    await ask(fake_discord, HEAD)

    same_person = await ask(fake_discord, "who are they?")
    other_person = await ask(fake_discord, "who are they?", user=other)
    other_channel = await ask(fake_discord, "who are they?", dm=True)

    assert escape_markdown(KARTAVYKH) in same_person["description"]
    assert f"Taken as: who are {KARTAVYKH} and Yevgeny Belousov?" in same_person["footer"]["text"]
    assert other_person["description"].startswith(WHO_DO_YOU_MEAN)
    assert other_channel["description"].startswith(WHO_DO_YOU_MEAN)


async def test_discord_mentions_in_a_thread_keep_their_own_conversation(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    first = await fake_discord.post_message(
        DIED, mention_bot=True, channel_id=fake_discord.thread_id
    )
    await fake_discord.channel_reply(first)
    follow_up = await fake_discord.post_message(
        "who are they?", mention_bot=True, channel_id=fake_discord.thread_id
    )

    reply = embed(await fake_discord.channel_reply(follow_up))

    assert SAFAROV_BROTHERS in reply["description"]
