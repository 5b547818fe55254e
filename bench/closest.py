"""The three replies, measured: answer, closest quote (unconfirmed), nothing; and the closest
floor fitted held out.

Usage: python bench/closest.py [--floor F] [--no-squad]

Every question is asked of its set's fact base at the shipped answer threshold
(`settings.DEFAULT_MIN_CONFIDENCE`). Below it, the best-ranked quote is shown as the closest
when its topic weight (`factbot.answering.closest.topic_weight`) reaches the floor; else the
reply is "my sources don't say".

The floor is fitted held out. Groups: the incident article (its questions and the chat-style
ones), story-dev (one base), the SQuAD articles in calibrate.SQUAD_FOLDS, and our off-topic
questions (`bench/offtopic_questions.jsonl`, asked of the incident base and of the story-dev
base) in two halves. For each group the floor is chosen on all the others, and the group is
scored with it: the figures printed for a group never saw its questions. The fit maximises the
mean of two shares among the training questions below the threshold: the answerable ones whose
best quote holds the answer that get it shown as the closest, and the off-topic ones that get
"my sources don't say".

`--floor F` scores every group with one floor instead (the shipped CLOSEST_FLOOR by default
when `--shipped` is given).

Printed per group: reply 1 (answers) and how many of them are wrong; reply 2 (closest) and how
many hold the answer; reply 3; for answerable questions, how many of those whose best quote
holds the answer reach the person asking (reply 1 right or reply 2 holding it); for off-topic
questions, the share that gets reply 3.
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
    judge,
    load_jsonl,
)
from calibrate import fold_of

from factbot.answering.answers import AnswerEngine
from factbot.answering.closest import CLOSEST_FLOOR, topic_weight
from factbot.settings import DEFAULT_MIN_CONFIDENCE, REPO_ROOT

OFFTOPIC = REPO_ROOT / "bench" / "offtopic_questions.jsonl"
CANDIDATE_FLOORS = [round(0.1 * i, 1) for i in range(0, 81)]


@dataclass(frozen=True)
class Outcome:
    """One question's reply before the floor is applied."""

    question: Question
    group: str
    answered: bool  # reply 1 at the shipped threshold
    answered_right: bool  # reply 1 holds the answer (by the set's own rule)
    top_right: bool  # the best-ranked quote holds the answer
    weight: float | None  # topic weight of the best-ranked quote; None when there is none

    @property
    def offtopic(self) -> bool:
        return self.question.set_name.startswith("offtopic")

    def closest(self, floor: float) -> bool:
        return not self.answered and self.weight is not None and self.weight >= floor


def offtopic_questions(set_name: str) -> list[Question]:
    """Our own questions about anything but the story; halves by line, for two folds."""
    return [
        Question(set_name, f"offtopic-{index % 2 + 1}", str(q["question"]), "unanswerable", ())
        for index, q in enumerate(load_jsonl(OFFTOPIC))
    ]


def collect(sets: Sequence[tuple[Path, Sequence[Question]]]) -> list[Outcome]:
    outcomes = []
    for db_path, questions in sets:
        engine = AnswerEngine(db_path, min_confidence=DEFAULT_MIN_CONFIDENCE)
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
            weight = None if top is None else topic_weight(matcher, analysed, top)
            group = question.group if question.group.startswith("offtopic") else fold_of(question.group)
            outcomes.append(
                Outcome(question, group, answer.answered, verdict.right and answer.answered, top_right, weight)
            )
    return outcomes


def quality(outcomes: Sequence[Outcome], floor: float) -> float:
    band = [o for o in outcomes if not o.answered and o.weight is not None]
    reachable = [o for o in band if o.top_right]
    offtopic = [o for o in outcomes if o.offtopic]
    shares = []
    if reachable:
        shares.append(sum(o.closest(floor) for o in reachable) / len(reachable))
    if offtopic:
        shares.append(sum(not o.closest(floor) and not o.answered for o in offtopic) / len(offtopic))
    return statistics.mean(shares) if shares else 0.0


