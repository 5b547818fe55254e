"""Settings: every one is documented in .env.example, and the environment is read as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from factbot.errors import InputError
from factbot.settings import REPO_ROOT, load_settings

SETTINGS_SOURCE = REPO_ROOT / "src" / "factbot" / "settings.py"


def test_every_setting_read_from_the_environment_is_listed_in_env_example() -> None:
    read = set(re.findall(r'"((?:FACTBOT|DISCORD)_[A-Z0-9_]+)"', SETTINGS_SOURCE.read_text()))
    assert {"FACTBOT_MIN_CONFIDENCE", "FACTBOT_CACHE_DIR", "DISCORD_SHARD_IDS"} <= read
    listed = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO_ROOT / ".env.example").read_text(), re.M)
    )
    assert read - listed == set()


def test_the_cache_folder_is_unset_by_default_and_read_with_a_home_shorthand(
    tmp_path: Path,
) -> None:
    assert load_settings({}, env_file=None).cache_dir is None
    settings = load_settings({"FACTBOT_CACHE_DIR": "~/factbot-cache"}, env_file=None)
    assert settings.cache_dir == Path("~/factbot-cache").expanduser()


def test_the_follow_up_window_defaults_to_five_minutes_and_is_read_in_seconds() -> None:
    assert load_settings({}, env_file=None).follow_up_seconds == 300.0
    settings = load_settings({"FACTBOT_FOLLOW_UP_SECONDS": " 90 "}, env_file=None)
    assert settings.follow_up_seconds == 90.0


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("five minutes", "must be a number"),
        ("5m", "must be a number"),
        ("0", "between 1.0 and 86400.0"),
        ("-30", "between 1.0 and 86400.0"),
        ("nan", "between 1.0 and 86400.0"),
        ("inf", "between 1.0 and 86400.0"),
        ("100000", "between 1.0 and 86400.0"),
    ],
)
def test_a_bad_follow_up_window_is_refused_naming_the_setting(raw: str, says: str) -> None:
    with pytest.raises(InputError) as refused:
        load_settings({"FACTBOT_FOLLOW_UP_SECONDS": raw}, env_file=None)
    assert str(refused.value).startswith("FACTBOT_FOLLOW_UP_SECONDS must be")
    assert says in str(refused.value)
