"""/ask, buttons, mentions and DMs, through the real discord.py client and the loopback fake.

Expected quotes come from the same `AnswerEngine` the bot uses, so these tests pin what the
Discord front end does with an answer, not which passage the matcher prefers.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from discord.utils import escape_markdown
from fakes import CapturedRequest, FakeDiscord, start_bot

from bot import render
from bot.errors import DATABASE_FAILURE, GENERIC_FAILURE
from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import Answer
from factbot.errors import DatabaseError
from factbot.settings import Settings

ANSWERABLE = "Who is Aykhan Hajizada?"
UNANSWERABLE = "What is the capital of France?"
FOLLOW_UP = "Who is Rahman Mustafayev?"
EPHEMERAL = 1 << 6
NO_PINGS = {"parse": []}
NO_PINGS_IN_REPLY = {"parse": [], "replied_user": False}


class RecordingEngine(AnswerEngine):
    """The real engine, remembering what it was asked (to prove a message was ignored)."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.asked: list[str] = []

    def ask(self, question: str) -> Answer:
        self.asked.append(question)
        return super().ask(question)


class FixedFollowUpEngine(AnswerEngine):
    """The real engine, always offering one known follow-up question after an answer."""

    def related_questions(self, answer: Answer, limit: int = 2) -> tuple[str, ...]:
        return (FOLLOW_UP,)


class FailingEngine(AnswerEngine):
    """An engine that raises `error` for every question."""

    def __init__(self, db_path: Path, error: Exception) -> None:
        super().__init__(db_path)
        self.error = error

    def ask(self, question: str) -> Answer:
        raise self.error


