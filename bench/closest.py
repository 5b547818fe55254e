"""The three replies, measured: the answer, the closest quote (unconfirmed), nothing; with the
answer threshold and the closest floor fitted held out.

Usage: python bench/closest.py [--threshold T] [--floor F] [--shipped] [--no-squad] [--cache FILE]

Every question is asked of its set's fact base. A quote is stated as the answer (reply 1) when
its confidence reaches the threshold; below it, the best-ranked quote is shown as the closest
(reply 2) when its topic weight (`factbot.answering.closest.topic_weight`) reaches the floor;
else the reply is "my sources don't say" (reply 3).

Held out: the groups are the incident article (its questions and the chat-style ones),
story-dev (one base), the SQuAD articles three at a time (calibrate.SQUAD_FOLDS), and our
off-topic questions (`bench/offtopic_questions.jsonl`, asked of the incident base and of the
story-dev base) in two halves. Each group is scored with a threshold and a floor fitted on all
the other groups, so no figure printed for a group comes from its own questions.

- The threshold is the lowest at which at most MAX_WRONG_SHARE of the training groups' replies 1
  are wrong, counted on the product's own kind of questions (the incident, chat and story-dev
  sets and the off-topic ones: SQuAD's questions, half written to look answerable from the
  paragraph whose words they reuse, are another product's).
- The floor maximises, below that threshold, the mean of two shares of the training questions:
  the answerable ones whose best quote holds the answer that get it shown as the closest, and
  the off-topic ones that get reply 3.

`--threshold` / `--floor` score every group with fixed values instead; `--shipped` with
the shipped ones (settings.DEFAULT_MIN_CONFIDENCE and closest.CLOSEST_FLOOR).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchsets import (
    INCIDENT_GROUP,
    STORY_DIR,
    Question,
    all_sets,
    build_incident,
    build_story,
    collected,
    judge,
    load_jsonl,
)
from calibrate import fold_of

from factbot.answering.answers import AnswerEngine
from factbot.answering.closest import CLOSEST_FLOOR, topic_weight
from factbot.settings import DEFAULT_MIN_CONFIDENCE, REPO_ROOT

OFFTOPIC = REPO_ROOT / "bench" / "offtopic_questions.jsonl"
CANDIDATE_FLOORS = [round(0.1 * i, 1) for i in range(0, 81)]
CANDIDATE_THRESHOLDS = [round(0.01 * i, 2) for i in range(20, 100)]
MAX_WRONG_SHARE = 0.05


@dataclass(frozen=True)
class Outcome:
    """One question's reply before any threshold or floor is applied."""

    question: Question
    group: str
    confidence: float
    offered: bool  # the engine had a quote to state
    quote_right: bool  # that quote is right by the set's own rule, were it stated
    top_right: bool  # the best-ranked quote holds the answer
    weight: float | None  # topic weight of the best-ranked quote; None when there is none

    @property
    def offtopic(self) -> bool:
        return self.question.set_name.startswith("offtopic")

    @property
    def squad(self) -> bool:
        return self.question.set_name == "squad"

    def answered(self, threshold: float) -> bool:
        """Reply 1: the quote is stated as the answer."""
        return self.offered and self.confidence >= threshold

    def closest(self, threshold: float, floor: float) -> bool:
        """Reply 2: below the threshold, the best quote is about what was asked."""
        return not self.answered(threshold) and self.weight is not None and self.weight >= floor

    def wrong_answer(self, threshold: float) -> bool:
        return self.answered(threshold) and not (self.question.answerable and self.quote_right)


def offtopic_questions(set_name: str) -> list[Question]:
    """Our own questions about anything but the story; halves by line, for two folds."""
    return [
        Question(set_name, f"offtopic-{index % 2 + 1}", str(q["question"]), "unanswerable", ())
        for index, q in enumerate(load_jsonl(OFFTOPIC))
    ]


def collect(sets: Sequence[tuple[Path, Sequence[Question]]]) -> list[Outcome]:
    outcomes = []
    for db_path, questions in sets:
        # Threshold 0: the quote the engine would state, whatever its confidence.
        engine = AnswerEngine(db_path, min_confidence=0.0)
        matcher = engine._matcher()
        for question in questions:
            answer = engine.ask(question.text)
            verdict = judge(question, answer.as_json(), high=False)
            analysed = matcher.analyse(question.text)
            ranking = matcher.rank(analysed, limit=12)
            top = ranking.candidates[0] if ranking.candidates else None
            top_right = bool(
                top and question.answerable and question.right_passage(top.text, top.source_id)
            )
            group = question.group if question.group.startswith("offtopic") else fold_of(question.group)
            outcomes.append(
                Outcome(
                    question,
                    group,
                    answer.confidence,
                    answer.answered,
                    verdict.right and answer.answered,
                    top_right,
                    None if top is None else topic_weight(matcher, analysed, top),
                )
            )
    return outcomes


def fit_threshold(outcomes: Sequence[Outcome]) -> float:
    """The lowest threshold whose replies 1 on the product's kind of questions are at most
    MAX_WRONG_SHARE wrong."""
    product = [o for o in outcomes if not o.squad]
    for threshold in CANDIDATE_THRESHOLDS:
        answered = [o for o in product if o.answered(threshold)]
        wrong = sum(o.wrong_answer(threshold) for o in answered)
        if not answered or wrong <= MAX_WRONG_SHARE * len(answered):
            return threshold
    return CANDIDATE_THRESHOLDS[-1]


