"""SQuAD JSON -> (question, sentence, label) pairs for the reader, with chat-style and unanswerable
variants, and the held-out validation questions the threshold is chosen on.

Ordinary code, no torch: CI tests it. Sentences come from factbot's own splitter
(`factbot.language.segment.segment`), so the model is trained on the passages it reads at run time.

- Answerable question: the sentence holding the answer's first character is positive; the other
  sentences of its paragraph are negative (the `max_negatives` sharing most words with the
  question: those are the ones a word ranker would confuse with the answer).
- Unanswerable SQuAD 2.0 question: every sentence of its paragraph is negative. They were written
  to look answerable from that paragraph, so they are the hard negatives.
- Synthetic unanswerable: an answerable question with an entity, a number, a date or a predicate
  swapped for one its answer sentence does not hold, paired with that sentence as a negative
  ("when was Belousov released" is not answered by "Belousov was detained in June").
- Chat-style variant: the question as a chat user types it (lowercase, no punctuation, typos,
  abbreviations such as ppl/govt/wat/u, dropped function words), with the same labels.

Three whole articles of the SQuAD 2.0 file are held out as validation: they choose the
answerability threshold and give the training figures. The benchmark sets are never read here.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from factbot.language.segment import segment
from factbot.language.text import words

TRAIN_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "train"
SQUAD_FILES = ("squad-v2-dev-19-articles.json", "squad-v1.1-dev-13-articles.json")
VALIDATION_ARTICLES = 3
MAX_NEGATIVES = 4


@dataclass(frozen=True)
class Pair:
    """One training example: does `passage` answer `question`?"""

    question: str
    passage: str
    label: int  # 1: answers, 0: does not
    article: str
    kind: str  # answer, other-sentence, unanswerable, swapped


@dataclass(frozen=True)
class Item:
    """One SQuAD question with the sentences of its paragraph."""

    question: str
    sentences: tuple[str, ...]
    answer: int | None  # index of the answering sentence; None when unanswerable
    article: str
    style: str = "written"  # written or chat


@dataclass
class Prepared:
    train: list[Pair] = field(default_factory=list)
    validation: list[Item] = field(default_factory=list)
    validation_articles: tuple[str, ...] = ()
    parameters: dict[str, float | int] = field(default_factory=dict)


# --- reading SQuAD -------------------------------------------------------------------------------


def read_items(path: Path) -> Iterator[Item]:
    """Every question of a SQuAD file whose answer falls inside one of factbot's sentences."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for article in data:
        for paragraph in article["paragraphs"]:
            spans = segment(paragraph["context"])
            texts = tuple(span.text for span in spans)
            if len(texts) < 2:
                continue
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):
                    yield Item(qa["question"].strip(), texts, None, article["title"])
                    continue
                start = qa["answers"][0]["answer_start"]
                index = next((i for i, s in enumerate(spans) if s.start <= start < s.end), None)
                if index is not None:
                    yield Item(qa["question"].strip(), texts, index, article["title"])


def article_titles(path: Path) -> list[str]:
    return [a["title"] for a in json.loads(path.read_text(encoding="utf-8"))["data"]]


# --- chat-style variants -------------------------------------------------------------------------

# Common chat forms, chosen by hand; the matcher's own slang table (data/noslang.json) reads them
# back at run time.
ABBREVIATIONS = {
    "people": ("ppl",),
    "government": ("govt", "gov"),
    "what": ("wat", "wut", "wht"),
    "you": ("u",),
    "your": ("ur",),
    "are": ("r",),
    "because": ("cuz", "bc"),
    "about": ("abt",),
    "before": ("b4",),
    "with": ("w",),
    "and": ("n", "&"),
    "please": ("pls",),
    "minister": ("min",),
    "ministry": ("ministry", "min"),
    "number": ("no", "num"),
    "year": ("yr",),
    "years": ("yrs",),
    "million": ("mil", "m"),
    "thousand": ("k",),
    "percent": ("%", "pct"),
    "information": ("info",),
    "department": ("dept",),
    "international": ("intl",),
    "president": ("pres",),
    "university": ("uni",),
    "approximately": ("approx",),
    "to": ("2",),
    "for": ("4",),
    "really": ("rly",),
    "anyone": ("any1",),
    "someone": ("some1",),
}
CONTRACTIONS = {
    "what is": "whats",
    "what's": "whats",
    "who is": "whos",
    "who's": "whos",
    "where is": "wheres",
    "how is": "hows",
    "did not": "didnt",
    "does not": "doesnt",
    "is not": "isnt",
    "was not": "wasnt",
}
FUNCTION_WORDS = frozenset("the a an of is was were are did does do to in on by for".split())
CHAT_OPENERS = ("", "", "", "so ", "hey ", "quick q ", "anyone know ", "yo ")
CHAT_CLOSERS = ("", "", "", "?", "??", " lol", " anyone", " tho")


