"""Rendering answers for Discord: limits, escaping, links, buttons; and the per-user cooldown."""

from __future__ import annotations

import pytest

from bot import render
from bot.checks import UserCooldown
from factbot.answering.replies import Answer, Related
from factbot.models import Source

SOURCE = Source(
    id="trt",
    outlet="TRT",
    title="Azerbaijan, Russia exchange protests",
    url="https://trt.example/a(1) b",
)


def answered(**changes: object) -> Answer:
    base = Answer(
        question="Who is Hajizada?",
        answered=True,
        quote="Hajizada said the note described the actions as violations.",
        attribution="Hajizada, as reported by TRT",
        source=SOURCE,
        confidence=0.97,
        passage_id="trt:12",
    )
    return Answer(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_answer_embed_has_block_quote_attribution_linked_source_and_confidence_words() -> None:
    embed = render.render_answer(answered()).embed.to_dict()

    assert embed["description"] == (
        "> Hajizada said the note described the actions as violations.\n— Hajizada, as reported by TRT"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert (
        fields["Source"]
        == "[TRT: Azerbaijan, Russia exchange protests](https://trt.example/a%281%29%20b)"
    )
    assert fields["Confidence"] == "High"
    assert "trt:12" in embed["footer"]["text"]


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "ftp://x/y", "not a url"])
def test_source_without_a_web_url_is_named_but_not_linked(url: str | None) -> None:
    source = Source(id="s", outlet="TRT", url=url, published="2024-06-30")

    assert render.source_line(source) == "TRT, 30 Jun 2024"


def test_markdown_and_mentions_in_a_source_title_are_inert() -> None:
    source = Source(id="s", outlet="*TRT*", title="@everyone [click](http://evil)")

    line = render.source_line(source)

    assert line == r"\*TRT\*: @" + "\u200b" + r"everyone \[click\](http://evil)", "no link, no ping"


def test_multiline_quote_stays_one_block_quote() -> None:
    embed = render.render_answer(answered(quote="first line\n\nsecond line")).embed

    assert embed.description is not None
    assert embed.description.startswith("> first line\n>\n> second line\n— ")


def test_related_passages_are_shown_short() -> None:
    related = Related("trt:3", "x" * 2000, "Reported by TRT", SOURCE)
    embed = render.render_answer(answered(related=(related,))).embed.to_dict()

    [extra] = [f for f in embed["fields"] if f["name"] == "Also in the sources"]
    assert len(extra["value"]) < render.RELATED_QUOTE_LIMIT + 40
    assert extra["value"].endswith("— Reported by TRT")


def test_everything_is_clipped_to_discord_limits() -> None:
    related = tuple(Related(f"p{i}", "y" * 5000, "z" * 5000, SOURCE) for i in range(2))
    answer = answered(
        question="?" * 5000, quote="w" * 9000, attribution="a" * 9000, related=related
    )

    embed = render.render_answer(answer).embed

    assert len(embed.title or "") <= render.TITLE_LIMIT
    assert len(embed.description or "") <= render.DESCRIPTION_LIMIT
    assert all(len(str(f.value)) <= render.FIELD_VALUE_LIMIT for f in embed.fields)
    assert len(embed) <= render.EMBED_LIMIT


def test_clip_never_leaves_a_dangling_escape() -> None:
    clipped = render.clip("a" * 8 + "\\*" * 10, 10)

    assert len(clipped) <= 10 and clipped.endswith("…")
    assert not clipped[:-1].endswith("\\") or clipped[:-1].endswith("\\\\")


def test_abstention_lists_suggestions_and_offers_them_as_buttons() -> None:
    answer = Answer(
        question="What is the capital of France?",
        answered=False,
        suggestions=("Who is Hajizada?", "What happened in Baku?"),
        message="My sources don't say. Here is what I can answer:",
    )

    rendered = render.render_answer(answer, answer.suggestions)

    assert rendered.embed.description == (
        "My sources don't say. Here is what I can answer:\n• Who is Hajizada?\n• What happened in Baku?"
    )
    assert rendered.buttons == answer.suggestions


def test_buttons_skip_questions_too_long_for_a_custom_id_and_cap_at_one_row() -> None:
    long_question = "Who is " + "x" * 100 + "?"
    questions = [long_question, *(f"Question {i}?" for i in range(8)), "Question 0?"]

    chosen = render.button_questions(questions)

    assert long_question not in chosen
    assert chosen == tuple(f"Question {i}?" for i in range(5))
    assert all(len(render.ask_custom_id(q) or "") <= render.CUSTOM_ID_LIMIT for q in chosen)
    assert len(render.button_label("q" * 200)) == render.BUTTON_LABEL_LIMIT


def test_sources_list_says_how_many_were_left_out() -> None:
    sources = [Source(id=f"s{i}", outlet=f"Outlet {i}", title="t" * 150) for i in range(200)]

    embed = render.sources_embed(sources)

    assert embed.description is not None and len(embed.description) <= render.DESCRIPTION_LIMIT
    assert embed.description.endswith("more.")
    assert embed.footer.text == "200 sources"


def test_plain_messages_respect_the_content_limit_and_waits_never_say_zero() -> None:
    assert len(render.content("x" * 5000)) == render.CONTENT_LIMIT
    assert "1 second " in render.wait_message(0.01)
    assert "10 seconds" in render.wait_message(9.2)


def test_cooldown_allows_rate_per_window_then_refuses_and_warns_once() -> None:
    now = [100.0]
    cooldown = UserCooldown(rate=2, per=10.0, clock=lambda: now[0])

    assert cooldown.check(1) is None and cooldown.check(1) is None
    first, second = cooldown.check(1), cooldown.check(1)
    assert first is not None and first.first and 0 < first.retry_after <= 10.0
    assert second is not None and not second.first
    assert cooldown.check(2) is None, "buckets are per user"
    now[0] += 10.5
    assert cooldown.check(1) is None, "the bucket refills after the window"


def test_cooldown_zero_seconds_is_off_and_idle_buckets_are_pruned() -> None:
    assert all(UserCooldown(rate=1, per=0.0).check(1) is None for _ in range(10))

    now = [0.0]
    cooldown = UserCooldown(rate=1, per=1.0, clock=lambda: now[0])
    for user_id in range(300):
        cooldown.check(user_id)
        now[0] += 0.01
    now[0] += 5
    for _ in range(256):
        cooldown.check(999)
    assert len(cooldown) < 10


def test_an_update_shows_its_date_the_earlier_quote_and_each_differing_version() -> None:
    later = Source(id="g", outlet="Portvale Gazette", published="2024-05-20")
    earlier = Source(id="c", outlet="North Sea Courier", published="2024-03-04")
    other = Source(id="l", outlet="Lagoon Times", published="2024-03-06")
    answer = answered(
        source=later,
        earlier=(Related("c:4", "The quay was closed.", "Reported by North Sea Courier", earlier),),
        conflicts=(Related("l:2", "40 people were arrested.", "Police, as reported by Lagoon Times", other),),
    )

    embed = render.render_answer(answer).embed.to_dict()

    assert embed["description"].startswith("**Update, 20 May 2024:**")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "The quay was closed." in fields["Earlier, North Sea Courier, 4 Mar 2024"]
    assert "Lagoon Times" in fields["Sources differ: Lagoon Times, 6 Mar 2024"]
    assert fields["Source"].endswith(", 20 May 2024")
