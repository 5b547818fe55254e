"""`/fact ...`, `/source ...` and `/gaps`: maintainers change what the bot knows, from Discord.

Maintainers only, twice over. The commands declare `default_permissions(manage_guild=True)`,
so Discord shows them only to server managers until an admin grants them to the maintainer role
(Server Settings > Integrations). And every operation hands the core an `Actor` built from the
member's roles, which refuses anyone without FACTBOT_MAINTAINER_ROLE: the Discord setting can
be changed per server, the core check cannot. Replies are private; the change is recorded with
the member's id and name, and the running bot answers with it on the next question.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from factbot import editing
from factbot.answering.gaps import Gap, Report, top_gaps, top_reports
from factbot.editing import (
    MAX_UPLOAD_BYTES,
    Actor,
    AddedArticle,
    ArticleMeta,
    Change,
    FactBase,
    FactDraft,
    FactPatch,
    PassageView,
    SourcePatch,
    UploadedArticle,
    require_maintainer,
)

from .. import render
from ..app import FactBot
from ..attachments import read_attachment

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
FACT_COLOUR = discord.Colour.dark_green()
HISTORY_SHOWN = 10
GAPS_SHOWN = 15
QUOTE_OPTION = app_commands.Range[str, 1, 2000]
REASON_OPTION = app_commands.Range[str, 1, 1000]
NAME_OPTION = app_commands.Range[str, 1, 200]
SOURCE_FIELDS_SHOWN = ("outlet", "title", "published", "author", "url")


def actor_for(interaction: discord.Interaction[Any], maintainer_role: str) -> Actor:
    """The member as the core sees them: id, name, and whether they hold the maintainer role."""
    roles = getattr(interaction.user, "roles", ())
    names = [role.name for role in roles] + [str(role.id) for role in roles]
    return Actor.discord(interaction.user.id, str(interaction.user), names, maintainer_role)


def split_list(value: str | None) -> tuple[str, ...] | None:
    """'baku, russia' -> ('baku', 'russia'); None when the option was not given."""
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def change_text(change: Change) -> str:
    """A change as a private message: what happened, and how to undo it."""
    body = "\n".join(render.escape(line) for line in change.describe())
    return render.content(f"{body}\nUndo with `/fact revert change:{change.id}`.")


def added_text(added: AddedArticle) -> str:
    """An article added from Discord: its id, how many passages, what is known about it.

    The id goes in a code span unescaped: ids are only lowercase letters, digits, `.`, `_` and
    `-`, and a backslash there would show.
    """
    if added.change is None:
        return render.content(
            f"This text is already stored as source `{added.source_id}`; nothing changed."
        )
    state = added.change.after or {}
    known = [
        f"{name}: {render.escape(str(state[name]))}"
        for name in SOURCE_FIELDS_SHOWN
        if state.get(name)
    ]
    lines = [
        f"Added source `{added.source_id}` with {added.passages} passages.",
        "\n".join(known) or "No metadata yet: fill it in with `/source edit`.",
        f"Undo with `/fact revert change:{added.change.id}`.",
    ]
    return render.content("\n".join(lines))


def passage_embed(view: PassageView, changes: Sequence[Change]) -> discord.Embed:
    embed = discord.Embed(
        title=render.clip(
            render.escape(f"{view.id} ({view.kind}, {view.status})"), render.TITLE_LIMIT
        ),
        description=render.clip(
            render.block_quote(render.escape(view.text)), render.DESCRIPTION_LIMIT
        ),
        colour=FACT_COLOUR,
    )
    embed.add_field(name="Source", value=render.source_line(view.source), inline=False)
    for name, value in (
        ("Attribution", view.attribution),
        ("Entities", ", ".join(view.entities)),
        ("Note", view.note),
    ):
        if value:
            embed.add_field(
                name=name,
                value=render.clip(render.escape(value), render.FIELD_VALUE_LIMIT),
                inline=False,
            )
    if changes:
        lines = "\n".join(render.escape(c.summary) for c in changes)
        embed.add_field(
            name="Latest changes", value=render.clip(lines, render.FIELD_VALUE_LIMIT), inline=False
        )
    return render.fit(embed)


def history_text(changes: Sequence[Change]) -> str:
    if not changes:
        return "No changes yet."
    return render.content("\n".join(render.escape(c.summary) for c in changes))


def _closest_note(gap: Gap) -> str:
    """The closest quote an unanswered question gets now, so maintainers see what would settle it."""
    if not gap.closest or not gap.closest_passage_id:
        return ""
    quote = render.escape(render.clip(gap.closest, 120))
    return f" (closest: passage {render.escape(gap.closest_passage_id)}, “{quote}”)"


def gaps_text(gaps: Sequence[Gap], reports: Sequence[Report] = ()) -> str:
    """Unanswered questions, then the answers reported as wrong or unhelpful, most first."""
    parts: list[str] = []
    if gaps:
        lines = [f"{g.count}× {render.escape(g.label)}{_closest_note(g)}" for g in gaps]
        parts.append("Asked, and not answered by the sources:\n" + "\n".join(lines))
    else:
        parts.append("No unanswered questions recorded.")
    if reports:
        lines = [
            f"{r.count}× {render.escape(r.label)} → passage {render.escape(r.passage_id)}"
            for r in reports
        ]
        parts.append("Reported as wrong or unhelpful:\n" + "\n".join(lines))
    return render.content("\n\n".join(parts))


class SharedBase:
    """One writer's handle for both cogs, opened on first use in a worker thread (it touches
    SQLite) and closed when the extension unloads."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self._base: FactBase | None = None

    def get(self) -> FactBase:
        if self._base is None:
            self._base = FactBase(self.bot.engine.db_path)
        return self._base

    def close(self) -> None:
        if self._base is not None:
            self._base.close()
            self._base = None


