"""A summary as a value: its sections of cited lines and the sources they cite.

Shared by the summary (`summary.py`), which makes one, and the layouts (`render.py`), which
show it; frozen, so a summary checked against its sources stays as checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from factbot.models import Source

Length = Literal["short", "full"]
SOURCES_DIFFER = "Sources differ"
# Lines for maintainers, shown with --annotated and in the preview, never posted.
MAINTAINERS_ONLY = ("note", "gap")


@dataclass(frozen=True, slots=True)
class Line:
    """One cited line of a summary.

    `kind` is "quote" (a passage or a verbatim sub-span of it, `text == source[start:end]`),
    "role" (a sub-span naming a person's role), "differs" (where sources give another date: their
    names, dates and verbatim words), "absent" (a side the sources do not quote),
    "note" (an entity description written by the maintainers, cited by `entity_id`) or "gap"
    (source metadata the source does not give, cited by `source_id`). `group` is the person or
    side the line is filed under; `when` is a time expression as written, and `date` the ISO day
    it resolves to against the source's publication date, when that is known.
    """

    text: str
    attribution: str
    kind: str = "quote"
    passage_id: str | None = None
    source_id: str | None = None
    start: int | None = None
    end: int | None = None
    entity_id: str | None = None
    group: str | None = None
    when: str | None = None
    date: str | None = None
    label: str | None = None
    disputed: bool = False

    @property
    def cite(self) -> str:
        """The id a reader can look up: passage, else entity (maintainers' note), else source."""
        if self.passage_id:
            return self.passage_id
        if self.entity_id:
            return f"entities.toml#{self.entity_id}"
        return self.source_id or ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "attribution": self.attribution,
            "cite": self.cite,
            "passage_id": self.passage_id,
            "source_id": self.source_id,
            "start": self.start,
            "end": self.end,
            "entity_id": self.entity_id,
            "group": self.group,
            "when": self.when,
            "date": self.date,
            "label": self.label,
            "disputed": self.disputed,
        }


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    lines: tuple[Line, ...]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "lines": [x.as_json() for x in self.lines]}


@dataclass(frozen=True, slots=True)
class Summary:
    """A briefing: sections of cited lines, the sources they cite, and what it was built from."""

    title: str
    length: Length
    since: str | None
    revision: str | None
    sources: tuple[Source, ...]
    sections: tuple[Section, ...]

    @property
    def empty(self) -> bool:
        return not any(section.lines for section in self.sections)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for section in self.sections for line in section.lines)

    def for_posting(self) -> Summary:
        """The summary as members see it: without the maintainers' notes (their words, not the
        sources') and the metadata sources leave out (a to-do for maintainers, not news);
        renderers also leave out internal ids unless asked to annotate."""
        sections = tuple(
            replace(section, lines=tuple(x for x in section.lines if x.kind not in MAINTAINERS_ONLY))
            for section in self.sections
        )
        return replace(self, sections=sections)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "length": self.length,
            "since": self.since,
            "revision": self.revision,
            "empty": self.empty,
            "sources": [source.as_json() for source in self.sources],
            "sections": [section.as_json() for section in self.sections],
        }
