"""The loopback fake of Discord: REST routes and a gateway websocket on 127.0.0.1.

It plays Discord's side of the conversation for a real discord.py client: READY and GUILD_CREATE
after IDENTIFY, replay and RESUMED after RESUME, interaction callbacks that return what the 2.7
client expects (`with_response=1`), webhook follow-ups, channel messages, command sync. Every REST
call the bot makes is captured as a `CapturedRequest` so tests assert on the JSON users would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from . import payloads as p
from .payloads import JSON

HEARTBEAT_INTERVAL_MS = 41_250
DEFAULT_TIMEOUT = 5.0
DEFERRED_TYPES = {5, 6}
CDN_CHUNK = 64 * 1024
RequestPredicate = Callable[["CapturedRequest"], bool]
Handler = Callable[["CapturedRequest", re.Match[str]], Awaitable[web.Response]]


@dataclass
class CapturedRequest:
    """One REST call the bot made; `path` is relative to the API base (e.g. `/users/@me`)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    authorization: str | None
    at: float

    @property
    def flags(self) -> int:
        return int(self.message.get("flags") or 0)

    @property
    def message(self) -> JSON:
        """The message body: `data` of an interaction callback, else the JSON body itself."""
        body = self.json if isinstance(self.json, dict) else {}
        data = body.get("data") if "type" in body and self.path.endswith("/callback") else body
        return data if isinstance(data, dict) else {}


@dataclass
class SentInteraction:
    """An INTERACTION_CREATE the fake sent, with the time it went out (for latency)."""

    id: int
    token: str
    payload: JSON
    sent_at: float = 0.0
    acknowledged: bool = False
    original_message_id: int | None = None


@dataclass
class Download:
    """One request for an attached file; `sent` counts the bytes written before the bot hung up."""

    attachment_id: int
    sent: int = 0
    finished: bool = False


