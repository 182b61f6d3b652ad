"""Replies kept across a restart (the inbox's answers, the outbox's messages) come back the same, as plain JSON."""

from __future__ import annotations

import json

import pytest

from contract.messages import Attachment, Button, ChoiceView, FieldView, FormView, Recipient, Reply
from contract.serial import reply_from_json, reply_to_json


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
