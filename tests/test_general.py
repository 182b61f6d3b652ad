"""/start, /lang, /help and buttons, in each language."""

from __future__ import annotations

import pytest

from tests.conftest import Chat


@pytest.mark.parametrize(
    ("locale", "greeting", "button"),
    [
        ("fr", "Bonjour ! Je suis l'assistant des 9e Rencontres", "Programme"),
        ("ja", "こんにちは。第9回日仏自治体交流会議のアシスタントです。", "プログラム"),
        ("en", "Hello! I am the assistant of the 9th Franco-Japanese", "Programme"),
    ],
)
def test_start_greets_in_the_platform_language_and_offers_buttons(chat, locale, greeting, button):
    person = chat(locale_hint=locale)
    assert greeting in person.send("/start")
    day = {"fr": "mercredi 21 octobre 2026", "ja": "2026年10月21日（水）", "en": "Wednesday 21 October 2026"}
    assert day[locale] in person.press(button)


@pytest.mark.parametrize(
    ("choice", "confirmation", "then"),
    [
        ("fr", "Désormais, je vous répondrai en français.", "Voici ce que je peux faire"),
        ("ja", "これからは日本語でお答えします。", "ご利用いただけるコマンド"),
        ("en", "From now on I will answer you in English.", "Here is what I can do"),
    ],
)
def test_lang_answers_in_the_new_language_and_keeps_it(chat, choice, confirmation, then):
    person = chat(locale_hint="fr" if choice != "fr" else "ja")
    assert person.send(f"/lang {choice}") == confirmation
    assert then in person.send("/help")


def test_lang_buttons_switch_language_and_replace_the_question(chat):
    person = chat(locale_hint="fr")
    assert "Dans quelle langue" in person.send("/lang")
    assert person.press("日本語") == "これからは日本語でお答えします。"
    assert person.last[0].edit


def test_language_is_shared_by_instances_on_the_same_database(core, settings, clock):
    from bot.core import BotCore

    Chat(core, "shared").send("/lang ja")
    other_instance = BotCore.start(settings, clock)
    assert "ご利用いただけるコマンド" in Chat(other_instance, "shared").send("/help")
    other_instance.sessions.kw["bind"].dispose()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", "Je parle français (fr), japonais (ja) et anglais (en)"),
        ("ja", "フランス語（fr）、日本語（ja）、英語（en）に対応しています"),
        ("en", "I speak French (fr), Japanese (ja) and English (en)"),
    ],
)
def test_an_unknown_language_is_refused_and_nothing_changes(chat, snapshot, locale, expected):
    person = chat(locale_hint=locale)
    person.send("/help")
    before = snapshot()
    assert expected in person.send("/lang de")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "J'ai reçu un message vide"),
        ("   \u200b ", "J'ai reçu un message vide"),
        ("x" * 4001, "trop long pour moi (4001 caractères)"),
        ("/" + "é" * 200, "Je ne connais pas la commande /" + "é" * 30 + "…"),
        ("quel est le programme ?", "Je réponds à des commandes comme /programme"),
    ],
)
def test_odd_input_gets_a_short_sentence_and_changes_nothing(chat, snapshot, text, expected):
    person = chat(locale_hint="fr")
    person.send("/help")
    before = snapshot()
    assert expected in person.send(text)
    assert snapshot() == before


def test_chatter_in_a_group_gets_no_answer(chat):
    group = chat("member", chat_id="-100200", is_group=True)
    assert group.send("bonjour à tous") == ""
    assert "Voici ce que je peux faire" in chat("member2", chat_id="-100200", is_group=True, locale_hint="fr").send(
        "/help"
    )


def test_a_stale_button_is_refused_politely(chat):
    assert "Ce bouton n'est plus valable" in chat(locale_hint="fr").act("gone:42")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", "Merci de m'envoyer cela en conversation privée"),
        ("ja", "この操作は個別のチャットでお送りください。"),
        ("en", "Please send this to me in a private conversation"),
    ],
)
def test_in_a_group_nobody_can_press_another_persons_answer_buttons(core, chat, snapshot, locale, expected):
    from tests.participation_support import add_collectivity, add_invite

    for n, name in enumerate(("Ville de Sète", "Ville de Kobe")):
        add_invite(core, add_collectivity(core, name), f"GROUP-000{n}")
    alice = chat("alice", locale_hint=locale)
    alice.send("/join GROUP-0000")
    bob = chat("bob", locale_hint=locale)
    bob.send("/join GROUP-0001")
    alice_in_group = chat("alice", locale_hint=locale, chat_id="-100300", is_group=True)
    bob_in_group = chat("bob", locale_hint=locale, chat_id="-100300", is_group=True)
    before = snapshot()
    for command in ("/decline", "/choose 1 2", "/confirm", "/done hotel", "/join GROUP-0000"):
        assert expected in alice_in_group.send(command), command
    for action in ("decline:yes", "ch:1", "cf:ok", "done:hotel", "undo:hotel", "ab:w:1", "lead:yes"):
        assert expected in bob_in_group.act(action), action
    assert snapshot() == before
    assert "/programme" in bob_in_group.act("cmd:help")  # buttons that only read still work in groups


def test_two_instances_starting_together_on_an_empty_database_both_come_up(settings, clock):
    import threading

    from sqlalchemy import func, select

    from bot.core import BotCore
    from storage.models import Event

    started: list[BotCore] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            started.append(BotCore.start(settings, clock))
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(started) == 2
    with started[0].sessions() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
    for core in started:
        core.sessions.kw["bind"].dispose()


def test_a_new_persons_first_messages_reaching_two_instances_at_once_are_both_answered(core, settings, clock):
    import threading

    from bot.core import BotCore

    other = BotCore.start(settings, clock)
    for round_ in range(5):
        answers: list[str] = []
        barrier = threading.Barrier(2)

        def send(instance: BotCore, user: str, barrier: threading.Barrier, answers: list[str]) -> None:
            barrier.wait()
            answers.append(Chat(instance, user, locale_hint="en").send("/help"))

        threads = [
            threading.Thread(target=send, args=(instance, f"newcomer{round_}", barrier, answers))
            for instance in (core, other)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == 2
        assert all("Here is what I can do" in answer for answer in answers), answers
    other.sessions.kw["bind"].dispose()
