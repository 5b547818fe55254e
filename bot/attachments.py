"""A file attached to a slash command, as bytes, never more than a limit.

`discord.Attachment.read()` downloads the whole file whatever its size. A maintainer's command
must not let a mislabelled 25 MB upload fill the bot's memory, so the size Discord reports is
checked first and the download stops at `limit + 1` bytes whatever the CDN then sends.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from factbot.errors import FactbotError, InputError

log = logging.getLogger(__name__)

DOWNLOAD_SECONDS = 30.0


class DownloadFailed(FactbotError):
    """Discord's CDN did not hand the file over; trying again usually works."""


def too_large(attachment: discord.Attachment, limit: int) -> InputError:
    return InputError(
        f"{attachment.filename} is over {limit:,} bytes; "
        "add longer documents with `factbot ingest` on the host."
    )


async def read_attachment(
    attachment: discord.Attachment,
    limit: int,
    *,
    proxy: str | None = None,
    proxy_auth: aiohttp.BasicAuth | None = None,
) -> bytes:
    """The attachment's bytes; refused (an `InputError`) if Discord's size or the body exceeds
    `limit`, without reading more than `limit + 1` bytes of it."""
    if attachment.size > limit:
        raise too_large(attachment, limit)
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(attachment.url, proxy=proxy, proxy_auth=proxy_auth) as response,
        ):
            if response.status != 200:
                raise DownloadFailed(_failed(attachment, f"HTTP {response.status}"))
            if (response.content_length or 0) > limit:
                response.close()
                raise too_large(attachment, limit)
            data = await _read_at_most(response, limit)
    except (TimeoutError, aiohttp.ClientError) as error:
        log.warning("attachment %s: download failed: %r", attachment.id, error)
        raise DownloadFailed(_failed(attachment, type(error).__name__)) from None
    if len(data) > limit:
        raise too_large(attachment, limit)
    return data


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most `limit + 1` bytes of the body; the connection is dropped if there is more."""
    data = bytearray()
    while len(data) <= limit:
        chunk = await response.content.read(limit + 1 - len(data))
        if not chunk:
            return bytes(data)
        data += chunk
    response.close()
    return bytes(data)


def _failed(attachment: discord.Attachment, why: str) -> str:
    return f"I could not download {attachment.filename} from Discord ({why}); please try again."
