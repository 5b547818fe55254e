"""Environment and `.env` -> one frozen `Settings` object.

Every setting is listed, commented, with its default in `.env.example`. Values are validated
here so a typo in a deployment fails at start with the variable's name, not later in a handler.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from factbot.errors import InputError

# Calibrated on bench/incident_questions.jsonl (90 answerable, 57 unanswerable, 22 of those about
# the incident but not said by the sources): the highest threshold that still answers 95% of the
# answerable questions right (the least confident rightly answered one needed: 0.430), midway to
# the next unanswerable question below it (0.389): 95.6% answered right, 82.5% abstained.
# `python bench/accuracy.py` prints the rule's value. The ten unanswerable ones above ask about
# people, numbers or outcomes next to ones the sources give ("who killed the brothers", "were the
# Sputnik employees released", "what was the cause of death").
DEFAULT_MIN_CONFIDENCE = 0.41

# How long a conversation's last question is kept to read a follow-up ("who are they?") against:
# long enough for a reply to be read and a next question typed, short enough that a question
# asked later in the same channel is not taken as leaning on an old one.
DEFAULT_FOLLOW_UP_SECONDS = 300.0
MAX_FOLLOW_UP_SECONDS = 86_400.0

PACKAGE_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_ROOT.parent.parent

_Getter = Callable[[str], str | None]


def default_knowledge_dir() -> Path:
    """`knowledge/` of the checkout the package was installed from, else of the current folder."""
    for candidate in (REPO_ROOT / "knowledge", Path.cwd() / "knowledge"):
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "knowledge"


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("factbot.db")
    knowledge_dir: Path = field(default_factory=default_knowledge_dir)
    # Where computed model tables are kept (sketch.py); None: the platform's user cache folder.
    cache_dir: Path | None = None
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    discord_token: str | None = None
    guild_id: int | None = None
    channel_ids: frozenset[int] = frozenset()
    maintainer_role: str = "factbot-maintainer"
    moderator_role: str | None = None
    ask_cooldown_seconds: float = 10.0
    ask_cooldown_rate: int = 3
    follow_up_seconds: float = DEFAULT_FOLLOW_UP_SECONDS
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    gaps_store_questions: bool = True
    gaps_store_user_ids: bool = False
    log_level: str = "INFO"
    message_content_intent: bool = False

    def __repr__(self) -> str:
        token = "set" if self.discord_token else "unset"
        return f"Settings(db_path={self.db_path!s}, discord_token=<{token}>)"


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings from `environ` (default: the process environment) over an optional `.env`.

    Real environment variables win over `.env`, as python-dotenv does by default.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    shard_count = _int(get, "DISCORD_SHARD_COUNT", minimum=1)
    shard_ids = _int_list(get, "DISCORD_SHARD_IDS")
    if shard_ids is not None and shard_count is None:
        raise InputError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT to be set as well.")
    if shard_ids and shard_count and max(shard_ids) >= shard_count:
        raise InputError("DISCORD_SHARD_IDS must be below DISCORD_SHARD_COUNT.")
    knowledge = get("FACTBOT_KNOWLEDGE_DIR")
    return Settings(
        db_path=Path(get("FACTBOT_DB") or "factbot.db").expanduser(),
        knowledge_dir=Path(knowledge).expanduser() if knowledge else default_knowledge_dir(),
        cache_dir=Path(cache).expanduser() if (cache := get("FACTBOT_CACHE_DIR")) else None,
        min_confidence=_float(get, "FACTBOT_MIN_CONFIDENCE", DEFAULT_MIN_CONFIDENCE, 0.0, 1.0),
        discord_token=get("DISCORD_TOKEN"),
        guild_id=_int(get, "DISCORD_GUILD_ID", minimum=1),
        channel_ids=frozenset(_int_list(get, "DISCORD_CHANNEL_IDS") or ()),
        maintainer_role=get("FACTBOT_MAINTAINER_ROLE") or "factbot-maintainer",
        moderator_role=get("FACTBOT_MODERATOR_ROLE"),
        ask_cooldown_seconds=_float(get, "FACTBOT_ASK_COOLDOWN_SECONDS", 10.0, 0.0, 3600.0),
        ask_cooldown_rate=_int(get, "FACTBOT_ASK_COOLDOWN_RATE", minimum=1) or 3,
        follow_up_seconds=_float(
            get,
            "FACTBOT_FOLLOW_UP_SECONDS",
            DEFAULT_FOLLOW_UP_SECONDS,
            1.0,
            MAX_FOLLOW_UP_SECONDS,
        ),
        shard_count=shard_count,
        shard_ids=shard_ids,
        gaps_store_questions=_bool(get, "FACTBOT_GAPS_STORE_QUESTIONS", True),
        gaps_store_user_ids=_bool(get, "FACTBOT_GAPS_STORE_USER_IDS", False),
        log_level=(get("FACTBOT_LOG_LEVEL") or "INFO").upper(),
        message_content_intent=_bool(get, "DISCORD_MESSAGE_CONTENT", False),
    )


def _int(get: _Getter, name: str, minimum: int) -> int | None:
    raw = get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise InputError(f"{name} must be at least {minimum}.")
    return value


def _int_list(get: _Getter, name: str) -> tuple[int, ...] | None:
    raw = get(name)
    if raw is None:
        return None
    try:
        return tuple(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise InputError(f"{name} must be comma-separated whole numbers, not {raw!r}.") from None


def _float(get: _Getter, name: str, default: float, low: float, high: float) -> float:
    raw = get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number, not {raw!r}.") from None
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}.")
    return value


def _bool(get: _Getter, name: str, default: bool) -> bool:
    raw = get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise InputError(f"{name} must be true or false, not {raw!r}.")
