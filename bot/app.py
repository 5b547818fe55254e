"""The bot factory, its start-up, and the contract every extension follows.

Extension contract (for `bot/exts/facts.py`, `bot/exts/summary.py` and any later feature):

1. One module per feature under `bot/exts/`, listed in `EXTENSIONS` below, defining
   `async def setup(bot: FactBot) -> None` that adds one `commands.Cog`.
2. Nothing global: read settings from `bot.settings` (a frozen `factbot.settings.Settings`)
   and reach the fact base through `bot.engine` (the shared `AnswerEngine`; `bot.engine.db_path`
   for writers, who open their own connection in the worker thread).
3. Never block the event loop: run every library call that touches SQLite with
   `await bot.run_blocking(func, *args)` (a small thread pool; each thread keeps its own
   read-only connection inside `AnswerEngine`).
4. Send through discord.py as usual: `allowed_mentions` is none bot-wide, and pass
   `discord.AllowedMentions.none()` on each send as well. Escape echoed user text and respect
   Discord's limits with `bot.render` helpers (`escape`, `clip`, `content`).
5. Fail by raising: a `FactbotError` (its message is for the user), a check from
   `bot.checks` (`in_allowed_channels()`, `require_role("maintainer_role")`), or anything else.
   `errors.FactTree.on_error` turns it into a short ephemeral reply and logs the traceback.
   Component callbacks and listeners are outside the tree: catch and call
   `errors.report_interaction_error` / `errors.report_message_error` yourselves.
6. Test through the loopback fake: see `tests/fakes/__init__.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from factbot.answering.answers import AnswerEngine
from factbot.errors import InputError
from factbot.index.sketch import use_cache_dir
from factbot.knowledge.rebuild import rebuild
from factbot.models import Actor
from factbot.settings import Settings

from .errors import FactTree, MissingToken, StartupError

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "bot.exts.ask",
    "bot.exts.info",
    "bot.exts.summary",
    "bot.exts.facts",
)
DB_THREADS = 4
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
    pin_messages=True,  # only for /summary's "pin" option
)
SCOPES = ("bot", "applications.commands")

P = ParamSpec("P")
T = TypeVar("T")


def intents_for(settings: Settings) -> discord.Intents:
    """The few intents the bot needs; none is privileged unless DISCORD_MESSAGE_CONTENT is on.

    Slash commands need no intent at all. Discord still delivers the text of messages that
    mention the bot and of DMs without `message_content`; that privileged intent only adds
    messages that mention the bot's role rather than the bot.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.message_content_intent
    return intents


class FactBot(commands.Bot):
    """The Discord front end: settings, the answer engine and a DB thread pool, shared by cogs."""

    def __init__(
        self,
        settings: Settings,
        engine: AnswerEngine,
        *,
        extensions: Sequence[str] = EXTENSIONS,
        sync_on_start: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=FactTree,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        self.engine = engine
        self.extension_names = tuple(extensions)
        self.sync_on_start = sync_on_start
        self._executor = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="factbot-db")

    async def setup_hook(self) -> None:
        for name in self.extension_names:
            await self.load_extension(name)
        log.info("loaded extensions: %s", ", ".join(self.extension_names))
        if self.application_id is not None:
            log.info("invite link: %s", invite_url(self.application_id))
        if self.sync_on_start:
            await sync_commands(self)

    async def run_blocking(self, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `func` in the DB thread pool, so one slow question never stalls the others."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: func(*args, **kwargs))

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions and DMs are questions, handled by `exts/ask.py`."""

    async def close(self) -> None:
        await super().close()
        self._executor.shutdown(wait=False, cancel_futures=True)


class ShardedFactBot(FactBot, commands.AutoShardedBot):
    """The same bot over discord.py's shards (DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS)."""


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot with its scopes and exactly the permissions it uses."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def create_bot(
    settings: Settings,
    *,
    engine: AnswerEngine | None = None,
    extensions: Sequence[str] = EXTENSIONS,
    sync_on_start: bool = False,
    **options: Any,
) -> FactBot:
    """Build the bot; an `AutoShardedBot` when DISCORD_SHARD_COUNT is set.

    `engine` and `options` (discord.py client options) are for tests and benchmarks.
    """
    use_cache_dir(settings.cache_dir)
    engine = engine or AnswerEngine(settings.db_path, settings.min_confidence)
    engine.prepare()
    advice = engine.needs_rebuild()
    if advice:
        log.warning(advice)
    if settings.shard_count is None:
        return FactBot(
            settings, engine, extensions=extensions, sync_on_start=sync_on_start, **options
        )
    shard_ids = list(settings.shard_ids) if settings.shard_ids else None
    return ShardedFactBot(
        settings,
        engine,
        extensions=extensions,
        sync_on_start=sync_on_start,
        shard_count=settings.shard_count,
        shard_ids=shard_ids,
        **options,
    )


