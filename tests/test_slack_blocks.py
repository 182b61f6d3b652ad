"""Replies rendered as Block Kit within Slack's limits, and modals that give back what was typed."""

from __future__ import annotations

import json

import pytest

from bot.slack_blocks import (
    BUTTON_ACTION_ID,
    MODAL_CALLBACK_ID,
    errors_response,
    home_view,
    modal_view,
    render_reply,
    split_text,
    submission_from_view,
)
from contract.messages import Attachment, Button, ChoiceView, FieldView, FormView, Reply
from tests.fake_slack import state_values

YES_NO = ("Oui", "Non")
WORKSHOPS = (ChoiceView("1", "1. Innovation territoriale"), ChoiceView("2", "2. Tourisme durable"))


def lines(count: int, width: int = 59) -> str:
    return "\n".join(f"{n:04d} " + "x" * (width - 5) for n in range(count))


def sections(messages) -> list[str]:
    return [block["text"]["text"] for m in messages for block in m.blocks if block["type"] == "section"]


def buttons(messages) -> list[dict]:
    return [e for m in messages for block in m.blocks if block["type"] == "actions" for e in block["elements"]]


def test_a_long_text_is_split_at_line_ends_into_sections_of_at_most_3000_characters():
    text = lines(200)  # 12,000 characters

    (message,) = render_reply(Reply(text))

    parts = sections([message])
    assert len(parts) == 4
    assert all(len(part) <= 3000 for part in parts)
    assert "\n".join(parts) == text
    assert all(part.split("\n")[-1].startswith(("0", "1")) and len(part.split("\n")[-1]) == 59 for part in parts)


def test_a_line_longer_than_a_section_is_cut_at_spaces_or_else_anywhere():
    words = " ".join(["Annecy"] * 1000)
    unbroken = "y" * 7000

    assert all(len(p) <= 3000 and not p.startswith(" ") for p in split_text(words))
    assert " ".join(split_text(words)) == words
    assert split_text(unbroken) == ["y" * 3000, "y" * 3000, "y" * 1000]
    assert split_text("a" * 3000 + "\n\n") == ["a" * 3000]  # no empty section after the cut


def test_more_than_50_blocks_become_several_messages_with_the_buttons_after_the_last_text():
    text = lines(2600)  # 156,000 characters: 52 sections
    reply = Reply(text, buttons=((Button("Oui", "confirm:yes"), Button("Non", "confirm:no")),))

    messages = render_reply(reply)

    assert [len(m.blocks) for m in messages] == [3, 50]
    assert "\n".join(sections(messages)) == text
    assert messages[-1].blocks[-1]["type"] == "actions"
    assert [block["type"] for m in messages for block in m.blocks].count("actions") == 1


def test_buttons_have_their_own_action_id_the_action_as_value_and_labels_within_75_characters():
    long_label = "Atelier " + "très " * 30
    row = tuple(Button(f"Atelier {n}", f"choose:{n}") for n in range(30))
    reply = Reply("Choisissez", buttons=(row, (Button(long_label, "choose:99"),)))

    (message,) = render_reply(reply)

    elements = buttons([message])
    assert [len(b["elements"]) for b in message.blocks if b["type"] == "actions"] == [25, 5, 1]
    assert [e["value"] for e in elements] == [f"choose:{n}" for n in [*range(30), 99]]
    assert len({e["action_id"] for e in elements}) == 31
    assert all(BUTTON_ACTION_ID.match(e["action_id"]) for e in elements)
    assert len(elements[-1]["text"]["text"]) == 75 and elements[-1]["text"]["text"].endswith("…")


def test_the_fallback_text_is_escaped_plain_text_and_never_empty():
    (answer,) = render_reply(Reply("Annecy & Chambéry <2026>"))
    (only_buttons,) = render_reply(Reply("", buttons=((Button("Oui", "a:1"), Button("Non", "a:2")),)))

    assert answer.text == "Annecy &amp; Chambéry &lt;2026&gt;"
    assert answer.blocks[0]["text"] == {"type": "plain_text", "text": "Annecy & Chambéry <2026>", "emoji": True}
    assert only_buttons.text == "Oui · Non"
    assert answer.arguments() == {"text": answer.text, "blocks": list(answer.blocks)}


def test_a_refusal_reads_differently_from_an_answer_and_a_file_alone_is_no_message():
    (refusal,) = render_reply(Reply("Ce code n'existe pas.", kind="refusal"))
    (answer,) = render_reply(Reply("Ce code n'existe pas."))
    file_only = render_reply(Reply("", attachment=Attachment("a.csv", b"x", "text/csv")))

    assert refusal.blocks[0]["text"]["text"] == ":warning: Ce code n'existe pas."
    assert answer.blocks[0]["text"]["text"] == "Ce code n'existe pas."
    assert file_only == []


