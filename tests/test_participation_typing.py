"""What people type during the contacts' forms: numbers, commands, empty lines, free answers — console and core."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import ConsoleAdapter
from bot.core import BotCore
from storage.db import transaction
from storage.models import FormState, Task, TaskDone
from tests.participation_support import add_collectivity, add_invite, fill_confirm_form, linked
from tests.test_participation_choose import choices


def console(core: BotCore, tmp_path: Path, code: str) -> tuple[ConsoleAdapter, io.StringIO]:
    """A console session in English, linked to a new collectivity through `code`."""
    cid = add_collectivity(core, f"Ville {code}")
    add_invite(core, cid, code)
    out = io.StringIO()
    adapter = ConsoleAdapter(core, f"tty-{code.lower()}", stdout=out, files_dir=tmp_path / "files")
    adapter.send("/lang en")
    adapter.send(f"/join {code}")
    return adapter, out


def form_data(core: BotCore) -> dict[str, object]:
    with transaction(core.sessions) as session:
        return dict(session.scalars(select(FormState)).one().data)


def test_console_reads_a_typed_number_as_a_head_count_and_letters_press_the_buttons(core, tmp_path):
    adapter, out = console(core, tmp_path, "TTY-0001")
    adapter.send("/confirm")
    adapter.send("3")  # the size buttons are labelled 1 to 5: "3" is 3 people
    for person in ("Camille Durand, adjointe", "Louis Petit", "Inès Moreau"):
        adapter.send(person)
    adapter.send("no")  # visits
    question = out.getvalue().rsplit("Lunch on Thursday", 1)[1]
    assert "[a] Everyone (3)" in question and "[b] Nobody" in question
    adapter.send("2")  # two people, not the second button ("Nobody")
    assert form_data(core)["options"] == {"visits": 0, "thursday-lunch": 2}
    adapter.send("b")  # the dinner: Nobody
    assert form_data(core)["options"] == {"visits": 0, "thursday-lunch": 2, "opening-dinner": 0}


def test_console_keys_workshop_buttons_by_their_number_after_the_first_pick(core, tmp_path):
    adapter, out = console(core, tmp_path, "TTY-0002")
    adapter.send("/choose")
    adapter.send("2")
    # Workshops 1, 3 and 4 are left: "[3]" is workshop 3, not the third button (workshop 4).
    assert "[3] Governance" in out.getvalue().rsplit("Now tap your second choice", 1)[1]
    adapter.send("3")
    assert "Your workshop choices are saved" in out.getvalue()
    cid = next(iter(_collectivity_ids(core)))
    assert choices(core, cid) == [(1, 2), (2, 3)]


def _collectivity_ids(core: BotCore) -> list[int]:
    from storage.models import Collectivity

    with transaction(core.sessions) as session:
        return list(session.scalars(select(Collectivity.id)))


def test_console_keys_task_buttons_by_their_number_in_the_list(core, tmp_path):
    adapter, _ = console(core, tmp_path, "TTY-0003")
    listing = adapter.send("/done")[0].text
    with transaction(core.sessions) as session:
        # The list shows titles (not keys): find each task's key by its title, in any language.
        keys = {text: t.key for t in session.scalars(select(Task)) for text in t.title.values()}
    numbered = {line.split(". ", 1)[0]: keys[line.split(" ", 2)[2]] for line in listing.splitlines()[1:]}
    adapter.send("1")
    adapter.send("/done")
    # Task 1 is done, so its button is gone: "2" is still task 2, not the second button shown.
    adapter.send("2")
    with transaction(core.sessions) as session:
        done = {row.task_key for row in session.scalars(select(TaskDone))}
    assert done == {numbered["1"], numbered["2"]}


def test_console_numbers_are_not_an_earlier_answers_buttons(core, tmp_path):
    adapter, out = console(core, tmp_path, "TTY-0004")
    adapter.send("/lang")
    adapter.send("/status")  # an answer with buttons of its own
    adapter.send("/cancel")  # an answer without buttons: nothing is numbered any more
    adapter.send("2")
    assert "I answer commands such as /programme" in out.getvalue().rsplit("There is nothing to cancel.", 1)[1]


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_workshop_buttons_are_cut_at_a_word(chat, core, locale):
    person, _ = linked(chat, core, locale_hint=locale)
    person.send("/choose")
    titles = person.send("/workshops")
    person.send("/choose")
    for button in person.buttons:
        assert len(button.label) <= 40
        if button.label.endswith("…") and locale != "ja":
            shown = button.label[:-1].split(". ", 1)[1]
            # The words shown are whole words of the title.
            assert f"{shown} " in titles or f"{shown}," in titles, button.label


FORM_WARNING = {
    "fr": "Vous êtes en train de remplir le formulaire /confirm",
    "ja": "現在 /confirm のフォームを入力中です",
    "en": "You are in the middle of the /confirm form",
}
FINISH = {"fr": "Terminer le formulaire", "ja": "フォームの入力を続ける", "en": "Finish the form"}
ABANDON = {"fr": "L'abandonner et lancer /choose", "ja": "中止して/chooseを実行", "en": "Abandon it and run /choose"}
SUMMARY = {"fr": "Vérifiez vos réponses", "ja": "回答内容をご確認ください", "en": "Please check your answers"}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_a_command_typed_at_the_summary_asks_before_dropping_the_form(chat, core, snapshot, locale):
    person, cid = linked(chat, core, locale_hint=locale)
    fill_confirm_form(person, ["Camille Durand, adjointe"])
    before = snapshot()
    warning = person.send("/choose 1 3")
    assert FORM_WARNING[locale] in warning
    assert snapshot() == before
    assert SUMMARY[locale] in person.press(FINISH[locale])
    assert snapshot() == before
    # Reading commands leave the form as it is.
    person.send("/status")
    assert snapshot()["form_states"] == before["form_states"]

    person.send("/choose 1 3")
    person.press(ABANDON[locale])
    assert snapshot()["form_states"] == []
    assert choices(core, cid) == [(1, 1), (2, 3)]


def test_the_forms_own_command_starts_it_again(chat, core):
    person, cid = linked(chat, core, locale_hint="en")
    person.send("/choose")
    person.act("ch:2")
    assert "saved" in person.send("/choose 4 1")
    assert choices(core, cid) == [(1, 4), (2, 1)]


def test_an_invisible_line_during_a_form_asks_the_question_again(chat, core, snapshot):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    person.send("2")
    before = snapshot()
    answer = person.send("\u200b")
    assert "Person 1 of 2" in answer and "empty message" not in answer
    assert snapshot() == before
    assert "empty message" in chat(locale_hint="en").send("\u200b")


YES_OR_NO = {
    "fr": "Veuillez répondre oui ou non (ou appuyer sur un bouton).",
    "ja": "「はい」か「いいえ」でお答えください（ボタンをタップしていただいても結構です）。",
    "en": "Please answer yes or no (or tap a button).",
}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_a_yes_or_no_option_answered_with_words_asks_for_yes_or_no(chat, core, snapshot, locale):
    person, _ = linked(chat, core, locale_hint=locale)
    person.send("/confirm")
    person.send("2")
    person.send("Camille Durand, adjointe")
    person.send("Louis Petit")
    before = snapshot()
    answer = person.send("maybe")
    assert YES_OR_NO[locale] in answer
    assert "0" not in answer.split("\n")[0]
    assert snapshot() == before
    assert person.last[0].expects_number


def test_japanese_wording_of_the_delegate_and_option_questions(chat, core):
    person, _ = linked(chat, core, locale_hint="ja")
    person.send("/confirm")
    assert "1人目（全2名）：" in person.send("2")
    person.send("山田花子、副市長")
    assert "2人目（全2名）：" in person.last[0].text
    assert "代表団は参加されますか。" in person.send("佐藤太郎")  # the visits
    for answer in ("いいえ", "0", "0", "いいえ"):
        question = person.send(answer)
    assert question.endswith("」：ご持参いただけますか。")
    assert "開会レセプションへの地元の特産品" in question
    summary = person.send("いいえ")
    assert "郷土料理の持参：持参しない" in summary
    assert "ミニブース：参加しない" in summary


@pytest.mark.parametrize(
    ("locale", "typed", "expected"),
    [
        ("en", "/abstract 9", "There is no workshop “9”. The workshops are numbered 1 to 4"),
        ("fr", "/abstract 9", "Il n'y a pas d'atelier « 9 »"),
        ("en", "/abstract 4", "Your collectivity has not chosen workshop 4"),
        ("ja", "/abstract 4", "貴自治体は第4分科会を選択していません。"),
        ("ja", "/choose 2 2", "第2分科会を第1希望と第2希望の両方にすることはできません。"),
    ],
)
def test_abstract_for_a_missing_or_foreign_workshop_is_refused_in_words(chat, core, snapshot, locale, typed, expected):
    person, _ = linked(chat, core, locale_hint=locale)
    person.send("/choose 1 3")
    before = snapshot()
    assert expected in person.send(typed)
    assert snapshot() == before


def test_core_reads_a_typed_number_as_a_head_count_and_says_it_asks_for_one(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    assert person.last[0].numbers == "label"  # the size buttons are labelled with their number
    person.send("3")
    for name in ("Camille Durand, adjointe", "Louis Petit", "Inès Moreau"):
        person.send(name)
    person.send("no")
    assert "Lunch on Thursday" in person.read() and person.last[0].expects_number
    person.send("2")
    assert form_data(core)["options"] == {"visits": 0, "thursday-lunch": 2}
