"""Security: the token stays secret, privileged commands refuse others, nothing pings, Markdown is
inert, paths stay in their folders, SQL and FTS syntax in input is just text.

SECURITY.md lists each threat with the test here that covers it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from database_helpers import snapshot
from fakes import CapturedRequest, FakeDiscord, start_bot
from fakes import payloads as fake_payloads
from fakes.server import Handler
from hardening_fuzz import TARGETS, run_target, unescaped_links, unescaped_markup
from process_helpers import interrupt_then_kill

from bot.errors import DATABASE_FAILURE
from factbot.answering.answers import AnswerEngine
from factbot.answering.gaps import GapPolicy, GapRecorder, top_gaps
from factbot.answering.replies import Answer
from factbot.cli import cli
from factbot.editing import Actor, FactBase, SourceDraft, add_aliases, add_source, history
from factbot.errors import InputError, KnowledgeError, PermissionDenied
from factbot.index.ingest import ingest_paths
from factbot.knowledge.build import build_fact_base
from factbot.knowledge.export import export_knowledge
from factbot.knowledge.files import load_knowledge
from factbot.knowledge.rebuild import rebuild
from factbot.models import Source
from factbot.settings import REPO_ROOT, Settings

SENTINEL = "SENTINEL-TOKEN.NEVER-SHOW-ME.0123456789abcdefghij"
ROLE = "factbot-maintainer"
MODERATORS = "news-moderators"
ANSWERABLE = "Who is Aykhan Hajizada?"
TORTURE = "azerbaijan-protests-torture"
EPHEMERAL = 1 << 6
NO_PINGS = {"parse": []}
SEND_ONLY = "3072"  # View Channel + Send Messages: no Manage Messages, no Manage Server
PINGS = "@everyone @here <@123456789012345678> <@&223456789012345678> <@!323456789012345678>"


class SecurityDiscord(FakeDiscord):
    """The fake plus pinning (for /summary pin=True)."""

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        pins = re.compile(r"/channels/(\d+)/messages/pins/(\d+)")
        return [*super()._route_table(), ("PUT", pins, self._no_content)]


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with SecurityDiscord() as fake:
        with fake.patched():
            yield fake
    assert not fake.unhandled, fake.unhandled


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """User ids whose member payloads carry only View Channel and Send Messages."""
    ids: set[str] = set()
    original = fake_payloads.member

    def member(user_payload: Any, roles: Any = ()) -> Any:
        payload = original(user_payload, roles)
        if user_payload is not None and user_payload["id"] in ids:
            payload["permissions"] = SEND_ONLY
        return payload

    monkeypatch.setattr(fake_payloads, "member", member)
    return ids


@pytest.fixture
def bot_settings(built_db: Path) -> Settings:
    return Settings(
        db_path=built_db,
        discord_token=FakeDiscord.TOKEN,
        maintainer_role=ROLE,
        moderator_role=MODERATORS,
        ask_cooldown_rate=1000,
        ask_cooldown_seconds=60.0,
    )



# --- the token --------------------------------------------------------------------------------


async def test_the_token_never_reaches_logs_replies_or_errors_in_process(
    built_db: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything the bot does, at DEBUG, including a handler exception and a RESUME."""
    caplog.set_level(logging.DEBUG)
    settings = Settings(db_path=built_db, discord_token=SENTINEL, ask_cooldown_seconds=0.0)
    async with FakeDiscord(token=SENTINEL) as fake:
        with fake.patched():
            async with start_bot(fake, settings) as bot:
                logging.getLogger("test").info("settings: %r", bot.settings)
                await fake.reply(await fake.slash("ask", {"question": ANSWERABLE}))
                await fake.channel_reply(await fake.post_message(ANSWERABLE, mention_bot=True))
                await fake.disconnect()
                await fake.wait_resumed()
                built_db.write_bytes(os.urandom(32 * 1024))  # the next question fails inside
                failed = await fake.reply(await fake.slash("ask", {"question": ANSWERABLE}))
                await fake.reply(await fake.slash("fact", {}, subcommand="history"))
    assert failed.message["content"] == DATABASE_FAILURE
    assert "Traceback" in caplog.text, "the exception path was logged"
    assert fake.resumes and fake.resumes[0]["token"] == SENTINEL, "the RESUME path was taken"
    out, err = capsys.readouterr()
    assert SENTINEL not in caplog.text + out + err
    bodies = json.dumps([r.json for r in fake.requests])
    assert SENTINEL not in bodies
    assert all(
        r.authorization == f"Bot {SENTINEL}"
        for r in fake.requests
        if not r.path.startswith(("/interactions/", "/webhooks/"))
    )