def fit_floor(outcomes: Sequence[Outcome]) -> float:
    """The floor with the best quality on `outcomes`; the higher of equals (fewer shown)."""
    return max(CANDIDATE_FLOORS, key=lambda f: (quality(outcomes, f), f))


def report(name: str, outcomes: Sequence[Outcome], floor: float) -> dict[str, int]:
    answers = [o for o in outcomes if o.answered]
    closest = [o for o in outcomes if o.closest(floor)]
    answerable = [o for o in outcomes if o.question.answerable]
    ranked_first = [o for o in answerable if o.top_right]
    reached = [o for o in ranked_first if o.answered_right or (o.closest(floor) and o.top_right)]
    offtopic = [o for o in outcomes if o.offtopic]
    nothing = [o for o in outcomes if not o.answered and not o.closest(floor)]
    counts = {
        "questions": len(outcomes),
        "reply1": len(answers),
        "reply1_wrong": sum(not o.answered_right for o in answers if o.question.answerable)
        + sum(1 for o in answers if not o.question.answerable),
        "reply2": len(closest),
        "reply2_holding": sum(o.top_right for o in closest),
        "reply3": len(nothing),
        "ranked_first": len(ranked_first),
        "reached": len(reached),
        "offtopic": len(offtopic),
        "offtopic_reply3": sum(1 for o in offtopic if not o.answered and not o.closest(floor)),
    }
    line = (
        f"{name:22} floor {floor:4.1f} | reply 1: {counts['reply1']:4} "
        f"(wrong {counts['reply1_wrong']}) | reply 2: {counts['reply2']:4} "
        f"(holding the answer {counts['reply2_holding']}) | reply 3: {counts['reply3']:4}"
    )
    if ranked_first:
        line += f" | best quote right {len(ranked_first)}, reached {len(reached)} ({len(reached) / len(ranked_first):.0%})"
    if offtopic:
        line += f" | off-topic reply 3: {counts['offtopic_reply3']}/{len(offtopic)}"
    print(line)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--floor", type=float, help="score every group with this floor (no fitting)")
    parser.add_argument("--shipped", action="store_true", help="score with the shipped CLOSEST_FLOOR")
    parser.add_argument("--no-squad", action="store_true", help="leave the SQuAD articles out")
    args = parser.parse_args()
    if not STORY_DIR.is_dir():
        sys.exit(f"bench/closest.py needs the story-dev set at {STORY_DIR} (../shared beside the clone).")
    with tempfile.TemporaryDirectory() as tmp:
        sets = all_sets(Path(tmp), with_squad=not args.no_squad)
        sets.append((build_incident(Path(tmp) / "off"), offtopic_questions("offtopic-incident")))
        sets.append((build_story(Path(tmp) / "off"), offtopic_questions("offtopic-story")))
        outcomes = collect(sets)
    groups = sorted({o.group for o in outcomes})
    fixed = CLOSEST_FLOOR if args.shipped else args.floor
    print(f"answer threshold {DEFAULT_MIN_CONFIDENCE} (shipped); closest floor "
          + (f"{fixed} for every group" if fixed is not None else "fitted without the group scored"))
    totals: dict[str, dict[str, int]] = {}
    for group in groups:
        held = [o for o in outcomes if o.group == group]
        floor = fixed if fixed is not None else fit_floor([o for o in outcomes if o.group != group])
        totals[group] = report(group, held, floor)
    print()
    incident_story = [totals[g] for g in totals if g in (INCIDENT_GROUP, "story-dev")]
    replies1 = sum(c["reply1"] for c in incident_story)
    wrong = sum(c["reply1_wrong"] for c in incident_story)
    print(f"story-dev and incident, wrong reply 1: {wrong}/{replies1} ({wrong / max(1, replies1):.1%})")
    off = [totals[g] for g in totals if g.startswith("offtopic")]
    print(
        "off-topic, reply 3: "
        f"{sum(c['offtopic_reply3'] for c in off)}/{sum(c['offtopic'] for c in off)}"
    )
    print(f"floor fitted on everything (for CLOSEST_FLOOR): {fit_floor(outcomes)}")


if __name__ == "__main__":
    main()
