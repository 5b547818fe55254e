"""Read a file someone named, as a regular file only and never more than a limit.

Every command that reads an article or a knowledge file goes through `read_regular_file`:
`ingest`, `source add` and `build`. A link planted where an article was expected
(`statement.md -> ~/.env`) would otherwise have the bot quote the server's secrets to anyone
who asks; `/dev/zero` would grow memory until the process dies, and a FIFO would hang forever.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO


class FileRefused(Exception):
    """The file cannot be read as an article; `reason` says why, for the caller to phrase."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path`, refused if it is a link, not a regular file, or over `limit` bytes.

    The file is opened without following a final link and without blocking (a FIFO must not
    hang the open); what it is is then checked on the open descriptor, so nothing can swap it
    between the check and the read. At most `limit + 1` bytes are read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP or path.is_symlink():
            raise FileRefused("is a link; copy the file itself instead") from None
        raise FileRefused(f"cannot be read: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise FileRefused("is not a regular file (a device, FIFO, socket or folder)")
        os.set_blocking(descriptor, True)
        return read_at_most(handle, limit)


def read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of `handle`; one more byte means it is too large."""
    try:
        data = handle.read(limit + 1)
    except OSError as error:
        raise FileRefused(f"cannot be read: {error.strerror}") from None
    if len(data) > limit:
        raise FileRefused(f"is over {limit:,} bytes")
    return data
