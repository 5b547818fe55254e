"""How much each section of a summary may hold, and what a short one gives up to fit."""

from __future__ import annotations

from dataclasses import dataclass, replace

from factbot.briefing.document import Length


@dataclass(frozen=True)
class Budget:
    """How much each section may hold; `short` fits one phone screen per section."""

    what_happened: int
    timeline: int
    people: int
    roles_per_person: int
    per_side: int
    sides: int
    notes: bool
    gaps: bool


BUDGETS: dict[Length, Budget] = {
    "short": Budget(2, 5, 6, 1, 2, 4, notes=False, gaps=False),
    "full": Budget(4, 12, 15, 6, 5, 4, notes=True, gaps=True),
}


# What a short summary gives up, in turn, until it fits one message: a timeline entry, a
# person, the second "what happened" sentence, second roles, and last a side's second claim.
# The timeline gives up its second entry before the who's who goes below three people: the
# story's people (who died, who was detained) are what a reader needs named (issue 22).
SHORTER: tuple[str, ...] = (
    "timeline",
    "people",
    "what_happened",
    "timeline",
    "people",
    "roles_per_person",
    "people",
    "timeline",
    "timeline",
    "people",
    "people",
    "per_side",
)


def shorter_budgets(budget: Budget) -> list[Budget]:
    budgets = [budget]
    for name in SHORTER:
        value = getattr(budget, name)
        if value > 1:
            budget = replace(budget, **{name: value - 1})
            budgets.append(budget)
    return budgets


