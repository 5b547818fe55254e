"""Shared by the meaning and sketch tests."""

from __future__ import annotations

from factbot.index.meaning import Encoder, default_encoder


def encoder() -> Encoder:
    """The packaged sentence encoder; a test fails, rather than skips, if it cannot load."""
    loaded = default_encoder()
    assert loaded is not None, "the sentence encoder ships with the package"
    return loaded
