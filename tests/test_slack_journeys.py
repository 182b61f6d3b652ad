"""Whole journeys on Slack: the real Bolt app behind the real HTTP server, against the fake Web API.

A contact joins with `/rencontres join CODE`, confirms in a modal (errors shown in it first), picks two
workshops in another, reads the status and the App Home, in French and in Japanese.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import ChatUser, Collectivity, Workshop, WorkshopChoice
from tests.fake_telegram import forbid_network, run
from tests.slack_harness import said, slack_bot

CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}\b")
ORGANISER = "U0ORGA"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def options_answers(view: dict[str, Any]) -> dict[str, str]:
    """Every option of the confirmation modal answered "no" (0 people or the "no" radio)."""
    answers = {}
    for name, block in inputs(view).items():
        if name.startswith("options."):
            answers[name] = "0" if block["element"]["type"] == "number_input" else "no"
    return answers


@pytest.mark.parametrize(
    ("locale", "name", "person_line", "confirmed", "bad_count"),
    [
        ("fr-FR", "Camille Durand", "Camille Durand, adjointe au maire", "est confirmée", "de 1 à 50"),
        ("ja-JP", "星野 光", "星野 光、国際交流課長", "確定しました", "1から50まで"),
    ],
)
def test_a_contact_joins_confirms_in_a_modal_chooses_and_reads_the_app_home(
    core, locale, name, person_line, confirmed, bad_count
):
    async def journey():
        async with slack_bot(core, organisers=(ORGANISER,)) as bot:
            organiser = bot.person(ORGANISER, "Orga", "en-US")
            contact = bot.person("U0CONTACT", name, locale)
            await organiser.command("admin add Ville de Montclair-sur-Mer; 星空市; jp; city")
            invite = said(await organiser.command("admin invite 1"))
            code = CODE.search(invite).group(0)
            assert "/rencontres join" in invite

            joined = said(await contact.command(f"join {code}"))
            assert "星空市" in joined or "Montclair" in joined

            # The join answer's button opens the confirmation modal (block_actions, then views.open).
            opened = await contact.press("cmd:confirm")
            assert [c.method for c in opened if c.method == "views.open"] == ["views.open"]
            view = contact.modal()
            assert "people" in inputs(view)
            refused, calls = await contact.submit({"people": "", **options_answers(view)})
            assert refused.json["response_action"] == "errors"
            assert bad_count in refused.json["errors"]["people"]
            assert not [c for c in calls if c.method == "chat.postMessage"]

            accepted, calls = await contact.submit({"people": person_line, **options_answers(view)})
            assert accepted.status == 200 and not accepted.text
            assert confirmed in said(calls)

            await contact.command("choose")
            choose = contact.modal()
            fields = list(inputs(choose))
            answers = {fields[0]: "2", fields[1]: "3", **{f: None for f in fields[2:]}}
            accepted, calls = await contact.submit(answers)
            assert accepted.status == 200, accepted.text

            status = said(await contact.command("status"))
            await contact.open_home()
            return status, bot.fake.homes[contact.id], bot.fake.calls_to("users.info")

    status, home, lookups = run(journey())
    assert "星空市" in status or "Montclair" in status
    home_text = "\n".join(b["text"]["text"] for b in home["blocks"] if b["type"] == "section")
    assert "星空市" in home_text or "Montclair" in home_text
    assert all(str(call.params.get("include_locale")).lower() in ("1", "true") for call in lookups)
    with core.sessions() as session:
        collectivity = session.scalars(select(Collectivity)).one()
        assert collectivity.status == "confirmed"
        chosen = session.execute(
            select(WorkshopChoice.rank, Workshop.number)
            .join(Workshop, Workshop.id == WorkshopChoice.workshop_id)
            .where(WorkshopChoice.collectivity_id == collectivity.id)
            .order_by(WorkshopChoice.rank)
        ).all()
        assert [tuple(row) for row in chosen] == [(1, 2), (2, 3)]
        person = session.scalars(select(ChatUser).where(ChatUser.user_id == "U0CONTACT")).one()
        assert (person.platform, person.private_chat_id, person.platform_locale) == ("slack", "D0CONTACT", locale[:2])
