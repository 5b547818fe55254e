"""What to offer besides a quote: after an abstention, questions the sources do answer about
what was asked; after an answer, questions about the people and places it names. Every
suggestion is a question the engine itself answers from a passage about its subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from factbot.answering.connection import SUGGESTED_KINDS, FactBaseReader
from factbot.answering.replies import NOT_SURE, SILENT, Answer, Related
from factbot.language.text import QUESTION_WORDS, STOPWORDS, stem, words
from factbot.models import Entity

STOPWORDS_STEMS = frozenset(stem(w) for w in STOPWORDS | QUESTION_WORDS)


class Suggesting(FactBaseReader):
    """Suggests questions the fact base answers."""

    def _abstain(
        self,
        text: str,
        intent: str,
        entities: tuple[str, ...],
        confidence: float,
        near: Sequence[str] = (),
        message: str | None = None,
        closest: Related | None = None,
    ) -> Answer:
        """No answer: suggestions, and `closest`, when given, shown as the closest quote."""
        return Answer(
            question=text,
            answered=False,
            confidence=confidence,
            intent=intent,
            entities=entities,
            suggestions=self._suggestions_for(text, entities, near),
            message=NOT_SURE if closest is not None else message or SILENT,
            closest=closest,
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


def question_about(name: str, kind: str) -> str:
    if kind == "person":
        return f"Who is {name}?"
    if kind == "place":
        return f"What happened in {name}?"
    if kind == "organisation":
        return f"What did {name} say?"  # organisations in the news are mostly heard from
    return f"What do the sources say about {name}?"


def fold_question(question: str) -> str:
    """A question reduced to its words, so "Who is X?" and "who is x" are the same question."""
    return " ".join(words(question))
