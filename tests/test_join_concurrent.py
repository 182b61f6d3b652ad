"""The same person's two /join at the same moment (two devices, a double tap): one link, one use, two answers."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.core import BotCore
from storage.db import transaction
from storage.models import Contact, Invite
from tests.participation_support import add_collectivity, add_invite

ROUNDS = 8


def send_together(cores: list[BotCore], person, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """`text` from `person` through each core, each from its own thread, released at the same moment."""
    barrier = threading.Barrier(len(cores))
    answers = [""] * len(cores)

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = "\n".join(r.text for r in cores[index].handle(person.incoming(text)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_two_concurrent_joins_of_one_person_link_once_and_say_already_linked(chat, core, settings, clock):
    cid = add_collectivity(core, "Ville de Testville")
    add_invite(core, cid, "TWIN-0001", max_uses=100)
    cores = [BotCore.start(settings, clock), BotCore.start(settings, clock)]
    try:
        for round_ in range(ROUNDS):
            person = chat(f"twin{round_}", locale_hint="en")
            if round_ % 2:
                person.send("/help")  # half the time the person is known before; else both first messages race
            answers = send_together(cores, person, "/join TWIN-0001")
            assert sorted("Welcome" in a for a in answers) == [False, True], answers
            assert any("You already act for Ville de Testville" in a for a in answers), answers
            assert not any("Sorry" in a for a in answers)
    finally:
        for bot in cores:
            bot.sessions.kw["bind"].dispose()
    with transaction(core.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == ROUNDS
        assert session.scalars(select(Invite.uses)).one() == ROUNDS
