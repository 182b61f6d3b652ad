"""Each form submitted whole (as a Slack modal would) through the neutral submission path.

Valid: the same rows as the step-by-step dialog writes, and the same confirmation. Invalid: one
refusal naming each field's error in the person's language, and the database unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import BotCore
from contract.messages import FormView, Reply, Submission
from storage.db import transaction
from storage.models import Abstract, AuditEntry, Collectivity, Delegate, FormState, OptionSignup, WorkshopChoice
from tests.participation_support import OPTION_ORDER, add_collectivity, fill_confirm_form, linked

DIALOG_NAME, WHOLE_NAME = "Ville de Dialogue", "Ville de Formulaire"
CONFIRM = {"fr": "Confirmer", "ja": "確定する"}
SAVE = {"fr": "Enregistrer", "ja": "保存する"}
REFUSED = {"fr": "Certaines réponses sont à corriger ; rien n'a été enregistré.", "ja": "一部の回答に修正が必要です。"}
ERRORS = {
    "fr": {
        "person": "Envoyez un nom (et une fonction après une virgule), de moins de 200 caractères chacun.",
        "yesno": "Veuillez répondre oui ou non (ou appuyer sur un bouton).",
        "count": "Pour « {option} », indiquez un nombre entre 0 et 2 (la taille de votre délégation).",
        "choice": "Choisissez l'une des réponses proposées.",
        "twice": "Choisissez deux ateliers différents : l'atelier 3 ne peut pas être à la fois votre premier",
        "title": "Envoyez un titre de 300 caractères au plus.",
        "summary": "Le résumé doit comporter un texte en français ou en japonais.",
        "speaker": "Envoyez le nom de l'intervenant, en 200 caractères au plus.",
        "partner": "Le partenaire d'une intervention en binôme doit être une collectivité de l'autre pays.",
    },
    "ja": {
        "person": "氏名（および読点の後に役職）を、それぞれ200文字以内で送信してください。",
        "yesno": "「はい」か「いいえ」でお答えください",
        "count": "「{option}」については、0から2（代表団の人数）までの数字でお答えください。",
        "choice": "表示された選択肢からお選びください。",
        "twice": "第3分科会を第1希望と第2希望の両方にすることはできません。",
        "title": "タイトルは300文字以内で送信してください。",
        "summary": "発表要旨には、フランス語または日本語の要旨が必要です。",
        "speaker": "発表者の氏名を200文字以内で送信してください。",
        "partner": "共同発表の相手は、相手国の自治体である必要があります。",
    },
}
OPTION_TITLES = {
    "fr": {"thursday-lunch": "Déjeuner du jeudi 22 octobre", "opening-dinner": "Cérémonie d'accueil"},
    "ja": {"thursday-lunch": "10月22日（木）の昼食", "opening-dinner": "歓迎式典及び開会レセプション"},
}


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def submit(person: Any, form: str, values: dict[str, Any], context: str = "") -> Reply:
    """The person submits `form` whole; the one reply they get."""
    incoming = dataclasses.replace(person.incoming(), submission=Submission(form, values, context))
    replies = person.core.handle(incoming)
    assert len(replies) == 1, replies
    return replies[0]


def opened_view(person: Any, command: str) -> FormView:
    """The form a command opens, as a platform rendering it whole receives it."""
    person.send(command)
    views = [r.form for r in person.last if r.form is not None]
    assert len(views) == 1
    return views[0]


def stored(core: BotCore, cid: int) -> dict[str, Any]:
    """What the bot keeps for one collectivity (ids of the collectivity itself left out)."""
    with transaction(core.sessions) as session:
        c = session.get_one(Collectivity, cid)
        where = Delegate.collectivity_id == cid
        delegates = [(d.position, d.name, d.role) for d in session.scalars(select(Delegate).where(where))]
        signups = session.scalars(select(OptionSignup).where(OptionSignup.collectivity_id == cid))
        choices = session.scalars(select(WorkshopChoice).where(WorkshopChoice.collectivity_id == cid))
        abstracts = session.scalars(select(Abstract).where(Abstract.collectivity_id == cid))
        audit = session.scalars(select(AuditEntry).where(AuditEntry.target == f"collectivity:{cid}"))
        return {
            "collectivity": (c.status, c.delegation_size, c.version),
            "delegates": sorted(delegates),
            "options": sorted((s.option_key, s.people) for s in signups),
            "choices": sorted((w.rank, w.workshop_id) for w in choices),
            "abstracts": [
                (a.workshop_id, a.title, a.summary_fr, a.summary_ja, a.speaker, a.partner_collectivity_id)
                for a in abstracts
            ],
            "audit": sorted((e.action, repr(e.before), repr(e.after)) for e in audit if e.action != "contact.join"),
            "forms": session.scalars(select(FormState)).all(),
        }


def two_contacts(chat: Any, core: BotCore, locale: str, **kwargs: Any) -> tuple[Any, int, Any, int]:
    dialog, dialog_id = linked(chat, core, DIALOG_NAME, locale_hint=locale, **kwargs)
    whole, whole_id = linked(chat, core, WHOLE_NAME, locale_hint=locale, **kwargs)
    return dialog, dialog_id, whole, whole_id


def same_text(dialog: str, whole: str) -> None:
    assert plain(whole).replace(WHOLE_NAME, DIALOG_NAME) == plain(dialog)


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_the_confirmation_submitted_whole_stores_what_the_dialog_stores(chat, core, locale):
    dialog, dialog_id, whole, whole_id = two_contacts(chat, core, locale)
    fill_confirm_form(
        dialog,
        ["Camille Durand, adjointe au maire", "Louis Petit"],
        {"visits": "yes", "thursday-lunch": 1, "opening-dinner": 2, "stand": "no", "gastronomy": "oui"},
    )
    by_dialog = dialog.press(CONFIRM[locale])

    view = opened_view(whole, "/confirm")
    assert [f.name for f in view.fields] == ["people", *(f"options.{key}" for key in OPTION_ORDER)]
    assert view.context == str(whole_id) and view.submit == CONFIRM[locale]
    assert [f.name for f in view.fields[0].fields] == ["name", "role"]
    answer = submit(
        whole,
        "confirm",
        {
            "people": [{"name": "Camille Durand", "role": "adjointe au maire"}, {"name": "Louis Petit", "role": ""}],
            "options.visits": True,
            "options.thursday-lunch": 1,
            "options.opening-dinner": "2",
            "options.stand": "no",
            "options.gastronomy": "yes",
        },
        context=view.context,
    )

    assert answer.kind == "answer" and answer.field_errors == {}
    same_text(by_dialog, answer.text)
    assert stored(core, whole_id) == stored(core, dialog_id)
    assert stored(core, whole_id)["collectivity"][:2] == ("confirmed", 2)
    assert stored(core, whole_id)["forms"] == []
    # Prefilled the next time: the whole form shows what is stored.
    again = opened_view(whole, "/confirm")
    assert again.fields[0].value == [
        {"name": "Camille Durand", "role": "adjointe au maire"},
        {"name": "Louis Petit", "role": None},
    ]
    assert again.fields[2].value == 1 and again.fields[4].value is False


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_a_refused_confirmation_names_each_field_and_changes_nothing(chat, core, snapshot, locale):
    person, _ = linked(chat, core, locale_hint=locale)
    view = opened_view(person, "/confirm")
    before = snapshot()
    errors = ERRORS[locale]

    answer = submit(
        person,
        "confirm",
        {
            "people": [{"name": "Camille Durand"}, {"name": "Louis Petit", "role": "x" * 201}],
            "options.visits": "maybe",
            "options.thursday-lunch": 1,
            "options.opening-dinner": 1,
            "options.stand": True,
            "options.gastronomy": True,
        },
        context=view.context,
    )
    assert answer.kind == "refusal" and answer.visibility == "asker"
    assert set(answer.field_errors) == {"people", "options.visits"}
    assert answer.field_errors["people"] == errors["person"]
    assert errors["yesno"] in answer.field_errors["options.visits"]
    assert plain(answer.text).startswith(REFUSED[locale])
    assert snapshot() == before

    answer = submit(
        person,
        "confirm",
        {
            "people": [{"name": "Camille Durand"}, {"name": "Louis Petit"}],
            "options.visits": False,
            "options.thursday-lunch": 5,
            "options.opening-dinner": "",
            "options.stand": "",
            "options.gastronomy": "no",
        },
    )
    assert set(answer.field_errors) == {"options.thursday-lunch", "options.opening-dinner", "options.stand"}
    for key in ("thursday-lunch", "opening-dinner"):
        assert plain(answer.field_errors[f"options.{key}"]).startswith(
            errors["count"].split("{option}")[0] + OPTION_TITLES[locale][key]
        )
        assert plain(answer.field_errors[f"options.{key}"]).endswith(errors["count"].split("{option}")[1])
    assert errors["yesno"] in answer.field_errors["options.stand"]
    assert snapshot() == before


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_the_workshop_choices_submitted_whole_store_what_the_taps_store(chat, core, locale):
    dialog, dialog_id, whole, whole_id = two_contacts(chat, core, locale)
    dialog.send("/choose")
    dialog.press("3.")
    by_dialog = dialog.press("1.")

    view = opened_view(whole, "/choose")
    assert [f.name for f in view.fields] == ["first", "second"]
    assert [c.value for c in view.fields[0].choices] == ["1", "2", "3", "4"]
    answer = submit(whole, "choose", {"first": "3", "second": "1"}, context=view.context)

    assert answer.kind == "answer"
    same_text(by_dialog, answer.text)
    assert stored(core, whole_id) == stored(core, dialog_id)
    assert len(stored(core, whole_id)["choices"]) == 2
    assert [f.value for f in opened_view(whole, "/choose").fields] == ["3", "1"]


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_refused_workshop_choices_name_each_field_and_change_nothing(chat, core, snapshot, locale):
    person, _ = linked(chat, core, locale_hint=locale)
    person.send("/choose 2 4")
    before = snapshot()

    answer = submit(person, "choose", {"first": "99", "second": ""})
    assert answer.field_errors == {"first": ERRORS[locale]["choice"], "second": ERRORS[locale]["choice"]}
    answer = submit(person, "choose", {"first": "3", "second": "3"})
    assert set(answer.field_errors) == {"second"}
    assert ERRORS[locale]["twice"] in plain(answer.field_errors["second"])
    assert snapshot() == before


def abstract_contacts(chat: Any, core: BotCore, locale: str) -> tuple[Any, int, Any, int, int]:
    partner = add_collectivity(core, "Ville de Kyoto-Test", name_ja="テスト京都市", country="jp")
    dialog, dialog_id, whole, whole_id = two_contacts(chat, core, locale)
    for person in (dialog, whole):
        person.send("/choose 3 1")
    return dialog, dialog_id, whole, whole_id, partner


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_the_abstract_submitted_whole_stores_what_the_dialog_stores(chat, core, locale):
    dialog, dialog_id, whole, whole_id, partner = abstract_contacts(chat, core, locale)
    dialog.send("/abstract 3")
    dialog.send("Des villes qui coopèrent")
    dialog.send("Résumé en français.")
    dialog.send("-")
    dialog.send("Camille Durand, adjointe")
    dialog.press("Kyoto-Test" if locale == "fr" else "テスト京都市")
    by_dialog = dialog.press(SAVE[locale])

    view = opened_view(whole, "/abstract")
    assert [f.name for f in view.fields] == ["workshop", "title", "summary_fr", "summary_ja", "speaker", "partner"]
    assert [c.value for c in view.fields[0].choices] == ["1", "3"]
    assert [c.value for c in view.fields[5].choices] == [str(partner)]
    summaries = {"summary_fr": "Résumé en français.", "summary_ja": ""}
    if locale == "ja":  # the dialog asks the reader's language first: the skipped one is French
        summaries = {"summary_fr": "", "summary_ja": "Résumé en français."}
    answer = submit(
        whole,
        "abstract",
        {
            "workshop": "3",
            "title": "Des villes qui coopèrent",
            **summaries,
            "speaker": "Camille Durand, adjointe",
            "partner": str(partner),
        },
        context=view.context,
    )

    assert answer.kind == "answer"
    same_text(by_dialog, answer.text)
    assert stored(core, whole_id)["abstracts"] == stored(core, dialog_id)["abstracts"] != []
    assert stored(core, whole_id) == stored(core, dialog_id)


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_a_refused_abstract_names_each_field_and_changes_nothing(chat, core, snapshot, locale):
    _, _, person, person_id, _ = abstract_contacts(chat, core, locale)
    same_country = add_collectivity(core, "Ville de Voisine")
    before = snapshot()
    errors = ERRORS[locale]

    answer = submit(
        person,
        "abstract",
        {
            "workshop": "2",
            "title": "  ",
            "summary_fr": "",
            "summary_ja": None,
            "speaker": "x" * 201,
            "partner": str(same_country),
        },
    )

    assert answer.field_errors == {
        "workshop": errors["choice"],
        "title": errors["title"],
        "summary_fr": errors["summary"],
        "summary_ja": errors["summary"],
        "speaker": errors["speaker"],
        "partner": errors["partner"],
    }
    assert snapshot() == before
    # Fields left out are empty: no partner, no French summary.
    answer = submit(person, "abstract", {"workshop": "1", "title": "T", "summary_ja": "要旨", "speaker": "S"})
    assert answer.kind == "answer"
    assert [a[1:] for a in stored(core, person_id)["abstracts"]] == [("T", None, "要旨", "S", None)]


def test_a_submission_for_another_collectivity_a_group_or_an_unknown_form_is_refused(chat, core, snapshot):
    person, cid = linked(chat, core, locale_hint="en")
    before = snapshot()
    values = {"first": "3", "second": "1"}

    stale = submit(person, "choose", values, context=str(cid + 100))
    assert stale.kind == "refusal" and "no longer in progress" in stale.text
    unknown = submit(person, "nonsense", values)
    assert unknown.kind == "refusal" and "no longer in progress" in unknown.text
    person.is_group, person.chat_id = True, "group-1"
    in_group = submit(person, "choose", values)
    assert in_group.kind == "refusal" and "private conversation" in in_group.text
    assert snapshot() == before


def test_the_step_by_step_dialog_ignores_the_form_view_and_asks_its_first_question(chat, core):
    person, _ = linked(chat, core, locale_hint="en")
    text = person.send("/confirm")
    assert "How many people will your delegation have?" in text
    assert person.last[0].form is not None and person.last[0].form.form == "confirm"


def test_a_whole_form_on_slack_spells_the_next_command_the_slack_way(chat, core):
    person, _ = linked(chat, core, locale_hint="en", platform="slack")
    answer = submit(
        person,
        "confirm",
        {"people": [{"name": "Camille Durand"}]} | {f"options.{key}": 0 for key in OPTION_ORDER},
    )
    assert answer.kind == "answer"
    assert "with /rencontres choose." in answer.text
    assert "/choose" not in answer.text
