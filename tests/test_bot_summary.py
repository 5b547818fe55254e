"""`/summary` through the real discord.py client and the loopback fake.

A moderator gets a private preview; its button posts the same pages publicly with mentions off
(and pins on request); anyone else is refused. The fake gives every member all permissions, so
the refusal tests narrow one member's permissions in the payloads the fake builds.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import discord
import pytest
from fakes import CapturedRequest, FakeDiscord, start_bot
from fakes import payloads as fake_payloads
from fakes.server import Handler

from factbot.settings import Settings

EPHEMERAL = 1 << 6
NO_PINGS = {"parse": []}
SEND_ONLY = str(discord.Permissions(view_channel=True, send_messages=True).value)


class PinningDiscord(FakeDiscord):
    """The fake plus the one route `/summary` needs beyond it: pinning a message."""

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        pins = re.compile(r"/channels/(\d+)/messages/pins/(\d+)")
        return [*super()._route_table(), ("PUT", pins, self._no_content)]


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with PinningDiscord() as fake:
        with fake.patched():
            yield fake
    assert not fake.unhandled, f"the bot called routes the fake does not serve: {fake.unhandled}"


@pytest.fixture
def limited_members(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """User ids whose member payloads carry only View Channel and Send Messages."""
    limited: set[str] = set()
    original = fake_payloads.member

    def member(user_payload: Any, roles: Any = ()) -> Any:
        payload = original(user_payload, roles)
        if user_payload is not None and user_payload["id"] in limited:
            payload["permissions"] = SEND_ONLY
        return payload

    monkeypatch.setattr(fake_payloads, "member", member)
    yield limited


def webhook_posts(fake: FakeDiscord, sent: Any) -> list[CapturedRequest]:
    prefix = f"/webhooks/{fake.app_id}/{sent.token}"
    return [r for r in fake.requests if r.path.startswith(prefix) and r.method == "POST"]


def channel_posts(fake: FakeDiscord) -> list[CapturedRequest]:
    path = f"/channels/{fake.channel_id}/messages"
    return [r for r in fake.requests if r.path == path and r.method == "POST"]


def button(request: CapturedRequest, label: str) -> str:
    for row in request.message.get("components") or []:
        for item in row["components"]:
            if item.get("label") == label:
                return str(item["custom_id"])
    raise AssertionError(f"no {label!r} button in {request.message}")


async def preview(
    fake: FakeDiscord, options: dict[str, Any] | None = None
) -> list[CapturedRequest]:
    """Run /summary as the default member (a moderator in the fake) and wait for the buttons."""
    sent = await fake.slash("summary", options or {})
    callback = await fake.callback(sent)
    assert callback.json["type"] == 5
    assert callback.flags & EPHEMERAL
    await fake.wait_for_request(
        lambda r: (
            r.path.startswith(f"/webhooks/{fake.app_id}/{sent.token}")
            and bool(r.message.get("components"))
        )
    )
    return webhook_posts(fake, sent)


async def test_moderator_gets_a_private_preview_with_a_post_button(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    pages = await preview(fake_discord)

    assert pages and all(page.flags & EPHEMERAL for page in pages)
    assert all(page.message["allowed_mentions"] == NO_PINGS for page in pages)
    titles = [embed["title"] for page in pages for embed in page.message["embeds"]]
    assert titles[:4] == ["What happened", "Timeline", "Who's who", "What each side says"]
    assert button(pages[-1], "Post in channel")
    assert channel_posts(fake_discord) == [], "nothing is public before the moderator confirms"


def embed_text(embeds: list[Any]) -> str:
    parts = []
    for embed in embeds:
        parts.append(embed.get("description") or "")
        parts.extend(f"{item['name']}: {item['value']}" for item in embed.get("fields") or [])
    return "\n".join(parts)


def quotes(text: str) -> list[str]:
    return re.findall(r"“[^”]+”", text)


async def test_post_button_posts_the_summary_without_ids_notes_or_mentions(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    pages = await preview(fake_discord, {"length": "full"})
    message = fake_discord.stored_message(pages[-1])

    click = await fake_discord.click(message, button(pages[-1], "Post in channel"))
    done = await fake_discord.wait_for_request(
        lambda r: r.path.startswith(f"/webhooks/{fake_discord.app_id}/{click.token}")
    )

    posted = channel_posts(fake_discord)
    previewed = embed_text([e for page in pages for e in page.message["embeds"]])
    public = embed_text([e for p in posted for e in p.json["embeds"]])
    assert "`trt-azerbaijan-russia-protests:" in previewed and "Maintainers' note" in previewed
    for internal in (
        "trt-azerbaijan-russia-protests:",
        "russia-protests-unfriendly-actions",
        "entities.toml",
        "Maintainers' note",
    ):
        assert internal not in public
    assert quotes(public) and set(quotes(public)) <= set(quotes(previewed))
    titles = [e["title"] for p in posted for e in p.json["embeds"]]
    shown = [e["title"] for page in pages for e in page.message["embeds"]]
    assert titles == [title for title in shown if title != "What the sources don't say"]
    assert all(p.json["allowed_mentions"] == NO_PINGS for p in posted)
    assert all(int(p.json.get("flags") or 0) & EPHEMERAL == 0 for p in posted)
    assert "Posted the summary" in done.json["content"] and done.flags & EPHEMERAL
    edited = (await fake_discord.callback(click)).json
    assert edited["type"] == 7 and edited["data"]["components"] == []


async def test_pin_option_pins_the_first_posted_message(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    pages = await preview(fake_discord, {"pin": True, "length": "full"})
    message = fake_discord.stored_message(pages[-1])

    click = await fake_discord.click(message, button(pages[-1], "Post in channel"))
    pin = await fake_discord.wait_for_request(lambda r: "/pins/" in r.path)
    done = await fake_discord.wait_for_request(
        lambda r: r.path.startswith(f"/webhooks/{fake_discord.app_id}/{click.token}")
    )

    first = next(
        m for m in fake_discord.messages.values() if m["_request"] is channel_posts(fake_discord)[0]
    )
    assert pin.path == f"/channels/{fake_discord.channel_id}/messages/pins/{first['id']}"
    assert "Pinned" in done.json["content"]


async def test_discard_posts_nothing(fake_discord: FakeDiscord, discord_bot: Any) -> None:
    pages = await preview(fake_discord)
    message = fake_discord.stored_message(pages[-1])

    click = await fake_discord.click(message, button(pages[-1], "Discard"))
    edited = await fake_discord.callback(click)

    assert edited.json["type"] == 7
    assert "Discarded" in edited.json["data"]["content"]
    assert channel_posts(fake_discord) == []


async def test_member_without_manage_messages_or_the_role_is_refused(
    fake_discord: FakeDiscord, discord_bot: Any, limited_members: set[str]
) -> None:
    reader = fake_discord.make_user("reader-without-rights")
    limited_members.add(reader["id"])

    reply = await fake_discord.reply(await fake_discord.slash("summary", {}, user=reader))

    assert reply.flags & EPHEMERAL
    assert "Only moderators can post summaries" in reply.message["content"]
    assert not reply.message.get("embeds")
    assert channel_posts(fake_discord) == []


async def test_configured_moderator_role_is_enough(
    fake_discord: FakeDiscord, bot_settings: Settings, limited_members: set[str]
) -> None:
    role_id = fake_discord.add_role("moderators")
    moderator = fake_discord.make_user("mod", roles=(role_id,))
    limited_members.add(moderator["id"])
    settings = replace(bot_settings, moderator_role="moderators")

    async with start_bot(fake_discord, settings):
        sent = await fake_discord.slash("summary", {}, user=moderator)
        callback = await fake_discord.callback(sent)
        first = await fake_discord.reply(sent)

    assert callback.json["type"] == 5
    assert first.flags & EPHEMERAL and first.message["embeds"]


async def test_since_a_future_date_says_nothing_is_new_and_offers_no_button(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    reply = await fake_discord.reply(await fake_discord.slash("summary", {"since": "2999-01-01"}))

    assert reply.flags & EPHEMERAL
    assert "Nothing new in the fact base since 2999-01-01" in reply.message["content"]
    assert not reply.message.get("components")


async def test_a_bad_since_date_gets_a_private_explanation(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    reply = await fake_discord.reply(await fake_discord.slash("summary", {"since": "last week"}))

    assert reply.flags & EPHEMERAL
    assert "Give the since date as YYYY-MM-DD" in reply.message["content"]
