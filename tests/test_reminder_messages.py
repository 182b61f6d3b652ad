"""What each recipient of a reminder reads: the right people only, in their language; groups in French then Japanese."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from contract.serial import reply_from_json, reply_to_json
from scheduler.fanout import messages_for
from scheduler.nudges import Outgoing
from scheduler.planning import Occurrence, plan_event
from storage.db import transaction
from storage.models import ChannelSubscription, ChatUser, Collectivity, Event
from tests.participation_support import NOW, add_collectivity, fill_confirm_form, linked


def occurrence(core, deadline: str, side: str, days_before: int = 14) -> Occurrence:
    with core.sessions() as session:
        event = session.get_one(Event, core.event_id)
        return next(
            o
            for o in plan_event(event)
            if o.deadline_key == deadline and o.side == side and (o.informational or o.days_before == days_before)
        )


def sent(core, of: Occurrence) -> dict[str, Outgoing]:
    """The messages of `of`, by recipient ("platform:user" or "platform:chat")."""
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        messages = messages_for(session, event, of)
    found = {}
    for message in messages:
        to = message.reply.to
        assert to is not None
        found[f"{to.platform}:{to.user_id or to.chat_id}"] = message
    assert len(found) == len(messages), "one message per recipient"
    return found


def set_user(core, user_id: str, **values: object) -> None:
    with transaction(core.sessions) as session:
        user = session.scalars(select(ChatUser).where(ChatUser.user_id == user_id)).one()
        for name, value in values.items():
            setattr(user, name, value)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_only_contacts_still_missing_the_task_get_a_nudge_each_in_their_language(chat, core):
    linked(chat, core, "Ville de Lenteur", user="amelie")
    done, _ = linked(chat, core, "Ville Prête", user="bruno", locale_hint="en")
    fill_confirm_form(done, ["Camille Durand, adjointe"])
    done.press("Confirm")
    _, declined_id = linked(chat, core, "Ville Absente", user="chloe")
    with transaction(core.sessions) as session:
        session.get_one(Collectivity, declined_id).status = "declined"
    english, _ = linked(chat, core, "Ville Anglophile", user="dana")
    english.send("/lang en")
    linked(chat, core, "Nihon-shi", country="jp", name_ja="日本市", user="kenji")
    # Never typed /lang: the language their platform reports (here English) wins over their country's.
    linked(chat, core, "Kyoto-shi", country="jp", name_ja="京都市", user="yuki")
    set_user(core, "yuki", platform_locale="en")

    french_side = sent(core, occurrence(core, "confirmation-and-delegation", "fr"))
    assert set(french_side) == {"console:amelie", "console:dana"}
    amelie = plain(french_side["console:amelie"].reply.text)
    assert "Rappel : « Confirmation de la participation et composition de la délégation" in amelie
    assert "le 30 juin 2026 (encore 14 jours)" in amelie
    assert "Date limite : mardi 30 juin 2026 à 23:59 (heure d’Europe centrale)." in amelie
    assert "Chez vous" not in amelie  # same clock as the event's
    assert "Reste à faire pour la collectivité Ville de Lenteur :" in amelie
    assert "• Confirmer la participation — avec /confirm" in amelie
    assert "À : Cités Unies France (CUF) / CLAIR Paris" in amelie
    assert "Ville Prête" not in amelie
    assert "Reminder: “Confirmation of participation" in french_side["console:dana"].reply.text

    japanese_side = sent(core, occurrence(core, "confirmation-and-delegation", "ja"))
    assert set(japanese_side) == {"console:kenji", "console:yuki"}
    kenji = plain(japanese_side["console:kenji"].reply.text)
    assert (
        "リマインダー：「参加の確定及び代表団の構成の提出（参加意向書）」の締切は2026年6月30日です（残り14日）。"
        in kenji
    )
    assert "締切：2026年6月30日（火） 23:59（中央ヨーロッパ時間）" in kenji
    assert "日本時間では2026年7月1日 6:59までです。" in kenji
    assert "日本市の未完了の手続き：" in kenji
    yuki = plain(japanese_side["console:yuki"].reply.text)
    assert "Your time (Japan Time): until 6:59 AM on 1 July 2026." in yuki
    assert "Still to do for Kyoto-shi:" in yuki


def test_the_nudge_says_what_exactly_is_missing_and_its_buttons_do_it(chat, core):
    person, _ = linked(chat, core, "Ville de Testville", user="amelie", locale_hint="en")
    person.send("/lang en")
    person.send("/choose 1 3")
    hotel = occurrence(core, "hotel-and-slides", "fr", 2)
    nudge = sent(core, hotel)["console:amelie"].reply
    assert "• Book the hotel on the host city's website — once it is done, tell me with /done hotel" in nudge.text
    assert "/done slides" in nudge.text
    assert "/status shows everything your collectivity still has to do." in nudge.text
    assert [b.action for b in nudge.all_buttons] == ["done:hotel", "done:slides"]
    # The person presses the nudge's first button: the bot records it, and the next nudge lists only the slides.
    assert "Noted: “Book the hotel on the host city's website” is done." in person.act(nudge.all_buttons[0].action)
    again = sent(core, hotel)["console:amelie"].reply
    assert "/done hotel" not in again.text and "/done slides" in again.text

    workshops = sent(core, occurrence(core, "registration-and-workshops", "fr", 7))["console:amelie"].reply
    assert "Choose two workshops" not in workshops.text  # chosen already
    assert "• Send the abstract of the intervention — with /abstract" in workshops.text
    assert [b.action for b in workshops.all_buttons] == ["done:registration", "cmd:abstract"]
    assert "For which of your workshops is this abstract?" in person.act("cmd:abstract")


def test_commands_are_spelled_the_recipients_platform_way(chat, core):
    linked(chat, core, "Ville de Slack", user="U024BE7LH", platform="slack", locale_hint="fr")
    nudge = sent(core, occurrence(core, "confirmation-and-delegation", "fr"))["slack:U024BE7LH"].reply
    assert "avec /rencontres confirm" in nudge.text
    assert "/rencontres status affiche" in nudge.text
    assert nudge.to is not None and nudge.to.is_person and nudge.to.user_id == "U024BE7LH"


def test_people_who_blocked_the_bot_are_left_out(chat, core):
    linked(chat, core, "Ville Bloquée", user="eve")
    set_user(core, "eve", unreachable_since=NOW)
    assert sent(core, occurrence(core, "confirmation-and-delegation", "fr")) == {}


def test_a_group_gets_one_message_french_then_japanese_with_a_count_and_no_names(chat, core):
    linked(chat, core, "Ville de Lenteur", user="amelie")
    linked(chat, core, "Nihon-shi", country="jp", name_ja="日本市", user="kenji")
    add_collectivity(core, "Ville Sans Contact")
    with transaction(core.sessions) as session:
        session.add(
            ChannelSubscription(
                event_id=core.event_id,
                platform="telegram",
                chat_id="-100123",
                title="Jumelage",
                subscribed_by="console:orga",
                subscribed_at=NOW,
            )
        )
    messages = sent(core, occurrence(core, "confirmation-and-delegation", "channels", 2))
    assert set(messages) == {"telegram:-100123"}
    text = plain(messages["telegram:-100123"].reply.text)
    french, japanese = text.split("\n\n")
    assert french.startswith("Rencontres") and "Rappel : « Confirmation de la participation" in french
    assert "3 collectivités doivent encore le faire." in french
    assert "envoyez /status au bot en message privé" in french
    assert "あと3自治体が未完了です。" in japanese and "リマインダー" in japanese
    for name in ("Lenteur", "Nihon", "日本市", "Sans Contact"):
        assert name not in text
    posters = sent(core, occurrence(core, "posters-and-presentations", "channels", 7))["telegram:-100123"]
    assert "2 collectivités doivent encore le faire." in plain(posters.reply.text)  # French collectivities only


def test_an_informational_deadline_is_announced_to_everyone_concerned(chat, core):
    linked(chat, core, "Ville de Lenteur", user="amelie")
    _, declined_id = linked(chat, core, "Ville Absente", user="chloe")
    with transaction(core.sessions) as session:
        session.get_one(Collectivity, declined_id).status = "declined"
    linked(chat, core, "Nihon-shi", country="jp", name_ja="日本市", user="kenji")
    french = sent(core, occurrence(core, "registrations-open", "fr"))
    assert set(french) == {"console:amelie"}
    announcement = plain(french["console:amelie"].reply.text)
    assert "Pour information : Ouverture des inscriptions individuelles" in announcement
    assert "à partir d’aujourd’hui, 3 juin 2026." in announcement
    assert "il n’y a rien à indiquer dans le bot" in announcement
    japanese = plain(sent(core, occurrence(core, "registrations-open", "ja"))["console:kenji"].reply.text)
    assert "お知らせ：本日2026年6月3日より「開催都市ウェブサイトでの個人参加登録" in japanese


def test_each_message_has_a_key_unique_to_its_occurrence_and_recipient(chat, core):
    linked(chat, core, "Ville A", user="amelie")
    linked(chat, core, "Ville B", user="bruno")
    two_weeks = sent(core, occurrence(core, "confirmation-and-delegation", "fr", 14))
    one_week = sent(core, occurrence(core, "confirmation-and-delegation", "fr", 7))
    keys = [m.key for m in [*two_weeks.values(), *one_week.values()]]
    assert len(set(keys)) == 4
    assert (
        two_weeks["console:amelie"].key
        == "cannes-2026/confirmation-and-delegation@2026-06-30/14d/fr/console/user:amelie"
    )
    message = one_week["console:bruno"]
    assert message.not_before == dt.datetime(2026, 6, 23, 7, 30, tzinfo=dt.UTC)
    assert message.expires_at == dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC)
    # Planning again gives the same keys: an outbox with a unique key on them creates nothing new.
    assert sent(core, occurrence(core, "confirmation-and-delegation", "fr", 14))["console:amelie"].key == (
        two_weeks["console:amelie"].key
    )


def test_a_nudge_written_late_counts_the_time_left_from_when_it_is_written(chat, core):
    linked(chat, core, "Ville de Lenteur", user="amelie", locale_hint="en")
    chat("amelie").send("/lang en")
    fortnight = occurrence(core, "confirmation-and-delegation", "fr", 14)
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        on_time = messages_for(session, event, fortnight)[0].reply.text
        # Back after ten days of down-time: the same occurrence (if it is the latest due) says what is left now.
        late = messages_for(session, event, fortnight, written=fortnight.at + dt.timedelta(days=10))[0].reply.text
    assert "(14 days left)" in on_time
    assert "(4 days left)" in late  # 4 days and 14½ hours, rounded down as /deadlines does


def test_a_nudge_survives_the_outbox_as_json(chat, core):
    linked(chat, core, "Ville de Testville", user="amelie")
    for message in sent(core, occurrence(core, "hotel-and-slides", "fr", 2)).values():
        stored = json.loads(json.dumps(reply_to_json(message.reply)))
        assert reply_from_json(stored) == message.reply
        assert message.reply.buttons  # the buttons are part of what survives
