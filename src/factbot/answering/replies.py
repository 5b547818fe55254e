"""What the bot says back: the reply types (`Answer`, `Related`), the question as cleaned before
anyone reads it, and the plain-text rendering the console shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from factbot.answering import weights
from factbot.errors import InputError
from factbot.language.text import not_unicode
from factbot.models import Source

MAX_QUESTION_CHARS = 2000
SILENT = "My sources don't say. Here is what I can answer:"
# An abstention on a question the engine could not wholly read says so: "My sources don't say"
# would blame sources that may well say it ("Кто задержан в Баку?" is answered in English).
PARTLY_READ = (
    "I could not read every word of this question: I read Russian and Azerbaijani only in part, "
    "so my sources may still say. Asked in English, or naming a person or place, I may find it. "
    "Here is what I can answer:"
)
# Reply 2 of three: no answer, but the closest quote, set apart so nobody reads it as the bot's
# claim (closest.py decides when there is one).
NOT_SURE = "I'm not sure my sources answer that. The closest they come:"
NOT_SURE_SUGGESTIONS = "Here is what I can answer:"
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
    # Not an answer: below the answer threshold, the best-ranked quote that is about what was
    # asked, shown as the closest the sources come (`answered` stays False).
    closest: Related | None = None
    # The reader's probability (0..1) that the quote shown (the answer, or the closest) answers
    # the question; None when no passage was read (reading.py).
    reader: float | None = None

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
            "closest": self._closest_json(),
            "reader": None if self.reader is None else round(self.reader, 4),
        }

    def _closest_json(self) -> dict[str, Any] | None:
        if self.closest is None:
            return None
        return {**self.closest.as_json(), "confidence": round(self.confidence, 4)}


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


def format_text(answer: Answer) -> str:
    """The answer as readable plain text for the console."""
    taken_as = [f"(Taken as: {answer.understood_as})"] if answer.understood_as else []
    if not answer.answered:
        lines = [*taken_as, answer.message or "My sources don't say."]
        if answer.closest is not None:
            closest = answer.closest
            lines += [
                f"  {closest.attribution}:",
                f"  “{closest.quote}”",
                f"  Source: {citation(closest.source)}",
                "  (Not confirmed as the answer.)",
            ]
            if answer.suggestions:
                lines.append(NOT_SURE_SUGGESTIONS)
        lines += [f"  - {s}" for s in answer.suggestions]
        return "\n".join(lines)
    assert answer.source is not None
    cite = citation(answer.source)
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


def citation(source: Source) -> str:
    """ "TRT, 30 Jun 2024, Title, https://…": where a quote comes from, for the console."""
    return ", ".join(p for p in (source.dated_name, source.title, source.url) if p)


def update_heading(answer: Answer) -> str:
    """ "Update, 24 Oct 2025:" over an answer that replaces what earlier sources said."""
    label = answer.source.published_label if answer.source else None
    return f"Update, {label}:" if label else "Update:"


def version_line(version: Related) -> str:
    """One side of a disagreement, attributed: "Urals Daily Review, 3 Jul 2025 (Reported by
    Urals Daily Review): “…”"."""
    return f"{version.source.dated_name} — {version.attribution}: “{version.quote}”"
