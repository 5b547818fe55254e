"""The reader's say in a ranking: it reads the best candidates with the question and judges
whether each answers it (`factbot.index.reader`, a cross-encoder trained on SQuAD).

Word features find the passages that share the question's words; they cannot tell the one
that answers from one that only shares them ("which court locked up the Sputnik staff" against
the note verbale naming the staff). The reader can, a little: its log-odds are added to the
ranking score of the READER_CANDIDATES best candidates (READER_RANK_WEIGHT), and the
confidence becomes a logistic function of the word-based confidence and the reader's log-odds
for the quote chosen (READER_CONFIDENCE). Both are fitted held out by `bench/reader_fit.py`.
The quote is still a stored passage: the reader chooses and judges, it never writes.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Mapping

from factbot.answering.candidates import Candidate, Ranking
from factbot.answering.weights import (
    READER_CANDIDATES,
    READER_CONFIDENCE,
    READER_RANK_WEIGHT,
)
from factbot.errors import ModelRefused
from factbot.index.reader import Reader, default_reader

log = logging.getLogger(__name__)


@functools.cache
def available_reader() -> Reader | None:
    """The packaged reader, loaded once per process; None (the engine alone) when it is not
    installed or cannot load. A model file with another hash is refused, not quietly skipped:
    someone changed what would run here."""
    reader = default_reader()
    try:
        reader.warm_up()
    except ModelRefused:
        raise
    except Exception as error:  # a missing or broken install must not stop answering
        log.warning("reader unavailable, judging by the engine alone: %s", error)
        return None
    return reader


def reread(reader: Reader, ranking: Ranking) -> Ranking:
    """`ranking` with its best candidates reordered by score plus the reader's weighted
    log-odds, and the confidence recomputed with the reader's judgement of the quote chosen."""
    if not ranking.candidates:
        return ranking
    head = ranking.candidates[:READER_CANDIDATES]
    logits = reader.logits(ranking.question.text, [c.text for c in head])
    read = [
        dataclasses.replace(c, features={**c.features, "reader": logit})
        for c, logit in zip(head, logits, strict=True)
    ]
    read.sort(key=lambda c: (-(c.score + READER_RANK_WEIGHT * c.features["reader"]), c.rowid))
    top = read[0].features["reader"]
    return dataclasses.replace(
        ranking,
        candidates=(*read, *ranking.candidates[READER_CANDIDATES:]),
        confidence=read_confidence(ranking.confidence, top),
    )


def read_confidence(
    engine: float, reader_logit: float, weights: Mapping[str, float] | None = None
) -> float:
    """The chance that the quote answers, from the engine's confidence and the reader's
    log-odds for it; `weights` (default READER_CONFIDENCE) are what bench/reader_fit.py fits."""
    weights = READER_CONFIDENCE if weights is None else weights
    z = weights["bias"] + weights["engine"] * logit(engine) + weights["reader"] * reader_logit
    return _sigmoid(z)


def read_probability(candidate: Candidate) -> float | None:
    """The reader's probability that `candidate` answers; None when the reader did not read it."""
    logit = candidate.features.get("reader")
    return None if logit is None else _sigmoid(logit)


def logit(p: float) -> float:
    """Log-odds of `p`, kept finite at 0 and 1."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
