"""The honest middle between an answer and "my sources don't say": the closest quote.

Below the answer threshold the confidence cannot tell a quote that answers from one that only
shares the question's words, so such a quote is never stated as the answer. But half of the
right quotes the engine ranks first sit there, and throwing them away leaves the person asking
with nothing. So a quote that is *about* what was asked is shown as the closest the sources
come, set apart and marked as unconfirmed; a question about something no source covers ("who
won the football match", "what's the weather in Baku") still gets a plain abstention.

"About what was asked" is read from the words the quote shares with the question, beyond the
places both name: naming Baku or Russia is what every off-topic question about the region does,
so place names do not count. Each shared term counts with its weight in the ranking (rare in
this base, and not a word common in all English), and the quote is the closest when that weight
reaches CLOSEST_FLOOR. The floor is fitted by `bench/closest.py` on whole sets left out of the
figures it reports (see there).
"""

from __future__ import annotations

from factbot.answering.candidates import Candidate
from factbot.answering.features import credits
from factbot.answering.question import Question
from factbot.answering.vocabulary import Vocabulary
from factbot.language.text import terms

# The lowest weight of shared, non-place terms that makes a quote the closest. `bench/closest.py
# --threshold 0.41` fits it with each group left out in turn (the incident article, story-dev,
# SQuAD three articles at a time, our off-topic questions in two halves): 2.4 in every fold, and
# 2.4 fitted on every group but story-dev, which is shipped.
CLOSEST_FLOOR = 2.4


def topic_weight(vocabulary: Vocabulary, question: Question, candidate: Candidate) -> float:
    """The ranking weight of the question's terms the quote holds (as asked, in another form of
    the word, or through a synonym), leaving out the terms of the places the question names."""
    places = {
        term
        for entity in question.entities
        if vocabulary.entity_kind.get(entity) == "place"
        for term in vocabulary.entity_terms.get(entity, ())
    }
    found = credits(question, set(terms(candidate.text)))
    return sum(vocabulary.term_weight(question, term) for term in found if term not in places)


def closest_candidate(
    vocabulary: Vocabulary,
    question: Question,
    candidates: tuple[Candidate, ...],
    floor: float | None = None,
) -> Candidate | None:
    """The best-ranked candidate when it is about what was asked, else None."""
    if not candidates:
        return None
    best = candidates[0]
    wanted = CLOSEST_FLOOR if floor is None else floor
    return best if topic_weight(vocabulary, question, best) >= wanted else None