class MaintainerCog(commands.Cog):
    """What both cogs share: the base, the acting member, and private replies."""

    def __init__(self, bot: FactBot, base: SharedBase) -> None:
        super().__init__()
        self.bot = bot
        self.shared = base

    def base(self) -> FactBase:
        return self.shared.get()

    def actor(self, interaction: discord.Interaction[Any]) -> Actor:
        return actor_for(interaction, self.bot.settings.maintainer_role)

    async def reply(self, interaction: discord.Interaction[Any], text: str) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def changed(
        self, interaction: discord.Interaction[Any], change: Change, notice: str | None = None
    ) -> None:
        log.info(
            "interaction=%s change=%s action=%s target=%s",
            interaction.id,
            change.id,
            change.action,
            change.target,
        )
        text = change_text(change)
        if notice:
            text = render.content(f"{text}\n{render.escape(notice)}")
        await self.reply(interaction, text)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Facts(
    MaintainerCog,
    commands.GroupCog,
    group_name="fact",
    group_description="Maintainers: change what I know.",
):
    """The `/fact` group; every handler is a few lines over one core call."""

    async def cog_unload(self) -> None:
        self.shared.close()

    @app_commands.command(
        name="add", description="Add a fact: a quote that is word for word in a source."
    )
    @app_commands.describe(
        quote="The exact words, as in the source",
        reason="Why (kept in the history)",
        source="Source id, if several sources have the quote",
        attribution="Who says it",
        entities="Entity ids or names, comma-separated",
        note="A note for maintainers",
    )
    async def add(
        self,
        interaction: discord.Interaction[Any],
        quote: QUOTE_OPTION,
        reason: REASON_OPTION,
        source: str | None = None,
        attribution: str | None = None,
        entities: str | None = None,
        note: str | None = None,
    ) -> None:
        draft = FactDraft(quote, source, None, attribution, split_list(entities) or (), (), note)
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.add_fact(self.base(), actor, draft, reason)
        )
        await self.changed(interaction, change)

    @app_commands.command(
        name="edit", description="Correct a fact's quote, attribution, entities or note."
    )
    @app_commands.describe(
        fact="Fact or passage id",
        reason="Why (kept in the history)",
        quote="New exact quote",
        attribution="Who says it (a single - for nobody)",
        entities="Entity ids or names, comma-separated (a single - for none)",
        note="Note for maintainers (a single - to clear)",
    )
    async def edit(
        self,
        interaction: discord.Interaction[Any],
        fact: str,
        reason: REASON_OPTION,
        quote: QUOTE_OPTION | None = None,
        attribution: str | None = None,
        entities: str | None = None,
        note: str | None = None,
    ) -> None:
        patch = FactPatch(
            quote=quote,
            attribution=_cleared(attribution),
            entities=() if entities == "-" else split_list(entities),
            note=_cleared(note),
        )
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.edit_fact(self.base(), actor, fact, patch, reason)
        )
        await self.changed(interaction, change)

    @app_commands.command(
        name="retire", description="Stop answering with a fact or sentence (it is kept)."
    )
    @app_commands.describe(fact="Fact or passage id", reason="Why (kept in the history)")
    async def retire(
        self, interaction: discord.Interaction[Any], fact: str, reason: REASON_OPTION
    ) -> None:
        actor = self.actor(interaction)

        def work() -> tuple[Change, str | None]:
            change = editing.retire(self.base(), actor, fact, reason)
            return change, editing.retire_notice(self.base(), actor, fact)

        change, notice = await self.bot.run_blocking(work)
        await self.changed(interaction, change, notice)

    @app_commands.command(
        name="restore", description="Answer with a retired fact or sentence again."
    )
    @app_commands.describe(fact="Fact or passage id", reason="Why (kept in the history)")
    async def restore(
        self, interaction: discord.Interaction[Any], fact: str, reason: REASON_OPTION
    ) -> None:
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.restore(self.base(), actor, fact, reason)
        )
        await self.changed(interaction, change)

    @app_commands.command(
        name="alias", description="Teach me another spelling of a person, place or organisation."
    )
    @app_commands.describe(
        entity="Entity id or name",
        spellings="Other spellings, comma-separated",
        reason="Why",
        force="Add a spelling even if it already names another entity",
    )
    async def alias(
        self,
        interaction: discord.Interaction[Any],
        entity: str,
        spellings: str,
        reason: REASON_OPTION,
        force: bool = False,
    ) -> None:
        names = split_list(spellings) or ()
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.add_aliases(self.base(), actor, entity, names, reason, force=force)
        )
        await self.changed(interaction, change)

    @app_commands.command(
        name="alias-remove",
        description="Stop a spelling bringing up a person, place or organisation.",
    )
    @app_commands.describe(
        entity="Entity id or name",
        spellings="Spellings to remove, comma-separated",
        reason="Why (kept in the history)",
    )
    async def alias_remove(
        self,
        interaction: discord.Interaction[Any],
        entity: str,
        spellings: str,
        reason: REASON_OPTION,
    ) -> None:
        names = split_list(spellings) or ()
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.remove_aliases(self.base(), actor, entity, names, reason)
        )
        await self.changed(interaction, change)

    @app_commands.command(
        name="revert", description="Undo one change (as a new change; the history keeps both)."
    )
    @app_commands.describe(
        change="Change number, from /fact history", reason="Why (kept in the history)"
    )
    async def revert(
        self, interaction: discord.Interaction[Any], change: int, reason: REASON_OPTION
    ) -> None:
        actor = self.actor(interaction)
        undone = await self.bot.run_blocking(
            lambda: editing.revert(self.base(), actor, change, reason)
        )
        await self.changed(interaction, undone)

    @app_commands.command(
        name="show", description="Show a fact or sentence and its latest changes."
    )
    @app_commands.describe(fact="Fact or passage id")
    async def show(self, interaction: discord.Interaction[Any], fact: str) -> None:
        actor = self.actor(interaction)

        def read() -> tuple[PassageView, list[Change]]:
            base = self.base()
            return (
                editing.get_passage(base, actor, fact),
                editing.history(base, actor, fact, limit=5),
            )

        view, changes = await self.bot.run_blocking(read)
        await interaction.response.send_message(
            embed=passage_embed(view, changes), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name="history", description="Recent changes, to everything or to one fact."
    )
    @app_commands.describe(fact="Fact, passage, entity or source id (optional)")
    async def history(self, interaction: discord.Interaction[Any], fact: str | None = None) -> None:
        actor = self.actor(interaction)

        def read() -> list[Change]:
            return editing.history(self.base(), actor, fact, limit=HISTORY_SHOWN)

        await self.reply(interaction, history_text(await self.bot.run_blocking(read)))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Sources(
    MaintainerCog,
    commands.GroupCog,
    group_name="source",
    group_description="Maintainers: add and correct the articles I quote.",
):
    """The `/source` group: the same core calls as `factbot source add`, `edit` and `remove`."""

    @app_commands.command(
        name="add", description="Add an article from an attached .md or .txt file."
    )
    @app_commands.describe(
        file="The article: plain text or Markdown, knowledge/sources front matter allowed",
        reason="Why (kept in the history)",
        outlet="Name of the outlet (overrides the file's front matter)",
        title="Headline",
        url="Address of the article (http:// or https://)",
        published="Publication date, YYYY-MM-DD",
        author="Byline",
        source_id="Source id (default: the front matter's, else the file name)",
    )
    @app_commands.rename(source_id="id")
    async def add(
        self,
        interaction: discord.Interaction[Any],
        file: discord.Attachment,
        reason: REASON_OPTION,
        outlet: NAME_OPTION | None = None,
        title: NAME_OPTION | None = None,
        url: NAME_OPTION | None = None,
        published: NAME_OPTION | None = None,
        author: NAME_OPTION | None = None,
        source_id: NAME_OPTION | None = None,
    ) -> None:
        actor = self.actor(interaction)
        require_maintainer(actor)  # before anything is downloaded
        await interaction.response.defer(ephemeral=True, thinking=True)
        http = self.bot.http
        data = await read_attachment(
            file, MAX_UPLOAD_BYTES, proxy=http.proxy, proxy_auth=http.proxy_auth
        )
        upload = UploadedArticle(file.filename, data)
        meta = ArticleMeta(source_id, outlet, title, url, published, author)
        db_path = self.bot.engine.db_path
        [added] = await self.bot.run_blocking(
            lambda: editing.add_articles(db_path, actor, [upload], meta, reason)
        )
        if added.change is not None:
            log.info(
                "interaction=%s change=%s action=source.add target=source:%s passages=%d",
                interaction.id,
                added.change.id,
                added.source_id,
                added.passages,
            )
        await self.reply(interaction, added_text(added))

    @app_commands.command(
        name="edit", description="Fill in or correct a source's title, address, date or author."
    )
    @app_commands.describe(
        source="Source id, from /sources",
        reason="Why (kept in the history)",
        title="Headline (a single - to clear)",
        url="Address of the article (a single - to clear)",
        published="Publication date, YYYY-MM-DD (a single - to clear)",
        author="Byline (a single - to clear)",
        outlet="Name of the outlet (a single - to clear)",
    )
    async def edit(
        self,
        interaction: discord.Interaction[Any],
        source: str,
        reason: REASON_OPTION,
        title: NAME_OPTION | None = None,
        url: NAME_OPTION | None = None,
        published: NAME_OPTION | None = None,
        author: NAME_OPTION | None = None,
        outlet: NAME_OPTION | None = None,
    ) -> None:
        patch = SourcePatch(
            outlet=_cleared(outlet),
            title=_cleared(title),
            url=_cleared(url),
            published=_cleared(published),
            author=_cleared(author),
        )
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.edit_source(self.base(), actor, source, patch, reason)
        )
        await self.changed(interaction, change)


    @app_commands.command(
        name="remove", description="Take a source out (refused while active facts quote it)."
    )
    @app_commands.describe(source="Source id, from /sources", reason="Why (kept in the history)")
    async def remove(
        self, interaction: discord.Interaction[Any], source: str, reason: REASON_OPTION
    ) -> None:
        actor = self.actor(interaction)
        change = await self.bot.run_blocking(
            lambda: editing.remove_source(self.base(), actor, source, reason)
        )
        await self.changed(interaction, change)


class Gaps(MaintainerCog):
    """`/gaps`: what people asked that the sources do not answer, for maintainers to fill."""

    @app_commands.command(
        name="gaps", description="Maintainers: questions asked most that my sources do not answer."
    )
    @app_commands.describe(limit="How many to list")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def gaps(
        self,
        interaction: discord.Interaction[Any],
        limit: app_commands.Range[int, 1, 50] = GAPS_SHOWN,
    ) -> None:
        actor = self.actor(interaction)

        def read() -> tuple[list[Gap], list[Report]]:
            base = self.base()
            return top_gaps(base, actor, limit, self.bot.engine), top_reports(base, actor, limit)

        await self.reply(interaction, gaps_text(*await self.bot.run_blocking(read)))


def _cleared(value: str | None) -> str | None:
    """A single '-' clears a field: Discord has no way to send an empty option."""
    return "" if value == "-" else value


async def setup(bot: commands.Bot) -> None:
    factbot = cast(FactBot, bot)
    shared = SharedBase(factbot)
    await bot.add_cog(Facts(factbot, shared))
    await bot.add_cog(Sources(factbot, shared))
    await bot.add_cog(Gaps(factbot, shared))