def quality(outcomes: Sequence[Outcome], threshold: float, floor: float) -> float:
    reachable = [o for o in outcomes if o.top_right and not o.answered(threshold)]
    offtopic = [o for o in outcomes if o.offtopic and not o.answered(threshold)]
    shares = []
    if reachable:
        shares.append(sum(o.closest(threshold, floor) for o in reachable) / len(reachable))
    if offtopic:
        shares.append(sum(not o.closest(threshold, floor) for o in offtopic) / len(offtopic))
    return statistics.mean(shares) if shares else 0.0


def fit_floor(outcomes: Sequence[Outcome], threshold: float) -> float:
    """The floor with the best quality on `outcomes`; the higher of equals (fewer shown)."""
    return max(CANDIDATE_FLOORS, key=lambda f: (quality(outcomes, threshold, f), f))


def report(name: str, outcomes: Sequence[Outcome], threshold: float, floor: float) -> dict[str, int]:
    answers = [o for o in outcomes if o.answered(threshold)]
    closest = [o for o in outcomes if o.closest(threshold, floor)]
    ranked_first = [o for o in outcomes if o.top_right]
    reached = [
        o
        for o in ranked_first
        if (o.answered(threshold) and o.quote_right) or o.closest(threshold, floor)
    ]
    offtopic = [o for o in outcomes if o.offtopic]
    nothing = [o for o in outcomes if not o.answered(threshold) and not o.closest(threshold, floor)]
    counts = {
        "reply1": len(answers),
        "reply1_wrong": sum(o.wrong_answer(threshold) for o in answers),
        "reply2": len(closest),
        "reply2_holding": sum(o.top_right for o in closest),
        "reply3": len(nothing),
        "ranked_first": len(ranked_first),
        "reached": len(reached),
        "offtopic": len(offtopic),
        "offtopic_reply3": sum(o in nothing for o in offtopic),
    }
    line = (
        f"{name:14} threshold {threshold:.2f} floor {floor:3.1f} | reply 1: {counts['reply1']:4}"
        f" (wrong {counts['reply1_wrong']}) | reply 2: {counts['reply2']:4}"
        f" (holding the answer {counts['reply2_holding']}) | reply 3: {counts['reply3']:4}"
    )
    if ranked_first:
        share = len(reached) / len(ranked_first)
        line += f" | best quote right {len(ranked_first)}, reaching the asker {len(reached)} ({share:.0%})"
    if offtopic:
        line += f" | off-topic reply 3: {counts['offtopic_reply3']}/{len(offtopic)}"
    print(line)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threshold", type=float, help="answer threshold for every group")
    parser.add_argument("--floor", type=float, help="closest floor for every group")
    parser.add_argument("--shipped", action="store_true", help="the shipped threshold and floor")
    parser.add_argument("--no-squad", action="store_true", help="leave the SQuAD articles out")
    parser.add_argument("--cache", type=Path, help="keep the collected replies in this file")
    args = parser.parse_args()
    if not STORY_DIR.is_dir():
        sys.exit(f"bench/closest.py needs the story-dev set at {STORY_DIR} (../shared beside the clone).")
    if args.shipped:
        args.threshold, args.floor = DEFAULT_MIN_CONFIDENCE, CLOSEST_FLOOR
    with tempfile.TemporaryDirectory() as tmp:
        sets = all_sets(Path(tmp), with_squad=not args.no_squad)
        sets.append((build_incident(Path(tmp) / "off"), offtopic_questions("offtopic-incident")))
        sets.append((build_story(Path(tmp) / "off"), offtopic_questions("offtopic-story")))
        outcomes = collected(sets, collect, args.cache)
    totals: dict[str, dict[str, int]] = {}
    for group in sorted({o.group for o in outcomes}):
        held = [o for o in outcomes if o.group == group]
        train = [o for o in outcomes if o.group != group]
        threshold = args.threshold if args.threshold is not None else fit_threshold(train)
        floor = args.floor if args.floor is not None else fit_floor(train, threshold)
        totals[group] = report(group, held, threshold, floor)
    print()
    product = [totals[g] for g in (INCIDENT_GROUP, "story-dev") if g in totals]
    replies = sum(c["reply1"] for c in product)
    wrong = sum(c["reply1_wrong"] for c in product)
    print(f"story-dev and incident, wrong replies 1: {wrong}/{replies} ({wrong / max(1, replies):.1%})")
    off = [c for g, c in totals.items() if g.startswith("offtopic")]
    print(f"off-topic, reply 3: {sum(c['offtopic_reply3'] for c in off)}/{sum(c['offtopic'] for c in off)}")
    unseen = [o for o in outcomes if o.group != "story-dev"]
    threshold = args.threshold if args.threshold is not None else fit_threshold(unseen)
    print(
        f"to ship (fitted on every group but story-dev): threshold {threshold}, "
        f"floor {fit_floor(unseen, threshold)}"
    )


if __name__ == "__main__":
    main()
