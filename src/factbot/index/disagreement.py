"""Where sources disagree: different numbers, roles or dates given for the same thing.

Outlets covering one story for months count, title and date things differently ("nine
detained" against "more than 50"; "executive director" against "editor-in-chief"; "on Monday"
against "On 1 July"). The bot must never pick one silently, so every passage is read for three
kinds of claim, each with what it is about and the value it gives:

- a count: a number, the plural noun it counts and the verb done to them ("nine people were
  detained"), about (noun, verb);
- a role: the title a source gives a person ("its executive director, Igor Kartavykh"), about
  that person;
- a date: the day an event happened ("raided ... on Monday", resolved by `factbot.index.dating`),
  about (the event's verb, the people or organisations it involves).

Two claims disagree when they are about the same thing, come from different sources (or from
different speakers in one), and give values that cannot both be true. All of it is general
English news grammar; nothing here names anything of one story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import sqlite_utils

from factbot.index.dating import DAY, PassageDate, passage_dates, reported_on
from factbot.language.roles import (
    Mention,
    alias_words,
    could_be_person,
    lowercase_words,
    mentions,
    roles_in,
)
from factbot.language.text import STOPWORDS, stem, words
from factbot.models import Entity

COUNT, ROLE, DATE = "count", "role", "date"

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24, "hundreds": 200,
}  # fmt: skip
_NUMBER = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})"
)
_QUALIFIER = (
    r"(?:more\s+than|over|at\s+least|about|around|some|nearly|almost|up\s+to|fewer\s+than|"
    r"less\s+than|roughly|approximately|an\s+estimated)"
)
_PLURAL = r"(?:[a-z][\w-]*s|people|men|women|children|police)"
_AUXILIARY = r"(?:(?:had|have|has|were|was|are|is|been|being|be|got|get|reportedly)\s+){1,3}"
# "nine people were detained", "more than 50 people had been detained"
_COUNT_PASSIVE = re.compile(
    rf"(?<![\w,.])(?P<qual>{_QUALIFIER}\s+)?(?P<num>{_NUMBER})\s+(?:(?P<mod>[a-z][\w-]*)\s+)?"
    rf"(?P<noun>{_PLURAL})\s+{_AUXILIARY}(?P<verb>[a-z]+(?:ed|en|wn|ld|ught))\b",
    re.I,
)
# "killing 38 people", "detained nine people", "killing 38 of the 67 people"
_COUNT_ACTIVE = re.compile(
    rf"\b(?P<verb>[a-z]+(?:ed|ing))\s+(?P<qual>{_QUALIFIER}\s+)?(?P<num>{_NUMBER})"
    rf"(?:\s+of\s+the\s+{_NUMBER})?\s+(?:(?P<mod>[a-z][\w-]*)\s+)?(?P<noun>{_PLURAL})\b",
    re.I,
)
# "in which 38 people died"
_COUNT_INTRANSITIVE = re.compile(
    rf"(?<![\w,.])(?P<qual>{_QUALIFIER}\s+)?(?P<num>{_NUMBER})\s+(?:(?P<mod>[a-z][\w-]*)\s+)?"
    rf"(?P<noun>{_PLURAL})\s+(?P<verb>died|fled|disappeared|survived|remain|remained)\b",
    re.I,
)
_NOT_COUNTED = frozenset("years months weeks days hours minutes times percent per cent".split())
_REPORTING = frozenset(
    "said says say told tells reported reports added adds announced stated confirmed "
    "according claimed claims wrote".split()
)
# Role words too vague to contradict a more precise title: a "head" may be a director.
_VAGUE_ROLES = frozenset(
    """head chief leader official officials member members staff employee journalist reporter
    diplomat citizen citizens national nationals resident representative figure executive
    boss manager brother brothers sister sisters son sons daughter daughters wife husband father
    mother nephew niece""".split()
)
_ROLE_FILLER = frozenset("the its his her their a an our then now later also".split())
_EVENT_VERB = re.compile(r"^[a-z]{3,}(?:ed|en|wn|ought|ught)$")


@dataclass(frozen=True, slots=True)
class Claim:
    """One thing a passage states: `about` names the thing, `value` what the passage says it is.

    `words` is the stretch of the passage that states it, for showing; `speaker` who says it
    (the passage's attribution), since one article may report two sides.
    """

    passage_id: str
    source_id: str
    speaker: str | None
    kind: str
    about: tuple[str, ...]
    value: str
    words: str
    low: float = 0.0
    high: float = 0.0
    published: date | None = None
    scene: date | None = None
    counted: str | None = None  # for a count: the noun counted, as written ("people")


@dataclass(frozen=True, slots=True)
class ClaimPassage:
    """What claim reading needs of a passage."""

    passage_id: str
    source_id: str
    text: str
    speaker: str | None = None
    entity_ids: tuple[str, ...] = ()
    event_day: date | None = None
    event_words: str | None = None
    published: date | None = None
    scene: date | None = None


def count_claims(passage: ClaimPassage, synonyms: dict[str, int] | None = None) -> list[Claim]:
    """Counts of people or things the passage states, about (noun, verb)."""
    found: list[Claim] = []
    seen: set[tuple[int, int]] = set()
    for pattern in (_COUNT_PASSIVE, _COUNT_ACTIVE, _COUNT_INTRANSITIVE):
        for match in pattern.finditer(passage.text):
            if any(a < match.end() and match.start() < b for a, b in seen):
                continue
            noun = match.group("noun").lower()
            number = _number(match.group("num"))
            if noun in _NOT_COUNTED or number is None or 1000 < number < 2100:
                continue
            low, high = _range(match.group("qual"), number)
            seen.add((match.start(), match.end()))
            found.append(
                Claim(
                    passage_id=passage.passage_id,
                    source_id=passage.source_id,
                    speaker=passage.speaker,
                    kind=COUNT,
                    about=(_canonical(noun, synonyms), _canonical(match.group("verb"), synonyms)),
                    value=match.group().strip(),
                    words=match.group().strip(),
                    low=low,
                    high=high,
                    published=passage.published,
                    scene=passage.scene,
                    counted=noun,
                )
            )
    return found


def _number(text: str) -> int | None:
    text = text.lower().replace(",", "")
    if text.isdigit():
        return int(text)
    return _NUMBER_WORDS.get(text)


def _range(qualifier: str | None, number: int) -> tuple[float, float]:
    """The values a count allows: "more than 50" is anything above, "about 50" near it."""
    word = " ".join((qualifier or "").lower().split())
    if word in ("more than", "over", "at least"):
        return float(number), float("inf")
    if word in ("fewer than", "less than", "up to"):
        return 0.0, float(number)
    if word in ("nearly", "almost"):
        return number * 0.8, float(number)
    if word:
        return number * 0.8, number * 1.2
    return float(number), float(number)


def _canonical(word: str, synonyms: dict[str, int] | None) -> str:
    """A word's stem, or its synonym group's name when it has one ("raided" = "searched")."""
    stemmed = stem(word.lower())
    if synonyms and stemmed in synonyms:
        return f"group{synonyms[stemmed]}"
    return stemmed


def role_claims(
    passage: ClaimPassage, people: Sequence[tuple[str, Sequence[tuple[str, ...]]]]
) -> list[Claim]:
    """Titles the passage gives people, about each person (entity id, its alias word tuples)."""
    found: list[Claim] = []
    for entity_id, aliases in people:
        if entity_id not in passage.entity_ids:
            continue
        for mention in mentions(passage.text, aliases):
            for start, end in _roles_of(passage.text, mention):
                role = passage.text[start:end]
                value = _role_words(role)
                if value and value - _VAGUE_ROLES:
                    found.append(
                        Claim(
                            passage_id=passage.passage_id,
                            source_id=passage.source_id,
                            speaker=passage.speaker,
                            kind=ROLE,
                            about=(entity_id,),
                            value=" ".join(sorted(value)),
                            words=role,
                            published=passage.published,
                        )
                    )
    return found


def _roles_of(text: str, mention: Mention) -> Iterator[tuple[int, int]]:
    """`roles.roles_in`, plus a lower-case job title right before the name ("senior editor
    Yevgeny Belousov"), which a who's who may skip but a disagreement about titles must see."""
    found = list(roles_in(text, mention, "person"))
    yield from found
    before = _JOB_BEFORE.search(text, 0, mention.start)
    if before is None:
        return
    start, end = before.start("role"), before.end("role")
    for token in re.finditer(r"[\w’'-]+", text[start:end]):
        word = token.group().lower()
        if word not in _ROLE_FILLER and (word in STOPWORDS or word.endswith("ed")):
            start = before.start("role") + token.end()
            continue
        break
    while start < end and text[start].isspace():
        start += 1
    if start < end and not any(a < end and start < b for a, b in found):
        yield start, end


def _role_words(role: str) -> frozenset[str]:
    """The words of a role that say what the job is: no determiners, owners or places.

    "its executive director" -> {executive, director}; "the editor-in-chief of Sputnik" ->
    {editor-in-chief}. Capitalised words name the employer, not the job, unless they are the
    title itself ("Deputy Foreign Minister" keeps its words).
    """
    head = re.split(r"\s+(?:of|in|at|for|to|from)\s+", role, maxsplit=1)[0]
    kept: list[str] = []
    for token in re.findall(r"[\w’'-]+", head):
        lowered = token.lower()
        if lowered in _ROLE_FILLER or lowered.endswith(("’s", "'s")) or _number(lowered):
            continue
        if token[0].isupper() and not kept and lowered not in _ROLE_TITLE_WORDS:
            continue
        kept.append(lowered)
    return frozenset(kept)


_JOBS = (
    "editor-in-chief|editor|director|correspondent|producer|presenter|anchor|columnist|"
    "photographer|manager|chairman|chairwoman|chair|secretary|spokesperson|spokesman|"
    "spokeswoman|adviser|advisor|aide|lawyer|attorney|prosecutor|judge|commander|officer|"
    "engineer|master|governor|mayor|ambassador|minister|treasurer|coach|captain"
)
_JOB_BEFORE = re.compile(
    r"(?<![\w’'-])(?P<role>(?:(?:[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+)?(?:[\w’'-]+\s+){0,2}"
    rf"(?:{_JOBS}))(?:\s+|,\s+)$"
)
_ROLE_TITLE_WORDS = frozenset(
    "deputy foreign prime minister president secretary ambassador chairman director editor "
    "editor-in-chief senior chief executive general vice".split()
)


def date_claims(passage: ClaimPassage, synonyms: dict[str, int] | None = None) -> list[Claim]:
    """The day the passage's event happened, about (event verb, who or what it involves).

    A date said of a statement ("said on Monday that...") is the day of the statement, not of
    the event, so it makes no claim; nor does a passage naming no person or organisation.
    """
    if passage.event_day is None or not passage.entity_ids or not passage.event_words:
        return []
    if reported_on(passage.text, passage.event_words):
        return []
    verbs = sorted(
        {
            _canonical(word, synonyms)
            for word in words(passage.text)
            if _EVENT_VERB.match(word) and word not in _REPORTING and word not in STOPWORDS
        }
    )
    return [
        Claim(
            passage_id=passage.passage_id,
            source_id=passage.source_id,
            speaker=passage.speaker,
            kind=DATE,
            about=(verb, *passage.entity_ids),
            value=passage.event_day.isoformat(),
            words=passage.event_words,
            published=passage.published,
        )
        for verb in verbs
    ]


def disagree(a: Claim, b: Claim) -> bool:
    """Whether two claims are about the same thing and cannot both be true.

    Claims of one source by one speaker never disagree here: an article correcting itself is
    not two versions. A date claim is about the same event when the verb matches and both
    involve one of the same people or organisations.
    """
    if a.kind != b.kind or a.passage_id == b.passage_id:
        return False
    if a.source_id == b.source_id and a.speaker == b.speaker:
        return False
    if a.kind == DATE:
        if a.about[0] != b.about[0] or not set(a.about[1:]) & set(b.about[1:]):
            return False
        return a.value != b.value and not _later_event(a, b) and not _later_event(b, a)
    if a.about != b.about:
        return False
    if a.kind == COUNT:
        return not _different_days(a, b) and (a.high < b.low or b.high < a.low)
    mine, theirs = set(a.value.split()), set(b.value.split())
    return not (mine <= theirs or theirs <= mine)


def same_scene(a: Claim, b: Claim) -> bool:
    """Whether both claims are told among events of the same day or the next: positive
    evidence that two counts found apart (not for the same question) are of one event."""
    return a.scene is not None and b.scene is not None and abs((a.scene - b.scene).days) <= 1


def _different_days(a: Claim, b: Claim) -> bool:
    """Counts told among events days apart are of different events (seven held in one raid,
    nine in another). One day apart is allowed for: sources disagree about dates too, and a
    night-time raid or a time zone moves an event across midnight."""
    return a.scene is not None and b.scene is not None and abs((a.scene - b.scene).days) > 1


def _later_event(a: Claim, b: Claim) -> bool:
    """Whether `a` dates something after `b`'s source was published: a later event of the
    same kind (detained again in August), which `b` could not have reported, not a dispute."""
    return b.published is not None and date.fromisoformat(a.value) > b.published


_ASKS_ROLE = frozenset("job title role position post rank works work".split())
_KINDS_BY_INTENT = {
    "when": frozenset({DATE}),
    "how_many": frozenset({COUNT}),
    "who": frozenset({ROLE}),
    "where": frozenset(),
}


def kinds_asked(intent: str, question_words: Iterable[str]) -> frozenset[str]:
    """The kinds of claim a question is about, so only disagreements on those are shown.

    "When" asks for a date, "how many" for a count, "who" for a person (a role); a question
    with a role word asks for a role ("is he the main editor?", "what's his job?"); others are
    about what the answer states: its counts and dates.
    """
    if intent in _KINDS_BY_INTENT:
        return _KINDS_BY_INTENT[intent]
    asked = set(question_words)
    if asked & (_ASKS_ROLE | _ROLE_TITLE_WORDS | set(_JOBS.split("|"))):
        return frozenset({ROLE})
    return frozenset({COUNT, DATE})


@dataclass(frozen=True, slots=True)
class Version:
    """One side of a disagreement, as shown: the passage's quote and the words that differ."""

    claim: Claim
    quote: str


@dataclass
class ClaimMemo:
    """Claims and dates already read, for one revision of a base: an engine keeps one and
    drops it when the base changes, so each passage is read once, not once per question."""

    revision: str | None = None
    dates: dict[str, PassageDate] = field(default_factory=dict)
    dated_sources: set[str] = field(default_factory=set)
    passages: dict[str, tuple[str, str, list[Claim]]] = field(default_factory=dict)


class ClaimIndex:
    """The claims of a fact base's active passages (of `passage_ids` only, if given).

    The whole base for a summary (~10 ms per 100 passages); an answer reads only the passages
    ranked for its question and those about the people it names, through its `memo`.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        passage_ids: Iterable[str] | None = None,
        memo: ClaimMemo | None = None,
    ) -> None:
        self.db = db
        memo = memo if memo is not None else ClaimMemo()
        wanted = None if passage_ids is None else sorted(set(passage_ids))
        todo = None if wanted is None else [p for p in wanted if p not in memo.passages]
        if todo is None or todo:
            _read_claims(db, _active_passages(db, todo), memo)
        chosen = (
            memo.passages
            if wanted is None
            else {p: memo.passages[p] for p in wanted if p in memo.passages}
        )
        self.sources = {p: found[0] for p, found in chosen.items()}
        self.quotes = {p: found[1] for p, found in chosen.items()}
        self.claims = {p: found[2] for p, found in chosen.items()}

    def claims_of(self, passage_id: str) -> list[Claim]:
        return self.claims.get(passage_id, [])

    def against(
        self,
        passage_id: str,
        among: Iterable[str] | None = None,
        about: Iterable[str] | None = None,
        kinds: frozenset[str] = frozenset({COUNT, ROLE, DATE}),
    ) -> list[Version]:
        """Passages that disagree with `passage_id`, one per passage, strongest kind first.

        `among` are the passages on the same question (a ranking's candidates): a count of the
        same people and action there is about the same thing unless told among events days
        apart; elsewhere in the index it must be told among events of the same day or the next
        (`same_scene`). Roles and dates are checked across the index, since a person (or the
        event's verb and the people in it) pins what they are about. `about` limits roles to
        those entities (the ones a question names).
        """
        allowed = set(among) if among is not None else None
        wanted = set(about) if about is not None else None
        mine = [
            c for c in self.claims_of(passage_id)
            if c.kind in kinds and (c.kind != ROLE or not wanted or c.about[0] in wanted)
        ]  # fmt: skip
        found: dict[str, Version] = {}
        for other_id, claims in self.claims.items():
            if other_id in found or other_id == passage_id:
                continue
            for claim in claims:
                outside = claim.kind == COUNT and allowed is not None and other_id not in allowed
                if any(
                    disagree(own, claim) and (not outside or same_scene(own, claim)) for own in mine
                ):
                    found[other_id] = Version(claim, self.quotes[other_id])
                    break
        return list(found.values())

    def version_of(self, passage_id: str, kinds: frozenset[str]) -> Version:
        """`passage_id` as one version (its first claim of those kinds)."""
        claim = next(c for c in self.claims_of(passage_id) if c.kind in kinds)
        return Version(claim, self.quotes[passage_id])

    def versions_among(
        self, passage_ids: Sequence[str], kinds: frozenset[str] = frozenset({COUNT, ROLE, DATE})
    ) -> list[Version]:
        """The versions of the first thing these passages (best first) disagree about."""
        order = {passage_id: i for i, passage_id in enumerate(passage_ids)}
        claims = [c for p in passage_ids for c in self.claims_of(p) if c.kind in kinds]
        for claim in claims:
            others = [o for o in claims if disagree(claim, o)]
            if others:
                chosen: dict[str, Version] = {}
                for found in sorted([claim, *others], key=lambda c: order[c.passage_id]):
                    chosen.setdefault(
                        found.passage_id, Version(found, self.quotes[found.passage_id])
                    )
                return list(chosen.values())
        return []

    def disputes(self) -> list[list[Claim]]:
        """Every thing the sources disagree about, as all the claims made about it (agreeing
        ones too, so a who's who can list each version with every source that gives it)."""
        buckets: dict[tuple[str, str], list[Claim]] = {}
        for claims in self.claims.values():
            for claim in claims:
                buckets.setdefault((claim.kind, claim.about[0]), []).append(claim)
        disputes: list[list[Claim]] = []
        for bucket in buckets.values():
            for group in _groups(bucket):
                if any(disagree(a, b) for i, a in enumerate(group) for b in group[i + 1 :]):
                    disputes.append(group)
        return disputes


def same_thing(a: Claim, b: Claim) -> bool:
    """Whether two claims are about the same thing (whatever values they give)."""
    if a.kind != b.kind or a.about[0] != b.about[0]:
        return False
    if a.kind == DATE:
        return bool(set(a.about[1:]) & set(b.about[1:])) and not (
            _later_event(a, b) or _later_event(b, a)
        )
    if a.kind == COUNT:
        return a.about == b.about and not _different_days(a, b)
    return a.about == b.about


def _groups(claims: list[Claim]) -> list[list[Claim]]:
    """Claims joined when about the same thing, directly or through another claim."""
    parent = list(range(len(claims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(claims):
        for j in range(i + 1, len(claims)):
            if same_thing(a, claims[j]):
                parent[root(j)] = root(i)
    grouped: dict[int, list[Claim]] = {}
    for i, claim in enumerate(claims):
        grouped.setdefault(root(i), []).append(claim)
    return list(grouped.values())


def _read_claims(
    db: sqlite_utils.Database, rows: list[tuple[str, str, str, str | None]], memo: ClaimMemo
) -> None:
    """Read the claims of these passages into `memo`."""
    synonyms = {str(t): int(g) for t, g in db.execute("SELECT term, group_id FROM synonyms")}
    undated = {str(row[1]) for row in rows} - memo.dated_sources
    if undated:
        memo.dates.update(passage_dates(db, undated))
        memo.dated_sources |= undated
    links = _links(db, [str(row[0]) for row in rows])
    entities = {
        e.id: e for e in _entities(db, sorted({e for found in links.values() for e in found}))
    }
    for passage_id, source_id, text, speaker in rows:
        dated = memo.dates.get(passage_id)
        linked = [entities[e] for e in links.get(passage_id, []) if e in entities]
        passage = ClaimPassage(
            passage_id=passage_id,
            source_id=source_id,
            text=text,
            speaker=speaker,
            entity_ids=tuple(e.id for e in linked),
            event_day=dated.event if dated and dated.precision == DAY else None,
            event_words=dated.event_text if dated else None,
            published=dated.published if dated else None,
            scene=dated.scene if dated else None,
        )
        involved = replace(
            passage,
            entity_ids=tuple(e.id for e in linked if e.kind in ("person", "organisation")),
        )
        # A one-word alias the text also writes in lower case ("Security") is not looked for.
        common = lowercase_words([text])
        people = [
            (e.id, alias_words(e, common))
            for e in linked
            if e.kind == "person" or could_be_person(e)
        ]
        claims = [
            *count_claims(passage, synonyms),
            *role_claims(passage, people),
            *date_claims(involved, synonyms),
        ]
        memo.passages[passage_id] = (source_id, text, claims)


def _active_passages(
    db: sqlite_utils.Database, passage_ids: list[str] | None
) -> list[tuple[str, str, str, str | None]]:
    query = "SELECT id, source_id, text, attribution FROM passages WHERE status = 'active'"
    if passage_ids is None:
        return [tuple(row) for row in db.execute(query).fetchall()]
    found: list[tuple[str, str, str, str | None]] = []
    for i in range(0, len(passage_ids), 500):
        chunk = passage_ids[i : i + 500]
        found += db.execute(f"{query} AND id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    return found


def _entities(db: sqlite_utils.Database, entity_ids: list[str]) -> list[Entity]:
    """The entities with these ids and their spellings (not the whole table: an answer reads
    only those its passages mention)."""
    found: list[Entity] = []
    for i in range(0, len(entity_ids), 500):
        chunk = entity_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        aliases: dict[str, list[str]] = {}
        for entity_id, alias in db.execute(
            f"SELECT entity_id, alias FROM aliases WHERE entity_id IN ({marks}) ORDER BY rowid",
            chunk,
        ):
            aliases.setdefault(str(entity_id), []).append(str(alias))
        for entity_id, name, kind, description in db.execute(
            f"SELECT id, name, kind, description FROM entities WHERE id IN ({marks}) ORDER BY id",
            chunk,
        ):
            found.append(
                Entity(entity_id, name, kind, description, tuple(aliases.get(entity_id, ())))
            )
    return found


def _links(db: sqlite_utils.Database, passage_ids: list[str]) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for i in range(0, len(passage_ids), 500):
        chunk = passage_ids[i : i + 500]
        for passage_id, entity_id in db.execute(
            f"SELECT passage_id, entity_id FROM passage_entities WHERE passage_id IN "
            f"({','.join('?' * len(chunk))}) ORDER BY entity_id",
            chunk,
        ):
            links.setdefault(str(passage_id), []).append(str(entity_id))
    return links
