"""Answers: the verbatim quote, who says it, where it comes from; or a plain abstention.

`AnswerEngine` is the one entry point the CLI and the bot use. It never composes a claim of its
own: every quote is a stored passage, every claim is attributed to a speaker or to the outlet.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from factbot.answering import weights
from factbot.answering.candidates import Candidate, Span
from factbot.answering.matcher import Matcher
from factbot.answering.question import Question
from factbot.answering.recency import asks_about_present, prefer_latest
from factbot.errors import InputError
from factbot.index.disagreement import COUNT, ClaimIndex, ClaimMemo, Version, kinds_asked
from factbot.index.meaning import default_encoder
from factbot.index.sketch import default_table
from factbot.language.dates import parse_day
from factbot.language.text import QUESTION_WORDS, STOPWORDS, not_unicode, stem, words
from factbot.language.text import terms as index_terms
from factbot.models import Entity, Source, attribution_for
from factbot.settings import DEFAULT_MIN_CONFIDENCE
from factbot.store.database import (
    ANSWERABLE_PASSAGE,
    Reopening,
    connect,
    database_error,
    source_from_row,
    text_processing_is_current,
)
from factbot.store.migrations import require_schema

log = logging.getLogger(__name__)
STOPWORDS_STEMS = frozenset(stem(w) for w in STOPWORDS | QUESTION_WORDS)

MAX_QUESTION_CHARS = 2000
SILENT = "My sources don't say. Here is what I can answer:"
# An abstention on a question the engine could not wholly read says so: "My sources don't say"
# would blame sources that may well say it ("Кто задержан в Баку?" is answered in English).
PARTLY_READ = (
    "I could not read every word of this question: I read Russian and Azerbaijani only in part, "
    "so my sources may still say. Asked in English, or naming a person or place, I may find it. "
    "Here is what I can answer:"
)
# Letters of Russian and Azerbaijani that English never uses.
_FOREIGN_LETTERS = re.compile(r"[\u0400-\u04ffəƏğĞıİşŞ]")
NEAR_MISSES = 3
# People first: "Who is X?" is what readers of a quote most often ask next.
SUGGESTED_KINDS = ("person", "place", "organisation")
RELATED_MIN_SHARE = 0.6
# Passages ranked per question: the answer, its related ones, and those checked for a later
# or a differing version.
CANDIDATES_SHOWN = 12
MAX_CONFLICTS = 4
MAX_COUNT_CHECKS = 3
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Related:
    """Another passage shown with an answer: related, an earlier version, or a differing one.

    `differs` is, for a passage that disagrees with the answer, the words that give its version
    ("More than 50 people were detained").
    """

    passage_id: str
    quote: str
    attribution: str
    source: Source
    differs: str | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "passage_id": self.passage_id,
            "quote": self.quote,
            "attribution": self.attribution,
            "source": self.source.as_json(),
        }
        if self.differs is not None:
            found["differs"] = self.differs
        return found


@dataclass(frozen=True)
class Answer:
    """What the bot says back: a quote with its source, or an abstention with suggestions."""

    question: str
    answered: bool
    quote: str | None = None
    attribution: str | None = None
    source: Source | None = None
    confidence: float = 0.0
    passage_id: str | None = None
    intent: str = "about"
    entities: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    suggestions: tuple[str, ...] = ()
    message: str | None = None
    # What earlier sources said that this answer's later source replaces (newest first).
    earlier: tuple[Related, ...] = ()
    # Other sources (or speakers) that give a different number, title or date for it.
    conflicts: tuple[Related, ...] = ()
    # A follow-up ("when did that happen?") is answered as the standalone question it stands
    # for; shown so that a wrong reading of "that" is visible, not silent.
    understood_as: str | None = None
    # Not an abstention: the question refers to someone ("who are they?") the bot cannot tell.
    clarification: bool = False

    @property
    def is_update(self) -> bool:
        """Whether the answer replaces what earlier sources said ("Update, 24 Oct 2025: ...")."""
        return bool(self.earlier)

    @property
    def confidence_words(self) -> str:
        if not self.answered:
            return "no answer in the sources"
        if self.confidence >= weights.HIGH_CONFIDENCE:
            return "high"
        if self.confidence >= 0.65:
            return "medium"
        return "low"

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "quote": self.quote,
            "source": self.source.as_json() if self.source else None,
            "attribution": self.attribution,
            "confidence": round(self.confidence, 4),
            "passage_id": self.passage_id,
            "related": [r.as_json() for r in self.related],
            "earlier": [r.as_json() for r in self.earlier],
            "conflicts": [r.as_json() for r in self.conflicts],
            "intent": self.intent,
            "entities": list(self.entities),
            "suggestions": list(self.suggestions),
            "message": self.message,
            "understood_as": self.understood_as,
            "clarification": self.clarification,
        }


def unanswerable_json(question: str, error: Exception) -> dict[str, Any]:
    """The `ask --json` object for a line that could not be asked (an empty line): an answer's
    fields, nothing answered, and `error` saying why; written by `Answer.as_json`, so the two
    cannot drift apart."""
    return {**Answer(question=question, answered=False).as_json(), "error": str(error)}


def clean_question(question: str) -> str:
    """Normalise what a user typed; empty or blank raises `InputError`.

    Control and bidi-override characters are dropped (they can hide text in a terminal or in
    Discord); over-long questions are cut, since no answer needs more than their start.
    """
    if not isinstance(question, str):
        raise InputError("The question must be text.")
    if not_unicode(question):
        raise InputError("The question is not valid UTF-8 text; please type it again.")
    text = unicodedata.normalize("NFC", question)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not text:
        raise InputError("Please ask a question: it was empty.")
    return text


class AnswerEngine:
    """Answers questions from one fact base; safe to share between threads (one connection each).

    The bot keeps one engine and calls `ask` from worker threads: each thread gets its own
    read-only SQLite connection, and each call notices a changed fact base (maintainer edits)
    through the `revision` counter, so edits show up without a restart.
    """

    def __init__(self, db_path: Path, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.db_path = db_path
        self.min_confidence = min_confidence
        self._local = threading.local()
        # (revision, limit asked for, questions found); see _suggest.
        self._suggestions: tuple[str | None, int, tuple[str, ...]] = (None, 0, ())
        # (revision, generated question) -> whether it is answered; see _answers.
        self._answerable: dict[tuple[str | None, str], str | None] = {}
        self._mention_counts: tuple[str | None, dict[str, int]] = (None, {})
        self._descriptions: tuple[str | None, dict[str, frozenset[str]]] = (None, {})
        self._memo = ClaimMemo()
        self._passage_entities: dict[tuple[str | None, str], tuple[Entity, ...]] = {}
        self._matcher()  # fail now, with a rebuild hint, if the base is missing or corrupt

    def prepare(self) -> None:
        """Open the base and load the sentence encoder and its word-piece table now (about
        0.5 s; 15 s the first time on a machine), so that the first question does not wait; a
        long-running front end calls this at start."""
        if self._matcher().has_vectors:
            default_table()

    def needs_rebuild(self) -> str | None:
        """Why the base should be rebuilt though it answers (indexed by an older factbot)."""
        matcher = self._matcher()
        if not text_processing_is_current(matcher.db):
            return (
                f"The fact base at {self.db_path} was indexed by an older factbot; answers may miss "
                "some words until it is rebuilt (`factbot build`, or ingest its articles again)."
            )
        if not matcher.has_vectors and default_encoder() is not None:
            return (
                f"The fact base at {self.db_path} has no meaning vectors from this factbot's "
                "model (it was built by another version); close calls are decided on words "
                "alone until it is rebuilt (`factbot build`, or ingest its articles again)."
            )
        return None

    def _matcher(self) -> Matcher:
        """This thread's matcher, reopened when the file was replaced, deleted or failed.

        A rebuild of an unreadable base renames a new file over the old one; a connection to
        the old file would go on answering from it (or failing) forever, so a changed inode
        means reconnecting.
        """
        handle = self._handle()
        matcher = handle.current()
        try:
            matcher.refresh()
        except Exception as error:
            handle.close()
            raise database_error(self.db_path, error, "cannot be read") from None
        return matcher

    def _handle(self) -> Reopening[Matcher]:
        handle: Reopening[Matcher] | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = Reopening(
                self.db_path, self._open, _close_matcher, missing_is_replaced=True
            )
            self._local.handle = handle
        return handle

    def _open(self) -> Matcher:
        db = connect(self.db_path, readonly=True)
        try:
            require_schema(db, self.db_path)
            return Matcher(db)
        except sqlite3.Error as error:
            db.conn.close()
            raise database_error(self.db_path, error, "cannot be read") from None
        except BaseException:
            db.conn.close()
            raise

    def close(self) -> None:
        """Close this thread's connection to the base (it is reopened on the next question)."""
        self._forget()

    def _forget(self) -> None:
        self._handle().close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A damaged page met while answering: drop this thread's connection, say how to rebuild."""
        try:
            yield
        except sqlite3.Error as error:
            self._forget()
            raise database_error(self.db_path, error, "cannot be read") from None

    @property
    def db(self) -> sqlite_utils.Database:
        return self._matcher().db

    def ask(self, question: str, exclude: Collection[str] = ()) -> Answer:
        """Answer `question`; `exclude` names passages already shown (their stretches of the
        source are not quoted again), for a follow-up's "tell me more"."""
        text = clean_question(question)
        with self._reading():
            return self._answer(text, self._spans(exclude))

    def _answer(self, text: str, exclude: Collection[Span] = ()) -> Answer:
        matcher = self._matcher()
        analysed = matcher.analyse(text)
        ranking = matcher.rank(analysed, limit=CANDIDATES_SHOWN, exclude=exclude)
        entities = analysed.entities
        if not ranking.candidates or ranking.confidence < self.min_confidence:
            near = tuple(c.passage_id for c in ranking.candidates[:NEAR_MISSES])
            message = PARTLY_READ if _partly_read(text, analysed) else None
            return self._abstain(text, analysed.intent, entities, ranking.confidence, near, message)
        candidates = ranking.candidates
        sources = self._sources({c.source_id for c in candidates})
        best, earlier = self._latest_if_asked(text, candidates, entities, sources)
        kinds = kinds_asked(analysed.intent, analysed.words)
        conflicts = self._conflicts(best, candidates, entities, sources, kinds)
        earlier = tuple(c for c in earlier if c.passage_id not in {v.passage_id for v in conflicts})
        shown = {c.passage_id for c in earlier} | {v.passage_id for v in conflicts}
        ordered = (best, *(c for c in candidates if c is not best and c.passage_id not in shown))
        source = sources[best.source_id]
        naming = self._naming(analysed, best, ordered)
        related = tuple(self._related_view(c, sources) for c in _related(best, ordered, naming))
        log.debug("answered %r with %s (%.2f)", text, best.passage_id, ranking.confidence)
        return Answer(
            question=text,
            answered=True,
            quote=best.text,
            attribution=attribution_for(best.attribution, source),
            source=source,
            confidence=ranking.confidence,
            passage_id=best.passage_id,
            intent=analysed.intent,
            entities=entities,
            related=related,
            earlier=tuple(self._related_view(c, sources) for c in earlier),
            conflicts=conflicts,
        )

    def _latest_if_asked(
        self,
        text: str,
        candidates: tuple[Candidate, ...],
        entities: tuple[str, ...],
        sources: dict[str, Source],
    ) -> tuple[Candidate, tuple[Candidate, ...]]:
        """The passage to answer with and the earlier ones it replaces: for a question about
        the present, the latest source's among the strong passages on the same people."""
        if not asks_about_present(text):
            return candidates[0], ()
        links = self._links([c.passage_id for c in candidates])
        asked = frozenset(entities)

        def about(candidate: Candidate) -> frozenset[str]:
            linked = frozenset(links.get(candidate.passage_id, ()))
            return linked & asked if asked else linked

        choice = prefer_latest(
            candidates,
            published=lambda source_id: parse_day(sources[source_id].published),
            about=about,
            min_share=RELATED_MIN_SHARE,
        )
        return choice.answer, choice.replaces

    @staticmethod
    def _related_view(candidate: Candidate, sources: dict[str, Source]) -> Related:
        source = sources[candidate.source_id]
        return Related(
            candidate.passage_id,
            candidate.text,
            attribution_for(candidate.attribution, source),
            source,
        )

    def _links(self, passage_ids: list[str]) -> dict[str, set[str]]:
        marks = ",".join("?" * len(passage_ids))
        links: dict[str, set[str]] = {}
        for passage_id, entity_id in self.db.execute(
            f"SELECT passage_id, entity_id FROM passage_entities WHERE passage_id IN ({marks})",
            passage_ids,
        ):
            links.setdefault(passage_id, set()).add(entity_id)
        return links

    def _conflicts(
        self,
        best: Candidate,
        candidates: tuple[Candidate, ...],
        entities: tuple[str, ...],
        sources: dict[str, Source],
        kinds: frozenset[str],
    ) -> tuple[Related, ...]:
        """Passages that give another number, title or date for what the answer states.

        Counts are compared among the passages ranked for this question, and across the base
        with those told among events of the same day; titles and dates across the passages about
        the people the answer names. When a question asks for one kind of value (a count, a date,
        a role) and nothing disagrees with the answer itself (a heading, a sentence near the
        number), the versions are those of the passages for the question that disagree among
        themselves: never one side silently.
        """
        about = list(entities) or sorted(self._links([best.passage_id]).get(best.passage_id, ()))
        among = [c.passage_id for c in candidates]
        memo = self._claim_memo()
        index = ClaimIndex(self.db, {best.passage_id, *among, *self._passages_about(about)}, memo)
        versions = index.against(best.passage_id, among=among, about=about, kinds=kinds)
        if not versions and COUNT in kinds:
            versions = self._disputed_count(index, best.passage_id, among, memo, kinds == {COUNT})
        if not versions and len(kinds) == 1:
            versions = index.versions_among(among, kinds)
        versions = [v for v in versions if v.claim.passage_id != best.passage_id]
        if not versions:
            return ()
        rows = self.db.execute(
            f"SELECT id, source_id, attribution FROM passages WHERE id IN ({','.join('?' * len(versions))})",
            [v.claim.passage_id for v in versions],
        ).fetchall()
        speakers = {row[0]: row[2] for row in rows}
        missing = {row[1] for row in rows} - set(sources)
        if missing:
            sources = {**sources, **self._sources(missing)}
        return tuple(
            Related(
                v.claim.passage_id,
                v.quote,
                attribution_for(speakers.get(v.claim.passage_id), sources[v.claim.source_id]),
                sources[v.claim.source_id],
                differs=v.claim.words,
            )
            for v in versions[:MAX_CONFLICTS]
        )

    def _claim_memo(self) -> ClaimMemo:
        """Claims read so far from this revision of the base, shared by the engine's threads."""
        revision = self._matcher().revision
        memo = self._memo
        if memo.revision != revision:
            memo = ClaimMemo(revision=revision)
            self._memo = memo
        return memo

    def _disputed_count(
        self, index: ClaimIndex, answer: str, among: list[str], memo: ClaimMemo, asked: bool
    ) -> list[Version]:
        """Counts other sources give for what the answer counts, found anywhere in the base.

        When the question asks how many (`asked`) and the answer gives no count (a heading, the
        sentence before the number), the best-ranked passages for the question that do stand
        for it, and each side is shown.
        """
        counts = [p for p in (answer, *among) if any(c.kind == COUNT for c in index.claims_of(p))]
        counting = counts if asked or counts[:1] == [answer] else []
        for passage_id in counting[:MAX_COUNT_CHECKS]:
            wider = ClaimIndex(
                self.db, {*index.claims, *self._passages_counting(index, passage_id)}, memo
            )
            versions = wider.against(passage_id, among=among, kinds=frozenset({COUNT}))
            if versions:
                own = (
                    []
                    if passage_id == answer
                    else [wider.version_of(passage_id, frozenset({COUNT}))]
                )
                return [*own, *versions]
        return []

    def _passages_counting(self, index: ClaimIndex, passage_id: str) -> list[str]:
        """Passages anywhere in the base that count the same kind of people or things as
        `passage_id` does (found through the counted noun), to be checked for another count."""
        nouns = {c.counted for c in index.claims_of(passage_id) if c.kind == COUNT and c.counted}
        terms = sorted({t for noun in nouns for t in index_terms(noun)})
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        try:
            rows = self.db.execute(
                "SELECT p.id FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid "
                "WHERE passages_fts MATCH ? AND p.status = 'active' LIMIT 200",
                [match],
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [str(row[0]) for row in rows]

    def _passages_about(self, entity_ids: list[str]) -> list[str]:
        if not entity_ids:
            return []
        marks = ",".join("?" * len(entity_ids))
        return [
            str(row[0])
            for row in self.db.execute(
                f"""SELECT pe.passage_id FROM passage_entities pe JOIN passages p ON p.id = pe.passage_id
                WHERE pe.entity_id IN ({marks}) AND p.status = 'active' LIMIT 200""",
                entity_ids,
            )
        ]

    def _abstain(
        self,
        text: str,
        intent: str,
        entities: tuple[str, ...],
        confidence: float,
        near: Sequence[str] = (),
        message: str | None = None,
    ) -> Answer:
        return Answer(
            question=text,
            answered=False,
            confidence=confidence,
            intent=intent,
            entities=entities,
            suggestions=self._suggestions_for(text, entities, near),
            message=message or SILENT,
        )

    def _suggestions_for(
        self, text: str, entities: Sequence[str], near: Sequence[str], limit: int = 4
    ) -> tuple[str, ...]:
        """What to offer after an abstention: questions about what the question named, then
        about what the passages nearest to it name, then about the story's most-mentioned.

        So "Who is the mayor of Baku?" offers "What happened in Baku?" first, not the same
        four questions every abstention would get.
        """
        named = [*self._entities(entities), *(e for p in near for e in self._entities_in(p))]
        found = self._answered_questions(named, {fold_question(text)}, limit)
        for general in self.suggestions(limit):
            if len(found) >= limit:
                break
            if general not in found and fold_question(general) != fold_question(text):
                found.append(general)
        return tuple(found)

    def _answered_questions(
        self, entities: Iterable[Entity], avoid: set[str], limit: int
    ) -> list[str]:
        """A question about each entity, in order, kept when it is answered by a passage about
        that entity (a question the engine answers from something else would mislead)."""
        found: list[str] = []
        seen: set[str] = set()
        for entity in entities:
            if entity.id in seen or entity.kind not in SUGGESTED_KINDS:
                continue
            seen.add(entity.id)
            candidate = question_about(entity.name, entity.kind)
            if fold_question(candidate) in avoid or candidate in found:
                continue
            if self._answers_about(candidate, entity.id):
                found.append(candidate)
            if len(found) >= limit:
                break
        return found

    def _entities(self, entity_ids: Sequence[str]) -> list[Entity]:
        if not entity_ids:
            return []
        marks = ",".join("?" * len(entity_ids))
        rows = self.db.execute(
            f"SELECT id, name, kind FROM entities WHERE id IN ({marks})", list(entity_ids)
        ).fetchall()
        found = {row[0]: Entity(*row) for row in rows}
        return [found[i] for i in entity_ids if i in found]

    def _entities_in(self, passage_id: str) -> list[Entity]:
        """The entities a passage names, people first, each kind in the order of the text.

        Remembered per revision: every answer reads those of its quote and related passages.
        """
        key = (self._matcher().revision, passage_id)
        known = self._passage_entities.get(key)
        if known is None:
            if len(self._passage_entities) >= 10_000:
                self._passage_entities.clear()
            known = self._passage_entities[key] = self._read_entities_in(passage_id)
        return list(known)

    def _read_entities_in(self, passage_id: str) -> tuple[Entity, ...]:
        rows = self.db.execute(
            """SELECT e.id, e.name, e.kind, p.text FROM passage_entities pe
            JOIN entities e ON e.id = pe.entity_id JOIN passages p ON p.id = pe.passage_id
            WHERE pe.passage_id = ? ORDER BY e.id""",
            [passage_id],
        ).fetchall()
        order = {kind: rank for rank, kind in enumerate(SUGGESTED_KINDS)}
        mentions = self._mentions()

        def key(row: tuple[str, str, str, str]) -> tuple[int, int, int]:
            # The rarer an entity, the more a question about it says: "Azerbaijan" is in
            # every sentence of this story, "Yevgeny Belousov" in one.
            at = row[3].find(row[1])
            return order.get(row[2], len(order)), mentions.get(row[0], 0), at % (len(row[3]) + 1)

        return tuple(Entity(*row[:3]) for row in sorted(rows, key=key))

    def _spans(self, passage_ids: Collection[str]) -> list[Span]:
        if not passage_ids:
            return []
        marks = ",".join("?" * len(passage_ids))
        rows = self.db.execute(
            f"SELECT source_id, start, end FROM passages WHERE id IN ({marks})",
            list(passage_ids),
        )
        return [(source, start, end) for source, start, end in rows.fetchall()]

    def lead(self, question: str, limit: int = 3) -> Answer:
        """The story's lead: the opening sentences of the newest source, for "what's going on".

        A newsroom puts what happened in an article's first sentences; a photo caption above
        them is not the lead, so sentences ending in a photo credit are passed over. The
        answer is the lead itself, quoted and attributed like any other; it is as sure as the
        question is about the story as a whole, so its confidence is 1.
        """
        text = clean_question(question)
        with self._reading():
            passages = self._lead_passages(limit)
            if not passages:
                return self._abstain(text, "overview", (), 0.0)
            return self._quoting(text, "overview", passages, confidence=1.0)

    def _lead_passages(self, limit: int) -> list[tuple[str, str, str, str | None]]:
        newest = self.db.execute(
            """SELECT s.id, s.text FROM sources s
            WHERE EXISTS (SELECT 1 FROM passages p WHERE p.source_id = s.id AND p.status = 'active')
            ORDER BY s.published IS NULL, s.published DESC, s.rowid DESC LIMIT 1"""
        ).fetchone()
        if newest is None:
            return []
        source_id, source_text = newest
        rows = self.db.execute(
            f"""SELECT p.id, p.source_id, p.text, p.attribution, p.end FROM passages p
            WHERE p.source_id = ? AND p.kind = 'sentence' AND {ANSWERABLE_PASSAGE}
            ORDER BY p.start""",
            [source_id],
        ).fetchall()
        lead = [r[:4] for r in rows if not _is_caption(source_text or "", r[4])]
        return lead[:limit]

    def names_anyone(self, question: str) -> bool:
        """Whether the question names a person, place or organisation the base knows."""
        with self._reading():
            return bool(self._matcher().analyse(clean_question(question)).entities)

    def people(self, entity_ids: Collection[str]) -> tuple[Entity, ...]:
        """The people among `entity_ids`, in the given order."""
        if not entity_ids:
            return ()
        with self._reading():
            marks = ",".join("?" * len(entity_ids))
            rows = self.db.execute(
                f"SELECT id, name, kind FROM entities WHERE kind = 'person' AND id IN ({marks})",
                list(entity_ids),
            ).fetchall()
        found = {row[0]: Entity(*row) for row in rows}
        return tuple(found[i] for i in entity_ids if i in found)

    def people_in(self, passage_id: str) -> tuple[Entity, ...]:
        """The people a passage names, in the order it names them."""
        with self._reading():
            rows = self.db.execute(
                """SELECT e.id, e.name, e.kind FROM passage_entities pe
                JOIN entities e ON e.id = pe.entity_id
                WHERE pe.passage_id = ? AND e.kind = 'person' ORDER BY e.id""",
                [passage_id],
            ).fetchall()
            text = self.db.execute("SELECT text FROM passages WHERE id = ?", [passage_id]).fetchone()
        people = [Entity(*row) for row in rows]
        quote = text[0] if text else ""
        people.sort(key=lambda e: (quote.find(e.name) % (len(quote) + 1), e.id))
        return tuple(people)

    def following(self, question: str, shown: Sequence[str], limit: int = 2) -> Answer:
        """The sentences that follow the first of `shown` in its source and were not shown yet:
        "tell me more" once the question has nothing else to give."""
        text = clean_question(question)
        with self._reading():
            spans = self._spans(shown[:1])
            if not spans:
                return self._abstain(text, "more", (), 0.0)
            source_id, _, end = spans[0]
            rows = self.db.execute(
                f"""SELECT p.id, p.source_id, p.text, p.attribution, p.start, p.end FROM passages p
                WHERE p.source_id = ? AND p.kind = 'sentence' AND p.start >= ?
                AND {ANSWERABLE_PASSAGE} ORDER BY p.start""",
                [source_id, end],
            ).fetchall()
            seen = self._spans(shown)
            fresh = [
                r[:4]
                for r in rows
                if not any(r[1] == s and r[4] < e and b < r[5] for s, b, e in seen)
            ][:limit]
            if not fresh:
                return self._abstain(text, "more", (), 0.0)
            return self._quoting(text, "more", fresh, confidence=1.0)

    def _quoting(
        self,
        text: str,
        intent: str,
        passages: Sequence[tuple[str, str, str, str | None]],
        confidence: float,
    ) -> Answer:
        """An answer made of chosen passages (id, source id, text, speaker), first one quoted."""
        sources = self._sources({p[1] for p in passages})
        first, *rest = passages
        return Answer(
            question=text,
            answered=True,
            quote=first[2],
            attribution=attribution_for(first[3], sources[first[1]]),
            source=sources[first[1]],
            confidence=confidence,
            passage_id=first[0],
            intent=intent,
            related=tuple(
                Related(p[0], p[2], attribution_for(p[3], sources[p[1]]), sources[p[1]])
                for p in rest
            ),
        )

    def _sources(self, ids: set[str]) -> dict[str, Source]:
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT id, outlet, title, url, published, author, photo_credit FROM sources WHERE id IN ({marks})",
            sorted(ids),
        )
        columns = [d[0] for d in rows.description]
        return {
            row[0]: source_from_row(dict(zip(columns, row, strict=True))) for row in rows.fetchall()
        }

    def suggestions(self, limit: int = 4) -> tuple[str, ...]:
        """Questions about the most-mentioned entities that the engine itself answers."""
        with self._reading():
            return self._suggest(limit)

    def _suggest(self, limit: int) -> tuple[str, ...]:
        """The first `limit` suggestions, reusing the last list while the base is unchanged.

        The list is built greedily in a fixed order, so a shorter list is a prefix of a longer
        one: the cache serves any limit up to the one it was built for, or any limit at all when
        that build ran out of candidates; a larger limit builds it again.
        """
        matcher = self._matcher()
        cached_revision, cached_limit, cached = self._suggestions
        current = cached_revision == matcher.revision and cached_revision is not None
        if current and (limit <= cached_limit or len(cached) < cached_limit):
            return cached[:limit]
        rows = matcher.db.execute(
            """
            SELECT e.id, e.name, e.kind, count(*) AS mentions
            FROM entities e JOIN passage_entities pe ON pe.entity_id = e.id
            JOIN passages p ON p.id = pe.passage_id AND p.status = 'active'
            WHERE e.kind IN ('person', 'place', 'organisation')
            GROUP BY e.id ORDER BY e.origin != 'knowledge', mentions DESC, e.id LIMIT 30
            """
        ).fetchall()
        found: list[str] = []
        for entity_id, name, kind, _ in rows:
            candidate = question_about(name, kind)
            if self._answers_about(candidate, entity_id):
                found.append(candidate)
            if len(found) >= limit:
                break
        self._suggestions = (matcher.revision, limit, tuple(found))
        return tuple(found)

    def related_questions(self, answer: Answer, limit: int = 3) -> tuple[str, ...]:
        """Questions to offer after an answer, each answered by a passage about its subject.

        From the answer's own quote first (after "Who is the head of Sputnik Azerbaijan?", "Who
        is Yevgeny Belousov?", named beside the head), then from the related passages; never
        about what the question named, nor "Who is X?" for the person who is the answer.
        """
        with self._reading():
            return self._follow_ups(answer, limit)

    def _follow_ups(self, answer: Answer, limit: int) -> tuple[str, ...]:
        passages = [answer.passage_id] if answer.passage_id else []
        passages += [r.passage_id for r in answer.related]
        named = [e for p in passages for e in self._entities_in(p)]
        skip = set(answer.entities) | self._answer_people(answer)
        fresh = [e for e in named if e.id not in skip]
        return tuple(self._answered_questions(fresh, {fold_question(answer.question)}, limit))

    def _answer_people(self, answer: Answer) -> set[str]:
        """For a "who" question, the person the quote gives as the answer: the one named
        nearest to the question's own words ("the outlet's head, Igor Kartavykh")."""
        if answer.intent != "who" or not answer.passage_id or not answer.quote:
            return set()
        people = [e for e in self._entities_in(answer.passage_id) if e.kind == "person"]
        named = {stem(w) for e in self._entities(answer.entities) for w in words(e.name)}
        asked = {stem(w) for w in words(answer.question)} - STOPWORDS_STEMS - named
        quote = [stem(w) for w in words(answer.quote)]
        hits = [i for i, w in enumerate(quote) if w in asked]
        if not hits or not people:
            return set()

        def distance(person: Entity) -> int:
            first = stem(words(person.name)[0]) if words(person.name) else ""
            at = [i for i, w in enumerate(quote) if w == first]
            return min((abs(i - h) for i in at for h in hits), default=len(quote))

        nearest = min(people, key=distance)
        return {nearest.id} if distance(nearest) < len(quote) else set()

    def _naming(
        self, analysed: Question, best: Candidate, ordered: Sequence[Candidate]
    ) -> Candidate | None:
        """For a "who" question answered by a sentence that names no one ("two Azerbaijani
        nationals were arrested and later died in custody"), the best other candidate naming a
        person whom the maintainers describe in all of the question's own terms ("Azerbaijani
        national who died in Russian police custody in Yekaterinburg").

        The description is the maintainers' word on who a person is; the quote shown is still
        a passage of a source, as every related one is.
        """
        if analysed.intent != "who" or not analysed.terms:
            return None
        if any(e.kind == "person" for e in self._entities_in(best.passage_id)):
            return None
        wanted = set(analysed.terms)
        described = {
            entity_id
            for entity_id, terms in self._person_descriptions().items()
            if wanted <= terms
        }
        if not described:
            return None
        for candidate in ordered[1:]:
            named = {e.id for e in self._entities_in(candidate.passage_id) if e.kind == "person"}
            if named & described and not _overlaps(candidate, best):
                return candidate
        return None

    def _person_descriptions(self) -> dict[str, frozenset[str]]:
        """Each described person's description, as index terms; read once per revision."""
        revision = self._matcher().revision
        if self._descriptions[0] != revision or revision is None:
            rows = self.db.execute(
                "SELECT id, description FROM entities WHERE kind = 'person' AND description != ''"
            ).fetchall()
            self._descriptions = (
                revision,
                {entity_id: frozenset(index_terms(text or "")) for entity_id, text in rows},
            )
        return self._descriptions[1]

    def _mentions(self) -> dict[str, int]:
        """How many passages name each entity; counted once per revision of the base."""
        revision = self._matcher().revision
        if self._mention_counts[0] != revision or revision is None:
            rows = self.db.execute(
                "SELECT entity_id, count(*) FROM passage_entities GROUP BY entity_id"
            ).fetchall()
            self._mention_counts = (revision, dict(rows))
        return self._mention_counts[1]

    def _answers_about(self, question: str, entity_id: str) -> bool:
        """Whether the engine answers `question` with a passage about `entity_id`; for an
        organisation ("What did X say?"), with one that X is credited with."""
        passage = self._answering_passage(question)
        if passage is None:
            return False
        row = self.db.execute(
            """SELECT e.kind, e.name, p.attribution FROM passage_entities pe
            JOIN entities e ON e.id = pe.entity_id JOIN passages p ON p.id = pe.passage_id
            WHERE pe.passage_id = ? AND pe.entity_id = ?""",
            [passage, entity_id],
        ).fetchone()
        if row is None:
            return False
        kind, name, attribution = row
        if kind == "organisation":
            return f" {fold_question(name)} " in f" {fold_question(attribution or '')} "
        return True

    def _answers(self, question: str) -> bool:
        return self._answering_passage(question) is not None

    def _answering_passage(self, question: str) -> str | None:
        """The passage that answers a question the engine generated (a follow-up, a
        suggestion), or None.

        Remembered per revision: every answer checks the same few follow-ups again, and each
        check may encode the question (a few ms).
        """
        matcher = self._matcher()
        key = (matcher.revision, question)
        if key not in self._answerable:
            ranking = matcher.rank(matcher.analyse(question), limit=2)
            answered = bool(ranking.candidates) and ranking.confidence >= self.min_confidence
            if len(self._answerable) >= 10_000:
                self._answerable.clear()
            self._answerable[key] = ranking.candidates[0].passage_id if answered else None
        return self._answerable[key]


