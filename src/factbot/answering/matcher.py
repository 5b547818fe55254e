"""Question -> intent and entities -> ranked passages with a confidence in 0..1.

Candidates come from the FTS5 index (bm25 over stemmed, folded terms); each is then scored on
how much of the question's weight it covers, whether question words stay close together in it,
whether it holds the kind of thing asked for (a name for "who", a date for "when"), and whether
it mentions the entities the question names. When those leave the best two candidates within
SEMANTIC_MARGIN of each other, the question's meaning vector is compared with the candidates'
(meaning.py) and a second set of weights, with that similarity, decides. The confidence
combines word support (a logistic function of the best candidate's features) with
answerability (how close the question's sketch, sketch.py, stands in meaning to the best quote,
and how far ahead of the other candidates), both fitted on development questions by
`bench/calibrate.py`.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from factbot.answering import reading
from factbot.answering.candidates import Candidate, Ranking, Span, prefer_curated, within
from factbot.answering.confidence import (
    answerability,
    combined_confidence,
    undecided,
    weighted,
    word_confidence,
)
from factbot.answering.features import PassageFeatures
from factbot.answering.question import Question, QuestionReading, unknown_share
from factbot.answering.weights import RANK_WEIGHTS, SEMANTIC_RANK_WEIGHTS
from factbot.index.meaning import default_encoder, passage_matrix
from factbot.index.sketch import default_table
from factbot.store.database import ANSWERABLE_PASSAGE

CANDIDATES = 60
RETRIEVAL_MIN_DF_CAP = 500
RETRIEVAL_MAX_SHARE = 0.02


class Matcher(QuestionReading, PassageFeatures):
    """Ranks passages of one fact base; caches its vocabulary and aliases per revision."""

    def rank(
        self, question: Question, limit: int = 5, exclude: Collection[Span] = ()
    ) -> Ranking:
        """Score the candidates on word evidence; when that leaves the top two within
        SEMANTIC_MARGIN, also on meaning (a question vector against the passages' vectors).

        `exclude`: stretches of sources already shown (a follow-up's "tell me more"); passages
        overlapping them are not candidates, so the confidence is that of what is left.
        """
        if not question.terms:
            return Ranking(question, (), 0.0)
        rows = [
            r
            for r in self._fetch_candidates(question)
            if not within(r, exclude) and not self.sides.speaks_for_another(r["id"], question.asked_side)
        ]
        if question.own_voice_only:
            rows = [r for r in rows if self.sides.of_passage.get(r["id"]) == question.asked_side]
        if not rows:
            return Ranking(question, (), 0.0)
        weights = {t: self.term_weight(question, t) for t in question.terms}
        total = sum(weights.values()) + sum(
            self.term_weight(question, t) for t in question.unknown_terms
        )
        best_bm25 = max(-row["bm25"] for row in rows) or 1.0
        entity_links = self._entity_links([row["id"] for row in rows])
        all_features = []
        for row in rows:
            features = self.features(
                question, row, weights, total, entity_links.get(row["id"], set())
            )
            features["bm25"] = -row["bm25"] / best_bm25
            features["bm25_raw"] = -row["bm25"] / (-row["bm25"] + 10.0)
            features["matched_idf"] = (
                features["coverage"] * total / (features["coverage"] * total + 10.0)
            )
            all_features.append(features)
        scores = [weighted(RANK_WEIGHTS, f) for f in all_features]
        vectors = self._candidate_vectors([row["rowid"] for row in rows])
        if vectors is not None:
            table = default_table()
            if table is not None:
                sketched = vectors @ table.sketch(question.text)
                for features, similarity in zip(all_features, sketched, strict=True):
                    features["sketch"] = float(similarity)
            encoder = default_encoder()
            if undecided(scores) and encoder is not None:
                encoded = vectors @ encoder.encode(question.text)
                for features, similarity in zip(all_features, encoded, strict=True):
                    features["semantic"] = float(similarity)
                scores = [weighted(SEMANTIC_RANK_WEIGHTS, f) for f in all_features]
        scored = []
        for row, features, score in zip(rows, all_features, scores, strict=True):
            features["score"] = score
            scored.append(
                Candidate(
                    rowid=row["rowid"],
                    passage_id=row["id"],
                    source_id=row["source_id"],
                    text=row["text"],
                    attribution=row["attribution"],
                    kind=row["kind"],
                    start=row["start"],
                    end=row["end"],
                    score=score,
                    features=features,
                )
            )
        scored = prefer_curated(scored)
        scored.sort(key=lambda c: (-c.score, c.kind != "fact", c.rowid))
        confidence = combined_confidence(
            word_confidence(scored, unknown_share(self, question)), answerability(scored)
        )
        ranking = Ranking(question, tuple(scored), confidence)
        reader = reading.available_reader() if self.reading else None
        if reader is not None:
            ranking = reading.reread(reader, ranking)
        return dataclasses.replace(ranking, candidates=ranking.candidates[:limit])

    def _candidate_vectors(self, rowids: Sequence[int]) -> npt.NDArray[np.float32] | None:
        """The candidates' meaning vectors, or None when meaning is off, this base has no
        vectors (built before them) or some passage lacks one, or the encoder cannot load."""
        if not self.meaning or not self.has_vectors or default_encoder() is None:
            return None
        return passage_matrix(self.db, rowids)

    def semantic_similarities(
        self, question: Question, rowids: Sequence[int]
    ) -> dict[int, float] | None:
        """Cosine similarity of the question's encoded meaning vector to each passage's, or
        None when there are no vectors to compare with."""
        vectors = self._candidate_vectors(rowids)
        encoder = default_encoder()
        if vectors is None or encoder is None:
            return None
        encoded = vectors @ encoder.encode(question.text)
        return {rowid: float(s) for rowid, s in zip(rowids, encoded, strict=True)}

    def _fetch_candidates(self, question: Question) -> list[dict[str, Any]]:
        alternatives = [a for alts in question.alternatives.values() for a in alts]
        match = self._match_expression([*question.terms, *alternatives])
        try:
            cursor = self.db.execute(
                f"""
                SELECT p.rowid, p.id, p.source_id, p.text, p.attribution, p.kind, p.start, p.end,
                       p.terms, p.context_terms, p.paragraph_terms, p.words, p.names, bm25(passages_fts) AS bm25
                FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid
                WHERE passages_fts MATCH ? AND {ANSWERABLE_PASSAGE}
                ORDER BY bm25 LIMIT ?
                """,
                [match, CANDIDATES],
            )
        except sqlite3.OperationalError:
            return []
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    def _match_expression(self, question_terms: Sequence[str]) -> str:
        """The FTS5 query that fetches candidates: any of the question's informative terms.

        A term in more than RETRIEVAL_MAX_SHARE of a large base's passages adds little to bm25
        but makes FTS5 score every passage holding it, so it is left out of the query (ranking
        still weighs it). When every term is that common, passages must hold the two rarest.
        Terms are folded to [a-z0-9] and quoted, so no FTS syntax can come from a question.
        """
        cap = max(RETRIEVAL_MIN_DF_CAP, RETRIEVAL_MAX_SHARE * self.document_count)
        kept = [t for t in question_terms if self.df.get(t, 0) <= cap]
        if kept:
            return " OR ".join(f'"{t}"' for t in kept)
        rarest = sorted(question_terms, key=lambda t: self.df.get(t, 0))[:2]
        return " AND ".join(f'"{t}"' for t in rarest)

    def _entity_links(self, passage_ids: Sequence[str]) -> dict[str, set[str]]:
        links: dict[str, set[str]] = {}
        marks = ",".join("?" * len(passage_ids))
        for passage_id, entity_id in self.db.execute(
            f"SELECT passage_id, entity_id FROM passage_entities WHERE passage_id IN ({marks})",
            list(passage_ids),
        ):
            links.setdefault(passage_id, set()).add(entity_id)
        return links
