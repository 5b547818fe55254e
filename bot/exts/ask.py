"""Questions: `/ask`, @mentions in channels, DMs, and the follow-up buttons under answers.

All four paths share one flow: per-user cooldown, `AnswerEngine.ask` in the DB thread pool,
`render.render_answer`, one reply with `allowed_mentions` none. Follow-up buttons carry their
question in the custom id (`factbot:ask:<question>`) and are registered as a dynamic item, so
they keep working after a restart and cost no memory per message.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from factbot.answering.answers import AnswerEngine
from factbot.answering.conversation import ConversationMemory, Conversations, respond
from factbot.answering.gaps import GapPolicy, GapRecorder
from factbot.answering.replies import Answer

from .. import render
from ..app import FactBot
from ..checks import UserCooldown, channel_allowed, in_allowed_channels
from ..errors import report_interaction_error, report_message_error

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 2.0
MAX_QUESTION_LENGTH = 1000
REPORTS_PER_MINUTE = 5
NO_MENTIONS = discord.AllowedMentions.none()


ConversationKey = tuple[int, int | None]


def answer_question(
    engine: AnswerEngine,
    question: str,
    gaps: GapRecorder | None = None,
    user_id: int | None = None,
    conversations: Conversations | None = None,
    channel_id: int | None = None,
) -> tuple[Answer, tuple[str, ...]]:
    """The answer and the questions to offer next; runs in a worker thread.

    Answered: follow-ups from the related passages. Abstained: the engine's suggestions,
    which it has already checked it can answer, and the question counted for `/gaps`. With
    `conversations`, the question is read as a follow-up of the same person's last question in
    the same channel, thread or DM (`channel_id`): that pair is one conversation.
    """
    if conversations is not None and user_id is not None:
        key: ConversationKey = (user_id, channel_id)
        answer = conversations.ask(key, question)
    else:
        answer = respond(engine, question, None)[0]
    if gaps is not None:
        gaps.record(answer, str(user_id) if user_id is not None else None)
    follow_ups = engine.related_questions(answer) if answer.answered else answer.suggestions
    return answer, follow_ups


class AskButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.compile(re.escape(render.ASK_CUSTOM_ID_PREFIX) + r"(?P<question>.+)", re.DOTALL),
):
    """A button that asks its question; it lives only in the custom id, never in memory."""

    def __init__(self, question: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=render.button_label(question),
                custom_id=render.ask_custom_id(question),
                style=discord.ButtonStyle.secondary,
            )
        )
        self.question = question

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AskButton:
        return cls(match["question"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _in_ask_cog(
            interaction, lambda cog: cog.answer_interaction(interaction, self.question, via="button")
        )


class ReportButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.compile(re.escape(render.REPORT_CUSTOM_ID_PREFIX) + r"(?P<passage>.+)", re.DOTALL),
):
    """"Wrong or unhelpful?" under an answer: counts the question and the passage for `/gaps`.

    Public on purpose, like the answer it sits under: anyone who read the answer may report
    it. It changes no answer, only a count maintainers read, and it has its own per-user
    cooldown so one person cannot flood the list.
    """

    def __init__(self, passage_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=render.REPORT_LABEL,
                custom_id=render.report_custom_id(passage_id),
                style=discord.ButtonStyle.danger,
            )
        )
        self.passage_id = passage_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReportButton:
        return cls(match["passage"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _in_ask_cog(interaction, lambda cog: cog.report_answer(interaction, self.passage_id))


async def _in_ask_cog(
    interaction: discord.Interaction[Any], action: Callable[[Ask], Awaitable[None]]
) -> None:
    """Run a button's `action` on the loaded Ask cog; buttons outlive a cog reload, so a
    missing cog is ignored, and an error is reported to the person who pressed."""
    cog = interaction.client.get_cog(Ask.__cog_name__)
    if not isinstance(cog, Ask):
        return
    try:
        await action(cog)
    except Exception as error:
        await report_interaction_error(interaction, error)


def follow_up_view(questions: tuple[str, ...], report: str | None = None) -> discord.ui.View:
    """Buttons for `questions` and, under an answer, "Wrong or unhelpful?" for its passage;
    timeout None because the dynamic items, not the view, dispatch."""
    view = discord.ui.View(timeout=None)
    for question in questions:
        view.add_item(AskButton(question))
    if report is not None:
        view.add_item(ReportButton(report))
    return view


class Ask(commands.Cog):
    """Answers questions wherever they are asked, with the same cooldown for every path."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.cooldown = UserCooldown(
            bot.settings.ask_cooldown_rate, bot.settings.ask_cooldown_seconds
        )
        self.defer_after = DEFER_AFTER_SECONDS
        self.gaps = GapRecorder(bot.engine.db_path, GapPolicy.from_settings(bot.settings))
        self.conversations = Conversations(
            bot.engine, ConversationMemory(ttl=bot.settings.follow_up_seconds)
        )
        self.report_cooldown = UserCooldown(REPORTS_PER_MINUTE, 60.0)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AskButton, ReportButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AskButton, ReportButton)
        self.gaps.close()

    @app_commands.command(
        name="ask",
        description="Ask about the story: I answer with a verbatim quote and its source.",
    )
    @app_commands.describe(question="Your question, for example: Who is Aykhan Hajizada?")
    @in_allowed_channels()
    async def ask(
        self,
        interaction: discord.Interaction[FactBot],
        question: app_commands.Range[str, 1, MAX_QUESTION_LENGTH],
    ) -> None:
        await self.answer_interaction(interaction, question, via="slash")

    async def answer_interaction(
        self, interaction: discord.Interaction[Any], question: str, *, via: str
    ) -> None:
        """Answer within Discord's 3-second window: reply directly, or defer if the DB is slow."""
        refusal = self.cooldown.check(interaction.user.id)
        if refusal is not None:
            await interaction.response.send_message(
                render.wait_message(refusal.retry_after),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        started = time.perf_counter()
        work = asyncio.ensure_future(
            self.bot.run_blocking(
                answer_question,
                self.bot.engine,
                question,
                self.gaps,
                interaction.user.id,
                self.conversations,
                interaction.channel_id,
            )
        )
        try:
            answer, follow_ups = await asyncio.wait_for(asyncio.shield(work), self.defer_after)
        except TimeoutError:
            await interaction.response.defer(thinking=True)
            answer, follow_ups = await work
        rendered = render.render_answer(answer, follow_ups)
        view = follow_up_view(rendered.buttons, rendered.report)
        if interaction.response.is_done():
            await interaction.followup.send(
                embed=rendered.embed, view=view, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                embed=rendered.embed, view=view, allowed_mentions=NO_MENTIONS
            )
        _log_answer(f"interaction={interaction.id}", via, answer, started)

    async def report_answer(self, interaction: discord.Interaction[Any], passage_id: str) -> None:
        """Count the report (the question is the answer's title) and thank the reporter privately."""
        refusal = self.report_cooldown.check(interaction.user.id)
        if refusal is not None:
            await interaction.response.send_message(
                render.wait_message(refusal.retry_after),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        embeds = interaction.message.embeds if interaction.message else []
        question = render.question_from_title(embeds[0].title or "") if embeds else ""
        await self.bot.run_blocking(
            self.gaps.report, question, passage_id, str(interaction.user.id)
        )
        await interaction.response.send_message(
            render.REPORT_THANKS, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        log.info("interaction=%s reported passage=%s", interaction.id, passage_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return
        try:
            await self.answer_message(message, question)
        except Exception as error:
            await report_message_error(message, error)

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None when it is not for the bot.

        DMs are always for the bot. In a server only messages that mention the bot are, and
        only in the configured channels; `@everyone` is not a mention of the bot. A mention of
        the bot's managed role counts only with the Message Content intent: without it Discord
        sends such messages with empty text. Decided without awaiting, so ignored messages
        cost nothing.
        """
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        if message.guild is None:
            return message.content.strip()
        if not channel_allowed(self.bot.settings, message.channel):
            return None
        self_role = message.guild.self_role if self.bot.settings.message_content_intent else None
        role_mentioned = self_role is not None and self_role.id in message.raw_role_mentions
        if me.id not in message.raw_mentions and not role_mentioned:
            return None
        return _strip_mentions(message.content, me.id, self_role.id if self_role else None)

    async def answer_message(self, message: discord.Message, question: str) -> None:
        refusal = self.cooldown.check(message.author.id)
        if refusal is not None:
            if refusal.first:
                await _reply_text(message, render.wait_message(refusal.retry_after))
            return
        started = time.perf_counter()
        answer, follow_ups = await self.bot.run_blocking(
            answer_question,
            self.bot.engine,
            question,
            self.gaps,
            message.author.id,
            self.conversations,
            message.channel.id,
        )
        rendered = render.render_answer(answer, follow_ups)
        await _reply_embed(
            message, rendered.embed, follow_up_view(rendered.buttons, rendered.report)
        )
        via = "dm" if message.guild is None else "mention"
        _log_answer(f"message={message.id}", via, answer, started)


def _strip_mentions(text: str, bot_id: int, role_id: int | None) -> str:
    """The message without the mentions that addressed the bot."""
    pattern = rf"<@!?{bot_id}>"
    if role_id is not None:
        pattern += rf"|<@&{role_id}>"
    return " ".join(re.sub(pattern, " ", text).split())


async def _reply_text(message: discord.Message, text: str) -> None:
    await message.channel.send(
        render.content(text),
        reference=_reference(message),
        mention_author=False,
        allowed_mentions=NO_MENTIONS,
    )


async def _reply_embed(
    message: discord.Message, embed: discord.Embed, view: discord.ui.View
) -> None:
    await message.channel.send(
        embed=embed,
        view=view,
        reference=_reference(message),
        mention_author=False,
        allowed_mentions=NO_MENTIONS,
    )


def _reference(message: discord.Message) -> discord.MessageReference:
    """A reply that still goes out if the question was deleted meanwhile."""
    return message.to_reference(fail_if_not_exists=False)


def _log_answer(where: str, via: str, answer: Answer, started: float) -> None:
    log.info(
        "%s via=%s outcome=%s passage=%s confidence=%.2f ms=%.1f",
        where,
        via,
        "answered" if answer.answered else "closest" if answer.closest else "abstained",
        answer.passage_id or (answer.closest.passage_id if answer.closest else None),
        answer.confidence,
        (time.perf_counter() - started) * 1000,
    )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Ask(cast(FactBot, bot)))
