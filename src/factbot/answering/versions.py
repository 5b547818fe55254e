"""Which version of a fact to show: for a question about the present, the latest source's
passage and the earlier ones it replaces; and the passages that give another number, title or
date for what the answer states, so that no side is shown silently.
"""

from __future__ import annotations

import sqlite3

from factbot.answering.candidates import Candidate
from factbot.answering.connection import FactBaseReader
from factbot.answering.recency import asks_about_present, prefer_latest
from factbot.answering.replies import Related
from factbot.index.disagreement import COUNT, ClaimIndex, ClaimMemo, Version
from factbot.language.dates import parse_day
from factbot.language.text import terms as index_terms
from factbot.models import Source, attribution_for

RELATED_MIN_SHARE = 0.6
MAX_CONFLICTS = 4
MAX_COUNT_CHECKS = 3


class VersionFinding(FactBaseReader):
    """Finds the latest and the differing versions of what an answer states."""

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
