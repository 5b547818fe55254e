"""The wings of src/factbot import only downward, and no modules import each other in a circle.

language <- store <- index <- knowledge / answering / briefing <- editing <- cli, with errors,
settings and models on the ground floor. A wing may use its own modules and any wing below it;
siblings (knowledge, answering, briefing) do not import each other, so each can change alone.
Imports inside functions count too: they are still dependencies, only later ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "factbot"

FLOORS = {
    "errors": 0,
    "settings": 1,
    "models": 1,
    "files": 1,  # reading a named file as a regular file within a limit (stdlib only)
    "language": 2,
    "store": 3,
    "index": 4,
    "knowledge": 5,
    "answering": 5,
    "briefing": 5,
    "editing": 6,
    "cli": 7,
    "__main__": 8,
}
# `factbot run` starts the bot; imported inside the command so the core never loads discord.
ALLOWED_OUTSIDE = {("factbot.cli.discord_bot", "bot.app")}


def module_name(path: Path) -> str:
    parts = ["factbot", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in the file, as absolute dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def local_imports(name: str) -> set[str]:
    """The factbot modules (or packages) `name` imports, other than itself."""
    return {
        target
        for target in imports(MODULES[name])
        if target in MODULES and target != name and not name.startswith(f"{target}.")
    }


def wing(name: str) -> str:
    return name.split(".")[1] if name != "factbot" else ""


def test_every_module_belongs_to_a_known_wing() -> None:
    unknown = sorted({wing(n) for n in MODULES if n != "factbot"} - set(FLOORS))
    assert unknown == [], "add the new wing to FLOORS (and docs/architecture.md)"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != "factbot"))
def test_a_module_imports_only_its_own_wing_or_wings_below(name: str) -> None:
    upward = [
        target
        for target in sorted(local_imports(name))
        if wing(target) != wing(name) and FLOORS[wing(target)] >= FLOORS[wing(name)]
    ]
    outside = sorted(
        target
        for target in imports(MODULES[name])
        if target.split(".")[0] == "bot"
        and (name, ".".join(target.split(".")[:2])) not in ALLOWED_OUTSIDE
    )
    assert upward == [], f"{name} imports a wing at or above its own"
    assert outside == [], f"{name} imports the Discord front end"


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = {name: local_imports(name) for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise AssertionError(" -> ".join((*path[path.index(name) :], name)))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, (*path, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())


def test_the_checks_see_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from factbot.editing import retire\n", encoding="utf-8")
    assert {"factbot.editing", "factbot.editing.retire"} <= imports(module)
