"""Who people are and whom they speak for, read from the words of the sources.

Roles come from titles and appositions around a name ("Foreign Ministry spokesperson Aykhan
Hajizada", "Azerbaijan’s ambassador in Moscow, Rahman Mustafayev"); affiliations from the places
named in a speaker's words, role or description. Both are general patterns of English news and
reference prose: no name of any one story appears here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from factbot.language.text import STOPWORDS, words
from factbot.models import Entity

# Titles may be capitalised ("Prime Minister", "Secretary of State"); the other role nouns count
# only in lower case, since "National" or "General" in capitals usually starts a proper name.
_TITLES = """
    ambassador envoy consul spokesperson spokesman spokeswoman minister secretary president
    vice-president premier chancellor king queen prince princess emperor empress duke duchess
    earl countess lord bishop archbishop pope cardinal governor mayor senator commissioner
    admiral captain judge professor chairman director editor-in-chief
    """.split()
_ROLES = """
    diplomat attache lawmaker deputy head chief editor correspondent journalist reporter founder
    co-founder chairwoman chair ceo executive manager leader commander general officer official
    lawyer attorney prosecutor brother brothers sister sisters son sons daughter daughters wife
    husband father mother nephew niece citizen citizens national nationals resident student
    scientist inventor engineer author writer historian economist analyst expert owner member
    candidate activist adviser advisor aide coach
    """.split()


_ROLE_WORDS = frozenset(n.lower() for n in (*_TITLES, *_ROLES))


def _alternation(nouns: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))


_TITLE = rf"(?i:{_alternation(_TITLES)})(?![\w-])"
_ROLE_NOUN = rf"(?:{_TITLE}|(?:{_alternation(_ROLES)})(?![\w-]))"
_DETERMINER = r"(?:[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir|[Aa]n?|[Oo]ur)"
_MODIFIER = (
    r"(?:[A-Z][\w.-]*(?:[’'][sS])?|[a-z][\w-]*[’']s|deputy|former|acting|senior|junior|chief|"
    r"state|foreign|press|interim|new|top|then|late|first|vice|assistant|general|executive|"
    r"managing|local|regional|national|two|three|younger|elder|older|police|army|party|union|"
    r"company|news|defence|defense|security|finance|justice|interior|health|trade|community|"
    r"opposition|government|city|bureau|agency|court|military)"
)
_CAPITALISED = r"[A-Z](?:[\w’'.-]*\w)?"
_WHERE = rf"(?:\s+(?:of|in|at|for|to|from)\s+(?:the\s+)?{_CAPITALISED}(?:\s+{_CAPITALISED}){{0,3}})"
_TITLE_OF = rf"(?:\s+(?:of|for)\s+(?!{_TITLE}){_CAPITALISED}(?:\s+(?!{_TITLE}){_CAPITALISED})?)"
_HEAD = rf"(?<![\w’'-])(?:{_DETERMINER}\s+)?(?:{_MODIFIER}\s+){{0,4}}{_ROLE_NOUN}"
# "Azerbaijan’s ambassador in Moscow, Rahman Mustafayev" / "Secretary of State Henry Kissinger"
_APPOSITION_BEFORE = re.compile(rf"(?P<role>{_HEAD}{_WHERE}?),\s+$")
_TITLE_BEFORE = re.compile(rf"(?P<role>{_HEAD}{_TITLE_OF}?)\s+$")
# "Rahman Mustafayev, Azerbaijan’s ambassador," / "Huseyn Safarov, who died in custody."
# After the name the apposition is closed by punctuation, so its tail may be any short phrase.
_TAIL_WORD = r"[\w’'-]+(?:\.[\w’'-]+)*"
_TAIL = rf"(?:\s+(?:of|in|at|for|to|from)\s+{_TAIL_WORD}(?:\s+{_TAIL_WORD}){{0,4}})"
_ROLE_AFTER = re.compile(rf",\s+(?P<role>{_HEAD}{_TAIL}?)(?=\s*(?:[,;:)]|\.(?:\s|$)|$))")
_WHO_AFTER = re.compile(r",\s+(?P<role>who\s+[^,;:.()\"“”]{3,100})(?=[,;:.)]|$)")
_NAME_WORD = r"[A-ZÀ-ÞА-ЯƏŞÇĞİÖÜ][\w’'-]*"
_COORDINATED_BEFORE = re.compile(rf"(?:{_NAME_WORD}\s+)*{_NAME_WORD}\s+and\s+$")
_NAME_AFTER = re.compile(rf"(?:\s+{_NAME_WORD})*(?:\s+and\s+{_NAME_WORD}(?:\s+{_NAME_WORD})*)?")
_ROMAN = re.compile(r"[IVXLC]+")
_TOKEN = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")
_APPOSITION_END = re.compile(r"\s*(?:[,;:.)]|and\b|$)")
_WORD_BEFORE = re.compile(r"(?:(?P<link>[\w’'-]+)\s+)?(?P<word>[\w’'-]+)\s+$")
_POSSESSIVE_OWNER = re.compile(
    r"(?:[Tt]he\s+)?(?P<owner>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3})[’']s\s"
)
_CONNECTORS = frozenset({"of", "in", "at", "for", "to", "from", "the", "and", "de", "von", "van"})


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int


def mentions(text: str, aliases: Sequence[tuple[str, ...]]) -> list[Mention]:
    """Where any alias occurs in `text`, as whole folded words, longest alias first."""
    tokens = _folded_tokens(text)
    found: list[Mention] = []
    for alias in sorted(aliases, key=len, reverse=True):
        for i in range(len(tokens) - len(alias) + 1):
            if tuple(t[0] for t in tokens[i : i + len(alias)]) != alias:
                continue
            mention = Mention(tokens[i][1], tokens[i + len(alias) - 1][2])
            if not any(m.start < mention.end and mention.start < m.end for m in found):
                found.append(mention)
    return sorted(found, key=lambda m: m.start)


@lru_cache(maxsize=8192)
def _folded_tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    """Folded words of `text` with their offsets; cached, as every person scans the same passages."""
    tokens: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(text):
        tokens.extend((word, match.start(), match.end()) for word in words(match.group()))
    return tuple(tokens)


_LOWERCASE_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z’'-]+")


def lowercase_words(texts: Iterable[str]) -> frozenset[str]:
    """The words `texts` write in lower case: the `common` words of `alias_words`."""
    return frozenset(word for text in texts for word in _LOWERCASE_WORD.findall(text))


def alias_words(entity: Entity, common: frozenset[str]) -> list[tuple[str, ...]]:
    """The spellings of `entity` safe to look for, as folded word tuples.

    A one-word spelling counts only if it is at least three letters, not a regnal number ("II")
    and not a word the sources also write in lower case: ingest's short forms of guessed names
    ("Security" of "CIA Security") would otherwise match everywhere.
    """
    found = []
    for spelling in {entity.name, *entity.aliases}:
        folded = tuple(words(spelling))
        if len(folded) == 1 and not _distinctive(spelling, folded[0], common):
            continue
        if folded:
            found.append(folded)
    return found


def _distinctive(spelling: str, folded: str, common: frozenset[str]) -> bool:
    if len(folded) < 3 or _ROMAN.fullmatch(spelling.strip()):
        return False
    return spelling.strip().lower() not in common and folded not in common


def roles_in(text: str, mention: Mention, kind: str) -> Iterator[tuple[int, int]]:
    """Spans of `text` that name the role of the person mentioned, as the source words it.

    Titles and appositions before the name ("Foreign Ministry spokesperson Aykhan Hajizada",
    "Azerbaijan’s ambassador in Moscow, Rahman Mustafayev,"); for known people also after it
    ("X, the head of Y,") and, for people the maintainers listed, a relative clause ("X, who died
    in custody"). Names joined by "and" share what surrounds them. A role before a comma counts
    only when the name does not go on to a verb: "After meeting the president, Smith said" gives
    Smith none.
    """
    start, end = _name_start(text, mention.start), mention.end
    coordinated = _COORDINATED_BEFORE.search(text, 0, start)
    if coordinated:
        start = coordinated.start()
    following = _NAME_AFTER.match(text, end)
    if following:
        end = following.end()
    apposition = _APPOSITION_BEFORE.search(text, 0, start)
    if apposition and _APPOSITION_END.match(text, end):
        yield _trimmed_role(text, apposition.start("role"), apposition.end("role"))
    title = _TITLE_BEFORE.search(text, 0, start)
    if title and _reads_as_title(title.group("role")):
        yield _trimmed_role(text, title.start("role"), title.end("role"))
    after = _ROLE_AFTER.match(text, end) if kind in ("person", "curated") else None
    if after:
        yield _trimmed_role(text, after.start("role"), after.end("role"))
    clause = _WHO_AFTER.match(text, end) if kind == "curated" else None
    if clause:
        yield clause.start("role"), clause.end("role")


def _reads_as_title(role: str) -> bool:
    """A bare lower-case noun before a name is rarely a title ("the general Civil Code").

    A title noun ("Prime Minister"), a capitalised modifier ("British engineer") or a possessive
    ("Jean's nephew") makes it one.
    """
    body = re.sub(rf"^{_DETERMINER}\s+", "", role)
    return bool(re.search(_TITLE, body) or re.search(r"[A-Z]|[’']s\b", body))


def _name_start(text: str, start: int) -> int:
    """Widen a mention of a surname to the given names before it ("Henry Kissinger").

    A capitalised word belongs to the name unless it is a role noun ("President") or follows a
    connector, which makes it part of a title ("Secretary of State").
    """
    while True:
        previous = _WORD_BEFORE.search(text, 0, start)
        if previous is None or re.fullmatch(_ROLE_NOUN, previous.group("word")):
            return start
        if not re.fullmatch(_NAME_WORD, previous.group("word")):
            return start
        if previous.group("link") and previous.group("link").lower() in _CONNECTORS:
            return start
        start = previous.start("word")


def _trimmed_role(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading function words ("its", "a") a role does not need to be understood."""
    for match in _TOKEN.finditer(text, start, end):
        word = match.group().lower()
        if word == "the" or word not in STOPWORDS or match.group().isupper():
            return match.start(), end
    return start, end


def could_be_person(entity: Entity) -> bool:
    """People and unclassified names, but not a name made only of role words ("Presidents")."""
    if entity.kind not in ("person", "other"):
        return False
    return any(
        w not in _ROLE_WORDS and w.rstrip("s") not in _ROLE_WORDS and w not in STOPWORDS
        for w in words(entity.name)
    )


@dataclass(frozen=True)
class Affiliations:
    """Which place (a country, usually) a speaker speaks for.

    Read, in order, from the speaker's own words ("Russia’s Foreign Ministry", "the Azerbaijani
    ambassador"), from the role the sources give a named speaker, and from the maintainers'
    description of the entity. A city stands for the place its description puts it in ("Baku":
    "capital of Azerbaijan"). Speakers with no such evidence are not assigned to a side.
    """

    places: dict[str, list[tuple[str, ...]]]
    entities: list[tuple[tuple[str, ...], Entity]]
    roles: dict[str, str]

    def side_of(self, speaker: str) -> str | None:
        direct = self._place_in(speaker) or self._owner_of(speaker) or self.demonym_in(speaker)
        if direct:
            return direct
        tokens = tuple(words(speaker))
        for alias, entity in self.entities:
            if _contains(tokens, alias):
                side = self._side_of_entity(entity)
                if side:
                    return side
        return None

    def _owner_of(self, speaker: str) -> str | None:
        """The named owner in a possessive speaker ("Russia’s Foreign Ministry" -> Russia).

        Ingest may not know Russia is a place; the possessive says the ministry is its own.
        """
        match = _POSSESSIVE_OWNER.match(speaker)
        if match is None:
            return None
        owner = tuple(words(match.group("owner")))
        for alias, entity in self.entities:
            if alias == owner and entity.kind != "person":
                return self.root(entity.id)
        return None

    def demonym_in(self, speaker: str) -> str | None:
        """The place a speaker's adjective of nationality names ("Ruritanian ambassador").

        A capitalised word that is a one-word place or organisation name plus a short ending
        ("-n", "-i", "-ian") is read as its adjective, for places the maintainers have not
        listed with that spelling.
        """
        for token in re.findall(r"\b[A-Z][a-z]{3,}\b", speaker):
            folded = tuple(words(token))
            for alias, entity in self.entities:
                if entity.kind == "person" or len(alias) != 1 or not folded:
                    continue
                stem = alias[0]
                if folded[0].startswith(stem) and 0 < len(folded[0]) - len(stem) <= 3:
                    return self.root(entity.id)
        return None

    def _side_of_entity(self, entity: Entity) -> str | None:
        if entity.kind == "place":
            return self.root(entity.id)
        own_name = entity.name if entity.kind == "organisation" else None
        for text in (own_name, self.roles.get(entity.id), entity.description):
            side = self._place_in(text) if text else None
            if side:
                return side
        return None

    def _place_in(self, text: str) -> str | None:
        tokens = tuple(words(text))
        hits = [
            (_position(tokens, alias), place_id)
            for place_id, aliases in self.places.items()
            for alias in aliases
            if _contains(tokens, alias)
        ]
        return self.root(min(hits)[1]) if hits else None

    def root(self, place_id: str, depth: int = 0) -> str:
        entity = self._place(place_id)
        if entity is None or not entity.description or depth > 3:
            return place_id
        tokens = tuple(words(entity.description))
        inside = [
            (_position(tokens, alias), other)
            for other, aliases in self.places.items()
            if other != place_id
            for alias in aliases
            if _contains(tokens, alias)
        ]
        return self.root(min(inside)[1], depth + 1) if inside else place_id

    def _place(self, place_id: str) -> Entity | None:
        return next((e for _, e in self.entities if e.id == place_id), None)


def _contains(tokens: tuple[str, ...], alias: tuple[str, ...]) -> bool:
    return _position(tokens, alias) >= 0


def _position(tokens: tuple[str, ...], alias: tuple[str, ...]) -> int:
    for i in range(len(tokens) - len(alias) + 1):
        if tokens[i : i + len(alias)] == alias:
            return i
    return -1


def affiliations(
    entities: Iterable[Entity], common: frozenset[str], roles: dict[str, str]
) -> Affiliations:
    """Affiliations readable from these entities; `roles` are the roles the sources give people."""
    entities = list(entities)
    places = {e.id: alias_words(e, common) for e in entities if e.kind == "place"}
    by_alias = sorted(
        ((alias, e) for e in entities for alias in alias_words(e, common)),
        key=lambda pair: (-len(pair[0]), pair[1].id),
    )
    return Affiliations(places=places, entities=by_alias, roles=roles)
