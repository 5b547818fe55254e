"""Follow-ups: "who are they?", "when did that happen?", "why?", "tell me more".

People ask the way they talk: the second question leans on the first. A conversation remembers,
for a few minutes, the last question someone asked in one place and what was shown to them,
and reads the next question against it:

- a pronoun ("he", "they", "them") stands for the people the last question or answer named;
- a bare question word, or one with "that"/"it" ("why?", "when did that happen?"), asks it of
  the last question's subject;
- "tell me more" asks the last question again without what was already shown, and otherwise
  goes on with the sentences that follow the last quote in its source.

Where a reference cannot be resolved the reply asks "Who do you mean?" rather than claiming the
sources are silent. "What's going on" and "summarize the story" get the story's lead. The front
end decides what one conversation is (the bot: one person in one channel, thread or DM); this
module knows nothing of Discord.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import Answer, clean_question
from factbot.language.text import words
from factbot.models import Entity
from factbot.settings import DEFAULT_FOLLOW_UP_SECONDS

MAX_CONVERSATIONS = 10_000
MORE_LIMIT = 2

PERSON_PRONOUNS = frozenset("he she him his her hers himself herself".split())
GROUP_PRONOUNS = frozenset("they them their theirs themselves".split())
POSSESSIVES = frozenset("his their theirs hers".split())
EVENT_WORDS = frozenset("it that this those these".split())
# Words a follow-up wraps around its reference; they add nothing to what is asked.
FILLER = frozenset(
    """happen happened happens going go went do did does done say said says mean meant about
    so then now exactly really again please tell me more come and the a an of is was are were
    be been being has have had to in on at for with anything else what's ok okay thanks""".split()
)
QUESTION_WORDS = ("who", "what", "when", "where", "why", "how", "which", "whom", "whose")
MORE_PHRASES = frozenset(
    {
        "more",
        "tell me more",
        "go on",
        "and",
        "and then",
        "what else",
        "anything else",
        "more please",
        "continue",
        "keep going",
        "tell me more about it",
        "tell me more about that",
        "tell me more about this",
        "more about that",
        "say more",
    }
)
OVERVIEW_PHRASES = frozenset(
    {
        "what going on",
        "what is going on",
        "what happening",
        "what is happening",
        "what happened",
        "what is the story",
        "what the story",
        "what is this about",
        "what this about",
        "what is it about",
        "summarize the story",
        "summarise the story",
        "summarize",
        "summarise",
        "summary",
        "give me a summary",
        "the story so far",
        "catch me up",
        "fill me in",
        "overview",
        "give me an overview",
        "tl dr",
        "tldr",
        "what is the news",
        "what the news",
        "what is new",
        "what new",
    }
)
OVERVIEW_TAILS = ("", " so far", " here", " now", " today", " with this", " in the story")
CLARIFY = "Who do you mean? Ask again with a name, for example:"
CLARIFY_WHAT = "What do you mean? Ask the whole question, for example:"
CLARIFY_BETWEEN = "Who do you mean? The last answer names more than one:"
TOPIC_MARK = " — "


@dataclass(frozen=True)
class Turn:
    """What one conversation last asked and was shown: the ground for the next follow-up."""

    question: str  # as understood: standalone, the follow-up's references resolved
    answer: Answer
    shown: tuple[str, ...]  # passage ids quoted so far on this question
    people: tuple[Entity, ...]  # named in the question, else in the quotes shown
    at: float


