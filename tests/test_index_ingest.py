"""Ingest: any article -> verbatim sentences, speakers and names, with no hand annotation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.errors import InputError
from factbot.index.ingest import ingest_paths
from factbot.language.names import find_entities
from factbot.language.segment import document_title, segment
from factbot.language.speakers import speakers
from factbot.language.text import words
from factbot.store.database import connect

MARKDOWN = """# Port strike ends

Dock workers in Rotterdam ended a
three-day strike on Tuesday, the union said.

- The Port Authority estimated losses at 40 million euros.
- Ships queued for 2 days. Some left for Antwerp.

---
Source: Example News
"""


def test_segment_keeps_verbatim_spans_and_drops_markup_and_footers() -> None:
    spans = segment(MARKDOWN)
    assert [s.text for s in spans] == [
        "Dock workers in Rotterdam ended a\nthree-day strike on Tuesday, the union said.",
        "The Port Authority estimated losses at 40 million euros.",
        "Ships queued for 2 days.",
        "Some left for Antwerp.",
    ]
    assert all(MARKDOWN[s.start : s.end] == s.text for s in spans)


def test_a_sentence_ends_after_a_decade_or_a_possessive_but_not_after_an_initial() -> None:
    text = "Sales fell in the 1970s. By 1979 they exceeded Israel's. Another motive was named by William E. Simon."
    assert [s.text for s in segment(text)] == [
        "Sales fell in the 1970s.",
        "By 1979 they exceeded Israel's.",
        "Another motive was named by William E. Simon.",
    ]


def test_a_number_with_thousands_separators_is_one_word() -> None:
    assert words("engines of 10,000 hp for 1,250,000 people") == words(
        "engines of 10000 hp for 1250000 people"
    )
    assert words("in 3,14 and 12,5000") == ["in", "3", "14", "and", "12", "5000"]


# An explainer as pasted from a web page (the Harbour Gazette is made up): one paragraph per
# line, a headline, a standfirst, a photo caption and question subheadings as plain lines.
PASTED = """\
Valmora to Ostrelia: how a ferry strike became a border dispute
Three cancelled crossings, a seized ship and two recalled envoys: what we know so far about the week that soured relations between Valmora and Ostrelia.
Dock workers at the port of Lisse, where the first crossing was cancelled on Monday. (Photo: Harbour Gazette archive)
What happened at the port of Lisse?
Early on 4 May, the dockers' union walked out over unpaid wages. More than 200 workers joined the strike.
Why was the ship seized
Ostrelian coastguards boarded the ferry Aurora on 6 May and took it to Port Hale, saying its papers had lapsed.
"""


def test_a_pasted_headline_is_not_joined_to_the_standfirst() -> None:
    texts = [span.text for span in segment(PASTED)]

    assert texts[0].startswith("Three cancelled crossings, a seized ship")
    assert not any("how a ferry strike" in text for text in texts)
    assert all(PASTED[s.start : s.end] == s.text for s in segment(PASTED))


def test_a_pasted_headline_names_the_document() -> None:
    assert document_title(PASTED) == "Valmora to Ostrelia: how a ferry strike became a border dispute"


def test_subheadings_are_not_quoted_with_or_without_a_question_mark() -> None:
    texts = [span.text for span in segment(PASTED)]

    assert "What happened at the port of Lisse?" not in texts
    assert not any("Why was the ship seized" in text for text in texts)
    assert texts[-1].startswith("Ostrelian coastguards boarded the ferry Aurora")
    assert "Early on 4 May, the dockers' union walked out over unpaid wages." in texts


def test_a_question_subheading_is_never_the_answer(tmp_path: Path) -> None:
    article = tmp_path / "explainer.md"
    article.write_text(PASTED, encoding="utf-8")
    db_path = tmp_path / "f.db"
    ingest_paths(db_path, [article], outlet="Harbour Gazette")

    answer = AnswerEngine(db_path).ask("What happened at the port of Lisse?")

    assert answer.quote != "What happened at the port of Lisse?"
    assert "?" not in (answer.quote or "")


def test_a_long_line_that_is_its_own_paragraph_is_not_joined_to_the_next() -> None:
    text = (
        "The harbour master said the strike had cost the port its busiest week of the year and "
        "that talks with the union would resume once the ferry was returned to Valmora\n"
        "Ostrelia said it would release the ship when its papers were in order.\n"
    )
    assert [span.text for span in segment(text)] == [
        text.split("\n")[0],
        "Ostrelia said it would release the ship when its papers were in order.",
    ]


def test_text_wrapped_to_a_width_joins_its_lines_even_before_a_capital() -> None:
    sentence = (
        "Ferry Captain Ines Marlow told the Harbour Gazette that Ostrelian Coastguard "
        "Commander Tomas Reyn Boarded The Aurora With Eleven Armed Officers before dawn."
    )
    wrapped = textwrap.fill(sentence, width=30)

    assert [span.text for span in segment(wrapped)] == [wrapped]


def test_a_headline_above_wrapped_text_is_a_heading_and_the_wrapped_lines_join() -> None:
    text = "Ferry strike ends early\n" + textwrap.fill(
        "Dock workers in Lisse ended a three-day strike on Tuesday after Valmora Harbour "
        "Authority agreed to pay the wages owed since March, the union said.",
        width=44,
    )

    assert [span.text for span in segment(text)] == [text.split("\n", 1)[1]]
    assert document_title(text) == "Ferry strike ends early"


def test_markdown_heading_becomes_the_title() -> None:
    assert document_title(MARKDOWN) == "Port strike ends"
    assert document_title("No heading here. Just text.") is None


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        (["The minister said the talks failed."], ["The minister"]),
        (['"We will not leave," Jane Doe told reporters.'], ["Jane Doe"]),
        (["Prices rose, according to the Central Bank."], ["Central Bank"]),
        (["Aid groups warned of shortages.", "They said roads were closed."], ["Aid", "Aid"]),
        (["The bridge opened in 1990."], [None]),
        (['"The note was sent," Jane Doe said, calling for calm.'], ["Jane Doe"]),
        (['"We will not leave," said Jane Doe.'], ["Jane Doe"]),
        (["The Norwegian ambassador also reiterated the position."], ["The Norwegian ambassador"]),
    ],
)
def test_speakers_are_found_in_ordinary_news_prose(
    sentences: list[str], expected: list[str | None]
) -> None:
    found = speakers(sentences)
    for speaker, want in zip(found, expected, strict=True):
        if want is None:
            assert speaker is None
        else:
            assert speaker is not None and want.lower() in speaker.lower()


def test_names_are_found_with_their_kind() -> None:
    text = (
        "Prime Minister Anna Berg met officials in Oslo. The Nordic Council said Berg would return."
    )
    found = {e.name: e for e in find_entities(text, segment(text))}
    assert "Anna Berg" in " ".join(found)
    assert found["Nordic Council"].kind == "organisation"
    assert found["Oslo"].kind == "place"


DATED_ARTICLE = """\
On Sunday the Harbour Authority closed the northern pier.
Talks with the dockers' union resumed on Friday, officials said.
On 3 March Valmora summoned the envoy of Ostrelia.
The ferry service has been suspended since June, and Monday brought no change.
The Sunday Courier reported that singer May Holloway cancelled her concert in Valmora.
"""


def test_weekdays_and_months_are_not_names_on_their_own() -> None:
    found = {e.name for e in find_entities(DATED_ARTICLE, segment(DATED_ARTICLE))}

    assert not found & {"Sunday", "Friday", "March", "June", "Monday"}
    assert {"Harbour Authority", "Valmora", "Ostrelia"} <= found
    assert not any(name.split()[0] in {"Sunday", "March"} for name in found - {"Sunday Courier"})


def test_a_weekday_or_month_inside_a_name_stays_in_it() -> None:
    found = {e.name for e in find_entities(DATED_ARTICLE, segment(DATED_ARTICLE))}

    assert {"Sunday Courier", "May Holloway"} <= found


def test_ingesting_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    article = tmp_path / "strike.md"
    article.write_text(MARKDOWN, encoding="utf-8")
    db_path = tmp_path / "f.db"
    [first] = ingest_paths(db_path, [article], outlet="Example News")
    [second] = ingest_paths(db_path, [article])
    assert first.passages == 4 and second.passages == 0
    assert connect(db_path).execute("SELECT count(*) FROM passages").fetchone()[0] == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no sentences"),
        (b"\x00\x01\x02", "binary"),
        (b"caf\xe9 au lait is good. Yes it is.", "UTF-8"),
        (b"# Only a heading\n", "no sentences"),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_written(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("The council met on Monday. It approved the plan.", encoding="utf-8")
    db_path = tmp_path / "f.db"
    with pytest.raises(InputError, match=message):
        ingest_paths(db_path, [good, bad])
    assert connect(db_path).execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_bad_metadata_is_refused(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("The council met on Monday. It approved the plan.", encoding="utf-8")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        ingest_paths(tmp_path / "f.db", [article], published="yesterday")
    with pytest.raises(InputError, match="http"):
        ingest_paths(tmp_path / "f.db", [article], url="javascript:alert(1)")


TITLED_ARTICLE = """\
VALMORA, March 3 (Harbour Wire) - Presidents Otto Brandt and Mila Kessel met in Valmora on Friday.
Freedonian Deputy Prime Minister Dora Lind flew to Valmora, where Brandt apologised to Mila Kessel.
Valmora Airlines cancelled its flights, and the Valmora Gazette reported the talks.
"""


def test_titles_before_a_name_are_not_part_of_it_and_make_it_a_person() -> None:
    found = {e.name: e.kind for e in find_entities(TITLED_ARTICLE, segment(TITLED_ARTICLE))}

    assert found["Otto Brandt"] == "person"
    assert found["Dora Lind"] == "person"
    assert not any(name.startswith(("Presidents", "Freedonian Deputy")) for name in found)


def test_a_two_word_name_after_to_is_a_person_not_a_place() -> None:
    found = {e.name: e.kind for e in find_entities(TITLED_ARTICLE, segment(TITLED_ARTICLE))}

    assert found["Mila Kessel"] == "person"
    assert found["Valmora"] == "place"


def test_a_dateline_in_capitals_is_the_name_the_prose_uses() -> None:
    found = {e.name for e in find_entities(TITLED_ARTICLE, segment(TITLED_ARTICLE))}

    assert "VALMORA" not in found
    assert "Valmora" in found


def test_a_name_holding_a_place_name_or_an_outlets_word_is_a_body_not_a_person() -> None:
    found = {e.name: e.kind for e in find_entities(TITLED_ARTICLE, segment(TITLED_ARTICLE))}

    assert found["Valmora Airlines"] == "organisation"
    assert found["Valmora Gazette"] == "organisation"


BRIDGE = Path(__file__).parent / "fixtures" / "articles" / "tarn-gazette-bridge-closed.md"


def test_datelines_and_bylines_in_markdown_are_never_quoted() -> None:
    text = BRIDGE.read_text(encoding="utf-8")
    assert [span.text for span in segment(text)] == [
        "Engineers closed the old stone bridge over the Tarn on Tuesday after divers found "
        "cracks in two of its piers, the county council said.",
        "Buses will take a diversion through Millbrook until at least the end of April.",
        '"Nobody will cross that bridge until we know it is safe," said the council\'s chief '
        "engineer, Paul Adeyemi.",
    ]
    assert document_title(text) == "Old Tarn bridge closed after cracks found in its piers"


def test_an_ingested_article_stores_no_dateline_or_byline_as_a_passage(tmp_path: Path) -> None:
    db_path = tmp_path / "f.db"
    ingest_paths(db_path, [BRIDGE], outlet="Tarn Valley Gazette")
    texts = [row[0] for row in connect(db_path).execute("SELECT text FROM passages")]
    assert len(texts) == 3
    assert not [t for t in texts if "Okonjo" in t or "March 2025" in t or t[0] in "*_"]


@pytest.mark.parametrize(
    "line",
    [
        "*Caspian Wire, 4 July 2025*",
        "_By Leyla Hasanova_",
        "**By Leyla Hasanova, Caspian Wire**",
        "By Leyla Hasanova | 4 July 2025",
        "__Baku, July 4, 2025__",
        "*Published on 2025-07-04*",
    ],
)
def test_a_dateline_or_byline_line_between_paragraphs_is_not_a_passage(line: str) -> None:
    first = "The talks in Baku ended without an agreement, officials said."
    second = "A second round is planned for the autumn."
    assert [s.text for s in segment(f"{first}\n\n{line}\n\n{second}\n")] == [first, second]
    assert [s.text for s in segment(f"{line}\n{first}\n{second}\n")] == [first, second]


@pytest.mark.parametrize(
    "line",
    [
        "*Police arrested twelve people on 4 July 2025.*",
        "_The ministry said it would appeal the ruling._",
        "By Tuesday the river had risen by two metres, the mayor said.",
    ],
)
def test_an_emphasised_sentence_or_one_starting_with_by_is_still_quoted(line: str) -> None:
    assert len(segment(f"{line}\n")) == 1
