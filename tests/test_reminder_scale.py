"""Planning one reminder occurrence: the texts each contact reads, and the same statements at two sizes.

Each nudge's parts are written once per language, side, platform and missing tasks (scheduler.nudges.OccurrenceTexts):
these tests hold the texts to what every contact read when each nudge was written whole.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from bot.core import BotCore
from scheduler.fanout import messages_for
from scheduler.outbox import queue_occurrence
from scheduler.planning import Occurrence, plan_event
from storage.db import transaction
from storage.models import ChatUser, Collectivity, Contact, Event, OutboxMessage
from tests.statements import recorded_statements

NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)
# Written three hours after the occurrence (a catch-up): the time left counts from then.
LATE = dt.timedelta(hours=3)


def add_people(
    core: BotCore,
    name_fr: str,
    country: str,
    people: list[tuple[str, str, str | None, str | None]],
    name_ja: str | None = None,
) -> None:
    """A confirmed collectivity with contacts (user id, platform, /lang, the platform's language)."""
    with transaction(core.sessions) as session:
        collectivity = Collectivity(
            event_id=core.event_id,
            name_fr=name_fr,
            name_ja=name_ja,
            country=country,
            status="confirmed",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(collectivity)
        session.flush()
        for user_id, platform, locale, platform_locale in people:
            user = ChatUser(
                platform=platform, user_id=user_id, locale=locale, platform_locale=platform_locale, created_at=NOW
            )
            session.add(user)
            session.flush()
            session.add(
                Contact(event_id=core.event_id, chat_user_id=user.id, collectivity_id=collectivity.id, joined_at=NOW)
            )


def the_occurrence(core: BotCore, deadline: str, side: str, days_before: int) -> Occurrence:
    with core.sessions() as session:
        event = session.get_one(Event, core.event_id)
        return next(
            o
            for o in plan_event(event)
            if o.deadline_key == deadline and o.side == side and o.days_before == days_before
        )


EXPECTED = {
    ("fr", "amelie"): (
        "Rencontres de Cannes 2026 — Rappel\xa0: «\xa0Réservation d'hôtel\xa0; "
        "diapositives des interventions en atelier avec la traduction "
        "japonaise\xa0» est à rendre le 15 septembre 2026 (encore 2\xa0jours).\n"
        "Date limite\xa0: mardi 15 septembre 2026 à 23:59 (heure d’Europe centrale).\n"
        "À\xa0: Ville de Cannes (hôtel, en ligne)\xa0; CLAIR Paris (diapositives)\n"
        "\n"
        "Reste à faire pour la collectivité Ville de Lenteur\xa0:\n"
        "• Réserver l'hôtel sur le site de la ville hôte — une fois fait, "
        "dites-le-moi avec /done hotel\n"
        "• Envoyer les diapositives de l'intervention en atelier, avec la "
        "traduction japonaise — une fois fait, dites-le-moi avec /done slides\n"
        "\n"
        "/status affiche tout ce qui reste à faire pour votre collectivité."
    ),
    ("fr", "dana"): (
        "Cannes 2026 Rencontres — Reminder: “Hotel booking; workshop slides "
        "with the Japanese translation” is due on 15 September 2026 (2 days left).\n"
        "Due by 11:59\u202fPM on Tuesday 15 September 2026 (Central European Time).\n"
        "To: City of Cannes (hotel, online); CLAIR Paris (slides)\n"
        "\n"
        "Still to do for Ville de Lenteur:\n"
        "• Book the hotel on the host city's website — once it is done, tell "
        "me with /done hotel\n"
        "• Send the workshop slides, with the Japanese translation — once it "
        "is done, tell me with /done slides\n"
        "\n"
        "/status shows everything your collectivity still has to do."
    ),
    ("fr", "kenji"): (
        "第9回日仏自治体交流会議 — リマインダー：「ホテル予約、分科会発表用スライド（日本語訳付き）の提出」"
        "の締切は2026年9月15日です（残り2日）。\n"
        "締切：2026年9月15日（火） 23:59（中央ヨーロッパ時間）\n"
        "提出先：カンヌ市（ホテル、オンライン）、CLAIRパリ事務所（スライド）\n"
        "\n"
        "Ville de Lenteurの未完了の手続き：\n"
        "• 開催都市ウェブサイトでのホテル予約 — 完了したら /rencontres done hotel でお知らせください\n"
        "• 分科会発表用スライド（日本語訳付き）の提出 — 完了したら /rencontres done slides でお知らせください\n"
        "\n"
        "/rencontres status で、貴自治体の未完了の手続きをすべて確認できます。"
    ),
    ("ja", "emma"): (
        "Cannes 2026 Rencontres — Reminder: “Hotel booking; workshop slides "
        "with the Japanese translation” is due on 15 September 2026 (2 days left).\n"
        "Due by 11:59\u202fPM on Tuesday 15 September 2026 (Central European Time).\n"
        "Your time (Japan Time): until 6:59\u202fAM on 16 September 2026.\n"
        "To: City of Cannes (hotel, online); CLAIR Paris (slides)\n"
        "\n"
        "Still to do for Nihon-shi:\n"
        "• Book the hotel on the host city's website — once it is done, tell "
        "me with /rencontres done hotel\n"
        "• Send the workshop slides, with the Japanese translation — once it "
        "is done, tell me with /rencontres done slides\n"
        "\n"
        "/rencontres status shows everything your collectivity still has to do."
    ),
    ("ja", "louis"): (
        "Rencontres de Cannes 2026 — Rappel\xa0: «\xa0Réservation d'hôtel\xa0; "
        "diapositives des interventions en atelier avec la traduction "
        "japonaise\xa0» est à rendre le 15 septembre 2026 (encore 2\xa0jours).\n"
        "Date limite\xa0: mardi 15 septembre 2026 à 23:59 (heure d’Europe centrale).\n"
        "Chez vous (heure du Japon)\xa0: jusqu’au 16 septembre 2026 à 06:59.\n"
        "À\xa0: Ville de Cannes (hôtel, en ligne)\xa0; CLAIR Paris (diapositives)\n"
        "\n"
        "Reste à faire pour la collectivité Nihon-shi\xa0:\n"
        "• Réserver l'hôtel sur le site de la ville hôte — une fois fait, "
        "dites-le-moi avec /done hotel\n"
        "• Envoyer les diapositives de l'intervention en atelier, avec la "
        "traduction japonaise — une fois fait, dites-le-moi avec /done slides\n"
        "\n"
        "/status affiche tout ce qui reste à faire pour votre collectivité."
    ),
    ("ja", "yuki"): (
        "第9回日仏自治体交流会議 — リマインダー：「ホテル予約、分科会発表用スライド（日本語訳付き）の提出」"
        "の締切は2026年9月15日です（残り2日）。\n"
        "締切：2026年9月15日（火） 23:59（中央ヨーロッパ時間）\n"
        "日本時間では2026年9月16日 6:59までです。\n"
        "提出先：カンヌ市（ホテル、オンライン）、CLAIRパリ事務所（スライド）\n"
        "\n"
        "日本市の未完了の手続き：\n"
        "• 開催都市ウェブサイトでのホテル予約 — 完了したら /done hotel でお知らせください\n"
        "• 分科会発表用スライド（日本語訳付き）の提出 — 完了したら /done slides でお知らせください\n"
        "\n"
        "/status で、貴自治体の未完了の手続きをすべて確認できます。"
    ),
}

BUTTONS = {
    ("fr", "amelie"): [
        ("Fait\xa0: Réserver l'hôtel sur le…", "done:hotel"),
        ("Fait\xa0: Envoyer les diapositives de…", "done:slides"),
    ],
    ("fr", "dana"): [
        ("Done: Book the hotel on the host…", "done:hotel"),
        ("Done: Send the workshop slides…", "done:slides"),
    ],
    ("fr", "kenji"): [
        ("完了：開催都市ウェブサイトでのホテル予約", "done:hotel"),
        ("完了：分科会発表用スライド（日本語訳付き）の提出", "done:slides"),
    ],
    ("ja", "emma"): [
        ("Done: Book the hotel on the host…", "done:hotel"),
        ("Done: Send the workshop slides…", "done:slides"),
    ],
    ("ja", "louis"): [
        ("Fait\xa0: Réserver l'hôtel sur le…", "done:hotel"),
        ("Fait\xa0: Envoyer les diapositives de…", "done:slides"),
    ],
    ("ja", "yuki"): [
        ("完了：開催都市ウェブサイトでのホテル予約", "done:hotel"),
        ("完了：分科会発表用スライド（日本語訳付き）の提出", "done:slides"),
    ],
}


def test_every_contact_reads_the_same_nudge_as_when_each_was_written_whole(core):
    add_people(
        core,
        "Ville de Lenteur",
        "fr",
        [("amelie", "console", None, None), ("dana", "console", "en", None), ("kenji", "slack", None, "ja")],
    )
    add_people(
        core,
        "Nihon-shi",
        "jp",
        [("yuki", "console", None, None), ("louis", "console", "fr", None), ("emma", "slack", None, "en-GB")],
        name_ja="日本市",
    )
    for side in ("fr", "ja"):
        occurrence = the_occurrence(core, "hotel-and-slides", side, 2)
        with core.sessions() as session:
            event = session.get_one(Event, core.event_id)
            replies = {
                m.reply.to.user_id: m.reply
                for m in messages_for(session, event, occurrence, written=occurrence.at + LATE)
                if m.reply.to
            }
        for user, reply in replies.items():
            assert reply.text == EXPECTED[(side, user)], (side, user)
            assert [(b.label, b.action) for b in reply.all_buttons] == BUTTONS[(side, user)], (side, user)
        assert {user for s, user in EXPECTED if s == side} == set(replies)


def populate(core: BotCore, collectivities: int, offset: int = 0) -> None:
    """`collectivities` more (half French, none done with anything), four contacts each, in three languages."""
    with transaction(core.sessions) as session:
        for i in range(offset, offset + collectivities):
            french = i % 2 == 0
            add = Collectivity(
                event_id=core.event_id,
                name_fr=f"Collectivité {i:04d}",
                name_ja=None if french else f"テスト市{i}",
                country="fr" if french else "jp",
                status="confirmed",
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(add)
            session.flush()
            users = session.scalars(
                insert(ChatUser).returning(ChatUser.id),
                [
                    {
                        "platform": ("console", "slack")[n % 2],
                        "user_id": f"scale-{i}-{n}",
                        "locale": (None, "fr", "ja", "en")[n],
                        "created_at": NOW,
                    }
                    for n in range(4)
                ],
            ).all()
            session.execute(
                insert(Contact),
                [
                    {"event_id": core.event_id, "chat_user_id": uid, "collectivity_id": add.id, "joined_at": NOW}
                    for uid in users
                ],
            )


def statements_per_occurrence(core: BotCore) -> tuple[dict[str, int], int]:
    """SQL statements to queue each occurrence of the plan (at its own instant), and the outbox rows made."""
    with core.sessions() as session:
        event = session.get_one(Event, core.event_id)
        found = {}
        for occurrence in plan_event(event):
            with recorded_statements(core) as statements:
                queue_occurrence(session, event, occurrence, occurrence.at)
            found[occurrence.key] = len(statements)
        rows = len(session.scalars(select(OutboxMessage.id)).all())
        session.rollback()
    return found, rows


def test_planning_an_occurrence_takes_the_same_statements_at_10_and_80_collectivities(core):
    populate(core, 10)
    at_10, rows_at_10 = statements_per_occurrence(core)
    populate(core, 70, offset=10)
    at_80, rows_at_80 = statements_per_occurrence(core)
    assert rows_at_80 > 7 * rows_at_10 > 0
    # The outbox takes rows 200 to a statement (storage.outbox.enqueue): here every occurrence has fewer.
    assert at_10 == at_80
    assert max(at_80.values()) <= 4  # who (two), the rows, the run recorded
