"""`/summary`: a cited briefing for moderators, previewed privately, posted only on request.

Moderators only by default: members with Manage Messages in the channel, or with the role named
by FACTBOT_MODERATOR_ROLE. The command also declares `default_permissions(manage_messages=True)`
so Discord hides it from everyone else until a server admin decides otherwise.

Flow: `briefing.summary.build_summary` in the DB thread pool -> `briefing.render.discord_pages`
(plain data within Discord's limits) -> embeds -> an ephemeral preview with "Post in channel" and
"Discard". The preview shows each line's passage id, the maintainers' notes and the metadata
the sources leave out, for checking; posting sends the same summary without them (what members
may read unedited) to the channel with mentions disabled and, if asked, pins the first message. The preview lives in memory for
`PREVIEW_TIMEOUT`: a restart only costs the
moderator running `/summary` again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from factbot.answering.answers import AnswerEngine
from factbot.briefing.document import Summary
from factbot.briefing.pages import Message
from factbot.briefing.render import discord_pages
from factbot.briefing.summary import LENGTHS, build_summary, parse_since
from factbot.settings import Settings

from ..app import FactBot
from ..checks import has_role, in_allowed_channels
from ..errors import report_interaction_error

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
PREVIEW_TIMEOUT = 15 * 60.0
SUMMARY_COLOUR = discord.Colour.dark_gold()
DEFAULT_LENGTH = "short"
PREVIEW_NOTE = "Preview, only you can see it; the post leaves out the ids and maintainers' lines. "
T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """Refusal for members who are neither Manage Messages holders nor in the moderator role."""

    def __init__(self, role_name: str | None) -> None:
        who = "members with the Manage Messages permission"
        if role_name:
            who += f" or the {role_name} role"
        super().__init__(f"Only moderators can post summaries: {who}.")


def is_moderator(settings: Settings, interaction: discord.Interaction[Any]) -> bool:
    """Manage Messages in this channel, or the configured moderator role; never in DMs."""
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_messages:
        return True
    role = settings.moderator_role
    return role is not None and has_role(interaction.user, role)


def moderators_only() -> Callable[[T], T]:
    """App-command check: refuse non-moderators with a short private note."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        settings: Settings = interaction.client.settings
        if is_moderator(settings, interaction):
            return True
        raise NotModerator(settings.moderator_role)

    return app_commands.check(predicate)


def summarise(engine: AnswerEngine, length: str, since: str | None) -> Summary:
    """The summary from the engine's per-thread read-only connection; runs in a worker thread."""
    return build_summary(engine.db, length=length, since=parse_since(since))


def header(summary: Summary, part: int, parts: int) -> str:
    """The message text above the embeds: the title, the `since` date, and the part number."""
    text = f"**{summary.title}**"
    if summary.since:
        text += f" (new since {summary.since})"
    if parts > 1:
        text += f" · {part}/{parts}"
    return text


def embeds_for(message: Message) -> list[discord.Embed]:
    """One page of plain data as embeds; the sizes were already fitted by `factbot.briefing.pages`."""
    embeds = []
    for page in message:
        embed = discord.Embed(
            title=page.title, description=page.description or None, colour=SUMMARY_COLOUR
        )
        for item in page.fields:
            embed.add_field(name=item.name, value=item.value, inline=False)
        embeds.append(embed)
    return embeds


