"""Answers: the verbatim quote, who says it, where it comes from; or a plain abstention.

`AnswerEngine` is the one entry point the CLI and the bot use. It never composes a claim of its
own: every quote is a stored passage, every claim is attributed to a speaker or to the outlet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from factbot.answering.candidates import Candidate, Span
from factbot.answering.closest import closest_candidate
from factbot.answering.question import Question
from factbot.answering.reading import read_probability
from factbot.answering.replies import PARTLY_READ, Answer, Related, clean_question
from factbot.answering.suggestions import Suggesting
from factbot.answering.versions import RELATED_MIN_SHARE, VersionFinding
from factbot.index.disagreement import kinds_asked
from factbot.index.meaning import default_encoder
from factbot.index.sketch import default_table
from factbot.language.text import terms as index_terms
from factbot.models import Entity, Source, attribution_for
from factbot.store.database import (
    ANSWERABLE_PASSAGE,
    text_processing_is_current,
)

log = logging.getLogger(__name__)

# Letters of Russian and Azerbaijani that English never uses.
_FOREIGN_LETTERS = re.compile(r"[\u0400-\u04ffəƏğĞıİşŞ]")
NEAR_MISSES = 3
# Passages ranked per question: the answer, its related ones, and those checked for a later
# or a differing version.
CANDIDATES_SHOWN = 12


class AnswerEngine(Suggesting, VersionFinding):
    """Answers questions from one fact base; safe to share between threads (one connection each).

    The bot keeps one engine and calls `ask` from worker threads: each thread gets its own
    read-only SQLite connection, and each call notices a changed fact base (maintainer edits)
    through the `revision` counter, so edits show up without a restart.
    """

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
            closest = closest_candidate(matcher, analysed, ranking.candidates)
            nearest = (
                None
                if closest is None
                else self._related_view(closest, self._sources({closest.source_id}))
            )
            answer = self._abstain(
                text, analysed.intent, entities, ranking.confidence, near, message, nearest
            )
            return replace(answer, reader=None if closest is None else read_probability(closest))
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
            reader=read_probability(best),
        )

    @staticmethod
    def _related_view(candidate: Candidate, sources: dict[str, Source]) -> Related:
        source = sources[candidate.source_id]
        return Related(
            candidate.passage_id,
            candidate.text,
            attribution_for(candidate.attribution, source),
            source,
        )

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


_CAPTION_CREDIT = re.compile(r"\s*\((?:photo|photograph|image|picture)\s*[/:][^)]*\)", re.I)


def _is_caption(source_text: str, end: int) -> bool:
    """Whether the sentence ending at `end` is followed by a photo credit: a picture's caption."""
    return _CAPTION_CREDIT.match(source_text, end) is not None


def _partly_read(text: str, analysed: Question) -> bool:
    """Whether the question is written in Russian or Azerbaijani and holds words the engine
    could not read (words no source uses, read as nothing)."""
    return bool(analysed.unknown_terms) and _FOREIGN_LETTERS.search(text) is not None


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
