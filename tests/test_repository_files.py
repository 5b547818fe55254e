"""What the repository ships: every module path a document names exists, and no file sits at
the root that nothing names (a stray file is a question every newcomer has to ask)."""

from __future__ import annotations

import re
import subprocess

import pytest

from factbot.settings import REPO_ROOT

MODULE_PATH = re.compile(r"(?:src/)?(factbot/[A-Za-z_/]+\.py)")


def tracked() -> list[str]:
    found = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        pytest.skip("not a git checkout")
    return found.stdout.splitlines()


def test_every_module_path_a_document_names_exists() -> None:
    named = {
        (document, path)
        for document in tracked()
        if document.endswith(".md")
        for path in MODULE_PATH.findall((REPO_ROOT / document).read_text(encoding="utf-8"))
    }

    missing = sorted(f"{doc}: {path}" for doc, path in named if not (REPO_ROOT / "src" / path).exists())
    assert missing == []


def test_every_file_at_the_root_is_named_somewhere_else() -> None:
    files = tracked()
    texts = {
        name: (REPO_ROOT / name).read_text(encoding="utf-8", errors="replace")
        for name in files
        if name.endswith((".md", ".py", ".toml", ".lock", ".example", ".yml", ".yaml"))
        and (REPO_ROOT / name).is_file()
    }
    unnamed = [
        root_file
        for root_file in files
        if "/" not in root_file
        and root_file not in ("README.md", ".gitignore")
        and not any(root_file in text for name, text in texts.items() if name != root_file)
    ]

    assert unnamed == [], "remove what nothing uses, or say in the README what it is for"
