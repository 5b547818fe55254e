"""Fuzz targets shared by tests/test_hardening_input.py (short runs) and bench/fuzz.py (long runs).

A target is a hypothesis strategy of hostile input, a `prepare` that builds the world the input
goes into (once, in a scratch folder), and a `check` that feeds one input and raises if factbot
crashed or failed unclearly. The rule every check enforces: the input is either accepted, or
refused with a `FactbotError` whose message names what to fix (the file and line for knowledge
files); no other exception, no traceback, no SQL error text.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import Answer, Related
from factbot.cli import cli
from factbot.errors import DatabaseError, FactbotError, InputError, KnowledgeError
from factbot.index.ingest import ingest_paths
from factbot.knowledge.build import build_fact_base
from factbot.knowledge.files import load_knowledge
from factbot.models import Source
from factbot.settings import REPO_ROOT
from factbot.store.database import connect
from factbot.store.migrations import migrate

KNOWLEDGE = REPO_ROOT / "knowledge"
SOURCE_ID = "trt-azerbaijan-russia-protests"
FACT_ID = "azerbaijan-protests-torture"
SQL_ERROR_WORDS = (
    "sqlite3.",
    "syntax error",
    "no such column",
    "no such table",
    "fts5:",
    "constraint failed",
    "operationalerror",
    "integrityerror",
)

# --- strategies -----------------------------------------------------------------------------

HOSTILE_PIECES = [
    '"',
    "'",
    "*",
    "NEAR(",
    "NEAR/2",
    "'; drop table passages; --",
    "); DELETE FROM sources; --",
    "terms:",
    "passages_fts",
    "^",
    "(",
    ")",
    ":",
    "-",
    "+",
    "AND",
    "OR",
    "NOT",
    "MATCH",
    "%",
    "_",
    "\\",
    "`",
    "```",
    "**",
    "__",
    "~~",
    "||",
    "> ",
    "# ",
    "[x](javascript:alert(1))",
    "@everyone",
    "@here",
    "<@123>",
    "<@&456>",
    "<#789>",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "\r",
    "\n",
    "\t",
    "🙂",
    "👩‍👩‍👧",
    "سلام",
    "שלום",
    "Екатеринбург",
    "Səfərov",
    "Сафаров",
    "Yekaterinburg",
    "Hajizada",
    "who",
    "when",
    "where",
    "how many",
    "why",
    "said",
    "Baku",
    "Moscow",
    "?",
    " ",
]
# What Python makes of bytes that are not UTF-8 (command-line arguments, stdin): lone
# surrogates. JSON's "\ud800" escapes give the same. Left out, the fuzzer cannot see them crash.
UNDECODABLE_PIECES = ["\udcff", "\udc80", "\udcc3", "\ud800", "\udfff", "\x00"]
HOSTILE_PIECES += UNDECODABLE_PIECES
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included
RAW_BYTES_AS_TEXT = st.binary(max_size=300).map(lambda b: b.decode("utf-8", "surrogateescape"))
QUESTIONS = st.one_of(
    st.text(max_size=300),
    st.text(ANY_CHARACTER, max_size=300),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=40).map("".join),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=6).map(lambda p: "".join(p) * 400),
    RAW_BYTES_AS_TEXT,
)

SENTENCE_WORDS = [
    "Azerbaijan",
    "Russia",
    "the",
    "ministry",
    "said",
    "police",
    "detained",
    "two",
    "in",
    "Baku",
    "He",
    "She",
    "They",
    "according",
    "to",
    "officials",
    "on",
    "Friday",
    "2025",
    "“quoted”",
    "'",
    '"',
    "Dr.",
    "U.S.",
    "e.g.",
    "...",
    "—",
    "(Photo/Reuters)",
    "http://x.y/z",
    "#",
    "*",
    "-",
    "Səfərov",
    "Екатеринбург",
    "İlham",
    "ß",
    "ﬁ",
    "1.5",
    "%",
    "NEAR(",
    "';",
    "\u00a0",
    "\u200b",
]


@st.composite
def articles(draw: st.DrawFn) -> str:
    """Markdown-ish articles: headings, list items, wrapped lines, speakers, odd punctuation."""
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(
            st.sampled_from(["sentence", "heading", "item", "blank", "rule", "footer", "raw"])
        )
        words = draw(st.lists(st.sampled_from(SENTENCE_WORDS), max_size=30))
        text = " ".join(words) + draw(st.sampled_from(["", ".", "!", "?", ":", ";", '"', "”."]))
        if kind == "heading":
            text = "#" * draw(st.integers(1, 7)) + " " + text
        elif kind == "item":
            text = draw(st.sampled_from(["- ", "* ", "1. ", "12) ", "+ "])) + text
        elif kind == "blank":
            text = draw(st.sampled_from(["", "   ", "\t"]))
        elif kind == "rule":
            text = draw(st.sampled_from(["---", "***", "===", "- - -"]))
        elif kind == "footer":
            text = "Source: " + text
        elif kind == "raw":
            text = draw(st.text(max_size=120))
        lines.append(text)
    return draw(st.sampled_from(["\n", "\r\n", "\n\n"])).join(lines)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "cp1251", "shift_jis"]


@st.composite
def encoded(draw: st.DrawFn, text: st.SearchStrategy[str]) -> bytes:
    """`text` in some encoding, or raw bytes, with now and then a NUL or a cut multibyte char."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.binary(max_size=2000))
    value = draw(text)
    data = value.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if choice == 1 and data:
        cut = draw(st.integers(0, len(data)))
        data = (
            data[:cut]
            + draw(st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xe2\x80"]))
            + data[cut:]
        )
    return data


META_KEYS = [
    "id",
    "outlet",
    "title",
    "url",
    "published",
    "author",
    "photo_credit",
    "Title",
    "",
    "x y",
]
META_VALUES = [
    "",
    "TRT",
    "fuzz-source",
    "../../etc/passwd",
    "a/b",
    "UPPER",
    "2025-07-01",
    "2025-13-45",
    "yesterday",
    "https://example.org/a",
    "javascript:alert(1)",
    "http://",
    "ftp://x",
    "#",
    ":::",
    "'; drop table sources; --",
    "Səfərov",
    "\x00",
    " spaced ",
]


@st.composite
def front_matter_sources(draw: st.DrawFn) -> str:
    """A knowledge/sources/*.md file: front matter that is right, nearly right, or broken."""
    lines = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["---", "--- ", "----", " ---"])))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines.append(draw(st.text(max_size=40)))
        elif kind == 1:
            lines.append("# a comment")
        else:
            key = draw(st.sampled_from(META_KEYS))
            value = draw(st.one_of(st.sampled_from(META_VALUES), st.text(max_size=30)))
            lines.append(f"{key}{draw(st.sampled_from([': ', ':', ' = ', '']))}{value}")
    if draw(st.booleans()):
        lines.append("---")
    body = draw(st.one_of(articles(), st.text(max_size=300), st.just("")))
    return "\n".join(lines) + "\n" + body


