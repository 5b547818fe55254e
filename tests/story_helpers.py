"""The harbour story (tests/fixtures/harbour): four articles of our own, built into a base."""

from __future__ import annotations

import shutil
from pathlib import Path

from factbot.knowledge.build import build_fact_base

HARBOUR = Path(__file__).parent / "fixtures" / "harbour"


def harbour_knowledge(target: Path) -> Path:
    """A knowledge folder holding only the harbour articles."""
    sources = target / "sources"
    sources.mkdir(parents=True)
    for article in HARBOUR.glob("*.md"):
        if article.name != "README.md":
            shutil.copy(article, sources / article.name)
    return target


def build_harbour(folder: Path) -> Path:
    path = folder / "harbour.db"
    build_fact_base(harbour_knowledge(folder / "knowledge"), path)
    return path