async def sync_commands(
    bot: FactBot, *, clear_guild: bool = False
) -> tuple[str, list[app_commands.AppCommand]]:
    """Register the slash commands: in DISCORD_GUILD_ID only (instant) when set, else globally.

    Global registration reaches every server but Discord may take up to an hour to show it.
    `clear_guild` removes the commands registered in DISCORD_GUILD_ID instead, for when a
    development server that later got the global commands shows each one twice.
    """
    guild_id = bot.settings.guild_id
    if guild_id is None:
        if clear_guild:
            raise InputError("Set DISCORD_GUILD_ID to the server whose commands should be removed.")
        synced = await bot.tree.sync()
        scope = "globally"
    else:
        guild = discord.Object(id=guild_id)
        if clear_guild:
            bot.tree.clear_commands(guild=guild)
        else:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        scope = f"in guild {guild_id}"
    log.info("synced %d commands %s: %s", len(synced), scope, ", ".join(c.name for c in synced))
    return scope, synced


def require_token(settings: Settings) -> str:
    if not settings.discord_token:
        raise MissingToken()
    return settings.discord_token


def ensure_fact_base(settings: Settings) -> None:
    """Build the fact base from knowledge/ on first start, as the CLI does."""
    if settings.db_path.exists():
        return
    log.warning(
        "no fact base at %s yet; building it from %s", settings.db_path, settings.knowledge_dir
    )
    rebuild(settings.knowledge_dir, settings.db_path, Actor.os_user())


def configure_logging(settings: Settings) -> None:
    """discord.py's log format once, unless a caller (the `factbot` CLI) configured logging."""
    root = logging.getLogger()
    if not root.handlers:
        discord.utils.setup_logging(
            level=getattr(logging, settings.log_level, logging.INFO), root=True
        )
    else:
        root.setLevel(getattr(logging, settings.log_level, logging.INFO))


def run(settings: Settings, *, sync: bool = False) -> None:
    """Start the bot and block until it stops; the entry of `python -m bot` and `factbot run`."""
    token = require_token(settings)
    configure_logging(settings)
    ensure_fact_base(settings)
    log.info("starting with %r", settings)
    bot = create_bot(settings, sync_on_start=sync)
    with _startup_errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(bot, token))


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def _serve(bot: commands.Bot, token: str) -> None:
    """Run the bot until it is closed; SIGINT (Ctrl-C) and SIGTERM (`docker stop`, systemd)
    close it cleanly.

    Left to `asyncio.run`, SIGINT only cancels the main task, and on Python 3.11 a cancellation
    that lands while discord.py is reconnecting (inside its `asyncio.wait_for`) can be swallowed:
    the bot then runs on after Ctrl-C. `bot.close()` ends the gateway loop whatever it is
    waiting for. SIGTERM would otherwise end the process at once, without closing the gateway
    session or the fact base. A second signal stops at once (KeyboardInterrupt).
    """
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def stop(signum: int) -> None:
        if closing:
            raise KeyboardInterrupt
        log.info("%s received: closing", signal.Signals(signum).name)
        closing.append(asyncio.create_task(bot.close()))

    async with bot:
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop, signum)
        await bot.start(token)
        if closing:
            await closing[0]


def sync_only(
    settings: Settings, *, clear_guild: bool = False
) -> tuple[str, list[app_commands.AppCommand]]:
    """Log in over REST only, register the slash commands, and stop (`factbot sync-commands`)."""
    token = require_token(settings)
    configure_logging(settings)
    ensure_fact_base(settings)
    bot = create_bot(settings)

    async def go() -> tuple[str, list[app_commands.AppCommand]]:
        async with bot:
            await bot.login(token)
            return await sync_commands(bot, clear_guild=clear_guild)

    with _startup_errors():
        return asyncio.run(go())


@contextlib.contextmanager
def _startup_errors() -> Iterator[None]:
    """Turn Discord's refusals to start into `StartupError`s that name the setting to fix."""
    try:
        yield
    except discord.LoginFailure:
        raise StartupError(
            "Discord rejected DISCORD_TOKEN. Copy the token again from the Bot page of the "
            "Developer Portal (reset it if needed)."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "DISCORD_MESSAGE_CONTENT is on but the Message Content Intent is not enabled for "
            "this application. Enable it on the Bot page of the Developer Portal, or set "
            "DISCORD_MESSAGE_CONTENT=false (mentions, DMs and slash commands work without it)."
        ) from None
    except (aiohttp.ClientError, OSError) as error:
        raise StartupError(
            f"Cannot reach Discord ({error}). Check the network connection (and any proxy or "
            "firewall), then start the bot again."
        ) from None
