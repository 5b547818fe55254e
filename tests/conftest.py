"""Shared fixtures: a real fact base built from knowledge/ in a temporary folder.

A build is deterministic for the same files, so the base is built once per session for each
content of knowledge/ and every test gets its own copy of the file (a copy of a checkpointed
SQLite file is the same base; copying takes a millisecond where a build takes a fifth of a
second idle and seconds on a busy machine, hundreds of times).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from database_helpers import BuiltBases

from factbot.settings import REPO_ROOT

KNOWLEDGE = REPO_ROOT / "knowledge"

# The loopback fake of Discord and its fixtures (fake_discord, bot_settings, discord_bot).
pytest_plugins = ("fakes.fixtures",)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the meaning model's word-piece table (sketch.py) in pytest's cache folder rather than
    the user's, computed once across runs; subprocesses inherit the setting.

    With `-p no:cacheprovider` there is no cache folder (nor a `config.cache`): the table goes
    to one folder under the system's temporary directory instead, still computed once.
    """
    if os.environ.get("FACTBOT_CACHE_DIR"):
        return
    cache = getattr(config, "cache", None)
    if cache is not None:
        folder = cache.mkdir("factbot")
    else:
        folder = Path(tempfile.gettempdir()) / f"factbot-test-cache-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
    os.environ["FACTBOT_CACHE_DIR"] = str(folder)


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of knowledge/ that a test may edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture(scope="session")
def built_bases(tmp_path_factory: pytest.TempPathFactory) -> BuiltBases:
    return BuiltBases(tmp_path_factory.mktemp("built"))


@pytest.fixture
def built_db(tmp_path: Path, knowledge_dir: Path, built_bases: BuiltBases) -> Path:
    """A fact base built from the copy of knowledge/, as a file path: the test's own file."""
    return built_bases.copy(knowledge_dir, tmp_path / "factbot.db")


@pytest.fixture(scope="session")
def shared_db(tmp_path_factory: pytest.TempPathFactory, built_bases: BuiltBases) -> Path:
    """One read-only fact base for tests that only ask questions."""
    return built_bases.copy(KNOWLEDGE, tmp_path_factory.mktemp("shared") / "factbot.db")