def _close_matcher(matcher: Matcher) -> None:
    matcher.db.conn.close()


_CAPTION_CREDIT = re.compile(r"\s*\((?:photo|photograph|image|picture)\s*[/:][^)]*\)", re.I)


def _is_caption(source_text: str, end: int) -> bool:
    """Whether the sentence ending at `end` is followed by a photo credit: a picture's caption."""
    return _CAPTION_CREDIT.match(source_text, end) is not None


def question_about(name: str, kind: str) -> str:
    if kind == "person":
        return f"Who is {name}?"
    if kind == "place":
        return f"What happened in {name}?"
    if kind == "organisation":
        return f"What did {name} say?"  # organisations in the news are mostly heard from
    return f"What do the sources say about {name}?"


def _partly_read(text: str, analysed: Question) -> bool:
    """Whether the question is written in Russian or Azerbaijani and holds words the engine
    could not read (words no source uses, read as nothing)."""
    return bool(analysed.unknown_terms) and _FOREIGN_LETTERS.search(text) is not None


def fold_question(question: str) -> str:
    """A question reduced to its words, so "Who is X?" and "who is x" are the same question."""
    return " ".join(words(question))


def _related(
    best: Candidate, candidates: tuple[Candidate, ...], first: Candidate | None = None
) -> list[Candidate]:
    """Up to two other strong passages that do not repeat the chosen span; `first`, when
    given, leads whatever its score (the passage naming the people a "who" answer means)."""
    chosen: list[Candidate] = [first] if first is not None else []
    for candidate in candidates[1:]:
        if len(chosen) == 2:
            break
        if candidate is first:
            continue
        if candidate.score < best.score * RELATED_MIN_SHARE:
            break
        spans = [best, *chosen]
        if any(_overlaps(candidate, other) for other in spans):
            continue
        chosen.append(candidate)
    return chosen


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.source_id == b.source_id and a.start < b.end and b.start < a.end


