"""What each side says: attributed claims filed under the side each speaker speaks for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from factbot.briefing.budget import Budget
from factbot.briefing.document import Line
from factbot.briefing.reading import Base, Row, in_source_order, quote_line
from factbot.briefing.selection import is_caption
from factbot.briefing.whos_who import People
from factbot.language.dates import anchor
from factbot.language.roles import (
    Affiliations,
    affiliations,
    alias_words,
    mentions,
)
from factbot.models import Entity

NOT_IN_SOURCES = "What the sources do not say"


def sides(
    pool: Sequence[Row],
    base: Base,
    scores: dict[str, float],
    budget: Budget,
    people: People,
    since: date | None = None,
) -> list[Line]:
    """Attributed claims filed under the side each speaker speaks for, sides in name order.

    Every side gets the same room, at most one claim more than the side quoted least (a side
    with five statements would otherwise drown one with two); curated facts go first (maintainers chose them as the key
    claims), then the most central passages. A sentence that continues a claim in the outlet's
    words ("During the meeting, ... a note demanding ...") counts for the claim's side. A side
    the story has but this pool does not quote gets a line saying so, so silence is never read
    as agreement. With no side found (an article with no parties), claims are filed under their
    speakers instead.
    """
    if not pool:
        return []
    claims = [row for row in pool if row.voice and not is_caption(row, base)]
    roles = people.speaking(row.voice or "" for row in claims)
    affiliation = affiliations(base.entities.values(), base.common, roles)
    groups: dict[str, list[Row]] = {}
    for row in claims:
        side = affiliation.side_of(row.voice or "")
        if side is not None:
            groups.setdefault(side, []).append(row)
    if not groups:
        for row in claims:
            groups.setdefault(f"speaker:{row.speaker}", []).append(row)
    names = {key: _group_name(key, base) for key in groups}
    ranked = sorted(groups, key=lambda k: (-len(groups[k]), names[k]))[: budget.sides]
    silent = [key for key in _story_sides(base, affiliation) if key not in groups]
    names.update({key: _group_name(key, base) for key in silent})
    shown = sorted(
        [*ranked, *silent[: max(budget.sides - len(ranked), 0)]], key=lambda k: names[k].casefold()
    )
    room = min(budget.per_side, min((len(groups[k]) for k in ranked), default=0) + 1)
    lines: list[Line] = []
    for key in shown:
        if key not in groups:
            lines.append(_silent_side(names[key], since))
            continue
        best = sorted(
            groups[key], key=lambda r: (r.kind != "fact", -_position_weight(r, scores), r.start)
        )
        for row in in_source_order(best[: max(room, 2 if budget.per_side >= 2 else 1)]):
            lines.append(quote_line(row, base, group=names[key]))
    return lines


def _position_weight(row: Row, scores: dict[str, float]) -> float:
    """How well a claim states a side's position: a dated one ("on Monday confirmed ...")
    reports an event, which the timeline tells, so it weighs less than an undated stand."""
    dated = anchor(row.text) is not None
    return scores.get(row.id, 0.0) * (0.7 if dated else 1.0)


def _story_sides(base: Base, affiliation: Affiliations) -> list[str]:
    """The sides of the whole story: those any active claim speaks for, in any source.

    A story told by one side only still has the other: the party the sources pair it with
    ("talks between Freedonia and Ruritania", "Azerbaijan and Russia have exchanged ...").
    """
    active = [row for row in base.rows if row.status == "active" and row.kind == "sentence"]
    speaking = {
        side for row in active if row.voice and (side := affiliation.side_of(row.voice)) is not None
    }
    if len(speaking) != 1:
        return sorted(speaking)
    (side,) = speaking
    paired: Counter[str] = Counter()
    for row in active:
        paired.update(_paired_with(side, row, base, affiliation))
    if paired:
        return sorted({side, paired.most_common(1)[0][0]})
    return [side]


def _paired_with(side: str, row: Row, base: Base, affiliation: Affiliations) -> list[str]:
    """Parties named with `side` as "X and Y" in this sentence (either order)."""
    named: list[tuple[int, int, str]] = []
    for entity_id in row.entities:
        party = _party(base.entities.get(entity_id), affiliation)
        entity = base.entities[entity_id] if party else None
        if entity is None or party is None:
            continue
        for mention in mentions(row.text, alias_words(entity, base.common)):
            named.append((mention.start, mention.end, party))
    named.sort()
    found = []
    for (_, end, left), (start, _, right) in pairwise(named):
        if row.text[end:start] == " and " and side in (left, right) and left != right:
            found.append(right if left == side else left)
    return found


def _party(entity: Entity | None, affiliation: Affiliations) -> str | None:
    """The place an entity stands for, if it can be a side: a place, or a name of no known kind
    (its adjective, "Ruritanian", counts as the place)."""
    if entity is None or entity.kind not in ("place", "other"):
        return None
    if entity.kind == "place":
        return affiliation.root(entity.id)
    return affiliation.demonym_in(entity.name) or entity.id


def _silent_side(name: str, since: date | None) -> Line:
    text = (
        f"Nothing new from {name} in the sources since {since.isoformat()}."
        if since
        else f"The sources quote no statement from {name}."
    )
    return Line(text=text, attribution=NOT_IN_SOURCES, kind="absent", group=name)


def _group_name(key: str, base: Base) -> str:
    if key.startswith("speaker:"):
        return key.removeprefix("speaker:")
    entity = base.entities.get(key)
    return entity.name if entity else key