TOML_SCALARS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            SOURCE_ID,
            FACT_ID,
            "baku",
            "person",
            "place",
            "active",
            "retired",
            "Baku",
            "the",
            "Azerbaijan",
            "",
            " ",
            "UPPER-ID",
            "../x",
            "a:b",
        ]
    ),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
)
TOML_VALUES = st.one_of(
    TOML_SCALARS,
    st.lists(TOML_SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=5), TOML_SCALARS, max_size=2),
)
ENTITY_KEYS = ["id", "name", "kind", "description", "aliases", "extra"]
FACT_KEYS = ["id", "source", "quote", "attribution", "entities", "note", "status", "extra"]


@st.composite
def toml_documents(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, text) for entities.toml or facts.toml: valid TOML of the wrong shape, or not TOML."""
    name = draw(st.sampled_from(["entities.toml", "facts.toml"]))
    header = "entity" if name == "entities.toml" else "fact"
    keys = ENTITY_KEYS if header == "entity" else FACT_KEYS
    style = draw(st.integers(0, 3))
    if style == 0:
        pieces = [
            "[[",
            "]]",
            header,
            "=",
            '"',
            "'",
            "[",
            "]",
            "{",
            "}",
            "\n",
            "id",
            "#",
            ",",
            "\\",
            "1",
            "x",
        ]
        return name, "".join(draw(st.lists(st.sampled_from(pieces), max_size=60)))
    if style == 1:
        return name, draw(st.text(max_size=300))
    table = st.dictionaries(st.sampled_from(keys), TOML_VALUES, max_size=len(keys))
    document: dict[str, Any] = {header: draw(st.one_of(st.lists(table, max_size=4), TOML_VALUES))}
    if draw(st.integers(0, 4)) == 0:
        document[draw(st.text(min_size=1, max_size=8))] = draw(TOML_SCALARS)
    return name, tomli_w.dumps(document)


# Any text but path separators and "..", so a value used as a path stays in the scratch folder;
# lone surrogates (undecodable bytes) and NULs included.
SAFE_TEXT = st.text(
    alphabet=st.characters(exclude_categories=(), exclude_characters="/\\~"),
    max_size=40,
).filter(lambda s: ".." not in s)
CLI_VALUES = st.one_of(
    SAFE_TEXT,
    st.sampled_from(
        [
            FACT_ID,
            SOURCE_ID,
            "baku",
            "Baku",
            "1",
            "0",
            "-1",
            "99999999999999999999",
            "2025-07-01",
            "2025-13-45",
            "article.md",
            "binary.bin",
            "latin1.txt",
            "missing.txt",
            "-",
            "",
            " ",
            "out",
            "short",
            "full",
            "text",
            "markdown",
            "json",
            "html",
            "baku=Baky",
            "=",
            "x=",
            "Who is Aykhan Hajizada?",
            "'; drop table passages; --",
            "NEAR(",
            '"',
            "@everyone",
        ]
    ),
)
COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("build",): ["--knowledge", "--force"],
    ("ingest",): ["--source", "--url", "--published", "--json"],
    ("ask",): ["--json"],
    ("chat",): [],
    ("run",): ["--sync"],
    ("sync-commands",): ["--clear-guild"],
    ("summary",): ["--length", "--format", "--since"],
    ("source", "add"): [
        "--id",
        "--outlet",
        "--title",
        "--url",
        "--published",
        "--author",
        "--photo-credit",
        "--reason",
        "--actor",
        "--json",
    ],
    ("source", "list"): ["--json"],
    ("source", "show"): ["--text", "--json"],
    ("source", "remove"): ["--reason", "--actor", "--json"],
    ("fact", "add"): [
        "--source",
        "--id",
        "--attribution",
        "--entity",
        "--alias",
        "--note",
        "--reason",
        "--actor",
        "--json",
    ],
    ("fact", "edit"): [
        "--quote",
        "--source",
        "--attribution",
        "--entity",
        "--no-entities",
        "--note",
        "--reason",
        "--json",
    ],
    ("fact", "retire"): ["--reason", "--actor", "--json"],
    ("fact", "restore"): ["--reason", "--json"],
    ("fact", "list"): ["--all", "--status", "--source", "--json"],
    ("fact", "show"): ["--json"],
    ("fact", "history"): ["--limit", "--json"],
    ("alias", "add"): ["--reason", "--actor", "--json"],
    ("alias", "remove"): ["--reason", "--actor", "--json"],
    ("revert",): ["--reason", "--json"],
    ("export",): ["--to", "--force", "--json"],
    ("backup",): ["--json"],
    ("gaps",): ["--limit", "--all", "--json"],
    ("source",): [],
    ("fact",): [],
    ("nonsense",): [],
}
DB_CHOICES = [
    "live.db",
    "missing.db",
    "corrupt.db",
    "damaged.db",
    "empty.db",
    "notes.txt",
    "folder",
    "new/deep/x.db",
]


@st.composite
def cli_invocations(draw: st.DrawFn) -> tuple[list[str], bytes]:
    """(argv, stdin): a real command with a shuffle of its options, values and stray words."""
    command = draw(st.sampled_from(sorted(COMMANDS)))
    words = list(command)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 3))
        if kind <= 1 and COMMANDS[command]:
            words.append(draw(st.sampled_from(COMMANDS[command])))
        words.append(draw(CLI_VALUES))
    front: list[str] = []
    if draw(st.integers(0, 3)):
        front += ["--db", draw(st.sampled_from(DB_CHOICES))]
    if draw(st.booleans()):
        front.append(draw(st.sampled_from(["-v", "--help", "--version", "--bogus"])))
    stdin = draw(
        st.one_of(
            st.just(b""),
            st.text(max_size=200).map(str.encode),
            st.binary(max_size=200),
            st.lists(st.sampled_from([b"who died", b"\xff", b"\x00", b"\n", b"\xc3", b"raid"])).map(
                b"".join
            ),
        )
    )
    return front + words, stdin


# --- checks ---------------------------------------------------------------------------------


def assert_clear(error: FactbotError) -> None:
    """A refusal a person can act on: a sentence, and no raw SQL error unless the base is broken."""
    message = str(error)
    assert message.strip(), f"{type(error).__name__} with an empty message"
    assert "Traceback" not in message
    if not isinstance(error, DatabaseError):
        lowered = message.lower()
        leaked = [word for word in SQL_ERROR_WORDS if word in lowered]
        assert not leaked, f"SQL error text {leaked} shown to the user: {message}"


@dataclass
class Counter:
    tried: int = 0
    refused: int = 0
    accepted: int = 0

    def note(self, accepted: bool) -> None:
        self.tried += 1
        if accepted:
            self.accepted += 1
        else:
            self.refused += 1


@dataclass
class Target:
    """One kind of hostile input and where it goes."""

    name: str
    strategy: st.SearchStrategy[Any]
    prepare: Callable[[Path], Any]
    check: Callable[[Any, Any], bool]
    counter: Counter = field(default_factory=Counter)

    def run(self, world: Any, value: Any) -> None:
        self.counter.note(self.check(world, value))


# questions -> AnswerEngine.ask ------------------------------------------------------------------


def prepare_engine(folder: Path) -> AnswerEngine:
    db = folder / "questions.db"
    if not db.exists():
        build_fact_base(KNOWLEDGE, db)
    return AnswerEngine(db)


def check_question(engine: AnswerEngine, question: str) -> bool:
    try:
        answer = engine.ask(question)
    except InputError as error:
        assert_clear(error)
        undecodable = "not valid UTF-8" in str(error)
        assert undecodable or not any(ch.isalnum() for ch in question), (
            f"refused a real question: {question!r}"
        )
        return False
    json.dumps(answer.as_json())
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.answered == (answer.quote is not None)
    if answer.answered:
        start, end, text = engine.db.execute(
            "SELECT p.start, p.end, s.text FROM passages p JOIN sources s ON s.id = p.source_id "
            "WHERE p.id = ?",
            [answer.passage_id],
        ).fetchone()
        assert text[start:end] == answer.quote, "the quote is not verbatim in its source"
        assert answer.source is not None and answer.attribution
    return True


# knowledge/sources/*.md -> load_knowledge -> build_fact_base ----------------------------------


@dataclass
class KnowledgeWorld:
    folder: Path
    numbers: itertools.count[int] = field(default_factory=itertools.count)

    def fresh(self, with_repo_files: bool) -> Path:
        root = self.folder / f"k{next(self.numbers)}"
        if with_repo_files:
            shutil.copytree(KNOWLEDGE, root)
        else:
            (root / "sources").mkdir(parents=True)
        return root


def prepare_knowledge(folder: Path) -> KnowledgeWorld:
    return KnowledgeWorld(folder)


def _load_and_build(root: Path, named: Path) -> bool:
    """Load then build; True if both accepted. A refusal must name the file it is about."""
    try:
        load_knowledge(root)
    except KnowledgeError as error:
        assert_clear(error)
        assert str(error).startswith(str(named)), f"error does not name {named}: {error}"
        return False
    db = root / "fuzz.db"
    try:
        build_fact_base(root, db)
    except FactbotError as error:
        assert_clear(error)
        return False
    engine = AnswerEngine(db)
    for question in ("What happened?", "Who said it?"):
        check_question(engine, question)
    return True


def check_source_file(world: KnowledgeWorld, data: bytes) -> bool:
    root = world.fresh(with_repo_files=False)
    path = root / "sources" / "fuzz.md"
    path.write_bytes(data)
    try:
        return _load_and_build(root, path)
    finally:
        shutil.rmtree(root)


def check_toml_file(world: KnowledgeWorld, document: tuple[str, str]) -> bool:
    name, text = document
    root = world.fresh(with_repo_files=True)
    path = root / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        return _load_and_build(root, path)
    finally:
        shutil.rmtree(root)


# article bytes -> factbot ingest -------------------------------------------------------------


@dataclass
class IngestWorld:
    folder: Path
    db: Path
    numbers: itertools.count[int] = field(default_factory=itertools.count)


def prepare_ingest(folder: Path) -> IngestWorld:
    """An empty fact base (schema only), so every input is an article nobody prepared."""
    db_path = folder / "ingest.db"
    db = connect(db_path)
    migrate(db)
    db.conn.close()
    return IngestWorld(folder, db_path)


def check_ingest(world: IngestWorld, data: bytes) -> bool:
    path = world.folder / f"article-{next(world.numbers)}.md"
    path.write_bytes(data)
    before = _counts(world.db)
    try:
        [report] = ingest_paths(world.db, [path])
    except FactbotError as error:
        assert_clear(error)
        assert _counts(world.db) == before, "a refused ingest changed the fact base"
        return False
    finally:
        path.unlink()
    engine = AnswerEngine(world.db)
    check_question(engine, "What happened?")
    assert report.passages >= 0
    return True


def _counts(db: Path) -> tuple[int, ...]:
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("sources", "passages", "entities", "aliases")
        )
    finally:
        conn.close()


# argv -> the factbot CLI -------------------------------------------------------------------


@dataclass
class CliWorld:
    folder: Path
    env: dict[str, str | None]
    runner: CliRunner


def prepare_cli(folder: Path) -> CliWorld:
    """A scratch folder holding a live base, a knowledge copy, and files the fuzzer names."""
    folder.mkdir(parents=True, exist_ok=True)
    knowledge = folder / "knowledge"
    if not knowledge.exists():
        shutil.copytree(KNOWLEDGE, knowledge)
    live = folder / "live.db"
    if not live.exists():
        build_fact_base(knowledge, live)
    corrupt = folder / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    damaged = bytearray(live.read_bytes())
    middle = len(damaged) // 2
    damaged[middle : middle + 8192] = os.urandom(8192)
    (folder / "damaged.db").write_bytes(bytes(damaged))
    (folder / "empty.db").write_bytes(b"")
    (folder / "notes.txt").write_text("not a database\n")
    (folder / "folder").mkdir(exist_ok=True)
    (folder / "article.md").write_text(
        "# Talks resume\n\nThe ministers met in Tbilisi on Monday. They agreed to meet again.\n"
    )
    (folder / "binary.bin").write_bytes(bytes(range(256)))
    (folder / "latin1.txt").write_bytes(
        "Caf\xe9 owners said the street was closed.".encode("latin-1")
    )
    env: dict[str, str | None] = {
        "FACTBOT_DB": str(live),
        "FACTBOT_KNOWLEDGE_DIR": str(knowledge),
        "DISCORD_TOKEN": None,
        "FACTBOT_MIN_CONFIDENCE": None,
        "FACTBOT_LOG_LEVEL": None,
    }
    return CliWorld(folder, env, CliRunner())


def check_cli(world: CliWorld, invocation: tuple[list[str], bytes]) -> bool:
    argv, stdin = invocation
    previous = os.getcwd()
    os.chdir(world.folder)
    try:
        result = world.runner.invoke(cli, argv, input=stdin, env=world.env, catch_exceptions=True)
    finally:
        os.chdir(previous)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"factbot {argv} raised {result.exception!r}\n{output}"
    assert result.exit_code in (0, 1, 2), f"factbot {argv} exited {result.exit_code}\n{output}"
    assert "Traceback" not in output, f"factbot {argv} printed a traceback\n{output}"
    if result.exit_code:
        assert "Error" in output or "Usage" in output, f"factbot {argv} failed silently\n{output}"
    return result.exit_code == 0


# Discord rendering: Markdown and mentions in questions, quotes and sources ------------------

# Pieces of links, masked links (one whose label spans lines, which discord.py's escaping
# misses) and autolinks, for the renderer to keep inert.
LINK_PIECES = [
    "](",
    "[site](https://x.example)",
    "[a\nb](https://evil.example)",
    "[",
    "]",
    "(",
    ")",
    "https://evil.example",
    "<https://evil.example>",
    "\\",
    "\n",
    " ",
    "a",
]
MARKDOWN = st.one_of(
    st.text(
        alphabet=st.one_of(st.sampled_from(list("*_~|`>#-[]()\\:/@<&!. \n")), st.characters()),
        max_size=120,
    ),
    st.lists(st.sampled_from(LINK_PIECES), max_size=20).map("".join),
)
URLS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "https://trt.example/a(1) b",
            "javascript:alert(1)",
            "http://x.y/)[z](",
            "https://ok.example/p",
        ]
    ),
    st.text(max_size=30),
)
RENDER_INPUTS = st.tuples(MARKDOWN, MARKDOWN, MARKDOWN, MARKDOWN, MARKDOWN, URLS)


def unescaped_links(text: str) -> int:
    """How many `](` Discord would read as the middle of a masked link (the `]` not escaped)."""
    found, index = 0, 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith("](", index):
            found += 1
        index += 1
    return found


def unescaped_markup(text: str) -> list[str]:
    """Markdown characters not preceded by a backslash (the ones Discord would act on)."""
    found, index = [], 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] in "*_~|`":
            found.append(text[index])
        index += 1
    return found


def _no_block_markup(lines: list[str], prefix: str = "") -> None:
    """No line opens a heading, a small heading or a (nested) block quote."""
    for line in lines:
        assert not re.match(prefix + r"\s*(>\s|#{1,3}\s|-#\s)", line), f"markup in {line!r}"


def check_render(_: object, value: tuple[str, str, str, str, str, str | None]) -> bool:
    """What users and sources write is shown as written: the layout is ours alone."""
    from bot import render  # the bot layer, only for this target

    question, quote, who, outlet, title, url = value
    source = Source(id="s", outlet=outlet or None, title=title or None, url=url)
    related = Related("r", quote[::-1], who, source)
    answer = Answer(
        question=question,
        answered=True,
        quote=quote,
        attribution=who or None,
        source=source,
        confidence=0.9,
        passage_id="p",
        related=(related, related),
    )
    embed = render.render_answer(answer, [question]).embed
    assert len(embed) <= render.EMBED_LIMIT
    data = embed.to_dict()
    heading = data.get("title", "")
    assert len(heading) <= render.TITLE_LIMIT and unescaped_markup(heading) == []
    description = data["description"]
    assert unescaped_markup(description) == []
    quoted, _, attribution = description.partition("\n— ")
    assert all(line.startswith(">") for line in quoted.split("\n")), "the quote left its block"
    _no_block_markup(quoted.split("\n"), prefix=">")
    _no_block_markup(attribution.split("\n"))
    assert unescaped_links(description) == 0, "a link was smuggled into the quote or attribution"
    assert unescaped_links(heading) == 0, "a link was smuggled into the echoed question"
    for item in data.get("fields", []):
        assert unescaped_markup(item["value"]) == []
        if item["name"] == "Source":
            links = re.findall(r"(?<!\\)\]\((\S+?)\)(?:, |$)", item["value"])
            assert all(link.startswith(("https://", "http://")) for link in links)
            assert unescaped_links(item["value"]) <= 1
        else:
            assert unescaped_links(item["value"]) == 0, "a link was smuggled into a related quote"
    abstention = Answer(
        question=question, answered=False, suggestions=(question, quote), message=who or None
    )
    described = render.render_answer(abstention).embed.to_dict()["description"]
    assert unescaped_markup(described) == []
    assert unescaped_links(described) == 0, "a link was smuggled into an abstention"
    _no_block_markup(described.split("\n"))
    listed = render.sources_embed([source, source]).to_dict()["description"]
    assert unescaped_markup(listed) == []
    assert unescaped_links(listed) <= 2, "a link was smuggled into a source's name or title"
    return True


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("questions", QUESTIONS, prepare_engine, check_question),
        Target(
            "knowledge sources",
            encoded(front_matter_sources()),
            prepare_knowledge,
            check_source_file,
        ),
        Target("knowledge toml", toml_documents(), prepare_knowledge, check_toml_file),
        Target(
            "ingest",
            encoded(st.one_of(articles(), st.text(max_size=500))),
            prepare_ingest,
            check_ingest,
        ),
        Target("cli", cli_invocations(), prepare_cli, check_cli),
        Target("discord render", RENDER_INPUTS, lambda folder: None, check_render),
    )
}


def run_target(target: Target, folder: Path, examples: int) -> int:
    """Run `target` on `examples` generated inputs (stopping at the first failure, shrunk);
    returns how many inputs were tried."""
    world = target.prepare(folder)
    before = target.counter.tried

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(target.strategy)
    def run(value: Any) -> None:
        target.run(world, value)

    run()
    tried = target.counter.tried - before
    print(f"{target.name}: {tried} inputs tried")
    return tried