class GatedEngine(AnswerEngine):
    """Questions containing "slow" wait for `gate`, like a query stuck on a locked database."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.gate = threading.Event()

    def ask(self, question: str) -> Answer:
        if "slow" in question:
            self.gate.wait(timeout=10)
        return super().ask(question)


@pytest.fixture
def engine(shared_db: Path) -> AnswerEngine:
    return AnswerEngine(shared_db)


def embed(reply: CapturedRequest) -> dict[str, Any]:
    embeds = reply.message.get("embeds") or []
    assert len(embeds) == 1, reply.json
    return dict(embeds[0])


def buttons(reply: CapturedRequest) -> list[dict[str, Any]]:
    return [button for row in reply.message.get("components") or [] for button in row["components"]]


def field(embed_json: dict[str, Any], name: str) -> str:
    return next(str(f["value"]) for f in embed_json.get("fields", []) if f["name"] == name)


async def test_ask_replies_publicly_with_quote_attribution_source_and_confidence(
    fake_discord: FakeDiscord, discord_bot: Any, engine: AnswerEngine
) -> None:
    expected = engine.ask(ANSWERABLE)
    assert expected.answered and expected.quote and expected.attribution

    reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": ANSWERABLE}))

    assert reply.json["type"] == 4
    assert reply.flags & EPHEMERAL == 0
    assert reply.message["allowed_mentions"] == NO_PINGS
    shown = embed(reply)
    assert shown["title"] == ANSWERABLE
    assert shown["description"].startswith("> ")
    assert escape_markdown(expected.quote) in shown["description"]
    assert shown["description"].endswith(f"— {expected.attribution}")
    assert "TRT" in field(shown, "Source")
    assert field(shown, "Confidence") == expected.confidence_words.capitalize()


async def test_unanswerable_question_says_the_sources_dont_and_offers_suggestions(
    fake_discord: FakeDiscord, discord_bot: Any, engine: AnswerEngine
) -> None:
    expected = engine.ask(UNANSWERABLE)
    assert not expected.answered and expected.suggestions

    reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": UNANSWERABLE}))

    shown = embed(reply)
    assert "don't say" in shown["description"]
    assert "fields" not in shown or not any(f["name"] == "Source" for f in shown["fields"])
    assert [b["label"] for b in buttons(reply)] == list(
        render.button_questions(expected.suggestions)
    )
    assert all(b["custom_id"] == render.ASK_CUSTOM_ID_PREFIX + b["label"] for b in buttons(reply))


async def test_related_question_button_asks_that_question(
    fake_discord: FakeDiscord, bot_settings: Settings, engine: AnswerEngine
) -> None:
    follow_ups = FixedFollowUpEngine(bot_settings.db_path)
    async with start_bot(fake_discord, bot_settings, engine=follow_ups):
        first = await fake_discord.reply(await fake_discord.slash("ask", {"question": ANSWERABLE}))
        [button, report] = buttons(first)
        assert button["label"] == FOLLOW_UP
        assert report["label"] == render.REPORT_LABEL

        clicker = fake_discord.make_user("curious")
        message = fake_discord.stored_message(first)
        second = await fake_discord.reply(
            await fake_discord.click(message, button["custom_id"], user=clicker)
        )

    assert second.json["type"] == 4
    assert second.message["allowed_mentions"] == NO_PINGS
    assert embed(second)["title"] == FOLLOW_UP
    assert escape_markdown(engine.ask(FOLLOW_UP).quote or "") in embed(second)["description"]


async def test_buttons_keep_working_after_a_restart(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    async with start_bot(fake_discord, bot_settings) as bot:
        first = await fake_discord.reply(
            await fake_discord.slash("ask", {"question": UNANSWERABLE})
        )
    assert bot.is_closed()
    message = fake_discord.stored_message(first)
    button = buttons(first)[0]

    async with start_bot(fake_discord, bot_settings):
        second = await fake_discord.reply(await fake_discord.click(message, button["custom_id"]))

    assert embed(second)["title"] == button["label"]


async def test_mention_in_a_channel_is_answered_in_a_reply_that_pings_nobody(
    fake_discord: FakeDiscord, discord_bot: Any, engine: AnswerEngine
) -> None:
    message = await fake_discord.post_message(ANSWERABLE, mention_bot=True)

    reply = await fake_discord.channel_reply(message)

    assert reply.json["allowed_mentions"] == NO_PINGS_IN_REPLY
    shown = embed(reply)
    assert shown["title"] == ANSWERABLE
    assert escape_markdown(engine.ask(ANSWERABLE).quote or "") in shown["description"]


async def test_direct_message_is_answered(fake_discord: FakeDiscord, discord_bot: Any) -> None:
    message = await fake_discord.post_message(UNANSWERABLE, dm=True)

    reply = await fake_discord.channel_reply(message)

    assert reply.path == f"/channels/{fake_discord.dm_channel_id(fake_discord.user)}/messages"
    assert reply.json["allowed_mentions"] == NO_PINGS_IN_REPLY
    assert "don't say" in embed(reply)["description"]


async def test_everyone_role_and_user_mentions_inside_a_question_ping_nobody(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    other = fake_discord.make_user("bystander")
    question = f"@everyone @here <@&{fake_discord.bot_role_id}> <@{other['id']}> {ANSWERABLE}"

    slash = await fake_discord.reply(await fake_discord.slash("ask", {"question": question}))
    message = await fake_discord.post_message(
        question, mention_bot=True, mentions=[other], mention_everyone=True
    )
    mention = await fake_discord.channel_reply(message)

    assert slash.message["allowed_mentions"] == NO_PINGS
    assert mention.json["allowed_mentions"] == NO_PINGS_IN_REPLY
    for reply in (slash, mention):
        title = embed(reply)["title"]
        assert "@\u200beveryone" in title and "@\u200bhere" in title
        assert f"<@\u200b{other['id']}>" in title
        assert "@everyone" not in title


async def test_everyone_without_mentioning_the_bot_is_ignored(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    engine = RecordingEngine(bot_settings.db_path)
    async with start_bot(fake_discord, bot_settings, engine=engine):
        await fake_discord.post_message("@everyone who is Safarov?", mention_everyone=True)
        await fake_discord.post_message("who is Safarov?")
        probe = await fake_discord.post_message(ANSWERABLE, dm=True)
        await fake_discord.channel_reply(probe)

    assert engine.asked == [ANSWERABLE]


async def test_markdown_in_a_question_is_echoed_literally(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    question = "**Who** is `Aykhan` _Hajizada_?"

    reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": question}))

    assert embed(reply)["title"] == r"\*\*Who\*\* is \`Aykhan\` \_Hajizada\_?"


async def test_blank_mention_gets_a_short_hint_not_an_error(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    message = await fake_discord.post_message("", mention_bot=True)

    reply = await fake_discord.channel_reply(message)

    assert reply.json["content"] == "Please ask a question: it was empty."
    assert reply.json["allowed_mentions"] == NO_PINGS_IN_REPLY


async def test_cooldown_answers_with_a_friendly_wait_shared_by_every_way_of_asking(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    settings = replace(bot_settings, ask_cooldown_rate=2, ask_cooldown_seconds=60.0)
    engine = RecordingEngine(settings.db_path)
    writer = fake_discord.make_user("writer")
    async with start_bot(fake_discord, settings, engine=engine):
        for _ in range(2):
            await fake_discord.reply(await fake_discord.slash("ask", {"question": ANSWERABLE}))
        refused = await fake_discord.reply(
            await fake_discord.slash("ask", {"question": ANSWERABLE})
        )
        await fake_discord.post_message(ANSWERABLE, mention_bot=True)
        for _ in range(2):
            answered = await fake_discord.post_message(ANSWERABLE, mention_bot=True, author=writer)
            await fake_discord.channel_reply(answered)
        third = await fake_discord.post_message(ANSWERABLE, mention_bot=True, author=writer)
        warned = await fake_discord.channel_reply(third)
        await fake_discord.post_message(ANSWERABLE, mention_bot=True, author=writer)
        probe = await fake_discord.post_message(
            ANSWERABLE, dm=True, author=fake_discord.make_user("probe")
        )
        await fake_discord.channel_reply(probe)

    assert refused.flags & EPHEMERAL
    assert refused.message["content"].startswith("You're asking quickly. Please wait ")
    assert refused.message["content"].endswith(" seconds before your next question.")
    assert not refused.message.get("embeds")
    assert warned.json["content"].startswith("You're asking quickly. Please wait ")
    assert len(engine.asked) == 5, "refused questions must not reach the engine"
    warnings = [r for r in fake_discord.requests if "asking quickly" in str(r.json)]
    assert len(warnings) == 2, "a user is told to wait once per window, then ignored"


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (RuntimeError("sqlite said something internal"), GENERIC_FAILURE),
        (DatabaseError("The fact base at /srv/factbot.db became unreadable"), DATABASE_FAILURE),
    ],
)
async def test_exception_in_a_handler_is_a_short_private_reply_and_a_logged_traceback(
    fake_discord: FakeDiscord,
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    shown: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = FailingEngine(bot_settings.db_path, error)
    async with start_bot(fake_discord, bot_settings, engine=engine):
        sent = await fake_discord.slash("ask", {"question": ANSWERABLE})
        slash = await fake_discord.reply(sent)
        message = await fake_discord.post_message(ANSWERABLE, mention_bot=True)
        mention = await fake_discord.channel_reply(message)

    assert slash.flags & EPHEMERAL
    assert slash.message["content"] == shown
    assert slash.message["allowed_mentions"] == NO_PINGS
    assert mention.json["content"] == shown
    assert str(error) not in str(slash.json) + str(mention.json)
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1] is error]
    assert len(logged) == 2
    assert any(f"interaction={sent.id}" in r.getMessage() for r in logged)
    assert FakeDiscord.TOKEN not in caplog.text


async def test_exception_in_a_button_is_a_private_reply(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    async with start_bot(fake_discord, bot_settings):
        first = await fake_discord.reply(
            await fake_discord.slash("ask", {"question": UNANSWERABLE})
        )
    message = fake_discord.stored_message(first)
    engine = FailingEngine(bot_settings.db_path, RuntimeError("boom"))
    async with start_bot(fake_discord, bot_settings, engine=engine):
        click = await fake_discord.reply(
            await fake_discord.click(message, buttons(first)[0]["custom_id"])
        )

    assert click.flags & EPHEMERAL
    assert click.message["content"] == GENERIC_FAILURE


async def test_slow_question_is_deferred_and_does_not_stall_the_others(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    engine = GatedEngine(bot_settings.db_path)
    async with start_bot(fake_discord, bot_settings, engine=engine) as bot:
        cog = bot.get_cog("Ask")  # not isinstance: load_extension imports a fresh module
        assert cog is not None
        cog.defer_after = 0.5
        slow = await fake_discord.slash("ask", {"question": f"slow {ANSWERABLE}"})
        deferred = await fake_discord.callback(slow)
        fast = await fake_discord.reply(await fake_discord.slash("ask", {"question": ANSWERABLE}))
        engine.gate.set()
        late = await fake_discord.reply(slow)

    assert deferred.json["type"] == 5
    assert fast.json["type"] == 4 and fast.at < late.at
    assert late.path == f"/webhooks/{fake_discord.app_id}/{slow.token}"
    assert late.json["allowed_mentions"] == NO_PINGS
    assert embed(late)["title"] == f"slow {ANSWERABLE}"


async def test_channels_setting_limits_where_the_bot_answers(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    settings = replace(bot_settings, channel_ids=frozenset({fake_discord.channel_id}))
    engine = RecordingEngine(settings.db_path)
    async with start_bot(fake_discord, settings, engine=engine):
        elsewhere = await fake_discord.reply(
            await fake_discord.slash(
                "ask", {"question": ANSWERABLE}, channel_id=fake_discord.other_channel_id
            )
        )
        in_thread = await fake_discord.reply(
            await fake_discord.slash(
                "ask", {"question": ANSWERABLE}, channel_id=fake_discord.thread_id
            )
        )
        await fake_discord.post_message(
            UNANSWERABLE, mention_bot=True, channel_id=fake_discord.other_channel_id
        )
        probe = await fake_discord.post_message(ANSWERABLE, mention_bot=True)
        await fake_discord.channel_reply(probe)

    assert elsewhere.flags & EPHEMERAL
    assert (
        elsewhere.message["content"]
        == f"I only answer in <#{fake_discord.channel_id}> and in direct messages."
    )
    assert embed(in_thread)["title"] == ANSWERABLE
    assert engine.asked == [ANSWERABLE, ANSWERABLE], "the mention in #off-topic must be ignored"


async def test_long_answers_stay_within_discords_limits(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    class Verbose(AnswerEngine):
        def ask(self, question: str) -> Answer:
            real = super().ask(ANSWERABLE)
            return replace(real, quote="word " * 3000, attribution="A" * 3000, question=question)

    async with start_bot(fake_discord, bot_settings, engine=Verbose(bot_settings.db_path)):
        reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": "Q" * 1000}))

    shown = embed(reply)
    assert len(shown["title"]) <= render.TITLE_LIMIT
    assert len(shown["description"]) <= render.DESCRIPTION_LIMIT
    assert all(len(f["value"]) <= render.FIELD_VALUE_LIMIT for f in shown.get("fields", []))
    total = len(shown["title"]) + len(shown["description"]) + len(shown["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in shown.get("fields", []))
    assert total <= render.EMBED_LIMIT


async def test_sources_and_about_reply_privately(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    sources = await fake_discord.reply(await fake_discord.slash("sources"))
    about = await fake_discord.reply(await fake_discord.slash("about"))

    for reply in (sources, about):
        assert reply.flags & EPHEMERAL
        assert reply.message["allowed_mentions"] == NO_PINGS
    assert "TRT" in embed(sources)["description"]
    assert "verbatim quotes" in embed(about)["description"]
    assert "Try asking" in [f["name"] for f in embed(about)["fields"]]


async def test_slash_commands_need_no_privileged_intent(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    await fake_discord.reply(await fake_discord.slash("ask", {"question": ANSWERABLE}))

    [identify] = fake_discord.identifies
    assert identify["intents"] & (1 << 15) == 0, "message_content must stay off by default"
    assert identify["intents"] & (1 << 1) == 0, "members is privileged and not needed"


async def test_many_concurrent_questions_each_get_exactly_one_reply(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    users = [fake_discord.make_user(f"reader{i}") for i in range(30)]
    sent = await asyncio.gather(
        *(fake_discord.slash("ask", {"question": ANSWERABLE}, user=user) for user in users)
    )

    replies = await asyncio.gather(*(fake_discord.reply(s) for s in sent))

    assert all(r.json["type"] == 4 for r in replies)
    callbacks = [r for r in fake_discord.requests if r.path.endswith("/callback")]
    assert len(callbacks) == len(users) and not fake_discord.rejected
    assert not discord_bot._connection._view_store._views, "buttons must not be kept per message"


async def test_mentioning_the_bots_role_counts_only_with_the_message_content_intent(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    role_mention = f"<@&{fake_discord.bot_role_id}> {ANSWERABLE}"
    without = RecordingEngine(bot_settings.db_path)
    async with start_bot(fake_discord, bot_settings, engine=without):
        await fake_discord.post_message(role_mention, mention_roles=[fake_discord.bot_role_id])
        probe = await fake_discord.post_message(UNANSWERABLE, dm=True)
        await fake_discord.channel_reply(probe)

    with_intent = replace(bot_settings, message_content_intent=True)
    async with start_bot(fake_discord, with_intent):
        message = await fake_discord.post_message(
            role_mention, mention_roles=[fake_discord.bot_role_id]
        )
        reply = await fake_discord.channel_reply(message)

    assert without.asked == [UNANSWERABLE]
    assert embed(reply)["title"] == ANSWERABLE