def format_text(answer: Answer) -> str:
    """The answer as readable plain text for the console."""
    taken_as = [f"(Taken as: {answer.understood_as})"] if answer.understood_as else []
    if not answer.answered:
        lines = [*taken_as, answer.message or "My sources don't say."]
        lines += [f"  - {s}" for s in answer.suggestions]
        return "\n".join(lines)
    assert answer.source is not None
    source = answer.source
    cite = ", ".join(p for p in (source.dated_name, source.title, source.url) if p)
    lines = [*taken_as, update_heading(answer)] if answer.is_update else [*taken_as]
    lines += [f"{answer.attribution}:", f"  “{answer.quote}”", f"  Source: {cite}"]
    lines.append(f"  Confidence: {answer.confidence_words} ({answer.confidence:.2f})")
    for earlier in answer.earlier:
        lines.append(f"  Earlier, {earlier.source.dated_name}: “{earlier.quote}”")
    if answer.conflicts:
        lines.append("  Sources differ:")
        lines += [f"    - {version_line(v)}" for v in answer.conflicts]
    for related in answer.related:
        lines.append(f"  Related: “{related.quote}”")
    return "\n".join(lines)


def update_heading(answer: Answer) -> str:
    """ "Update, 24 Oct 2025:" over an answer that replaces what earlier sources said."""
    label = answer.source.published_label if answer.source else None
    return f"Update, {label}:" if label else "Update:"


def version_line(version: Related) -> str:
    """One side of a disagreement, attributed: "Urals Daily Review, 3 Jul 2025 (Reported by
    Urals Daily Review): “…”"."""
    return f"{version.source.dated_name} — {version.attribution}: “{version.quote}”"
