"""Replies kept across a restart (the inbox's answers, the outbox's messages) come back the same, as plain JSON."""

from __future__ import annotations

import json

import pytest

from contract.messages import Attachment, Button, ChoiceView, FieldView, FormView, Recipient, Reply
from contract.serial import ReplyEncoder, reply_from_json, reply_to_json


def _through_the_database(reply: Reply) -> Reply:
    return reply_from_json(json.loads(json.dumps(reply_to_json(reply))))


def test_a_reply_with_buttons_a_file_a_form_and_notes_comes_back_equal():
    form = FormView(
        form="choose",
        title="Ateliers",
        submit="Valider",
        fields=(FieldView("first", "choice", "1er choix", choices=(ChoiceView("1", "Atelier 1"),)),),
    )
    reply = Reply(
        "Votre agenda",
        buttons=((Button("Oui", "cf:y"), Button("Non", "cf:n")),),
        attachment=Attachment("agenda.ics", b"BEGIN:VCALENDAR\x00\xff", "text/calendar"),
        kind="refusal",
        visibility="asker",
        to=Recipient.person("telegram", "42"),
        field_errors={"first": "Choisissez un atelier."},
        form=form,
        delivered_note=Reply("Envoyé en privé.", visibility="asker"),
    )
    assert _through_the_database(reply) == reply


def test_a_stored_row_cannot_name_a_type_outside_the_contract():
    with pytest.raises(ValueError, match="unknown stored type"):
        reply_from_json({"$type": "Popen", "args": ["true"]})


def test_replies_encoded_with_shared_parts_read_as_each_encoded_alone():
    encode = ReplyEncoder()
    buttons = ((Button("Confirmer", "cmd:confirm"),), (Button("Fait : hôtel", "done:hotel"),))
    replies = [
        Reply("Rappel pour la Ville A", buttons=buttons, to=Recipient.person("telegram", "1"), numbers="label"),
        Reply("Rappel pour la Ville B", buttons=buttons, to=Recipient.person("slack", "U2"), numbers="label"),
        Reply("Sans bouton", to=Recipient.person("telegram", "3")),
        Reply("Au groupe", to=Recipient.chat("telegram", "-100")),
        Reply("Refusé", field_errors={"first": "Choisissez."}, to=Recipient.person("telegram", "4")),
        Reply("Noté", delivered_note=Reply("Envoyé.", field_errors={"x": "y"}), to=Recipient.person("telegram", "5")),
        Reply("Rappel pour la Ville A", buttons=buttons, to=Recipient.person("telegram", "1"), numbers="label"),
    ]
    encoded = [encode(reply) for reply in replies]
    assert [json.dumps(e) for e in encoded] == [json.dumps(reply_to_json(r)) for r in replies]
    assert [reply_from_json(json.loads(json.dumps(e))) for e in encoded] == replies
