"""Question -> intent and entities -> ranked passages with a confidence in 0..1.

Candidates come from the FTS5 index (bm25 over stemmed, folded terms); each is then scored on
how much of the question's weight it covers, whether question words stay close together in it,
whether it holds the kind of thing asked for (a name for "who", a date for "when"), and whether
it mentions the entities the question names. The confidence is a logistic function of those
features, fitted on the development questions by `bench/calibrate.py`.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlite_utils
from rapidfuzz import fuzz, process

from factbot.text import QUESTION_WORDS, STOPWORDS, fold, stem, terms, words

CANDIDATES = 60
MAX_QUESTION_TERMS = 40
# Typo correction only for words long enough that a near miss is unlikely to be another word.
TYPO_MIN_LENGTH = 5
TYPO_MIN_SCORE = 80.0
ALIAS_MIN_SCORE = 88.0

# Weights of the ranking score and of the confidence model. Fitted by `bench/calibrate.py` on the
# incident dev questions and half of the SQuAD articles (the other half is held out).
RANK_WEIGHTS = {"coverage": 1.0, "proximity": 0.35, "type_fit": 0.3, "entity": 0.25, "bm25": 0.3}
CONFIDENCE_WEIGHTS = {
    "bias": -5.0,
    "coverage": 6.0,
    "proximity": 1.5,
    "type_fit": 1.0,
    "entity": 1.0,
    "unknown": -6.0,
    "margin": 2.0,
}

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_TIME_WORDS = set(_MONTHS + _WEEKDAYS) | set(
    """yesterday today tomorrow tonight earlier later ago week weeks month months year years day
    days decade decades century centuries morning evening night hour hours period era age
    season weekend annual annually during since until""".split()
)
_NUMBER_WORDS = set(
    """one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions dozen dozens several
    few many half quarter both pair couple""".split()
)
_CAUSE_WORDS = set(
    """because due following after over response aimed cause caused causes reason reasons since
    result led lead prompted triggered amid against protest protesting order so""".split()
)
_ROLE_WORDS = set(
    """spokesperson spokesman spokeswoman ambassador minister president head chief editor
    director leader officials official king queen emperor prince duke general commander founder
    author inventor scientist engineer bishop pope governor mayor chairman ceo""".split()
)
_PLACE_PREPOSITIONS = {"in", "at", "near", "from", "to", "across", "into"}
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})s?$")
_DIGITS = re.compile(r"^\d+(?:[.,]\d+)*(?:s|st|nd|rd|th)?$")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZА-ЯƏŞÇĞİÖÜ][\w’'-]+")


@dataclass(frozen=True)
class Question:
    """A question reduced to what the ranking needs."""

    text: str
    intent: str
    words: tuple[str, ...]
    terms: tuple[str, ...]
    entities: tuple[str, ...]
    unknown_terms: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    rowid: int
    passage_id: str
    source_id: str
    text: str
    attribution: str | None
    kind: str
    start: int
    end: int
    score: float
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranking:
    question: Question
    candidates: tuple[Candidate, ...]
    confidence: float


def detect_intent(question_words: Sequence[str]) -> str:
    """The kind of answer wanted, from the question's wording (a general grammar, no topics)."""
    ws = list(question_words)
    head = set(ws[:6])
    if {"who", "whom", "whose"} & head:
        return "who"
    if "when" in head or ({"what", "which"} & head and {"year", "date", "day", "time", "month", "century", "decade"} & head):
        return "when"
    if "where" in head or ({"what", "which"} & head and {"city", "country", "place", "region", "town"} & head):
        return "where"
    if "how" in head:
        index = ws.index("how")
        nxt = ws[index + 1] if index + 1 < len(ws) else ""
        if nxt in {"many", "much", "long", "old", "often", "far"}:
            return "how_many"
        return "how"
    if "why" in head or ({"what"} & head and {"reason", "cause", "caused", "led", "prompted", "triggered"} & set(ws)):
        return "why"
    if {"what", "which"} & head:
        return "what"
    if ws and ws[0] in {"is", "are", "was", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would", "should"}:
        return "yes_no"
    return "about"


class Matcher:
    """Ranks passages of one fact base; caches its vocabulary and aliases per revision."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.revision: str | None = None
        self.refresh()

    def refresh(self) -> bool:
        """Reload caches if the fact base changed since the last call; returns whether it did."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        revision = row[0] if row else None
        if revision == self.revision and self.revision is not None:
            return False
        self.revision = revision
        self.document_count = max(
            1, int(self.db.execute("SELECT count(*) FROM passages WHERE status = 'active'").fetchone()[0])
        )
        self.df: dict[str, int] = dict(self.db.execute("SELECT term, df FROM term_stats").fetchall())
        self.vocabulary = list(self.df)
        self.alias_entities: dict[str, set[str]] = {}
        for entity_id, folded in self.db.execute("SELECT entity_id, folded FROM aliases"):
            self.alias_entities.setdefault(folded, set()).add(entity_id)
        self.alias_keys = [key for key in self.alias_entities if len(key) >= TYPO_MIN_LENGTH]
        self.entity_kind: dict[str, str] = dict(self.db.execute("SELECT id, kind FROM entities").fetchall())
        self.entity_terms: dict[str, tuple[str, ...]] = {
            entity_id: tuple(terms(name)) for entity_id, name in self.db.execute("SELECT id, name FROM entities")
        }
        return True

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.document_count - df + 0.5) / (df + 0.5))

    # --- question analysis -------------------------------------------------------------------

    def analyse(self, text: str) -> Question:
        question_words = words(text)[: MAX_QUESTION_TERMS * 2]
        intent = detect_intent(question_words)
        entities = self._link_entities(question_words)
        content = [w for w in question_words if w not in STOPWORDS and w not in QUESTION_WORDS]
        found: list[str] = []
        unknown: list[str] = []
        for word in content[:MAX_QUESTION_TERMS]:
            term = stem(word)
            corrected = term if term in self.df else self._correct(term)
            if corrected is None:
                unknown.append(term)
            elif corrected not in found:
                found.append(corrected)
        for entity_id in entities:
            for term in self.entity_terms.get(entity_id, ()):
                if term in self.df and term not in found:
                    found.append(term)
        if unknown:
            unknown = [t for t in unknown if not self._covered_by_entity(t, entities)]
        return Question(
            text=text,
            intent=intent,
            words=tuple(question_words),
            terms=tuple(found),
            entities=tuple(entities),
            unknown_terms=tuple(unknown),
        )

    def _covered_by_entity(self, term: str, entities: Sequence[str]) -> bool:
        """A Cyrillic or misspelt name that linked to an entity is not an unknown word."""
        for entity_id in entities:
            for alias, ids in self.alias_entities.items():
                if entity_id in ids and fuzz.partial_ratio(term, alias) >= ALIAS_MIN_SCORE:
                    return True
        return False

    def _correct(self, term: str) -> str | None:
        if len(term) < TYPO_MIN_LENGTH or not self.vocabulary:
            return None
        match = process.extractOne(term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_SCORE)
        return None if match is None else str(match[0])

    def _link_entities(self, question_words: Sequence[str]) -> list[str]:
        linked: list[str] = []
        used: set[int] = set()
        for size in (4, 3, 2, 1):
            for i in range(len(question_words) - size + 1):
                if used & set(range(i, i + size)):
                    continue
                gram = " ".join(question_words[i : i + size])
                ids = self.alias_entities.get(gram)
                if ids is None and len(gram) >= TYPO_MIN_LENGTH and not (size == 1 and gram in STOPWORDS):
                    match = process.extractOne(gram, self.alias_keys, scorer=fuzz.ratio, score_cutoff=ALIAS_MIN_SCORE)
                    ids = self.alias_entities.get(match[0]) if match else None
                if ids:
                    used.update(range(i, i + size))
                    linked.extend(sorted(e for e in ids if e not in linked))
        return linked

    # --- ranking -----------------------------------------------------------------------------

    def rank(self, question: Question, limit: int = 5) -> Ranking:
        if not question.terms:
            return Ranking(question, (), 0.0)
        rows = self._fetch_candidates(question)
        if not rows:
            return Ranking(question, (), 0.0)
        weights = {t: self.idf(t) for t in question.terms}
        total = sum(weights.values()) + sum(self.idf(t) for t in question.unknown_terms)
        best_bm25 = max(-row["bm25"] for row in rows) or 1.0
        entity_links = self._entity_links([row["id"] for row in rows])
        scored = []
        for row in rows:
            features = self._features(question, row, weights, total, entity_links.get(row["id"], set()))
            features["bm25"] = -row["bm25"] / best_bm25
            score = sum(RANK_WEIGHTS[name] * features[name] for name in RANK_WEIGHTS)
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
        scored.sort(key=lambda c: (-c.score, c.kind != "fact", c.rowid))
        top = tuple(scored[:limit])
        unknown = sum(self.idf(t) for t in question.unknown_terms) / total if total else 1.0
        return Ranking(question, top, self._confidence(top, unknown))

    def _fetch_candidates(self, question: Question) -> list[dict[str, object]]:
        match = " OR ".join(f'"{term}"' for term in question.terms)
        try:
            cursor = self.db.execute(
                """
                SELECT p.rowid, p.id, p.source_id, p.text, p.attribution, p.kind, p.start, p.end,
                       p.terms, bm25(passages_fts) AS bm25
                FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid
                WHERE passages_fts MATCH ? AND p.status = 'active'
                ORDER BY bm25 LIMIT ?
                """,
                [match, CANDIDATES],
            )
        except sqlite3.OperationalError:
            return []
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    def _entity_links(self, passage_ids: Sequence[str]) -> dict[str, set[str]]:
        links: dict[str, set[str]] = {}
        marks = ",".join("?" * len(passage_ids))
        for passage_id, entity_id in self.db.execute(
            f"SELECT passage_id, entity_id FROM passage_entities WHERE passage_id IN ({marks})",
            list(passage_ids),
        ):
            links.setdefault(passage_id, set()).add(entity_id)
        return links

    def _features(
        self,
        question: Question,
        row: dict[str, object],
        weights: dict[str, float],
        total: float,
        passage_entities: set[str],
    ) -> dict[str, float]:
        passage_terms = str(row["terms"]).split()
        present = set(passage_terms)
        coverage = sum(w for t, w in weights.items() if t in present) / total if total else 0.0
        return {
            "coverage": coverage,
            "proximity": _proximity(question.terms, passage_terms, weights),
            "type_fit": self._type_fit(question, str(row["text"]), passage_entities),
            "entity": (
                len(set(question.entities) & passage_entities) / len(question.entities)
                if question.entities
                else 0.0
            ),
        }

    def _type_fit(self, question: Question, text: str, passage_entities: set[str]) -> float:
        """1.0 when the passage holds something of the asked-for kind that the question lacks."""
        intent = question.intent
        asked = set(question.words)
        new_words = [w for w in words(text) if w not in asked]
        new_entities = passage_entities - set(question.entities)
        kinds = {self.entity_kind.get(e) for e in new_entities}
        if intent == "who":
            names = [fold(m.group()) for m in _CAPITALISED.finditer(text)]
            fresh_names = [n for n in names if not set(words(n)) <= asked]
            return 1.0 if "person" in kinds or "organisation" in kinds or fresh_names or _ROLE_WORDS & set(new_words) else 0.0
        if intent == "when":
            return 1.0 if any(w in _TIME_WORDS or _YEAR.match(w) for w in new_words) else 0.0
        if intent == "where":
            if "place" in kinds:
                return 1.0
            tokens = text.split()
            for i, token in enumerate(tokens[:-1]):
                nxt = tokens[i + 1]
                if token.lower() in _PLACE_PREPOSITIONS and nxt[:1].isupper() and fold(nxt).strip(".,;") not in asked:
                    return 1.0
            return 0.0
        if intent == "how_many":
            return 1.0 if any(w in _NUMBER_WORDS or _DIGITS.match(w) for w in new_words) else 0.0
        if intent == "why":
            return 1.0 if _CAUSE_WORDS & set(new_words) else 0.3
        return 0.5

    def _confidence(self, top: Sequence[Candidate], unknown: float) -> float:
        if not top:
            return 0.0
        best = top[0].features
        margin = top[0].score - top[1].score if len(top) > 1 else top[0].score
        w = CONFIDENCE_WEIGHTS
        z = (
            w["bias"]
            + w["coverage"] * best["coverage"]
            + w["proximity"] * best["proximity"]
            + w["type_fit"] * best["type_fit"]
            + w["entity"] * best["entity"]
            + w["unknown"] * unknown
            + w["margin"] * min(margin, 1.0)
        )
        return 1.0 / (1.0 + math.exp(-z))


def _proximity(question_terms: Sequence[str], passage_terms: Sequence[str], weights: dict[str, float]) -> float:
    """Weighted share of adjacent question-term pairs that stand within three terms in the passage."""
    if len(question_terms) < 2:
        return 0.0
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(passage_terms):
        positions.setdefault(term, []).append(i)
    hit = possible = 0.0
    for a, b in zip(question_terms, question_terms[1:], strict=False):
        pair_weight = weights.get(a, 0.0) + weights.get(b, 0.0)
        possible += pair_weight
        pa, pb = positions.get(a), positions.get(b)
        if pa and pb and any(abs(i - j) <= 3 for i in pa for j in pb):
            hit += pair_weight
    return hit / possible if possible else 0.0
