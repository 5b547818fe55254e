"""A loopback fake of Discord for driving the real discord.py client in tests and benchmarks.

`FakeDiscord` (server.py) is an aiohttp server on 127.0.0.1: the REST routes the bot calls under
`/api/v10` and a gateway websocket (HELLO, READY, GUILD_CREATE, dispatches, RESUME with replay).
`fake.patched()` points `discord.http.Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY` at it.
Frames are plain-text JSON, which discord.py reads without decompression.

Fixtures (fixtures.py, available in every test):

- `fake_discord`: a started fake, patched in; the test fails if the bot calls an unknown route.
- `bot_settings`: `Settings` on the shared fact base with the fake's token; override it in a test
  module to change roles, channels or the cooldown.
- `discord_bot`: `create_bot(bot_settings)` connected and ready. For other options (an engine
  that fails, a different extension list) use `async with start_bot(fake, settings, **opts)`.

Writing a test::

    async def test_ask_answers_with_the_quote(fake_discord, discord_bot):
        sent = await fake_discord.slash("ask", {"question": "Who is Aykhan Hajizada?"})
        reply = await fake_discord.reply(sent)          # the callback, or the follow-up after a defer
        assert reply.json["data"]["allowed_mentions"] == {"parse": []}

What a test can do as a user: `slash(name, options, user=, channel_id=, dm=, subcommand=)`,
`click(message, custom_id)`, `post_message(text, mention_bot=, dm=, channel_id=, ...)`,
`make_user(name, roles=)`, `add_role(name)` (before the bot starts), `disconnect()` then
`wait_resumed()`. A file option is a `payloads.Upload(filename, data, size=)`: the fake serves it
from its CDN route and records each fetch in `downloads` (bytes sent, whether it finished). What it can read: `requests` (every `CapturedRequest`: method, path, query,
json, at), `wait_for_request(predicate)`, `callback(sent)`, `reply(sent)`, `channel_reply(message)`,
`stored_message(request)` (the message as Discord would return it, e.g. to click its buttons),
`identifies`, `resumes`, `commands` (what the bot synced, by guild id or None for global).
World ids: `guild_id`, `channel_id` (#news), `other_channel_id` (#off-topic), `thread_id`
(a thread in #news), `bot_id`, `bot_role_id`, `app_id`, `user` (a default member).
"""

from .harness import start_bot
from .server import CapturedRequest, FakeDiscord, SentInteraction

__all__ = ["CapturedRequest", "FakeDiscord", "SentInteraction", "start_bot"]