LAUNCHER = """
import faulthandler, signal, sys, discord, yarl
faulthandler.register(signal.SIGUSR1, all_threads=True)
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
if sys.argv[3] == "bot":
    from bot.__main__ import main
    sys.exit(main([]))
from factbot.cli import main
sys.argv = ["factbot", *sys.argv[4:]]
main()
"""


def launch_env(db: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "FACTBOT_")) or key == "FACTBOT_CACHE_DIR"
    }
    env.update(DISCORD_TOKEN=SENTINEL, FACTBOT_DB=str(db), FACTBOT_LOG_LEVEL="DEBUG")
    return env


async def launch(fake: FakeDiscord, db: Path, what: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LAUNCHER,
        fake.rest_base,
        fake.gateway_url,
        what,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=launch_env(db),
        cwd=db.parent,
    )


@pytest.mark.slow
async def test_python_m_bot_never_prints_the_token_even_when_a_handler_fails(
    built_db: Path,
) -> None:
    async with FakeDiscord(token=SENTINEL) as fake:
        process = await launch(fake, built_db, "bot")
        try:
            first = await fake.reply(
                await _when_connected(fake, lambda: fake.slash("ask", {"question": ANSWERABLE})),
                timeout=20,
            )
            await fake.disconnect()
            await fake.wait_resumed(timeout=20)
            built_db.write_bytes(os.urandom(32 * 1024))
            failed = await fake.reply(await fake.slash("ask", {"question": ANSWERABLE}), timeout=20)
        finally:
            out, err = await interrupt_then_kill(process)
    output = (out + err).decode()
    assert first.message["embeds"][0]["title"] == ANSWERABLE
    assert failed.message["content"] == DATABASE_FAILURE
    assert "DEBUG" in output and "Traceback" in output, "debug logging and the failure were printed"
    assert SENTINEL not in output


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
async def test_python_m_bot_closes_on_a_stop_signal_even_while_it_reconnects(
    built_db: Path, stop: signal.Signals
) -> None:
    """`docker stop` sends SIGTERM and a terminal Ctrl-C; either must close the bot, also when
    it arrives while the gateway reconnects (where a bare task cancellation can be lost)."""
    async with FakeDiscord(token=SENTINEL) as fake:
        process = await launch(fake, built_db, "bot")
        try:
            await _when_connected(fake, lambda: asyncio.sleep(0))
            await fake.disconnect()
            process.send_signal(stop)
            _, err = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await interrupt_then_kill(process, grace=5.0)
    assert process.returncode == 0, err.decode()[-3000:]
    assert f"{stop.name} received: closing" in err.decode()


async def _when_connected(fake: FakeDiscord, action: Callable[[], Any]) -> Any:
    for _ in range(400):
        if fake.sessions:
            await asyncio.sleep(0.3)  # GUILD_CREATE follows READY
            return await action()
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot never connected to the fake")


@pytest.mark.slow
@pytest.mark.parametrize("what", ["bot", "factbot -v run"])
async def test_a_rejected_token_is_named_but_never_printed(built_db: Path, what: str) -> None:
    async with FakeDiscord(token="the-real-one") as fake:
        args = ["bot"] if what == "bot" else ["cli", "-v", "run"]
        process = await launch(fake, built_db, *args)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    output = (out + err).decode()
    assert process.returncode == 1, output
    assert "Discord rejected DISCORD_TOKEN" in output
    assert "Traceback" not in output
    assert SENTINEL not in output


