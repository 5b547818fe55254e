"""Shared fixtures: a real fact base built from knowledge/ in a temporary folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from factbot.knowledge.build import build_fact_base
from factbot.settings import REPO_ROOT

KNOWLEDGE = REPO_ROOT / "knowledge"

# The loopback fake of Discord and its fixtures (fake_discord, bot_settings, discord_bot).
pytest_plugins = ("fakes.fixtures",)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the meaning model's word-piece table (sketch.py) in pytest's cache folder rather than
    the user's, computed once across runs; subprocesses inherit the setting."""
    if not os.environ.get("FACTBOT_CACHE_DIR") and config.cache is not None:
        os.environ["FACTBOT_CACHE_DIR"] = str(config.cache.mkdir("factbot"))


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of knowledge/ that a test may edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def built_db(tmp_path: Path, knowledge_dir: Path) -> Path:
    """A fact base built from the copy of knowledge/, as a file path."""
    path = tmp_path / "factbot.db"
    build_fact_base(knowledge_dir, path)
    return path


@pytest.fixture(scope="session")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One read-only fact base for tests that only ask questions."""
    path = tmp_path_factory.mktemp("shared") / "factbot.db"
    build_fact_base(KNOWLEDGE, path)
    return path