def chat_variant(question: str, rng: random.Random) -> str:
    """`question` as a chat user might type it; the same meaning, never the same string."""
    text = question.lower().replace("’", "'")
    for long, short in CONTRACTIONS.items():
        if rng.random() < 0.7:
            text = re.sub(rf"\b{re.escape(long)}\b", short, text)
    text = re.sub(r"[^\w\s'%&-]", " ", text).replace("'", "")
    out = []
    for word in text.split():
        if word in FUNCTION_WORDS and rng.random() < 0.35:
            continue
        if word in ABBREVIATIONS and rng.random() < 0.6:
            word = rng.choice(ABBREVIATIONS[word])
        elif len(word) >= 5 and rng.random() < 0.12:
            word = typo(word, rng)
        out.append(word)
    if not out:
        out = text.split() or [question.lower()]
    variant = rng.choice(CHAT_OPENERS) + " ".join(out) + rng.choice(CHAT_CLOSERS)
    return variant if variant != question else variant.lower() + " ?"


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: two letters swapped, one dropped or one doubled (never the first)."""
    i = rng.randrange(1, len(word) - 1)
    slip = rng.randrange(3)
    if slip == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if slip == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


# --- synthetic unanswerable questions -------------------------------------------------------------

MONTHS = (
    "January February March April May June July August September October November December".split()
)
# Swapping one of these for its partner asks about another event than the sentence reports.
PREDICATES = {
    "born": "died",
    "died": "born",
    "founded": "dissolved",
    "built": "demolished",
    "won": "lost",
    "lost": "won",
    "win": "lose",
    "began": "ended",
    "ended": "began",
    "start": "end",
    "started": "stopped",
    "first": "last",
    "last": "first",
    "largest": "smallest",
    "smallest": "largest",
    "highest": "lowest",
    "lowest": "highest",
    "most": "least",
    "before": "after",
    "after": "before",
    "arrested": "released",
    "released": "arrested",
    "increase": "decrease",
    "increased": "decreased",
    "opened": "closed",
    "closed": "opened",
    "bought": "sold",
    "sold": "bought",
    "joined": "left",
    "left": "joined",
    "married": "divorced",
    "accepted": "rejected",
    "rejected": "accepted",
    "support": "oppose",
    "supported": "opposed",
    "allowed": "banned",
    "banned": "allowed",
    "north": "south",
    "south": "north",
    "east": "west",
    "west": "east",
}
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")


def swapped_question(
    question: str, sentence: str, names: Sequence[str], rng: random.Random
) -> str | None:
    """`question` changed so that `sentence` no longer answers it, or None when no swap is safe.

    A swapped-in number, month, name or predicate must not occur in `sentence`: the question
    then asks about something the sentence does not say.
    """
    held = set(words(sentence))
    swaps = [_swap_number, _swap_month, _swap_name, _swap_predicate]
    rng.shuffle(swaps)
    for swap in swaps:
        changed = swap(question, held, names, rng)
        if changed and changed != question:
            return changed
    return None


def _swap_number(
    question: str, held: set[str], names: Sequence[str], rng: random.Random
) -> str | None:
    matches = list(_NUMBER.finditer(question))
    if not matches:
        return None
    match = rng.choice(matches)
    value = int(float(match.group().replace(",", "")))
    step = rng.choice((1, 2, 3, 5, 10, 20)) if 1000 <= value <= 2100 else rng.choice((1, 2, 3, 7))
    new = str(value + rng.choice((-1, 1)) * step)
    if new in held or new.lstrip("-") == "":
        return None
    return question[: match.start()] + new + question[match.end() :]


def _swap_month(
    question: str, held: set[str], names: Sequence[str], rng: random.Random
) -> str | None:
    found = [m for m in MONTHS if re.search(rf"\b{m}\b", question)]
    if not found:
        return None
    old = rng.choice(found)
    new = rng.choice([m for m in MONTHS if m != old and m.lower() not in held])
    return re.sub(rf"\b{old}\b", new, question, count=1)


def _swap_name(
    question: str, held: set[str], names: Sequence[str], rng: random.Random
) -> str | None:
    # A capitalised word after the first, as named in the answer sentence.
    found = [m for m in _NAME.finditer(question) if m.start() > 0 and set(words(m.group())) <= held]
    pool = rng.sample(names, min(len(names), 40)) if names else []
    candidates = [n for n in pool if not set(words(n)) & held]
    if not found or not candidates:
        return None
    match = rng.choice(found)
    return question[: match.start()] + rng.choice(candidates) + question[match.end() :]


def _swap_predicate(
    question: str, held: set[str], names: Sequence[str], rng: random.Random
) -> str | None:
    found = [w for w in PREDICATES if re.search(rf"\b{w}\b", question, re.I)]
    found = [w for w in found if PREDICATES[w] not in held]
    if not found:
        return None
    old = rng.choice(found)
    return re.sub(rf"\b{old}\b", PREDICATES[old], question, count=1, flags=re.I)


def names_in(items: Iterable[Item]) -> list[str]:
    """Capitalised names inside the sentences (not sentence-initial), one of each, sorted."""
    found = set()
    for item in items:
        for sentence in item.sentences:
            found.update(m.group() for m in _NAME.finditer(sentence) if m.start() > 0)
    return sorted(found)


# --- pairs ---------------------------------------------------------------------------------------


def overlap(question: str, sentence: str) -> int:
    return len(set(words(question)) & set(words(sentence)))


def pairs_for(item: Item, max_negatives: int = MAX_NEGATIVES) -> list[Pair]:
    """The item's positive sentence (if any) and its most word-sharing negatives."""
    pairs = []
    negatives = [i for i in range(len(item.sentences)) if i != item.answer]
    negatives.sort(key=lambda i: (-overlap(item.question, item.sentences[i]), i))
    if item.answer is not None:
        pairs.append(Pair(item.question, item.sentences[item.answer], 1, item.article, "answer"))
    kind = "other-sentence" if item.answer is not None else "unanswerable"
    pairs.extend(
        Pair(item.question, item.sentences[i], 0, item.article, kind)
        for i in negatives[:max_negatives]
    )
    return pairs