class ConversationMemory:
    """The last turn of each conversation, forgotten after `ttl` seconds; safe across threads.

    Front ends pass `ttl` from their settings (FACTBOT_FOLLOW_UP_SECONDS); this module never
    reads the environment.

    Bounded: past `limit` conversations the longest idle is dropped, so a busy server cannot
    grow it without end.
    """

    def __init__(
        self,
        ttl: float = DEFAULT_FOLLOW_UP_SECONDS,
        limit: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.limit = limit
        self._clock = clock
        self._turns: OrderedDict[Hashable, Turn] = OrderedDict()
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def get(self, key: Hashable) -> Turn | None:
        with self._lock:
            turn = self._turns.get(key)
            if turn is None or self._clock() - turn.at > self.ttl:
                self._turns.pop(key, None)
                return None
            return turn

    def remember(self, key: Hashable, turn: Turn) -> None:
        with self._lock:
            self._turns.pop(key, None)
            self._turns[key] = turn
            while len(self._turns) > self.limit:
                self._turns.popitem(last=False)

    def __len__(self) -> int:
        return len(self._turns)


class Conversations:
    """Answers questions in the context of the conversation they belong to."""

    def __init__(self, engine: AnswerEngine, memory: ConversationMemory | None = None) -> None:
        self.engine = engine
        self.memory = memory if memory is not None else ConversationMemory()

    def ask(self, key: Hashable, question: str) -> Answer:
        answer, turn = respond(self.engine, question, self.memory.get(key), self.memory.now())
        if turn is not None:
            self.memory.remember(key, turn)
        return answer


def respond(
    engine: AnswerEngine, question: str, previous: Turn | None, now: float = 0.0
) -> tuple[Answer, Turn | None]:
    """The answer to `question` read against `previous`, and the turn to remember after it.

    With no previous turn this is a plain question, except that one made only of references
    ("who are they?") gets a clarifying question instead of an abstention.
    """
    text = clean_question(question)
    folded = words(text)
    phrase = " ".join(folded)
    if _is_overview(phrase):
        return _remembered(engine, engine.lead(text), text, (), now)
    if phrase in MORE_PHRASES:
        if previous is None:
            return _clarify(engine, text, (), CLARIFY_WHAT), None
        return _more(engine, text, previous, now)
    reference = _reference(folded)
    if reference is None or engine.names_anyone(text):
        return _remembered(engine, engine.ask(text), text, (), now)
    if previous is None:
        message = CLARIFY if reference in {"person", "group"} else CLARIFY_WHAT
        return _clarify(engine, text, (), message), None
    if reference in {"person", "group"}:
        return _about_people(engine, text, folded, reference, previous, now)
    standalone = f"{_question_word(folded)}{TOPIC_MARK}{_topic(previous.question)}"
    return _remembered(engine, engine.ask(standalone), standalone, (), now, asked=text)


def _topic(question: str) -> str:
    """The question a chain of "why?", "when?" is about, not "Why — When — …"."""
    return question.rsplit(TOPIC_MARK, 1)[-1]


def _is_overview(phrase: str) -> bool:
    return any(phrase == f"{p}{tail}".strip() for p in OVERVIEW_PHRASES for tail in OVERVIEW_TAILS)


def _reference(folded: Sequence[str]) -> str | None:
    """What a question leans on the last one for: "person", "group", "event", or None.

    A question with a pronoun is a follow-up even with words of its own ("why did they detain
    him?"); one with "that"/"it" or only a question word is one only when it has no words of
    its own ("when did that happen?", "why?"), since "what is it about the raid?" stands alone.
    """
    present = set(folded)
    if present & PERSON_PRONOUNS:
        return "person"
    if present & GROUP_PRONOUNS:
        return "group"
    content = [w for w in folded if w not in FILLER | EVENT_WORDS and w not in QUESTION_WORDS]
    if folded and not content and any(w in QUESTION_WORDS for w in folded):
        return "event"
    return None


def _question_word(folded: Sequence[str]) -> str:
    asked = next((w for w in folded if w in QUESTION_WORDS), "what")
    return asked.capitalize()


def _about_people(
    engine: AnswerEngine,
    text: str,
    folded: Sequence[str],
    reference: str,
    previous: Turn,
    now: float,
) -> tuple[Answer, Turn | None]:
    """Replace the pronoun by the people it stands for and ask that.

    "He"/"she" needs exactly one person; "they" takes all of them. When the last answer named
    no one, "who are they?" asks the last question again for a passage not yet shown, which is
    where an article names the people it first described ("two Azerbaijani nationals").
    """
    people = previous.people
    if reference == "person" and len(people) > 1:
        return _clarify(engine, text, people), None
    if not people:
        if folded[:1] == ["who"] and _asks_identity(folded):
            retried = engine.ask(previous.question, exclude=previous.shown)
            if retried.answered:
                shown = (*previous.shown, *_shown(retried))
                answer = replace(retried, question=text, understood_as=previous.question)
                turn = Turn(previous.question, answer, shown, _people(engine, answer), now)
                return answer, turn
        return _clarify(engine, text, ()), None
    names = _joined([p.name for p in people])
    pronouns = PERSON_PRONOUNS if reference == "person" else GROUP_PRONOUNS
    standalone = " ".join(_named(w, names, pronouns) for w in text.split())
    if not standalone.endswith(("?", ".", "!")):
        standalone += "?"
    return _remembered(engine, engine.ask(standalone), standalone, (), now, asked=text)


def _named(word: str, names: str, pronouns: frozenset[str]) -> str:
    """`word` with a pronoun replaced by `names`, keeping its punctuation and possession."""
    bare = word.strip("?.!,;:")
    if bare.lower() not in pronouns:
        return word
    named = f"{names}’s" if bare.lower() in POSSESSIVES else names
    return word.replace(bare, named, 1)


def _asks_identity(folded: Sequence[str]) -> bool:
    return all(
        w in {"who", "are", "is", "were", "was", "they", "those", "these", "them", "people"}
        for w in folded
    )


def _more(
    engine: AnswerEngine, text: str, previous: Turn, now: float
) -> tuple[Answer, Turn | None]:
    """The last question again without what was shown; else what follows the last quote."""
    retried = engine.ask(previous.question, exclude=previous.shown)
    if not retried.answered:
        following = engine.following(text, previous.shown, MORE_LIMIT)
        retried = replace(
            following, confidence=min(following.confidence, previous.answer.confidence)
        )
    if not retried.answered:
        return replace(retried, question=text), previous
    answer = replace(retried, question=text, understood_as=previous.question)
    shown = (*previous.shown, *_shown(answer))
    return answer, Turn(previous.question, answer, shown, previous.people, now)


def _remembered(
    engine: AnswerEngine,
    answer: Answer,
    understood: str,
    shown: tuple[str, ...],
    now: float,
    asked: str | None = None,
) -> tuple[Answer, Turn | None]:
    if asked is not None:
        answer = replace(answer, question=asked, understood_as=understood)
    if not answer.answered:
        return answer, None
    return answer, Turn(understood, answer, (*shown, *_shown(answer)), _people(engine, answer), now)


def _shown(answer: Answer) -> tuple[str, ...]:
    ids = [answer.passage_id] if answer.passage_id else []
    return tuple(ids + [r.passage_id for r in answer.related])


def _people(engine: AnswerEngine, answer: Answer) -> tuple[Entity, ...]:
    """Who a pronoun in the next question may mean: the people the question named, else those
    named in the quote shown, else, when a "who" question got a quote naming no one ("two
    Azerbaijani nationals"), those of the first related quote: the one naming them."""
    asked = engine.people(answer.entities)
    if asked:
        return asked
    named = engine.people_in(answer.passage_id) if answer.passage_id else ()
    if not named and answer.intent == "who" and answer.related:
        named = engine.people_in(answer.related[0].passage_id)
    return named


def _clarify(
    engine: AnswerEngine, text: str, people: Sequence[Entity], message: str = CLARIFY
) -> Answer:
    if people:
        offers = tuple(f"Who is {p.name}?" for p in people)
        message = CLARIFY_BETWEEN
    else:
        offers = engine.suggestions()
    return Answer(
        question=text,
        answered=False,
        intent="clarify",
        suggestions=offers,
        message=message,
        clarification=True,
    )


def _joined(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
