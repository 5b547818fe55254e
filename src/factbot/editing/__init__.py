"""Maintainers' changes to the live fact base: operations, their history, and revert.

Every operation takes `(base, actor, ..., reason)` and is one write transaction that checks its
input against the current state, makes the change, appends a `changes` row (who, when in UTC,
before and after as JSON, why) and bumps `meta.revision`, so a running `AnswerEngine` answers
with it on its next question. Either all of that happens or none of it: a refused or interrupted
change leaves the previous state. Reads take the same `(base, actor)`.

Nothing is ever lost. Retiring a passage keeps it (status 'retired'); removing an alias (or
reverting an added one) moves it to `aliases_retired`; removing a source keeps all of it in the
history's `before`; `revert` undoes a change by making a new one.

The modules: `checks` (what a maintainer may type), `sources`, `facts`, `entities`, `removal`
(the operations), `revert`, `views` (the reads). This package re-exports what front ends call.
"""

from factbot.editing.base import FactBase
from factbot.editing.checks import (
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_PASTED_SOURCE_BYTES,
    MAX_QUOTE_CHARS,
    MAX_REASON_CHARS,
    clean_reason,
    clean_text,
    required_text,
)
from factbot.editing.entities import add_aliases, remove_aliases
from factbot.editing.facts import (
    FactDraft,
    FactPatch,
    add_fact,
    edit_fact,
    restore,
    retire,
    retire_notice,
)
from factbot.editing.removal import remove_source
from factbot.editing.revert import revert
from factbot.editing.sources import (
    AddedArticle,
    SourceDraft,
    SourcePatch,
    add_articles,
    add_source,
    check_source_document,
    edit_source,
)
from factbot.editing.views import (
    PassageView,
    SourceView,
    get_passage,
    get_source_view,
    history,
    list_passages,
    list_source_views,
    require_known,
    source_text,
)
from factbot.index.ingest import MAX_UPLOAD_BYTES, ArticleMeta, UploadedArticle
from factbot.models import Actor, require_maintainer
from factbot.store.history import Change, get_change, record_change

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_PASTED_SOURCE_BYTES",
    "MAX_QUOTE_CHARS",
    "MAX_REASON_CHARS",
    "MAX_UPLOAD_BYTES",
    "Actor",
    "AddedArticle",
    "ArticleMeta",
    "Change",
    "FactBase",
    "FactDraft",
    "FactPatch",
    "PassageView",
    "SourceDraft",
    "SourcePatch",
    "SourceView",
    "UploadedArticle",
    "add_aliases",
    "add_articles",
    "add_fact",
    "add_source",
    "check_source_document",
    "clean_reason",
    "clean_text",
    "edit_fact",
    "edit_source",
    "get_change",
    "get_passage",
    "get_source_view",
    "history",
    "list_passages",
    "list_source_views",
    "record_change",
    "remove_aliases",
    "remove_source",
    "require_known",
    "require_maintainer",
    "required_text",
    "restore",
    "retire",
    "retire_notice",
    "revert",
    "source_text",
]
