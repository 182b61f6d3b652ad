"""Files sent to the bot: an organiser's CSV of collectivities, sent as a Telegram document, is imported.

The real PTB Application downloads the document from the fake Bot API (getFile, then the
file route) and the core answers with the same per-row report as `rencontres-bot admin import`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from contract.messages import Attachment, Incoming
from handlers.admin.collectivities import MAX_IMPORT_BYTES
from storage.models import Collectivity
from tests.fake_telegram import MAX_BOT_DOWNLOAD, forbid_network, run
from tests.telegram_harness import methods, telegram_bot, texts

ORGANISER_ID = 9001
CONTACT_ID = 7001
GOOD_CSV = (
    "name_fr,name_ja,country,kind,status\n"
    "Ville de Sète,セート市,fr,commune,confirmed\n"
    "Kofu-shi,甲府市,jp,city,à l'étude\n"
).encode()
# Line 3 has an unknown country, line 4 repeats line 2: nothing at all may be imported.
BAD_CSV = (
    "name_fr,name_ja,country,kind\n"
    "Ville de Sète,セート市,fr,commune\n"
    "Ville de Toul,トゥール市,de,commune\n"
    "Ville de Sète,セート市,fr,commune\n"
).encode()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def names(core) -> list[str]:
    with core.sessions() as session:
        return list(session.scalars(select(Collectivity.name_fr).order_by(Collectivity.id)))


@pytest.mark.parametrize("caption", [None, "/admin import"])
def test_an_organisers_csv_sent_as_a_document_is_imported(core, caption):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            organiser = bot.person(ORGANISER_ID, "Orga", "en")
            return await organiser.send_file("collectivities.csv", GOOD_CSV, caption=caption)

    calls = run(journey())
    assert methods(calls) == ["getFile", "download", "sendMessage"]
    assert texts(calls) == "Imported 2 collectivities."
    assert names(core) == ["Ville de Sète", "Kofu-shi"]


@pytest.mark.parametrize(
    ("locale", "nothing", "line3", "line4"),
    [
        ("fr", "Rien n'a été importé", "Ligne 3", "Ligne 4"),
        ("ja", "何も登録しませんでした", "3行目", "4行目"),
        ("en", "Nothing was imported", "Line 3", "Line 4"),
    ],
)
def test_a_bad_csv_imports_nothing_and_names_its_rows(core, snapshot, locale, nothing, line3, line4):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            organiser = bot.person(ORGANISER_ID, "Orga", locale)
            await organiser.send("/help")
            before = snapshot()
            calls = await organiser.send_file("collectivities.csv", BAD_CSV, caption="/admin import")
            return calls, before

    calls, before = run(journey())
    report = texts(calls)
    assert nothing in report and line3 in report and line4 in report
    assert "Line 2" not in report and "Ligne 2" not in report
    assert snapshot() == before
    assert names(core) == []


def test_a_file_from_someone_who_is_not_an_organiser_imports_nothing(core, snapshot):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            contact = bot.person(CONTACT_ID, "Hikari", "en")
            await contact.send("/help")
            before = snapshot()
            alone = await contact.send_file("collectivities.csv", GOOD_CSV)
            captioned = await contact.send_file("collectivities.csv", GOOD_CSV, caption="/admin import")
            return alone, captioned, before

    alone, captioned, before = run(journey())
    assert texts(alone) == (
        "I only read files that organisers send me to import collectivities, so I did nothing with this one."
    )
    assert texts(captioned) == "Only the organisers can use the admin commands."
    assert snapshot() == before


def test_a_file_over_telegrams_limit_is_not_downloaded_and_the_limit_is_named(core):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            organiser = bot.person(ORGANISER_ID, "Orga", "en")
            return await organiser.send_file("huge.csv", GOOD_CSV, declared_size=MAX_BOT_DOWNLOAD + 1)

    calls = run(journey())
    assert methods(calls) == ["sendMessage"]
    assert texts(calls) == "This file is empty or too large: I import files of at most 5 MB. Nothing was imported."
    assert names(core) == []


def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_name(core):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            organiser = bot.person(ORGANISER_ID, "Orga", "fr")
            return await organiser.send_file("liste.pdf", b"%PDF-1.4", "application/pdf")

    calls = run(journey())
    assert texts(calls) == (
        "J'importe uniquement des fichiers .csv et .xlsx\u00a0; «\u00a0liste.pdf\u00a0» n'en est pas un. "
        "Rien n'a été importé."
    )
    assert names(core) == []


def organiser_file(content: bytes, *, text: str = "", is_group: bool = False) -> Incoming:
    return Incoming(
        platform="telegram",
        user_id=str(ORGANISER_ID),
        chat_id="-100123" if is_group else str(ORGANISER_ID),
        text=text,
        is_group=is_group,
        locale_hint="en",
        attachment=Attachment("collectivities.csv", content, "text/csv"),
    )


def test_a_file_over_the_import_limit_is_refused_before_reading(core):
    core.settings = replace(core.settings, admins=core.settings.admins | {f"telegram:{ORGANISER_ID}"})
    big = GOOD_CSV + b"#" * (MAX_IMPORT_BYTES - len(GOOD_CSV) + 1)
    [reply] = core.handle(organiser_file(big))
    assert reply.kind == "refusal" and "at most 5 MB" in reply.text
    assert names(core) == []


def test_a_file_in_a_group_is_ignored_alone_and_refused_with_the_command(core):
    core.settings = replace(core.settings, admins=core.settings.admins | {f"telegram:{ORGANISER_ID}"})
    assert core.handle(organiser_file(GOOD_CSV, is_group=True)) == []
    [reply] = core.handle(organiser_file(GOOD_CSV, text="/admin import", is_group=True))
    assert reply.text == "Please send the file to import in our private chat, not in a group."
    assert names(core) == []


def test_the_import_command_without_a_file_says_how_to_send_one(core):
    core.settings = replace(core.settings, admins=core.settings.admins | {f"telegram:{ORGANISER_ID}"})
    [reply] = core.handle(
        Incoming(platform="telegram", user_id=str(ORGANISER_ID), chat_id=str(ORGANISER_ID), text="/admin import")
    )
    assert reply.text == (
        "Envoyez-moi le fichier .csv ou .xlsx lui-même (5\u00a0Mo au plus), avec /admin import en légende "
        "ou seul dans notre conversation privée."
    )
