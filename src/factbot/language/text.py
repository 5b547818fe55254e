"""Text normalisation shared by building and matching.

Questions and passages must be reduced to the same terms, or nothing matches: both go through
`fold` (script and diacritics to lowercase ASCII) and `terms` (tokens, stopwords out, stemmed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from anyascii import anyascii

# Azerbaijani and Turkish letters whose usual English spelling is not what a generic
# transliterator gives ("Səfərov" is written "Safarov", "Şuşa" is "Shusha").
_LATIN_PREMAP = str.maketrans(
    {
        "ə": "a",
        "Ə": "A",
        "ş": "sh",
        "Ş": "Sh",
        "ç": "ch",
        "Ç": "Ch",
        "ğ": "g",
        "Ğ": "G",
        "ı": "i",
        "İ": "I",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
    }
)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_POSSESSIVE = re.compile(r"'(s|d|ll|re|ve|m|t)$")
# "10,000" and "10000" are one number: thousands separators go before tokenising.
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

# The community asks in Russian and Azerbaijani too. Their question words, as folded, and the
# intent each asks for (detect_intent reads them like the English ones).
FOREIGN_QUESTION_WORDS = {
    **dict.fromkeys("kto kogo komu kem chey chya chyo kim kimdir kimin".split(), "who"),
    **dict.fromkeys("gde kuda otkuda harada haradan haraya hara".split(), "where"),
    **dict.fromkeys("kogda".split(), "when"),
    **dict.fromkeys("pochemu zachem niya".split(), "why"),
    **dict.fromkeys("skol'ko necha".split(), "how_many"),
    **dict.fromkeys("kak neca".split(), "how"),
    **dict.fromkeys("chto kakoy kakaya kakoe kakie kotoryy nadir hansi".split(), "what"),
}

# Their function words, folded: dropped like English stopwords rather than counted as words the
# sources never use. Folded spellings that are English words ("bash", "var", "pro", "ego") are
# left out.
FOREIGN_STOPWORDS = frozenset(
    """
    v vo na i o ob obo s so po iz za u k ko ot do eto etot eta eti byl byla bylo byli budet
    li ne ni on ona oni ono ee ikh im my vy ya pri dlya cherez posle pered mezhdu ili
    a no zhe uzhe tam tut takoy takaya takoe takie seychas proizoshlo sluchilos yest' est'
    va ila uchun haqqinda bu o da daha olub oldu olan edib etdi idi ki ya vaxt na
    """.split()
)

STOPWORDS = (
    frozenset(
        """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom whose why will with would you your
    yours yourself yourselves also s t than upon via among within without whether shall may
    might must tell know please anything something someone somebody thing things us say says
    said ever happen happens happened happening occur occurs occurred going go goes went get
    got really exactly actually hey hi hello ok okay thanks thank factbot bot many much name names
    story stories news latest update updates info information detail details situation
    """.split()
    )
    | FOREIGN_STOPWORDS
)

QUESTION_WORDS = frozenset(
    """
    whats whos wheres whens hows whys
    who whom whose what when where why how which did does do is are was were
    """.split()
) | frozenset(FOREIGN_QUESTION_WORDS)

# Bumped whenever tokenising, stemming or sentence splitting changes what a base stores: a base
# built with another version still answers, but its index and the questions no longer agree on
# every word, so factbot asks for a rebuild. 2: thousands separators and decade-s sentence ends.
# 3: plain-text headlines and subheadings are headings, and typed line breaks end paragraphs.
# 4: names lose the titles before them ("Presidents Vladimir Putin"), a dateline's capitals are
# read as the prose writes the name ("BAKU" -> "Baku"), and kinds are guessed better.
TEXT_PROCESSING_VERSION = 4

_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lowercase ASCII form of `text`: Cyrillic, Azerbaijani letters and accents transliterated."""
    text = unicodedata.normalize("NFC", text).translate(_LATIN_PREMAP)
    return anyascii(text).lower()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a folded word; cached because vocabularies repeat."""
    return str(_stemmer.stemWord(word))


def words(text: str) -> list[str]:
    """Folded word tokens, possessive endings removed ("russia's" -> "russia"), numbers whole."""
    folded = _THOUSANDS_SEPARATOR.sub("", fold(text))
    return [_POSSESSIVE.sub("", token) for token in _TOKEN.findall(folded)]


def terms(text: str) -> list[str]:
    """Stemmed content terms in order: what the index stores and what questions are reduced to."""
    return [stem(word) for word in words(text) if word not in STOPWORDS]


@dataclass(frozen=True, slots=True)
class Span:
    """A verbatim slice of a source: `text == source[start:end]`."""

    start: int
    end: int
    text: str


# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets) and whitespace,
# unless the word before the dot is a known abbreviation or a single initial.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+|$)")
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt gen col lt sgt capt gov sen rep pres vs etc inc ltd co
    corp jan feb mar apr jun jul aug sep sept oct nov dec no fig approx dept est u.s e.g i.e
    a.m p.m u.k u.n
    """.split()
)
_PHOTO_CREDIT = re.compile(r"\s*\((?:photo|photograph|image|picture)\s*[/:]\s*[^)]*\)\s*$", re.I)


def _is_abbreviation(text: str, dot_at: int) -> bool:
    # The whole word before the dot: the "s" of "1970s" or "Israel's" is not an initial.
    match = re.search(r"(?<![\w'’])([A-Za-z.]+)$", text[max(0, dot_at - 12) : dot_at])
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[Span]:
    """Split `text[start:end]` into sentence spans with offsets into `text`.

    Trailing photo credits ("(Photo/Reuters)") are left out of the span: they are metadata, not
    something anyone said.
    """
    end = len(text) if end is None else end
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if match.group().startswith(".") and _is_abbreviation(text, match.start()):
            continue
        next_char_at = match.end()
        while next_char_at < end and text[next_char_at].isspace():
            next_char_at += 1
        if next_char_at < end and text[next_char_at].islower():
            continue
        span = _trimmed(text, cursor, match.end())
        if span:
            yield span
        cursor = match.end()
    span = _trimmed(text, cursor, end)
    if span:
        yield span


def _trimmed(text: str, start: int, end: int) -> Span | None:
    chunk = text[start:end]
    credit = _PHOTO_CREDIT.search(chunk)
    if credit:
        end = start + credit.start()
        chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    start, end = start + lead, end - trail
    if end <= start:
        return None
    return Span(start, end, text[start:end])


# A capitalised word that does not open a sentence: the cheap sign of a name.
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-ÞА-ЯƏŞÇĞİÖÜ][\w’'-]+")


def name_words(text: str) -> list[str]:
    """Folded words of the capitalised words in `text` that do not open a sentence."""
    return [w for match in _CAPITALISED.finditer(text) for w in words(match.group())]


def index_columns(text: str) -> dict[str, str]:
    """What the passages table stores beside a passage's text, so asking need not recompute it."""
    return {
        "terms": " ".join(terms(text)),
        "words": " ".join(words(text)),
        "names": " ".join(name_words(text)),
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def not_unicode(value: str) -> bool:
    """Whether `value` holds lone surrogates: bytes that were not UTF-8 (Python keeps undecodable
    command-line and stdin bytes as surrogates), or a "\\ud800" escape in JSON. Such a string
    cannot be encoded, stored or shown, so every way in refuses it with a clear message."""
    return _SURROGATE.search(value) is not None
