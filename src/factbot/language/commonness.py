"""How common a word is in general English, and what that does to its weight in a question.

A base's own statistics only know how rare a word is in that base. A long article about steam
engines may use "typically" once, so its IDF is high, yet in a question ("How was the efficiency
of a steam engine typically evaluated?") it says almost nothing about which sentence answers.
Word frequencies over a large general corpus (wordfreq's Zipf scale: 7 for "the", about 3 for
"piston", 0 for words it has never seen) tell such words apart from real topic words, so a
question term's weight is its IDF in the base times a factor that falls as the word gets common.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

# Zipf values: the most common English words reach about 7.5; unseen words score 0.
_MAX_ZIPF = 8.0
# The factor is 1 for a word of Zipf 3 (a specialist word such as "piston") and falls to about a
# third at Zipf 6 ("first", "year"). Fitted with the ranking weights by bench/calibrate.py (1.5 was best
# of 0.5, 1, 1.5, 2 and 3 in cross-validation on the SQuAD articles).
_EXPONENT = 1.5
_NEUTRAL_ZIPF = 3.0


@lru_cache(maxsize=65_536)
def zipf(word: str) -> float:
    """Zipf frequency of a folded English word (log10 of its count per billion words, plus 3)."""
    return float(zipf_frequency(word, "en"))


def generality_factor(*forms: str) -> float:
    """Multiplier for a term's IDF, from the most common of the word forms it stands for.

    Several forms are given when a question word was corrected or mapped to another known word:
    the commonest one decides, so a misspelling ("hapened") does not pass for a rare word.
    """
    common = max((zipf(form) for form in forms if form), default=0.0)
    common = min(max(common, 0.0), _MAX_ZIPF)
    return float(((_MAX_ZIPF + 1 - common) / (_MAX_ZIPF + 1 - _NEUTRAL_ZIPF)) ** _EXPONENT)