def training_pairs(
    items: Sequence[Item],
    rng: random.Random,
    chat_share: float = 0.5,
    swap_share: float = 0.5,
    max_negatives: int = MAX_NEGATIVES,
) -> list[Pair]:
    """Pairs from every item, a chat-style copy of `chat_share` of them, and a swapped question
    for `swap_share` of the answerable ones (written or chat style, at random)."""
    names = names_in(items)
    pairs: list[Pair] = []
    for item in items:
        pairs.extend(pairs_for(item, max_negatives))
        if rng.random() < chat_share:
            chat = Item(
                chat_variant(item.question, rng), item.sentences, item.answer, item.article, "chat"
            )
            pairs.extend(pairs_for(chat, max_negatives))
        if item.answer is not None and rng.random() < swap_share:
            sentence = item.sentences[item.answer]
            swapped = swapped_question(item.question, sentence, names, rng)
            if swapped is not None:
                if rng.random() < chat_share:
                    swapped = chat_variant(swapped, rng)
                pairs.append(Pair(swapped, sentence, 0, item.article, "swapped"))
    return pairs


def prepare(
    train_dir: Path = TRAIN_DIR,
    seed: int = 13,
    chat_share: float = 0.5,
    swap_share: float = 0.5,
    max_negatives: int = MAX_NEGATIVES,
) -> Prepared:
    """Training pairs and validation questions from the SQuAD files in `train_dir`."""
    rng = random.Random(seed)
    v2 = train_dir / SQUAD_FILES[0]
    held_out = tuple(sorted(rng.sample(sorted(article_titles(v2)), VALIDATION_ARTICLES)))
    items = [item for name in SQUAD_FILES for item in read_items(train_dir / name)]
    train_items = [i for i in items if i.article not in held_out]
    validation = [i for i in items if i.article in held_out]
    validation += [
        Item(chat_variant(i.question, rng), i.sentences, i.answer, i.article, "chat")
        for i in validation
    ]
    pairs = training_pairs(train_items, rng, chat_share, swap_share, max_negatives)
    rng.shuffle(pairs)
    parameters = {
        "seed": seed,
        "chat_share": chat_share,
        "swap_share": swap_share,
        "max_negatives": max_negatives,
    }
    return Prepared(pairs, validation, held_out, parameters)


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write(prepared: Prepared, out: Path, train_dir: Path = TRAIN_DIR) -> dict[str, str]:
    """Write train.jsonl, validation.jsonl and hashes.json to `out`; returns the hashes."""
    out.mkdir(parents=True, exist_ok=True)
    _jsonl(out / "train.jsonl", (asdict(p) for p in prepared.train))
    _jsonl(out / "validation.jsonl", (asdict(i) for i in prepared.validation))
    hashes = {name: sha256(train_dir / name) for name in SQUAD_FILES}
    hashes.update({name: sha256(out / name) for name in ("train.jsonl", "validation.jsonl")})
    summary = {
        "sha256": hashes,
        "parameters": prepared.parameters,
        "validation_articles": list(prepared.validation_articles),
        "train_pairs": len(prepared.train),
        "train_positive": sum(p.label for p in prepared.train),
        "train_kinds": _count(p.kind for p in prepared.train),
        "validation_questions": len(prepared.validation),
    }
    (out / "data.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return hashes


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def _jsonl(path: Path, rows: Iterable[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--train-dir", type=Path, default=TRAIN_DIR)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--chat-share", type=float, default=0.5)
    parser.add_argument("--swap-share", type=float, default=0.5)
    parser.add_argument("--max-negatives", type=int, default=MAX_NEGATIVES)
    args = parser.parse_args()
    prepared = prepare(
        args.train_dir, args.seed, args.chat_share, args.swap_share, args.max_negatives
    )
    write(prepared, args.out, args.train_dir)
    print((args.out / "data.json").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
