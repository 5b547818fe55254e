"""One family of errors, each message written for the person who made the mistake.

The CLI turns a `FactbotError` into a one-line message and an exit status; the bot into a short
private reply. Tracebacks go to the log, never to the user.
"""

from __future__ import annotations

from pathlib import Path


class FactbotError(Exception):
    """Base of every error the user can do something about."""

    exit_code = 1


class InputError(FactbotError):
    """The user's input cannot be used as given (empty question, unknown id, bad option)."""

    exit_code = 2


class KnowledgeError(FactbotError):
    """A knowledge file is malformed or a quote in it is not verbatim in its source."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class DatabaseError(FactbotError):
    """The fact base is missing, corrupt, locked or read-only; the message says how to recover."""


class PermissionDenied(FactbotError):
    """The person asking is not allowed to do this (maintainer or moderator only)."""

    exit_code = 2


class ModelRefused(FactbotError):
    """The installed sentence model is not the file factbot was measured with: it is not run."""
