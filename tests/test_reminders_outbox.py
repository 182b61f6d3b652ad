"""Reminders through the durable outbox: the right people once, in their language; re-plans; catch-up; outcomes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from contract.delivery import Failed, RetryAfter
from storage.db import transaction
from storage.models import ChatUser, Collectivity, ReminderRun
from tests.conftest import paris
from tests.fake_telegram import run
from tests.participation_support import fill_confirm_form, linked
from tests.reminders_support import RecordingSender, in_batch, outbox, service

FR_14 = "confirmation-and-delegation@2026-06-30/14d/fr"
JA_14 = "confirmation-and-delegation@2026-06-30/14d/ja"
GROUP_14 = "confirmation-and-delegation@2026-06-30/14d/channels"


def people(chat, core):
    """Amélie (French, pending), Bruno (French, done), Kenji (Japanese, /lang ja), Yuki (Japanese, never /lang)."""
    linked(chat, core, "Ville de Lenteur", user="amelie")
    done, _ = linked(chat, core, "Ville Prête", user="bruno")
    fill_confirm_form(done, ["Camille Durand, adjointe"])
    done.press("Confirm")
    kenji, _ = linked(chat, core, "Nihon-shi", country="jp", name_ja="日本市", user="kenji")
    kenji.send("/lang ja")
    # Yuki's platform reports Japanese; she never typed /lang.
    linked(chat, core, "Kyoto-shi", country="jp", name_ja="京都市", user="yuki", locale_hint="ja")


def test_each_occurrence_reaches_the_right_people_once_each_in_their_language(chat, core, clock):
    people(chat, core)
    chat("orga", is_group=True, chat_id="jumelage").send("/admin subscribe")
    sender = RecordingSender()
    reminders = service(core, clock, sender)
    clock.at = paris(2026, 6, 16, 9, 31)
    reminders.plan()
    rows = len(outbox(core))
    reminders.plan()
    assert len(outbox(core)) == rows, "planning twice adds nothing"
    assert in_batch(core, FR_14) == {"amelie": "pending"}
    assert in_batch(core, JA_14) == {"kenji": "pending", "yuki": "pending"}
    assert in_batch(core, GROUP_14) == {"jumelage": "pending"}

    run(reminders.tick())
    run(reminders.tick())
    assert in_batch(core, FR_14) == {"amelie": "sent"}
    assert len(sender.texts_to("amelie")) == len(set(sender.texts_to("amelie"))), "nothing twice"
    nudges = {
        who: [t for t in sender.texts_to(who) if "2026" in t and ("30" in t)] for who in ("amelie", "kenji", "yuki")
    }
    assert any("Confirmation de la participation" in t for t in nudges["amelie"])
    assert any("確認" in t or "参加" in t for t in nudges["yuki"]), "Japanese without /lang"
    assert any("参加" in t for t in nudges["kenji"])
    assert sender.texts_to("bruno") == [] or all(
        "Confirmation de la participation" not in t for t in sender.texts_to("bruno")
    )
    (bilingual,) = [t for t in sender.texts_to("jumelage") if "Confirmation de la participation" in t]
    assert bilingual.index("Rappel") < bilingual.index("リマインダー"), "one message: French, then Japanese"
    sent_rows = outbox(core, lambda r: r.status == "sent")
    assert all(r.message_id for r in sent_rows)


def test_a_moved_deadline_re_plans_what_is_not_sent_yet(chat, core, clock):
    people(chat, core)
    reminders = service(core, clock, RecordingSender())
    clock.at = paris(2026, 6, 16, 9, 31)
    reminders.plan()
    assert in_batch(core, FR_14) == {"amelie": "pending"}
    chat("orga").send("/admin deadline confirmation-and-delegation 2026-07-10")
    reminders.plan()
    assert in_batch(core, FR_14) == {"amelie": "skipped"}
    assert in_batch(core, JA_14) == {"kenji": "skipped", "yuki": "skipped"}
    # 20 days before the new date: its 14-day reminder is still to come, not sent now.
    assert in_batch(core, "confirmation-and-delegation@2026-07-10/14d/fr") == {}
    clock.at = paris(2026, 6, 26, 9, 31)
    reminders.plan()
    assert in_batch(core, "confirmation-and-delegation@2026-07-10/14d/fr") == {"amelie": "pending"}


def test_after_down_time_the_latest_occurrence_goes_out_and_the_older_ones_are_recorded_skipped(chat, core, clock):
    people(chat, core)
    sender = RecordingSender()
    reminders = service(core, clock, sender)
    # Down from before the 14-day reminder until the day after the 2-day one (28 June, 09:30).
    clock.at = paris(2026, 6, 29, 8, 0)
    run(reminders.tick())
    with core.sessions() as session:
        handled = {
            r.occurrence: r.status
            for r in session.scalars(select(ReminderRun))
            if r.occurrence.startswith("confirmation-and-delegation@2026-06-30/") and r.occurrence.endswith("/fr")
        }
    assert handled == {
        "confirmation-and-delegation@2026-06-30/14d/fr": "skipped",
        "confirmation-and-delegation@2026-06-30/7d/fr": "skipped",
        "confirmation-and-delegation@2026-06-30/2d/fr": "queued",
    }
    reminder = [t for t in sender.texts_to("amelie") if "Confirmation de la participation" in t]
    assert len(reminder) == 1
    # Queued but not sent before the deadline closed (the platform would not take it): skipped, never late.
    clock.at = paris(2026, 6, 30, 9, 31)
    reminders.plan()
    assert in_batch(core, "confirmation-and-delegation@2026-06-30/0d/fr") == {"amelie": "pending"}
    clock.at = paris(2026, 7, 1, 0, 5)
    run(reminders.dispatcher.pass_once())
    assert in_batch(core, "confirmation-and-delegation@2026-06-30/0d/fr") == {"amelie": "skipped"}


def test_a_retry_after_is_waited_out_and_a_blocked_person_is_recorded(chat, core, clock):
    people(chat, core)
    sender = RecordingSender(script={"amelie": [RetryAfter(3, "429")], "kenji": [Failed("blocked", "403")]})
    reminders = service(core, clock, sender)
    clock.at = paris(2026, 6, 16, 9, 31)
    run(reminders.tick())
    assert in_batch(core, FR_14) == {"amelie": "sent"}
    assert sender.attempts.count("amelie") >= 2
    assert in_batch(core, JA_14) == {"kenji": "blocked", "yuki": "sent"}
    with core.sessions() as session:
        kenji = session.scalars(select(ChatUser).where(ChatUser.user_id == "kenji")).one()
        assert kenji.unreachable_since is not None
    tries = sender.attempts.count("kenji")
    run(reminders.tick())
    assert sender.attempts.count("kenji") == tries, "a blocked person is not retried"


def test_a_row_in_flight_when_its_process_died_becomes_unknown_and_is_not_sent_again(chat, core, clock):
    people(chat, core)
    sender = RecordingSender()
    first = service(core, clock, sender)
    clock.at = paris(2026, 6, 16, 9, 31)
    first.plan()
    claimed = first.dispatcher._claim()  # marked sending and committed; the process "dies" before sending
    assert len(claimed) == 1
    clock.move(dt.timedelta(minutes=10))
    second = service(core, clock, sender)
    run(second.tick())
    row_id = claimed[0][0]
    (row,) = outbox(core, lambda r: r.id == row_id)
    assert row.status == "unknown"
    who = row.user_id or row.chat_id
    assert (who, row.text) not in sender.delivered
    assert len(outbox(core, lambda r: r.status == "unknown")) == 1, "at most the dispatcher's concurrency"
    answer = chat("orga", locale_hint="en").send("/admin reminders")
    assert "1 message is uncertain" in answer
    assert f"console:{who}" in answer


def test_mute_stops_nudges_and_status_says_so(chat, core, clock):
    people(chat, core)
    amelie = chat("amelie")
    assert "Je ne vous enverrai plus de rappels" in amelie.send("/mute")
    assert "Rappels des échéances : désactivés" in amelie.send("/status")
    reminders = service(core, clock, RecordingSender())
    clock.at = paris(2026, 6, 16, 9, 31)
    reminders.plan()
    assert in_batch(core, FR_14) == {}
    amelie.send("/unmute")
    assert "désactivés" not in amelie.send("/status")
    clock.at = paris(2026, 6, 23, 9, 31)
    reminders.plan()
    assert in_batch(core, "confirmation-and-delegation@2026-06-30/7d/fr") == {"amelie": "pending"}


def test_admin_remind_previews_counts_and_queues_once(chat, core, clock):
    people(chat, core)
    orga = chat("orga", locale_hint="en")
    preview = orga.send("/admin remind confirmation-and-delegation")
    assert "sent now to 3 contacts and 0 groups" in preview
    assert "Still to do for Ville de Lenteur" in preview or "Reste à faire" in preview
    assert outbox(core) == []
    button = orga.buttons[0].action
    assert "3 messages are queued" in orga.act(button)
    assert "already queued" in orga.act(button)
    sender = RecordingSender()
    run(service(core, clock, sender).dispatcher.drain())
    assert sorted(w for w, _ in sender.delivered) == ["amelie", "kenji", "yuki"]


def test_broadcast_reports_sent_failed_and_blocked(chat, core, clock):
    people(chat, core)
    with transaction(core.sessions) as session:
        user = session.scalars(select(ChatUser).where(ChatUser.user_id == "bruno")).one()
        user.unreachable_since = clock.now()
        session.get_one(Collectivity, 1)
    chat("orga", is_group=True, chat_id="jumelage").send("/admin subscribe")
    orga = chat("orga", locale_hint="en")
    preview = orga.send("/admin broadcast all+channels fr: Le programme est en ligne. ja: プログラムを公開しました。")
    assert "to 4 contacts and 1 groups" in preview
    orga.act(orga.buttons[0].action)
    sender = RecordingSender(script={"yuki": [Failed("chat-gone", "400")]})
    reminders = service(core, clock, sender)
    run(reminders.dispatcher.drain())
    assert sender.texts_to("kenji") == ["プログラムを公開しました。"]
    assert sender.texts_to("amelie") == ["Le programme est en ligne."]
    assert sender.texts_to("jumelage") == ["Le programme est en ligne.\n\nプログラムを公開しました。"]
    status = orga.send("/admin broadcast status")
    assert "finished" in status
    assert "sent 3, failed 1, blocked the bot 1" in status
    # The organiser who sent it is told once it has gone out, once.
    assert run(reminders.report_broadcasts()) == 1
    assert run(reminders.report_broadcasts()) == 0
    assert sender.texts_to("orga") == ["Announcement #1: finished.\nsent 3, failed 1, blocked the bot 1"]


def test_two_dispatchers_send_each_message_once(chat, core, clock, settings):
    """Two dispatchers, each with its own engine and thread, on one database (PostgreSQL: SKIP LOCKED)."""
    import asyncio
    import threading

    from storage.db import make_engine, make_sessionmaker

    for n in range(12):
        linked(chat, core, f"Ville {n:02d}", user=f"maire{n:02d}")
    clock.at = paris(2026, 6, 16, 9, 31)
    service(core, clock, RecordingSender()).plan()
    expected = {r.user_id for r in outbox(core, lambda r: r.batch == FR_14)}
    assert len(expected) == 12
    senders = [RecordingSender(), RecordingSender()]
    engines = [make_engine(settings.database_url) for _ in senders]

    def dispatch(engine, sender, start: threading.Barrier) -> None:
        from scheduler.dispatch import Dispatcher

        dispatcher = Dispatcher(
            make_sessionmaker(engine), clock, core.event_id, {"console": sender}, worker=str(id(sender))
        )
        start.wait()
        asyncio.run(dispatcher.drain())

    start = threading.Barrier(2)
    threads = [threading.Thread(target=dispatch, args=(e, s, start)) for e, s in zip(engines, senders, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    delivered = [who for s in senders for who, text in s.delivered if "Confirmation de la participation" in text]
    assert sorted(delivered) == sorted(expected), "each message once, none lost"


def test_rehearsal_on_the_command_line_lists_and_sends_nothing_unless_asked(chat, core, settings, capsys):
    import argparse
    from dataclasses import replace as with_

    from bot.cli import reminders_at

    people(chat, core)
    args = argparse.Namespace(now="2026-06-16T09:31", send=False)
    assert reminders_at(args, settings) == 0
    out = capsys.readouterr().out
    assert f"{FR_14} (due 2026-06-16T07:30:00+00:00): 1 recipients" in out
    assert "  console:amelie" in out
    assert outbox(core) == []
    assert reminders_at(argparse.Namespace(now="2026-06-16T09:31", send=True), with_(settings)) == 0
    assert in_batch(core, FR_14) == {"amelie": "pending"}


def test_the_morning_reminder_on_the_day_summer_time_begins_goes_at_half_past_nine_paris(chat, core, clock):
    """29 March 2026, clocks go forward in Paris: 09:30 is 07:30 UTC that day, 08:30 UTC the week before."""
    clock.at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    people(chat, core)
    assert "2026" in chat("orga").send("/admin deadline confirmation-and-delegation 2026-04-05")
    reminders = service(core, clock, RecordingSender())
    seven = "confirmation-and-delegation@2026-04-05/7d/fr"
    clock.at = dt.datetime(2026, 3, 22, 8, 29, tzinfo=dt.UTC)
    reminders.plan()
    assert in_batch(core, "confirmation-and-delegation@2026-04-05/14d/fr") == {}
    clock.at = dt.datetime(2026, 3, 22, 8, 31, tzinfo=dt.UTC)
    reminders.plan()
    assert in_batch(core, "confirmation-and-delegation@2026-04-05/14d/fr") == {"amelie": "pending"}
    clock.at = dt.datetime(2026, 3, 29, 7, 29, tzinfo=dt.UTC)
    reminders.plan()
    assert in_batch(core, seven) == {}
    clock.at = dt.datetime(2026, 3, 29, 7, 31, tzinfo=dt.UTC)
    reminders.plan()
    (row,) = outbox(core, lambda r: r.batch == seven)
    assert row.not_before == dt.datetime(2026, 3, 29, 7, 30, tzinfo=dt.UTC)
