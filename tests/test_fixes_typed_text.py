"""Issue 11: typed text is stored as typed (minus control characters); what is parsed is normalised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Abstract, Collectivity, WorkshopChoice
from tests.participation_support import linked

TITLE = "「（事例紹介）」静岡市　観光：どう？！"
SUMMARY = "« Tourisme doux » … à l'échelle de l'Alpes＝Maritimes\u0007."


@pytest.mark.parametrize(
    ("locale", "skip", "partner"), [("ja", "スキップ", "共同発表なし"), ("fr", "Passer", "Pas de binôme")]
)
def test_an_abstract_keeps_its_full_width_punctuation_and_quotes(chat, core, locale, skip, partner):
    person, _ = linked(chat, core, locale_hint=locale)
    # Full-width digits and slash are still read as a command and numbers.
    person.send("／ｃｈｏｏｓｅ　３　１")
    with transaction(core.sessions) as session:
        assert len(session.scalars(select(WorkshopChoice)).all()) == 2
    person.send("/abstract")
    person.send("３")
    person.send(TITLE)
    person.send(SUMMARY)
    person.press(skip)
    person.send("山田　花子（副市長）")
    person.press(partner)
    person.press("保存する" if locale == "ja" else "Enregistrer")
    with transaction(core.sessions) as session:
        abstract = session.scalars(select(Abstract)).one()
        summary = abstract.summary_ja if locale == "ja" else abstract.summary_fr
        assert abstract.title == TITLE
        assert summary == SUMMARY.replace("\u0007", "")
        assert abstract.speaker == "山田　花子（副市長）"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_organiser_names_a_collectivity_as_typed(chat, core, locale):
    organiser = chat("orga", locale_hint=locale)
    organiser.send("/admin add Département des Alpes-Maritimes；アルプ＝マリティーム県；ｆｒ；département")
    organiser.send("/admin edit 1 name_ja=アルプ＝マリティーム県（仏）")
    with transaction(core.sessions) as session:
        collectivity = session.scalars(select(Collectivity)).one()
        assert (collectivity.name_fr, collectivity.name_ja, collectivity.country) == (
            "Département des Alpes-Maritimes",
            "アルプ＝マリティーム県（仏）",
            "fr",
        )
