"""Questions the bot could not answer, and answers people reported as wrong or unhelpful,
counted so maintainers know which facts to add or fix.

What is stored follows two settings (documented in .env.example):

- `FACTBOT_GAPS_STORE_QUESTIONS` (default true): keep the question text, folded so "Who is X?"
  and "who is x" count as one. When false, only the kind of question and the names it mentioned
  are kept ("who · yevgeny-belousov"), which still shows what is missing without anyone's words.
- `FACTBOT_GAPS_STORE_USER_IDS` (default false): also keep who asked, to count distinct askers.

Recording never gets in the way of answering: a failure is logged and the answer still goes out.
Gaps do not bump the fact base revision, so recording one never makes readers reload.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlite_utils

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import Answer
from factbot.errors import FactbotError
from factbot.language.text import words
from factbot.models import Actor, require_maintainer
from factbot.settings import Settings
from factbot.store.database import utc_now
from factbot.store.writer import FactBase

log = logging.getLogger(__name__)

# How long an abstention waits for another process's write lock before the count is dropped:
# the answer waits for it, and a build or a long edit can hold the lock for seconds.
RECORD_BUSY_TIMEOUT_MS = 250

MAX_KEY_CHARS = 300


@dataclass(frozen=True)
class GapPolicy:
    store_questions: bool = True
    store_user_ids: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> GapPolicy:
        return cls(settings.gaps_store_questions, settings.gaps_store_user_ids)


@dataclass(frozen=True)
class Gap:
    """One unanswered question (or kind of question), how often, and whether it is answered now."""

    key: str
    question: str | None
    intent: str
    entities: tuple[str, ...]
    count: int
    askers: int
    first_at: str
    last_at: str
    answered_now: bool | None = None
    # The closest quote the sources give now, shown as unconfirmed (reply 2): a curated fact or
    # an article may settle it. Only known when the gap was checked against the engine.
    closest: str | None = None
    closest_passage_id: str | None = None

    @property
    def label(self) -> str:
        return self.question or self.key

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "question": self.question,
            "intent": self.intent,
            "entities": list(self.entities),
            "count": self.count,
            "askers": self.askers,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "answered_now": self.answered_now,
            "closest": self.closest,
            "closest_passage_id": self.closest_passage_id,
        }


def gap_key(answer: Answer, policy: GapPolicy) -> tuple[str, str | None]:
    """(key the gap is counted under, question text to keep or None)."""
    if policy.store_questions:
        folded = " ".join(words(answer.question))[:MAX_KEY_CHARS]
        return folded or answer.question[:MAX_KEY_CHARS], answer.question
    names = ", ".join(answer.entities) or "no known names"
    return f"{answer.intent} · {names}"[:MAX_KEY_CHARS], None


def record_gap(
    db: sqlite_utils.Database, answer: Answer, policy: GapPolicy, user_id: str | None = None
) -> bool:
    """Count an abstention; the caller owns the transaction. Returns whether one was counted."""
    if answer.answered:
        return False
    key, question = gap_key(answer, policy)
    now = utc_now()
    db.execute(
        """
        INSERT INTO gaps (key, question, intent, entities, count, first_at, last_at)
        VALUES (?, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at = excluded.last_at,
            question = coalesce(excluded.question, question)
        """,
        [key, question, answer.intent, " ".join(answer.entities), now, now],
    )
    if policy.store_user_ids and user_id:
        db.execute(
            "INSERT INTO gap_askers (key, user_id, at) VALUES (?, ?, ?)", [key, user_id, now]
        )
    return True


@dataclass(frozen=True)
class Report:
    """An answer people reported as wrong or unhelpful: the question, the passage, how often."""

    key: str
    question: str | None
    passage_id: str
    count: int
    reporters: int
    first_at: str
    last_at: str
    quote: str | None = None

    @property
    def label(self) -> str:
        return self.question or self.key

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "question": self.question,
            "passage_id": self.passage_id,
            "quote": self.quote,
            "count": self.count,
            "reporters": self.reporters,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


def record_report(
    db: sqlite_utils.Database,
    question: str,
    passage_id: str,
    policy: GapPolicy,
    user_id: str | None = None,
) -> None:
    """Count one "Wrong or unhelpful?" on the answer `passage_id` gave to `question`; the
    caller owns the transaction. The question is kept under the same policy as gaps: folded,
    or, when questions are not stored, only the passage is."""
    folded = " ".join(words(question))[:MAX_KEY_CHARS] if policy.store_questions else ""
    key = f"{passage_id} · {folded or 'a question'}"
    kept = question[:MAX_KEY_CHARS] if policy.store_questions else None
    now = utc_now()
    db.execute(
        """
        INSERT INTO reports (key, question, passage_id, count, first_at, last_at)
        VALUES (?, ?, ?, 1, ?, ?)
        ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at = excluded.last_at,
            question = coalesce(excluded.question, question)
        """,
        [key, kept, passage_id, now, now],
    )
    if policy.store_user_ids and user_id:
        db.execute(
            "INSERT INTO report_users (key, user_id, at) VALUES (?, ?, ?)", [key, user_id, now]
        )


class GapRecorder:
    """Records abstentions for a front end (the CLI's `ask`, the bot), opening the base lazily.

    Safe to call from several threads; never raises, because a lost count matters less than an
    answer that does not go out.
    """

    def __init__(self, db_path: Path, policy: GapPolicy) -> None:
        self.db_path = db_path
        self.policy = policy
        self._base: FactBase | None = None
        self._lock = threading.Lock()

    def record(self, answer: Answer, user_id: str | None = None) -> bool:
        if answer.answered or answer.clarification:
            return False  # a clarifying question ("Who do you mean?") is no gap in the sources
        try:
            with self._lock:
                if self._base is None:
                    self._base = FactBase(self.db_path)
                self._base.db.execute(f"PRAGMA busy_timeout = {RECORD_BUSY_TIMEOUT_MS}")
                with self._base.write() as db:
                    return record_gap(db, answer, self.policy, user_id)
        except (FactbotError, sqlite3.Error) as error:
            log.warning("could not record an unanswered question: %s", error)
            return False

    def report(self, question: str, passage_id: str, user_id: str | None = None) -> bool:
        """Count a "Wrong or unhelpful?" report; False (and logged) when it could not be kept."""
        try:
            with self._lock:
                if self._base is None:
                    self._base = FactBase(self.db_path)
                self._base.db.execute(f"PRAGMA busy_timeout = {RECORD_BUSY_TIMEOUT_MS}")
                with self._base.write() as db:
                    record_report(db, question, passage_id, self.policy, user_id)
                    return True
        except (FactbotError, sqlite3.Error) as error:
            log.warning("could not record a report on an answer: %s", error)
            return False

    def close(self) -> None:
        with self._lock:
            if self._base is not None:
                self._base.close()
                self._base = None


def top_gaps(
    base: FactBase,
    actor: Actor,
    limit: int = 20,
    engine: AnswerEngine | None = None,
    include_answered: bool = False,
) -> list[Gap]:
    """The most frequent unanswered questions; with `engine`, those answered since drop out.

    Maintainers only: the list is what other people asked.
    """
    require_maintainer(actor)
    db = base.db
    rows = db.execute(
        """
        SELECT g.key, g.question, g.intent, g.entities, g.count, g.first_at, g.last_at,
               (SELECT count(DISTINCT a.user_id) FROM gap_askers a WHERE a.key = g.key)
        FROM gaps g ORDER BY g.count DESC, g.last_at DESC, g.key
        """
    )
    found: list[Gap] = []
    for row in rows:
        gap = Gap(
            row[0],
            row[1],
            row[2] or "about",
            tuple((row[3] or "").split()),
            row[4],
            row[7],
            row[5],
            row[6],
        )
        if engine is not None and gap.question:
            gap = _with_answer_check(gap, engine)
            if gap.answered_now and not include_answered:
                continue
        found.append(gap)
        if len(found) >= limit:
            break
    return found


def _with_answer_check(gap: Gap, engine: AnswerEngine) -> Gap:
    """Whether the gap is answered now, and the closest quote when it is not."""
    try:
        answer = engine.ask(gap.question or "")
    except FactbotError:
        return replace(gap, answered_now=False)
    closest = answer.closest
    return replace(
        gap,
        answered_now=answer.answered,
        closest=closest.quote if closest else None,
        closest_passage_id=closest.passage_id if closest else None,
    )


def top_reports(base: FactBase, actor: Actor, limit: int = 20) -> list[Report]:
    """The answers reported most as wrong or unhelpful, with the quote each one gave.

    Maintainers only, like the gaps: these are what other people asked.
    """
    require_maintainer(actor)
    rows = base.db.execute(
        """
        SELECT r.key, r.question, r.passage_id, r.count,
               (SELECT count(DISTINCT u.user_id) FROM report_users u WHERE u.key = r.key),
               r.first_at, r.last_at, p.text
        FROM reports r LEFT JOIN passages p ON p.id = r.passage_id
        ORDER BY r.count DESC, r.last_at DESC, r.key LIMIT ?
        """,
        [limit],
    )
    return [Report(*row) for row in rows.fetchall()]