def confirmation(**values: object) -> FormView:
    return FormView(
        form="confirm",
        title="Confirmer la participation de la délégation",
        submit="Envoyer",
        context="annecy",
        fields=(
            FieldView("delegates", "number", "Nombre de délégués", minimum=1, maximum=20, value=values.get("n")),
            FieldView("workshop", "choice", "Premier atelier", choices=WORKSHOPS, value=values.get("w")),
            FieldView("dinner", "yesno", "Dîner officiel", value=values.get("d")),
            FieldView(
                "summary", "text", "Résumé", required=False, max_length=4000, multiline=True, value=values.get("s")
            ),
            FieldView(
                "people",
                "group",
                "Délégation",
                maximum=50,
                fields=(FieldView("name", "text", "Nom"), FieldView("role", "text", "Fonction", required=False)),
                value=values.get("p"),
            ),
        ),
    )


def test_a_modal_shows_each_field_with_its_current_value_and_slacks_limits():
    people = [{"name": "Camille Durand", "role": "Maire"}, {"name": "Léo Petit", "role": None}]
    view = modal_view(confirmation(n=3, w="2", d=False, s="Nos projets", p=people), yes_no=YES_NO, channel="D0A")

    delegates, workshop, dinner, summary, group = (block["element"] for block in view["blocks"])
    assert view["callback_id"] == MODAL_CALLBACK_ID
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    assert json.loads(view["private_metadata"]) == {
        "form": "confirm",
        "context": "annecy",
        "channel": "D0A",
        "groups": {"people": ["name", "role"]},
    }
    assert [b["block_id"] for b in view["blocks"]] == ["delegates", "workshop", "dinner", "summary", "people"]
    assert (delegates["type"], delegates["initial_value"], delegates["min_value"]) == ("number_input", "3", "1")
    assert workshop["type"] == "static_select" and workshop["initial_option"]["value"] == "2"
    assert dinner["type"] == "radio_buttons" and dinner["initial_option"]["text"]["text"] == "Non"
    assert summary["max_length"] == 3000 and summary["multiline"] and view["blocks"][3]["optional"]
    assert group["multiline"] and group["initial_value"] == "Camille Durand, Maire\nLéo Petit"


def test_what_is_typed_in_the_modal_comes_back_as_the_forms_raw_values():
    view = modal_view(confirmation())
    people = "Camille Durand, Maire\n\n星野 光、国際交流課長\nLéo Petit"
    state = state_values(view, {"delegates": "4", "workshop": "1", "dinner": "yes", "people": people})

    submission = submission_from_view({**view, "state": {"values": state}})

    assert submission.form == "confirm" and submission.context == "annecy"
    assert dict(submission.values) == {
        "delegates": "4",
        "workshop": "1",
        "dinner": "yes",
        "summary": None,
        "people": [
            {"name": "Camille Durand", "role": "Maire"},
            {"name": "星野 光", "role": "国際交流課長"},
            {"name": "Léo Petit", "role": None},
        ],
    }


def test_field_errors_go_under_their_fields_and_a_whole_form_error_under_the_first():
    view = modal_view(confirmation())

    answer = errors_response(
        {"delegates": "Entre 1 et 20.", "": "Deux ateliers différents.", "dinner": "Oui ou non."}, view
    )

    assert answer == {
        "response_action": "errors",
        "errors": {"delegates": "Entre 1 et 20.\nDeux ateliers différents.", "dinner": "Oui ou non."},
    }


def test_a_choice_field_without_choices_is_a_programming_error():
    form = FormView("confirm", "Confirmer", "Envoyer", (FieldView("workshop", "choice", "Atelier"),))

    with pytest.raises(ValueError, match="workshop"):
        modal_view(form)


def test_the_fallback_of_a_long_message_stays_short_enough_for_slack():
    messages = render_reply(Reply(lines(2600)))

    assert all(len(m.text) <= 3000 for m in messages)


def test_the_app_home_holds_the_text_and_buttons_and_is_cut_past_100_blocks():
    short = home_view(Reply("Annecy : 2 délégués", buttons=((Button("Statut", "status:"),),)))
    long = home_view(Reply(lines(6000), buttons=((Button("Statut", "status:"),),)))

    assert short["type"] == "home"
    assert [block["type"] for block in short["blocks"]] == ["section", "actions"]
    assert short["blocks"][0]["text"]["text"] == "Annecy : 2 délégués"
    assert short["blocks"][1]["elements"][0]["value"] == "status:"
    assert len(long["blocks"]) == 100 and long["blocks"][-1]["type"] == "actions"
    assert long["blocks"][-2]["text"]["text"].endswith("…") and len(long["blocks"][-2]["text"]["text"]) <= 3000
