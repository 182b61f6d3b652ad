"""`/admin audit` reads as sentences in the organiser's language; the rows keep their JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import AuditEntry, ChatUser, Event
from tests.admin_support import add_collectivity

AT = dt.datetime(2026, 6, 3, 7, 5, tzinfo=dt.UTC)  # 09:05 in Paris


def record(core, action: str, target: str | None, before: dict | None, after: dict | None, actor: str) -> None:
    """An audit row as the contacts' side or an older version writes it."""
    with transaction(core.sessions) as session:
        session.add(
            AuditEntry(
                event_id=core.event_id, at=AT, actor=actor, action=action, target=target, before=before, after=after
            )
        )


def workshop_ids(core) -> dict[int, int]:
    with core.sessions() as session:
        return {w.number: w.id for w in session.get_one(Event, core.event_id).workshops}


@pytest.fixture
def contact(core):
    """A contact on Telegram with a display name, whose choices changed from workshops 2, 4 to 1, 3."""
    cid = add_collectivity(core, "Ville de Sète", name_ja="セート市")
    with transaction(core.sessions) as session:
        session.add(ChatUser(platform="telegram", user_id="4242", display_name="Camille Exemple", created_at=AT))
    ids = workshop_ids(core)
    record(
        core,
        "choices.replace",
        f"collectivity:{cid}",
        {"workshops": [ids[2], ids[4]]},
        {"workshops": [ids[1], ids[3]], "version": 3},
        "telegram:4242",
    )
    return cid


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "fr",
            [
                "• 3 juin 2026 à 09:05 — Camille Exemple (telegram:4242)",
                "   Choix d'ateliers modifiés : #1 Ville de Sète",
                "   ateliers 2, 4 → 1, 3",
            ],
        ),
        (
            "ja",
            [
                "• 2026年6月3日（水）9:05 — Camille Exemple（telegram:4242）",
                "   分科会の希望を変更：#1 セート市",
                "   分科会 2, 4 → 1, 3",
            ],
        ),
        (
            "en",
            [
                "• 3 June 2026 at 9:05 AM — Camille Exemple (telegram:4242)",
                "   Workshop choices changed: #1 Ville de Sète",
                "   workshops 2, 4 → 1, 3",
            ],
        ),
    ],
)
def test_a_contacts_new_choices_read_as_workshop_numbers(core, chat, contact, locale, expected):
    answer = chat("orga", locale_hint=locale).send("/admin audit")
    for line in expected:
        assert line in answer.splitlines()
    assert "{" not in answer and "choices.replace" not in answer
    with core.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert entry.after["workshops"] == [workshop_ids(core)[1], workshop_ids(core)[3]]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "fr",
            [
                "Collectivité ajoutée : #1 Ville de Sète",
                "Nom (français) : Ville de Sète · Nom (japonais) : セート市 · Pays : France · Type : commune"
                " · État : à l'étude · Comité de pilotage : non",
                "Collectivité modifiée : #1 Ville de Sète",
                "État : à l'étude → confirmée · Comité de pilotage : non → oui",
                "Code d'invitation créé pour #1 Ville de Sète",
                "Date d'expiration : 15 juillet 2026 à 10:00 · Utilisations permises : 2",
                "Droits d'organisateur donnés à telegram:77",
                "Choix d'ateliers clos",
                "Atelier modifié : atelier 2",
                "Créneau : — → vendredi 23 octobre 2026, 14:30–17:00 · Capacité : — → 8",
            ],
        ),
        (
            "ja",
            [
                "自治体を追加：#1 セート市",
                "自治体の情報を変更：#1 セート市",
                "状況：検討中 → 参加確定／運営委員会：いいえ → はい",
                "招待コードを発行：#1 セート市",
                "主催者権限を付与：telegram:77",
                "分科会の選択受付を締切",
                "時間帯：— → 2026年10月23日（金）14:30～17:00／定員：— → 8",
            ],
        ),
        (
            "en",
            [
                "Collectivity added: #1 Ville de Sète",
                "Collectivity changed: #1 Ville de Sète",
                "Status: considering → confirmed · Steering committee: no → yes",
                "Invitation code created for #1 Ville de Sète",
                "Organiser rights given to telegram:77",
                "Workshop choices locked",
                "Slot: — → Friday 23 October 2026, 2:30 PM–5:00 PM · Capacity: — → 8",
            ],
        ),
    ],
)
def test_the_organisers_own_changes_read_as_sentences(chat, locale, expected):
    orga = chat("orga", locale_hint=locale)
    for command in (
        "/admin add Ville de Sète; セート市; fr; commune",
        "/admin edit 1 status=confirmed steering=yes",
        "/admin invite 1 uses=2",
        "/admin grant telegram:77",
        "/admin lock",
        "/admin workshop 2 slot=afternoon capacity=8",
    ):
        orga.send(command)
    answer = orga.send("/admin audit")
    for text in expected:
        assert text in answer
    assert "{" not in answer and "collectivity.edit" not in answer


def test_an_unknown_kind_of_change_reads_as_labelled_values(core, chat):
    record(
        core,
        "visit.reschedule",
        "visit:campus",
        {"starts_at": "2026-10-22T12:00:00+00:00", "bus": True},
        {"starts_at": "2026-10-22T13:30:00+00:00", "bus": True, "note": "rain"},
        "slack:U0123ABCD",
    )
    answer = chat("orga", locale_hint="fr").send("/admin audit")
    assert "• 3 juin 2026 à 09:05 — slack:U0123ABCD" in answer
    assert "Modification « visit.reschedule » : visit:campus" in answer
    assert "starts at : 22 octobre 2026 à 14:00 → 22 octobre 2026 à 15:30 · note : rain" in answer
    assert "{" not in answer and "}" not in answer and "bus" not in answer


def test_a_balancing_reads_as_who_moved_where(core, chat):
    sete = add_collectivity(core, "Ville de Sète")
    nara = add_collectivity(core, "Nara-shi", country="jp")
    record(core, "balance.apply", "event:cannes-2026", {str(sete): 2}, {str(sete): 1, str(nara): 3}, "console:orga")
    answer = chat("orga", locale_hint="en").send("/admin audit")
    assert "Balancing applied: 2 collectivities assigned" in answer
    assert "#1 Ville de Sète: workshop 2 → workshop 1" in answer
    assert "#2 Nara-shi: no workshop → workshop 3" in answer
