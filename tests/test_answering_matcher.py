"""The intent matcher: what a question asks for and which passage answers it."""

from __future__ import annotations

from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.answering.question import detect_intent
from factbot.language.text import fold, words


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("Who died in custody?", "who"),
        ("whose office was raided", "who"),
        ("When did the raid happen?", "when"),
        ("What day were they arrested?", "when"),
        ("France laid siege to Montpellier in what year?", "when"),
        ("Where was the raid?", "where"),
        ("in which russian city did they die", "where"),
        ("How many people were detained?", "how_many"),
        ("how did the public react", "how"),
        ("Why did Russia summon the ambassador?", "why"),
        ("What was the reason for the protest?", "why"),
        ("what did the note demand", "what"),
        ("whats going on", "what"),
        ("Did Azerbaijan open a criminal case?", "yes_no"),
        ("Sputnik Azerbaijan", "about"),
        ("Кто такой Евгений Белоусов?", "who"),
        ("Где находится офис?", "where"),
        ("Сколько человек задержали?", "how_many"),
        ("Səfərov qardaşları kimdir?", "who"),
        ("Reyd nə vaxt oldu?", "when"),
    ],
)
def test_intent_is_read_from_the_question_wording(question: str, intent: str) -> None:
    assert detect_intent(words(question)) == intent


@pytest.mark.parametrize(
    ("spelling", "folded"),
    [
        ("Екатеринбург", "ekaterinburg"),
        ("Səfərov", "safarov"),
        ("Hacızadə", "hacizada"),
        ("ŞUŞA", "shusha"),
        ("Russia’s", "russia's"),
    ],
)
def test_folding_transliterates_cyrillic_and_azerbaijani_letters(spelling: str, folded: str) -> None:
    assert fold(spelling) == folded


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("what happened in Ekaterinburg", "Yekaterinburg"),
        ("What happened in Екатеринбург?", "Yekaterinburg"),
        ("what hapened in yekaterinbrug", "Yekaterinburg"),
        ("who is mustafaev", "Mustafayev"),
        ("Who is Рахман Мустафаев?", "Mustafayev"),
        ("who is hajizade", "Hajizada"),
        ("Who is Ayxan Hacızadə?", "Hajizada"),
        ("who is Ziyaddin Səfərov", "Ziyaddin Safarov"),
        ("WHO IS THE EDITOR IN CHIEF OF SPUTNIK AZERBAIJAN", "Yevgeny Belousov"),
        ("who is the azerbaijani ambasador in moscow", "Rahman Mustafayev"),
        ("what did the note verbale demand", "release of two Russian staff"),
        ("wat did the note verbale demand", "release of two Russian staff"),
        ("when did the polise raid happen", "on Friday"),
        ("hw many sputnik employees were detained", "two Russian staff"),
        ("Кто такой Евгений Белоусов?", "Yevgeny Belousov"),
        ("Что произошло в Екатеринбурге?", "Yekaterinburg"),
        ("Hüseyn Səfərov kimdir?", "Huseyn and Ziyaddin Safarov"),
    ],
)
def test_typos_case_and_other_spellings_still_find_the_passage(
    shared_db: Path, question: str, phrase: str
) -> None:
    answer = AnswerEngine(shared_db).ask(question)
    assert answer.answered, question
    assert answer.quote is not None and phrase in answer.quote


@pytest.mark.parametrize(
    "question",
    [
        "What did Vladimir Putin say?",
        "what is the population of yekaterinburg",
        "Who won the world cup?",
        "How much gas does Azerbaijan export to Europe?",
        "what is the capital of france",
        "is there a war between russia and azerbaijan",
        "Почему Россия закрыла границу?",
        "who leads the prosecutor general's office",
    ],
)
def test_questions_the_sources_do_not_answer_are_abstained(shared_db: Path, question: str) -> None:
    answer = AnswerEngine(shared_db).ask(question)
    assert not answer.answered
    assert answer.quote is None
    assert answer.suggestions, "an abstention suggests what the bot can answer"


def test_who_question_prefers_a_passage_naming_a_person(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("who heads the outlet")
    assert answer.quote is not None and "Igor Kartavykh" in answer.quote


def test_when_question_prefers_a_passage_with_a_time(shared_db: Path) -> None:
    answer = AnswerEngine(shared_db).ask("when did the police operation in yekaterinburg take place")
    assert answer.quote is not None and "on Friday" in answer.quote