@pytest.mark.slow
def test_discord_unreachable_at_start_is_one_line_without_the_token(built_db: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, "http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/", "bot"],
        capture_output=True,
        text=True,
        timeout=60,
        env=launch_env(built_db),
        cwd=built_db.parent,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: Cannot reach Discord (")
    assert SENTINEL not in result.stdout + result.stderr


def test_cli_errors_never_print_the_token(built_db: Path) -> None:
    built_db.write_bytes(b"not a database")
    runner = CliRunner()
    env = {"DISCORD_TOKEN": SENTINEL, "FACTBOT_LOG_LEVEL": "DEBUG"}
    for args in (
        ["-v", "ask", "x"],
        ["-v", "fact", "list"],
        ["-v", "build", "--knowledge", "/nowhere"],
    ):
        result = runner.invoke(cli, ["--db", str(built_db), *args], env=env)
        assert result.exit_code in (1, 2)
        assert SENTINEL not in result.output


# --- privileged commands refuse everyone else ---------------------------------------------


MAINTAINER_COMMANDS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("fact", "add", {"quote": "Baku has called for a full investigation", "reason": "r"}),
    ("fact", "edit", {"fact": TORTURE, "note": "n", "reason": "r"}),
    ("fact", "retire", {"fact": TORTURE, "reason": "r"}),
    ("fact", "restore", {"fact": TORTURE, "reason": "r"}),
    ("fact", "alias", {"entity": "baku", "spellings": "Baky", "reason": "r"}),
    ("fact", "alias-remove", {"entity": "igor-kartavykh", "spellings": "Kartavih", "reason": "r"}),
    ("fact", "revert", {"change": 1, "reason": "r"}),
    ("fact", "show", {"fact": TORTURE}),
    ("fact", "history", {}),
    (
        "source",
        "add",
        {"file": fake_payloads.Upload("talks.md", b"Baku said the talks went well.\n"), "reason": "r"},
    ),
    ("source", "edit", {"source": "trt-azerbaijan-russia-protests", "title": "T", "reason": "r"}),
    ("source", "remove", {"source": "trt-azerbaijan-russia-protests", "reason": "r"}),
    ("gaps", None, {}),
]
MODERATOR_COMMANDS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("summary", None, {}),
    ("summary", None, {"pin": True, "length": "full"}),
]


def command_id(command: tuple[str, str | None, dict[str, Any]]) -> str:
    name, sub, options = command
    return " ".join(p for p in (name, sub, "pin" if options.get("pin") else None) if p)


@pytest.mark.parametrize("command", MAINTAINER_COMMANDS, ids=command_id)
async def test_each_maintainer_command_refuses_members_without_the_role(
    fake_discord: FakeDiscord, bot_settings: Settings, built_db: Path, command: Any
) -> None:
    name, sub, options = command
    impostor = fake_discord.make_user(ROLE)  # named like the role, without it
    other_role = fake_discord.add_role("factbot-maintainers")  # a look-alike role
    lookalike = fake_discord.make_user("lookalike", roles=(other_role,))
    before = snapshot(built_db)
    async with start_bot(fake_discord, bot_settings):
        replies = [
            await fake_discord.reply(
                await fake_discord.slash(name, options, user=user, subcommand=sub)
            )
            for user in (impostor, lookalike)
        ]
    for reply in replies:
        assert reply.flags & EPHEMERAL
        assert reply.message["content"].startswith("Only maintainers can do this")
    assert snapshot(built_db) == before
    assert not [r for r in fake_discord.requests if r.path.startswith("/channels/")], (
        "nothing public"
    )


@pytest.mark.parametrize("command", MODERATOR_COMMANDS, ids=command_id)
async def test_each_moderator_command_refuses_members_without_the_permission_or_role(
    fake_discord: FakeDiscord, bot_settings: Settings, limited: set[str], command: Any
) -> None:
    name, _, options = command
    reader = fake_discord.make_user(MODERATORS)
    limited.add(reader["id"])
    async with start_bot(fake_discord, bot_settings):
        reply = await fake_discord.reply(await fake_discord.slash(name, options, user=reader))
    assert reply.flags & EPHEMERAL
    assert reply.message["content"].startswith("Only moderators can post summaries")
    assert not reply.message.get("embeds"), "not even a preview"
    assert not [r for r in fake_discord.requests if r.path.startswith("/channels/")]