class PreviewView(discord.ui.View):
    """The buttons under a private preview: post it in the channel, or discard it.

    `pages` are what gets posted: the previewed summary without ids and maintainers' lines.
    """

    def __init__(
        self, author_id: int, summary: Summary, pages: Sequence[Message], pin: bool
    ) -> None:
        super().__init__(timeout=PREVIEW_TIMEOUT)
        self.author_id = author_id
        self.summary = summary
        self.pages = list(pages)
        self.pin = pin

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return interaction.user.id == self.author_id

    @discord.ui.button(label="Post in channel", style=discord.ButtonStyle.primary)
    async def post(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        settings: Settings = interaction.client.settings
        if not is_moderator(settings, interaction):
            # The preview lives up to PREVIEW_TIMEOUT: the role or permission may be gone by now.
            refusal = f"{NotModerator(settings.moderator_role)} Nothing was posted."
            await interaction.response.edit_message(content=refusal, view=None)
            return
        await interaction.response.edit_message(content="Posting the summary…", view=None)
        posted = await post_pages(interaction.channel, self.summary, self.pages)
        note = await pin_first(posted) if self.pin else ""
        log.info(
            "interaction=%s summary posted: messages=%d revision=%s pinned=%s",
            interaction.id,
            len(posted),
            self.summary.revision,
            bool(self.pin and not note),
        )
        await interaction.followup.send(
            f"Posted the summary ({len(posted)} message{'s' if len(posted) != 1 else ''}).{note}",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @discord.ui.button(label="Discard", style=discord.ButtonStyle.secondary)
    async def discard(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content="Discarded; nothing was posted.", view=None)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_interaction_error(interaction, error)


async def post_pages(
    channel: Any, summary: Summary, pages: Sequence[Message]
) -> list[discord.Message]:
    """Send every page to `channel`, in order, with mentions disabled."""
    posted = []
    for number, page in enumerate(pages, start=1):
        posted.append(
            await channel.send(
                header(summary, number, len(pages)),
                embeds=embeds_for(page),
                allowed_mentions=NO_MENTIONS,
            )
        )
    return posted


async def pin_first(posted: Sequence[discord.Message]) -> str:
    """Pin the first posted message; a sentence for the moderator if Discord refuses."""
    if not posted:
        return ""
    try:
        await posted[0].pin(reason="factbot /summary")
    except discord.HTTPException as failure:
        log.warning("could not pin summary message %s: %s", posted[0].id, failure)
        return " I could not pin it: I need permission to pin here, and the channel needs room for a pin."
    return " Pinned the first message."


class SummaryCog(commands.Cog, name="Summary"):
    """Moderators' briefing of what the sources say, cited line by line."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="summary", description="Moderators: preview a cited briefing of what the sources say."
    )
    @app_commands.describe(
        length="short (one screen per section) or full",
        since="Only sources published since this date (undated: added since) and edits since, e.g. 2025-07-01",
        pin="Pin the summary once it is posted",
    )
    @app_commands.choices(length=[app_commands.Choice(name=v, value=v) for v in LENGTHS])
    @app_commands.default_permissions(manage_messages=True)
    @app_commands.guild_only()
    @in_allowed_channels()
    @moderators_only()
    async def summary(
        self,
        interaction: discord.Interaction[FactBot],
        length: str = DEFAULT_LENGTH,
        since: app_commands.Range[str, 1, 40] | None = None,
        pin: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        built = await self.bot.run_blocking(summarise, self.bot.engine, length, since)
        if built.empty:
            when = f" since {built.since}" if built.since else ""
            await interaction.followup.send(
                f"Nothing new in the fact base{when}; there is nothing to post.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await self.send_preview(interaction, built, pin)

    async def send_preview(
        self, interaction: discord.Interaction[Any], built: Summary, pin: bool
    ) -> None:
        """The annotated pages privately, the buttons under the last one."""
        pages = discord_pages(built, annotated=True)
        view = PreviewView(interaction.user.id, built, discord_pages(built), pin)
        for number, page in enumerate(pages, start=1):
            note = PREVIEW_NOTE if number == 1 else ""
            text = note + header(built, number, len(pages))
            if number < len(pages):
                await interaction.followup.send(
                    text, embeds=embeds_for(page), ephemeral=True, allowed_mentions=NO_MENTIONS
                )
                continue
            await interaction.followup.send(
                text,
                embeds=embeds_for(page),
                view=view,
                ephemeral=True,
                wait=True,
                allowed_mentions=NO_MENTIONS,
            )
        log.info(
            "interaction=%s summary preview: length=%s since=%s pages=%d revision=%s",
            interaction.id,
            built.length,
            built.since,
            len(pages),
            built.revision,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SummaryCog(cast(FactBot, bot)))
