"""The README's example questions, asked through the CLI: each answers with the quote the README
implies. The questions are read from the README itself, so a new example needs its quote here.
The "... finds ..." examples of how the matcher works are read from docs/architecture.md too,
where the README's "How it works" moved."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from factbot.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
ASKED = re.compile(r'factbot ask (?:--json )?"([^"]+)"')
FINDS = re.compile(r'"([^"]+\?)" finds\s+"([^"]+?)\.*"')

# Question -> words its quote must hold, as the README implies them.
IMPLIED = {
    # The README's story: "two Azerbaijani brothers died in Russian police custody". The one
    # sentence saying so for Yekaterinburg calls them "two Azerbaijani nationals"; the sentence
    # naming them (a photo caption) does not say where, so it comes with the answer (below).
    "who died in custody in Yekaterinburg?": "two Azerbaijani nationals were arrested and later died in custody",
    "Who is Rahman Mustafayev?": "Azerbaijan’s ambassador in Moscow, Rahman Mustafayev",
    "where was the raid": "police raid in the Russian city of Yekaterinburg",
    **{
        " ".join(question.split()): " ".join(found.split())
        for question, found in FINDS.findall(README + ARCHITECTURE)
    },
}
# Question -> words shown with the answer, as its first related quote: a "who" question answered
# by a sentence that names no one also gets the people it means, by name.
NAMED_WITH_IT = {"who died in custody in Yekaterinburg?": "Huseyn and Ziyaddin Safarov"}


def test_every_readme_example_question_has_its_implied_quote_here() -> None:
    found = {" ".join(q.split()) for q, _ in FINDS.findall(README + ARCHITECTURE)}
    asked = set(ASKED.findall(README)) | found
    assert asked == set(IMPLIED)


@pytest.mark.slow
@pytest.mark.parametrize("question", list(IMPLIED))
def test_readme_example_answers_with_the_quote_it_implies(shared_db: Path, question: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "factbot", "--db", str(shared_db), "ask", "--json", question],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FACTBOT_LOG_LEVEL": "WARNING"},
    )
    answer = json.loads(result.stdout)

    assert answer["answered"], answer
    assert IMPLIED[question] in answer["quote"], answer["quote"]
    if question in NAMED_WITH_IT:
        assert NAMED_WITH_IT[question] in answer["related"][0]["quote"], answer["related"]