async def test_a_summary_preview_can_be_posted_only_by_the_moderator_who_asked(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    other = fake_discord.make_user("another-moderator")
    async with start_bot(fake_discord, bot_settings):
        sent = await fake_discord.slash("summary", {})
        last = await fake_discord.wait_for_request(
            lambda r: (
                r.path.startswith(f"/webhooks/{fake_discord.app_id}/{sent.token}")
                and bool(r.message.get("components"))
            )
        )
        post = next(
            item["custom_id"]
            for row in last.message["components"]
            for item in row["components"]
            if item.get("label") == "Post in channel"
        )
        click = await fake_discord.click(fake_discord.stored_message(last), post, user=other)
        await asyncio.sleep(0.5)
    assert not [r for r in fake_discord.requests if r.path.startswith("/channels/")]
    assert not [
        r for r in fake_discord.requests if click.token in r.path and r.json.get("type") == 7
    ]


async def test_a_summary_is_not_posted_by_someone_who_lost_the_moderator_role_since_asking(
    fake_discord: FakeDiscord, bot_settings: Settings, limited: set[str]
) -> None:
    """The preview's Post button lives 15 minutes; moderator status is checked again on press."""
    moderators = fake_discord.add_role(MODERATORS)
    moderator = fake_discord.make_user("moderator", roles=(moderators,))
    limited.add(moderator["id"])
    async with start_bot(fake_discord, bot_settings):
        sent = await fake_discord.slash("summary", {}, user=moderator)
        last = await fake_discord.wait_for_request(
            lambda r: (
                r.path.startswith(f"/webhooks/{fake_discord.app_id}/{sent.token}")
                and bool(r.message.get("components"))
            )
        )
        post = next(
            item["custom_id"]
            for row in last.message["components"]
            for item in row["components"]
            if item.get("label") == "Post in channel"
        )
        fake_discord.member_roles[int(moderator["id"])] = ()
        click = await fake_discord.click(fake_discord.stored_message(last), post, user=moderator)
        await asyncio.sleep(0.5)
    assert not [r for r in fake_discord.requests if r.path.startswith("/channels/")]
    [answer] = [
        r for r in fake_discord.requests if click.token in r.path and r.json.get("type") == 7
    ]
    assert answer.json["data"]["content"].startswith("Only moderators can post summaries")


# Commands anyone may use. Every other command must be hidden by `default_permissions` and have
# a refusal test above (which proves the bot's own check, since Discord's hiding is only a
# default a server can change).
PUBLIC_COMMANDS = {("ask", None), ("sources", None), ("about", None)}


def command_names(tree: Any) -> dict[tuple[str, str | None], Any]:
    """(root name, subcommand name or None) -> command, for every command a member can run."""
    found = {}
    for command in tree.walk_commands():
        if hasattr(command, "commands"):
            continue  # a group: its subcommands are listed themselves
        root = command.root_parent or command
        found[(root.name, command.name if command.parent else None)] = command
    return found


def unproven_commands(tree: Any) -> list[str]:
    """Commands neither public by name nor hidden and covered by a refusal test."""
    tested = {(n, s) for n, s, _ in MAINTAINER_COMMANDS + MODERATOR_COMMANDS}
    problems = []
    for key, command in command_names(tree).items():
        if key in PUBLIC_COMMANDS:
            continue
        name = " ".join(p for p in key if p)
        if key not in tested:
            problems.append(f"/{name} is not public and has no refusal test")
        if getattr(command.root_parent or command, "default_permissions", None) is None:
            problems.append(f"/{name} is not hidden by default_permissions")
    return problems


async def loaded_tree(shared_db: Path) -> Any:
    from bot.app import create_bot

    bot = create_bot(Settings(db_path=shared_db, discord_token="x"))
    await bot.setup_hook()
    return bot.tree


def test_every_app_command_is_public_by_name_or_proves_its_check_with_a_refusal_test(
    shared_db: Path,
) -> None:
    """A new command must go on PUBLIC_COMMANDS or get a refusal test in the lists above."""
    tree = asyncio.run(loaded_tree(shared_db))
    assert unproven_commands(tree) == []
    assert set(command_names(tree)) >= PUBLIC_COMMANDS, "a public command was renamed or removed"


def test_the_command_guard_catches_a_new_command_without_a_check(shared_db: Path) -> None:
    """The mutant the guard exists for: `/purge`, no default_permissions, no role check."""
    from discord import app_commands

    async def with_purge() -> Any:
        tree = await loaded_tree(shared_db)

        @app_commands.command(name="purge", description="Retire every fact.")
        async def purge(interaction: Any) -> None:
            """Would retire facts for anyone."""

        tree.add_command(purge)
        return tree

    assert unproven_commands(asyncio.run(with_purge())) == [
        "/purge is not public and has no refusal test",
        "/purge is not hidden by default_permissions",
    ]


@pytest.mark.parametrize(
    "operation",
    ["rebuild", "rebuild --force", "add_source", "add_aliases", "top_gaps"],
)
def test_the_core_refuses_non_maintainers_whatever_the_front_end(
    built_db: Path, knowledge_dir: Path, operation: str
) -> None:
    stranger = Actor.discord(7, "mallory", ["member", "factbot-maintainers"], ROLE)
    before = snapshot(built_db)
    base = FactBase(built_db)
    calls: dict[str, Callable[[], object]] = {
        "rebuild": lambda: rebuild(knowledge_dir, built_db, stranger),
        "rebuild --force": lambda: rebuild(knowledge_dir, built_db, stranger, force=True),
        "add_source": lambda: add_source(
            base, stranger, SourceDraft("Three whole words here."), "r"
        ),
        "add_aliases": lambda: add_aliases(base, stranger, "baku", ["Baky"], "r"),
        "top_gaps": lambda: top_gaps(base, stranger),
    }
    try:
        with pytest.raises(
            PermissionDenied, match=r"Only maintainers can do this, and mallory is not one\."
        ):
            calls[operation]()
    finally:
        base.close()
    assert snapshot(built_db) == before


# --- nobody gets pinged --------------------------------------------------------------------


def message_bodies(fake: FakeDiscord) -> list[CapturedRequest]:
    """Every request that puts text in front of people: callbacks with data, webhooks, posts."""
    found = []
    for request in fake.requests:
        if request.method not in {"POST", "PATCH"} or not isinstance(request.json, dict):
            continue
        body = request.message
        if any(body.get(key) for key in ("content", "embeds", "components")):
            found.append(request)
    return found


async def test_no_message_the_bot_sends_can_ping_anyone(
    fake_discord: FakeDiscord, bot_settings: Settings, built_db: Path
) -> None:
    base = FactBase(built_db)
    add_source(
        base,
        Actor.os_user("ops"),
        SourceDraft(f"{PINGS} were told the talks went well today.", source_id="pings"),
        "r",
    )
    base.close()
    role = fake_discord.add_role(ROLE)
    maintainer = fake_discord.make_user(f"{PINGS} alice", roles=(role,))
    slow = fake_discord.make_user("slowpoke")
    settings = replace(bot_settings, ask_cooldown_rate=2)
    async with start_bot(fake_discord, settings):
        fake = fake_discord
        answer = await fake.reply(
            await fake.slash("ask", {"question": f"{PINGS} who is hajizada?"})
        )
        await fake.reply(
            await fake.slash(
                "ask", {"question": f"{PINGS} what is the capital of mars?"}, user=maintainer
            )
        )
        buttons = [
            i["custom_id"]
            for row in answer.message.get("components") or []
            for i in row["components"]
        ]
        if buttons:
            await fake.reply(await fake.click(fake.stored_message(answer), buttons[0]))
        message = await fake.post_message(
            f"{PINGS} who was told?", mention_bot=True, mention_everyone=True
        )
        await fake.channel_reply(message)
        # From its own user: the cooldown (2 per window) must not swallow the DM's reply.
        writer = fake_discord.make_user("dm writer")
        await fake.channel_reply(
            await fake.post_message(f"{PINGS} who is hajizada?", dm=True, author=writer)
        )
        for _ in range(3):
            await fake.reply(await fake.slash("ask", {"question": "who is hajizada"}, user=slow))
        await fake.reply(await fake.slash("sources"))
        await fake.reply(await fake.slash("about"))
        for sub, options in (
            ("add", {"quote": f"{PINGS} were told", "reason": PINGS, "note": PINGS}),
            ("show", {"fact": "pings:1"}),
            ("history", {}),
        ):
            await fake.reply(await fake.slash("fact", options, user=maintainer, subcommand=sub))
        await fake.reply(await fake.slash("gaps", {}, user=maintainer))
        article = fake_payloads.Upload("pings-too.md", f"{PINGS} heard it too.".encode())
        for sub, options in (
            ("add", {"file": article, "reason": PINGS, "outlet": PINGS}),
            ("edit", {"source": "pings", "title": PINGS, "reason": PINGS}),
        ):
            await fake.reply(await fake.slash("source", options, user=maintainer, subcommand=sub))
        await fake.reply(await fake.slash("fact", {}, subcommand="history"))  # refused
        sent = await fake.slash("summary", {"pin": True})
        last = await fake.wait_for_request(
            lambda r: (
                r.path.startswith(f"/webhooks/{fake.app_id}/{sent.token}")
                and bool(r.message.get("components"))
            )
        )
        post = next(
            i["custom_id"]
            for row in last.message["components"]
            for i in row["components"]
            if i.get("label") == "Post in channel"
        )
        click = await fake.click(fake.stored_message(last), post)
        await fake.wait_for_request(
            lambda r: r.path.startswith(f"/webhooks/{fake.app_id}/{click.token}"), timeout=10
        )

    bodies = message_bodies(fake_discord)
    kinds = {
        ("callback" if r.path.endswith("/callback") else r.path.split("/")[1], r.method)
        for r in bodies
    }
    assert {("callback", "POST"), ("webhooks", "POST"), ("channels", "POST")} <= kinds
    print(sorted(kinds), len(bodies))
    assert len(bodies) >= 15
    for request in bodies:
        mentions = request.message.get("allowed_mentions")
        assert mentions is not None, f"{request.method} {request.path} sends no allowed_mentions"
        assert mentions["parse"] == [], (request.path, mentions)
        assert not mentions.get("users") and not mentions.get("roles")
        assert not mentions.get("replied_user", False)


# --- Markdown stays text ------------------------------------------------------------------


def shown(text: str) -> str:
    """What Discord displays for escaped text: backslash escapes dropped, ZWSP removed."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.S).replace("\u200b", "")


@pytest.mark.parametrize(
    "text",
    [
        "see [site](https://evil.example)",
        "a](b",
        "[a\nb](https://evil.example)",
        "[[x]](https://e.example)",
    ],
    ids=["masked-link", "half-link", "label-over-two-lines", "nested"],
)
def test_masked_links_in_quotes_attributions_and_questions_are_shown_as_text(text: str) -> None:
    from bot import render

    shown = render.render_answer(_answer_made_of(text, url="https://trt.example/a")).embed.to_dict()
    assert unescaped_links(shown["title"]) == 0
    assert unescaped_links(shown["description"]) == 0
    [source_field] = [f for f in shown["fields"] if f["name"] == "Source"]
    assert unescaped_links(source_field["value"]) == 1, "only the link to the source itself"
    abstained = Answer(question=text, answered=False, suggestions=(text,), message=text)
    assert unescaped_links(render.render_answer(abstained).embed.to_dict()["description"]) == 0


@pytest.mark.parametrize(
    "text",
    [
        "[**bold** _it_ ~~gone~~ ||spoiler|| `code`](x)",
        "Outlet |_*`~ [a]: b](https://x.example)",
    ],
    ids=["inside-brackets-and-parentheses", "bracket-in-name-paired-with-title"],
)
def test_markdown_between_a_bracket_and_a_parenthesis_is_escaped_too(text: str) -> None:
    """discord.py's `escape_markdown` passes a one-line `[...](...)` through with only one
    backslash in front, so the bold, spoilers and code inside it stayed live (found by
    `bench/fuzz.py --examples 3000`, a source's name joined to its title)."""
    from bot import render

    embed = render.render_answer(_answer_made_of(text, url=None)).embed.to_dict()
    [source_field] = [f for f in embed["fields"] if f["name"] == "Source"]
    for rendered in (embed["title"], embed["description"], source_field["value"]):
        assert unescaped_markup(rendered) == [], rendered
        assert unescaped_links(rendered) == 0, rendered
    assert shown(source_field["value"]) == f"{text}: {text}"
    assert shown(render.escape_text(text)) == text


def test_markdown_in_questions_quotes_and_sources_cannot_change_the_layout(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    """The property lives in hardening_fuzz.check_render (bench/fuzz.py runs it longer)."""
    tried = run_target(TARGETS["discord render"], tmp_path, 300)
    record_property("inputs_tried", tried)
    assert tried >= 150


async def test_markdown_in_a_question_is_shown_as_typed_in_discord(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    question = "**who** is __Hajizada__? ||spoiler|| `code` ~~x~~ [link](https://evil.example) # h"
    async with start_bot(fake_discord, bot_settings):
        reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": question}))
    title = reply.message["embeds"][0]["title"]
    assert unescaped_markup(title) == []
    assert shown(title) == question


# --- paths stay in their folders ------------------------------------------------------------


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "name",
    ["..%2f..%2fescape.md", "...md", ".hidden.md", "a b;rm -rf x.md", "Ünïcode ‮txt.md", "-rf.md"],
)
def test_ingested_file_names_become_safe_ids_and_export_writes_only_inside_its_folder(
    tmp_path: Path, built_db: Path, name: str
) -> None:
    article = tmp_path / "in" / name
    article.parent.mkdir()
    article.write_text("The ministers met in Tbilisi on Monday. They agreed to meet again soon.\n")
    [report] = ingest_paths(built_db, [article])
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", report.source_id), report.source_id
    before = files_under(tmp_path)
    out = tmp_path / "out"
    base = FactBase(built_db)
    try:
        export_knowledge(base, out)
    finally:
        base.close()
    new = files_under(tmp_path) - before
    assert new and all(out in path.parents for path in new)
    assert (out / "sources" / f"{report.source_id}.md").is_file()


@pytest.mark.parametrize(
    "source_id", ["../../escaped", "../escaped", "/tmp/escaped", "a/b", "..", "x\\..\\y"]
)
def test_source_ids_that_look_like_paths_are_refused_and_write_nothing(
    built_db: Path, source_id: str, tmp_path: Path
) -> None:
    base = FactBase(built_db)
    try:
        with pytest.raises(InputError, match="must be lowercase letters"):
            add_source(
                base,
                Actor.os_user(),
                SourceDraft("The ministers met in Tbilisi.", source_id=source_id),
                "r",
            )
    finally:
        base.close()
    assert not Path("/tmp/escaped.md").exists() and not Path("/escaped.md").exists()


def test_export_never_writes_outside_its_folder_even_for_a_planted_id(
    built_db: Path, tmp_path: Path
) -> None:
    """A base edited by hand (or by an older factbot) with a path-like source id."""
    conn = sqlite3.connect(built_db)
    conn.execute(
        "INSERT INTO sources (id, outlet, text, origin, added_at) VALUES (?, 'X', 'Planted text here.', 'edit', 'now')",
        ["../../planted"],
    )
    conn.commit()
    conn.close()
    out = tmp_path / "deep" / "out"
    before = files_under(tmp_path)
    base = FactBase(built_db)
    try:
        with pytest.raises(InputError, match="planted"):
            export_knowledge(base, out)
    finally:
        base.close()
    assert files_under(tmp_path) - before <= {p for p in files_under(tmp_path) if out in p.parents}
    assert not (tmp_path / "planted.md").exists()


def test_a_knowledge_file_linking_outside_the_folder_is_refused(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.env"
    secret.write_text(
        "DISCORD_TOKEN=abc\nThe deploy key is stored in the vault under ops said Bob.\n"
    )
    (knowledge_dir / "sources" / "leak.md").symlink_to(secret)
    with pytest.raises(KnowledgeError, match="outside"):
        load_knowledge(knowledge_dir)
    with pytest.raises(KnowledgeError):
        build_fact_base(knowledge_dir, tmp_path / "leak.db")
    assert not (tmp_path / "leak.db").exists()


def test_export_does_not_write_through_a_linked_sources_folder(
    built_db: Path, knowledge_dir: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sources").symlink_to(elsewhere, target_is_directory=True)
    base = FactBase(built_db)
    try:
        with pytest.raises(InputError, match="outside"):
            export_knowledge(base, out)
    finally:
        base.close()
    assert list(elsewhere.iterdir()) == []


# --- SQL and FTS syntax is just text -----------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE passages; --",
    '"; DELETE FROM sources; --',
    "x' OR '1'='1",
    "passages_fts MATCH 'baku'",
    "terms:baku OR terms:moscow",
    "NEAR(baku moscow, 2)",
    "baku* AND NOT moscow^",
    '"unterminated',
    "((((",
    "1; ATTACH DATABASE '/tmp/x.db' AS x; --",
    "%_%",
    "' UNION SELECT text FROM sources --",
]


def schema_and_counts(db: Path) -> tuple[Any, ...]:
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        counts = tuple(
            conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in tables
            if t not in {"gaps", "gap_askers", "meta"}
        )
        return tuple(tables), counts
    finally:
        conn.close()


def test_sql_and_fts_syntax_in_questions_is_answered_as_text(built_db: Path) -> None:
    before = schema_and_counts(built_db)
    engine = AnswerEngine(built_db)
    recorder = GapRecorder(built_db, GapPolicy())
    for question in INJECTIONS:
        answer = engine.ask(question)
        recorder.record(answer)
        assert answer.question == question
    recorder.close()
    assert schema_and_counts(built_db) == before
    stored = {row[0] for row in sqlite3.connect(built_db).execute("SELECT question FROM gaps")}
    assert {q for q in INJECTIONS if not engine.ask(q).answered} <= stored, "stored as typed"
    assert not Path("/tmp/x.db").exists()


@pytest.mark.parametrize("value", INJECTIONS[:4])
def test_sql_in_maintainer_input_is_stored_or_refused_as_text(built_db: Path, value: str) -> None:
    base = FactBase(built_db)
    try:
        with pytest.raises(InputError, match="Unknown entity"):
            add_aliases(base, Actor.os_user("ops"), value, ["x"], "r")
        assert history(base, Actor.os_user("ops"), value) == []
        change = add_aliases(base, Actor.os_user("ops"), "baku", [value], value)
        assert change.reason == value
        aliases = {
            r[0] for r in base.db.execute("SELECT alias FROM aliases WHERE entity_id = 'baku'")
        }
        assert value in aliases
    finally:
        base.close()
    assert integrity_ok(built_db)


def integrity_ok(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    finally:
        conn.close()


def test_sql_in_cli_arguments_is_inert(built_db: Path) -> None:
    runner = CliRunner()
    before = schema_and_counts(built_db)
    for value in INJECTIONS:
        for args in (
            ["ask", "--json", value],
            ["fact", "show", value],
            ["fact", "history", value],
            ["source", "show", value],
        ):
            result = runner.invoke(cli, ["--db", str(built_db), *args])
            assert result.exit_code in (0, 2), result.output
            assert "sqlite" not in result.output.lower() and "syntax error" not in result.output
    assert schema_and_counts(built_db) == before


@pytest.fixture(autouse=True)
def _no_planted_files() -> Iterator[None]:
    yield
    for leftover in ("/tmp/escaped.md", "/escaped.md", "/tmp/x.db"):
        Path(leftover).unlink(missing_ok=True)


def test_settings_repr_hides_the_token() -> None:
    settings = Settings(db_path=REPO_ROOT / "x.db", discord_token=SENTINEL)
    assert SENTINEL not in repr(settings) and SENTINEL not in str(settings)


def _answer_made_of(text: str, url: str | None) -> Answer:
    """An answer whose question, quote, attribution, outlet and title are all `text`."""
    return Answer(
        question=text,
        answered=True,
        quote=text,
        attribution=text,
        source=Source(id="s", outlet=text, title=text, url=url),
        confidence=0.9,
        passage_id="p",
    )