@dataclass
class GatewaySession:
    """One gateway session: survives a dropped socket so that RESUME can replay what was missed."""

    session_id: str
    shard: tuple[int, int]
    sequence: int = 0
    sent: list[JSON] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class FakeDiscord:
    """Discord on 127.0.0.1 for one test: one guild with channels, roles, users, and the bot."""

    TOKEN = "fake-bot-token.do-not-log"

    def __init__(self, *, token: str = TOKEN, allow_message_content: bool = True) -> None:
        self.token = token
        self.allow_message_content = allow_message_content
        self.app_id = p.snowflake()
        self.bot_id = p.snowflake()
        self.bot_user = p.user(self.bot_id, "factbot", bot=True)
        self.owner = p.user(p.snowflake(), "owner")
        self.guild_id = p.snowflake()
        self.channel_id = p.snowflake()
        self.other_channel_id = p.snowflake()
        self.thread_id = p.snowflake()
        self.bot_role_id = p.snowflake()
        self.users: dict[int, JSON] = {}
        self.member_roles: dict[int, tuple[int, ...]] = {}
        self.roles: list[JSON] = [
            p.role(self.guild_id, "@everyone", position=0),
            p.role(self.bot_role_id, "factbot", bot_id=self.bot_id),
        ]
        self.user = self.make_user("reader")
        self.requests: list[CapturedRequest] = []
        self.unhandled: list[CapturedRequest] = []
        self.rejected: list[CapturedRequest] = []
        self.messages: dict[int, JSON] = {}
        self.commands: dict[int | None, list[JSON]] = {}
        self.interactions: dict[str, SentInteraction] = {}
        self.sessions: dict[str, GatewaySession] = {}
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        self.dm_channels: dict[int, int] = {}
        self.uploads: dict[int, p.Upload] = {}
        self.downloads: list[Download] = []
        self._waiters: list[tuple[RequestPredicate, asyncio.Future[CapturedRequest]]] = []
        self._resumed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = self._route_table()

    # ----- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_base(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this fake for the block."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.rest_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @contextlib.asynccontextmanager
    async def running(
        self, client: discord.Client, *, timeout: float = 10.0
    ) -> AsyncIterator[discord.Client]:
        """Start `client` against this fake, wait until it is ready, close it afterwards."""
        task = asyncio.create_task(client.start(self.token), name="fake-discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                task.result()
                raise RuntimeError("the client stopped before it became ready")
            if ready not in done:
                raise TimeoutError("the client did not become ready against the fake")
            yield client
        finally:
            ready.cancel()
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout)

    # ----- the world -------------------------------------------------------------------------

    def make_user(self, name: str, *, roles: tuple[int, ...] = (), bot: bool = False) -> JSON:
        """A guild member the fake knows; `roles` are role ids from `add_role`."""
        payload = p.user(p.snowflake(), name, bot=bot)
        self.users[int(payload["id"])] = payload
        self.member_roles[int(payload["id"])] = roles
        return payload

    def add_role(self, name: str) -> int:
        """A guild role (call before the bot connects, or dispatch GUILD_ROLE_CREATE yourself)."""
        role_id = p.snowflake()
        self.roles.append(p.role(role_id, name, position=len(self.roles)))
        return role_id

    def guild_payload(self) -> JSON:
        members = [p.member(self.bot_user, (self.bot_role_id,))]
        members += [p.member(u, self.member_roles[int(u["id"])]) for u in self.users.values()]
        channels = [
            p.text_channel(self.channel_id, self.guild_id, "news", position=0),
            p.text_channel(self.other_channel_id, self.guild_id, "off-topic", position=1),
        ]
        threads = [
            p.thread(self.thread_id, self.guild_id, self.channel_id, "questions", self.owner_id)
        ]
        return p.guild(
            self.guild_id,
            "Newsroom",
            owner_id=self.owner_id,
            channels=channels,
            roles=self.roles,
            members=members,
            threads=threads,
        )

    @property
    def owner_id(self) -> int:
        return int(self.owner["id"])

    def channel_payload(self, channel_id: int) -> JSON:
        if channel_id == self.thread_id:
            return p.thread(
                self.thread_id, self.guild_id, self.channel_id, "questions", self.owner_id
            )
        return p.text_channel(
            channel_id, self.guild_id, "news" if channel_id == self.channel_id else "off-topic"
        )

    def dm_channel_id(self, user_payload: JSON) -> int:
        return self.dm_channels.setdefault(int(user_payload["id"]), p.snowflake())

    # ----- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        )
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            packet = json.loads(frame.data)
            op = packet.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, packet["d"])
            elif op == 6:
                await self._resume(ws, packet["d"])
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> None:
        self.identifies.append(data)
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if int(data.get("intents", 0)) & (1 << 15) and not self.allow_message_content:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard_id, shard_count = data.get("shard") or (0, 1)
        session = GatewaySession(
            session_id=secrets.token_hex(16), shard=(shard_id, shard_count), ws=ws
        )
        self.sessions[session.session_id] = session
        guilds = [g for g in (self.guild_id,) if self.shard_of(g, shard_count) == shard_id]
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(session, "READY", ready)
        if guilds:
            await self._send(session, "GUILD_CREATE", self.guild_payload())

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> None:
        self.resumes.append(data)
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        session.ws = ws
        missed = [packet for packet in session.sent if packet["s"] > int(data.get("seq") or 0)]
        async with session.lock:
            for packet in missed:
                await ws.send_str(json.dumps(packet))
        await self._send(session, "RESUMED", {})
        self._resumed.set()

    async def _send(self, session: GatewaySession, event: str, data: JSON) -> float:
        """Send one DISPATCH (buffered for replay); returns the time it left, or 0.0 if queued."""
        async with session.lock:
            session.sequence += 1
            packet = {"op": 0, "t": event, "s": session.sequence, "d": data}
            session.sent.append(packet)
            ws = session.ws
            if ws is None or ws.closed:
                return 0.0
            sent_at = time.perf_counter()
            await ws.send_str(json.dumps(packet))
            return sent_at

    @staticmethod
    def shard_of(guild_id: int, shard_count: int) -> int:
        return (guild_id >> 22) % shard_count

    def _session_for(self, guild_id: int | None) -> GatewaySession:
        """The session Discord would use: the guild's shard, or shard 0 for DMs."""
        if not self.sessions:
            raise RuntimeError("no client has identified with the fake gateway yet")
        for session in reversed(list(self.sessions.values())):
            shard_id, shard_count = session.shard
            wanted = 0 if guild_id is None else self.shard_of(guild_id, shard_count)
            if shard_id == wanted:
                return session
        raise RuntimeError(f"no connected shard handles guild {guild_id}")

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> float:
        """Send a gateway event to the shard that owns `guild_id` (shard 0 when None)."""
        return await self._send(self._session_for(guild_id), event, data)

    async def disconnect(self, code: int = 4000) -> None:
        """Drop every gateway socket the way a network blip does; the client should RESUME."""
        self._resumed.clear()
        for session in self.sessions.values():
            ws, session.ws = session.ws, None
            if ws is not None and not ws.closed:
                await ws.close(code=code, message=b"Fake network blip.")

    async def wait_resumed(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        await asyncio.wait_for(self._resumed.wait(), timeout)

    # ----- what users do ---------------------------------------------------------------------

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: JSON | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        subcommand: str | None = None,
    ) -> SentInteraction:
        """Someone runs `/name option:value` (in `channel_id`, default #news, or in a DM)."""
        guild_id = None if dm else self.guild_id
        command_id = self._command_id(name)
        scope = self.guild_id if guild_id in self.commands else None
        resolved = self._resolve_uploads(options or {})
        if subcommand is None:
            data = p.slash_data(command_id, name, options or {}, scope, resolved)
        else:
            data = p.subcommand_data(command_id, name, subcommand, options or {}, scope, resolved)
        return await self._interact(2, data, user=user, channel_id=channel_id, dm=dm)

    def _resolve_uploads(self, options: dict[str, Any]) -> JSON | None:
        """Files given as `p.Upload` options: served from the fake's CDN, listed in `resolved`."""
        uploads = [value for value in options.values() if isinstance(value, p.Upload)]
        for upload in uploads:
            self.uploads[upload.id] = upload
        if not uploads:
            return None
        base = f"http://127.0.0.1:{self._port}/attachments"
        return {
            "attachments": {
                str(u.id): p.attachment(u, f"{base}/{u.id}/{u.filename}") for u in uploads
            }
        }

    async def click(
        self, message: JSON, custom_id: str, *, user: JSON | None = None
    ) -> SentInteraction:
        """Someone presses the button `custom_id` on `message` (a payload the bot sent)."""
        channel_id = int(message["channel_id"])
        dm = channel_id in self.dm_channels.values()
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(
            3, data, user=user, channel_id=channel_id, dm=dm, message=message
        )

    async def _interact(
        self,
        kind: int,
        data: JSON,
        *,
        user: JSON | None,
        channel_id: int | None,
        dm: bool,
        message: JSON | None = None,
    ) -> SentInteraction:
        invoker = user or self.user
        if dm:
            channel = p.dm_channel(self.dm_channel_id(invoker), invoker)
        else:
            channel = self.channel_payload(channel_id or self.channel_id)
        sent = SentInteraction(id=p.snowflake(), token=secrets.token_urlsafe(24), payload={})
        sent.payload = p.interaction(
            sent.id,
            application_id=self.app_id,
            kind=kind,
            token=sent.token,
            data=data,
            invoker=invoker,
            channel=channel,
            guild_id=None if dm else self.guild_id,
            roles=self.member_roles.get(int(invoker["id"]), ()),
            message_payload=message,
        )
        self.interactions[sent.token] = sent
        sent.sent_at = await self.dispatch(
            "INTERACTION_CREATE", sent.payload, guild_id=None if dm else self.guild_id
        )
        return sent

    async def post_message(
        self,
        content: str,
        *,
        author: JSON | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        mention_bot: bool = False,
        mentions: list[JSON] | None = None,
        mention_roles: list[int] | None = None,
        mention_everyone: bool = False,
    ) -> JSON:
        """Someone writes a message; with `mention_bot` the content starts with the bot's mention."""
        writer = author or self.user
        people = list(mentions or [])
        if mention_bot:
            content = f"<@{self.bot_id}> {content}"
            people.append(self.bot_user)
        if dm:
            target, guild_id, member = self.dm_channel_id(writer), None, None
        else:
            target = channel_id or self.channel_id
            guild_id = self.guild_id
            member = p.member(None, self.member_roles.get(int(writer["id"]), ()))
        mention_payloads = [dict(u, member=p.member(None)) if guild_id else u for u in people]
        message = p.message(
            p.snowflake(),
            target,
            writer,
            content=content,
            guild_id=guild_id,
            author_member=member,
            mentions=mention_payloads,
            mention_roles=mention_roles,
            mention_everyone=mention_everyone,
        )
        await self.dispatch("MESSAGE_CREATE", message, guild_id=guild_id)
        return message

    def _command_id(self, name: str) -> int:
        for registered in self.commands.values():
            for command in registered:
                if command["name"] == name:
                    return int(command["id"])
        return p.snowflake()

    # ----- waiting on the bot ----------------------------------------------------------------

    async def wait_for_request(
        self, predicate: RequestPredicate, *, timeout: float = DEFAULT_TIMEOUT
    ) -> CapturedRequest:
        """The first captured request (past or future) that satisfies `predicate`."""
        for captured in self.requests:
            if predicate(captured):
                return captured
        future: asyncio.Future[CapturedRequest] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    async def callback(
        self, sent: SentInteraction, *, timeout: float = DEFAULT_TIMEOUT
    ) -> CapturedRequest:
        """The interaction callback the bot posted for `sent` (type 4 reply, 5 defer, ...)."""
        path = f"/interactions/{sent.id}/{sent.token}/callback"
        return await self.wait_for_request(lambda r: r.path == path, timeout=timeout)

    async def reply(
        self, sent: SentInteraction, *, timeout: float = DEFAULT_TIMEOUT
    ) -> CapturedRequest:
        """The request that carries the visible answer: the callback, or the follow-up after a defer."""
        first = await self.callback(sent, timeout=timeout)
        if first.json.get("type") not in DEFERRED_TYPES:
            return first
        prefix = f"/webhooks/{self.app_id}/{sent.token}"
        return await self.wait_for_request(
            lambda r: r.path.startswith(prefix) and r.method in {"POST", "PATCH"}, timeout=timeout
        )

    async def channel_reply(self, to: JSON, *, timeout: float = DEFAULT_TIMEOUT) -> CapturedRequest:
        """The message the bot posted in reply to the message `to`."""

        def replies(r: CapturedRequest) -> bool:
            reference = r.json.get("message_reference") if isinstance(r.json, dict) else None
            return (
                r.method == "POST"
                and r.path == f"/channels/{to['channel_id']}/messages"
                and bool(reference)
                and str(reference.get("message_id")) == str(to["id"])
            )

        return await self.wait_for_request(replies, timeout=timeout)

    def stored_message(self, captured: CapturedRequest) -> JSON:
        """The message the fake created for `captured` (as Discord would return it)."""
        for stored in reversed(self.messages.values()):
            if stored.get("_request") is captured:
                return {k: v for k, v in stored.items() if k != "_request"}
        raise LookupError(f"no message was created by {captured.method} {captured.path}")

    # ----- the CDN ---------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        """An attached file, streamed without a length (as a chunked CDN reply may be), so only
        the reader's own limit stops a file larger than its announced size."""
        upload = self.uploads.get(int(request.match_info["id"]))
        if upload is None:
            return web.Response(status=404)
        download = Download(upload.id)
        self.downloads.append(download)
        response = web.StreamResponse(headers={"Content-Type": upload.content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for start in range(0, len(upload.data), CDN_CHUNK):
                chunk = upload.data[start : start + CDN_CHUNK]
                await response.write(chunk)
                download.sent += len(chunk)
            await response.write_eof()
            download.finished = True
        except (ConnectionError, RuntimeError):
            pass  # the reader hung up: what `sent` says is all it could have read
        return response

    # ----- REST ------------------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/gateway(?:/bot)?", self._get_gateway),
            ("PUT", r"/applications/(\d+)(?:/guilds/(\d+))?/commands", self._put_commands),
            ("GET", r"/applications/(\d+)(?:/guilds/(\d+))?/commands", self._get_commands),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._interaction_callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("GET", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self._get_webhook_message),
            (
                "PATCH",
                r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)",
                self._edit_webhook_message,
            ),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self._no_content),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("POST", r"/channels/(\d+)/typing", self._no_content),
            ("POST", r"/users/@me/channels", self._open_dm),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    async def _rest(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        body: Any = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                raw = form.get("payload_json")
                body = json.loads(raw) if isinstance(raw, str) else None
            else:
                text = await request.text()
                body = json.loads(text) if text else None
        captured = CapturedRequest(
            method=request.method,
            path="/" + request.match_info["tail"],
            query=dict(request.query),
            json=body,
            authorization=request.headers.get("Authorization"),
            at=at,
        )
        if not _token_in_path(captured.path) and captured.authorization != f"Bot {self.token}":
            self.rejected.append(captured)
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        response = await self._route(captured)
        self.requests.append(captured)
        self._wake(captured)
        return response

    async def _route(self, captured: CapturedRequest) -> web.Response:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(captured.path)
            if match and method == captured.method:
                return await handler(captured, match)
        self.unhandled.append(captured)
        return _json(
            {"message": "404: Not Found (route missing from the fake)", "code": 0}, status=404
        )

    def _wake(self, captured: CapturedRequest) -> None:
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(captured):
                future.set_result(captured)

    async def _get_me(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        return _json(dict(self.bot_user, verified=True, mfa_enabled=False, flags=0))

    async def _get_application(
        self, captured: CapturedRequest, match: re.Match[str]
    ) -> web.Response:
        return _json(p.application(self.app_id, self.owner))

    async def _get_gateway(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _put_commands(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        guild_id = int(match.group(2)) if match.group(2) else None
        registered = []
        for command in captured.json or []:
            entry = dict(
                command, id=str(p.snowflake()), application_id=str(self.app_id), version="1"
            )
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            entry.setdefault("description", "")
            registered.append(entry)
        self.commands[guild_id] = registered
        return _json(registered)

    async def _get_commands(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        guild_id = int(match.group(2)) if match.group(2) else None
        return _json(self.commands.get(guild_id, []))

    async def _interaction_callback(
        self, captured: CapturedRequest, match: re.Match[str]
    ) -> web.Response:
        sent = self.interactions.get(match.group(2))
        if sent is None or sent.id != int(match.group(1)):
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if sent.acknowledged:
            self.rejected.append(captured)
            return _json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, status=400
            )
        sent.acknowledged = True
        kind = int(captured.json.get("type", 0))
        data = captured.json.get("data") or {}
        interaction = {"id": str(sent.id), "type": sent.payload["type"]}
        if kind in {4, 5}:
            flags = int(data.get("flags") or 0)
            stored = self._store_message(
                captured, sent, {**data, "content": data.get("content") or ""}
            )
            sent.original_message_id = int(stored["id"])
            interaction.update(
                response_message_id=stored["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags & p.EPHEMERAL),
            )
            return _json(
                {
                    "interaction": interaction,
                    "resource": {"type": kind, "message": self._public(stored)},
                }
            )
        if kind == 7 and "message" in sent.payload:
            stored = self.messages[int(sent.payload["message"]["id"])]
            stored.update(
                {k: v for k, v in data.items() if k in {"content", "embeds", "components", "flags"}}
            )
            return _json(
                {
                    "interaction": interaction,
                    "resource": {"type": kind, "message": self._public(stored)},
                }
            )
        return _json({"interaction": interaction, "resource": {"type": kind}})

    async def _followup(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        sent = self.interactions.get(match.group(2))
        if sent is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        stored = self._store_message(captured, sent, captured.json or {})
        return _json(self._public(stored))

    async def _get_webhook_message(
        self, captured: CapturedRequest, match: re.Match[str]
    ) -> web.Response:
        stored = self._webhook_message(match)
        if stored is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        return _json(self._public(stored))

    async def _edit_webhook_message(
        self, captured: CapturedRequest, match: re.Match[str]
    ) -> web.Response:
        stored = self._webhook_message(match)
        if stored is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        stored.update({k: v for k, v in (captured.json or {}).items() if k != "allowed_mentions"})
        stored["_request"] = captured
        return _json(self._public(stored))

    def _webhook_message(self, match: re.Match[str]) -> JSON | None:
        sent = self.interactions.get(match.group(2))
        if sent is None:
            return None
        message_id = (
            sent.original_message_id if match.group(3) == "@original" else int(match.group(3))
        )
        return self.messages.get(message_id or 0)

    async def _create_message(
        self, captured: CapturedRequest, match: re.Match[str]
    ) -> web.Response:
        channel_id = int(match.group(1))
        body = captured.json or {}
        guild_id = None if channel_id in self.dm_channels.values() else self.guild_id
        stored = p.message(
            p.snowflake(),
            channel_id,
            self.bot_user,
            content=body.get("content") or "",
            guild_id=guild_id,
            embeds=body.get("embeds"),
            components=body.get("components"),
            flags=int(body.get("flags") or 0),
            message_reference=body.get("message_reference"),
        )
        stored["_request"] = captured
        self.messages[int(stored["id"])] = stored
        return _json(self._public(stored))

    async def _open_dm(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        recipient_id = int((captured.json or {}).get("recipient_id", 0))
        recipient = self.users.get(recipient_id, p.user(recipient_id, "someone"))
        return _json(p.dm_channel(self.dm_channel_id(recipient), recipient))

    async def _no_content(self, captured: CapturedRequest, match: re.Match[str]) -> web.Response:
        return web.Response(status=204)

    def _store_message(self, captured: CapturedRequest, sent: SentInteraction, body: JSON) -> JSON:
        payload = sent.payload
        guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        invoker = payload["member"]["user"] if "member" in payload else payload["user"]
        stored = p.message(
            p.snowflake(),
            int(payload["channel"]["id"]),
            self.bot_user,
            content=body.get("content") or "",
            guild_id=guild_id,
            embeds=body.get("embeds"),
            components=body.get("components"),
            flags=int(body.get("flags") or 0),
            interaction_metadata={"id": str(sent.id), "type": payload["type"], "user": invoker},
            webhook_id=self.app_id,
        )
        stored["_request"] = captured
        self.messages[int(stored["id"])] = stored
        return stored

    @staticmethod
    def _public(stored: JSON) -> JSON:
        return {k: v for k, v in stored.items() if k != "_request"}


def _json(data: Any, *, status: int = 200) -> web.Response:
    """JSON with the exact content type discord.py checks (`application/json`, no charset)."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json"
    )


def _token_in_path(path: str) -> bool:
    """Interaction callbacks and webhooks authenticate by the token in their URL, not a header."""
    return path.startswith(("/interactions/", "/webhooks/"))
