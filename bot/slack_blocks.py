"""Replies as Block Kit messages and forms as Slack modals: pure functions, no network.

Slack's limits are kept here, so an adapter never sends what Slack refuses: a section holds at
most 3,000 characters (longer text is split at line ends), a message at most 50 blocks (more go
into several messages), a button label at most 75 characters. Text is sent as `plain_text`,
because handlers write plain text: an underscore or an asterisk must not turn into formatting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapter import split_at_lines
from contract.messages import Attachment, Button, ChoiceView, FieldView, FormView, Reply, Submission

SECTION_TEXT_LIMIT = 3000
BLOCKS_PER_MESSAGE = 50
BLOCKS_PER_VIEW = 100
BUTTON_LABEL_LIMIT = 75
BUTTONS_PER_ACTIONS_BLOCK = 25
OPTION_LABEL_LIMIT = 75
OPTIONS_PER_SELECT = 100
INPUT_LABEL_LIMIT = 2000
TEXT_INPUT_LIMIT = 3000
# The fallback only shows in notifications; Slack refuses a `text` over 40,000 characters.
FALLBACK_TEXT_LIMIT = 3000
VIEW_TITLE_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3000
ELLIPSIS = "…"
# Shown before a refusal, so it reads differently from an answer without a translated word in the adapter.
REFUSAL_MARK = ":warning: "

# Buttons are `rencontres.button.<n>`, unique in their message; the action itself is the button's value,
# so one Bolt listener (`app.action(BUTTON_ACTION_ID)`) receives every button.
BUTTON_ACTION_PREFIX = "rencontres.button."
BUTTON_ACTION_ID = re.compile(r"^rencontres\.button\.\d+$")
# Every modal has this callback_id (`app.view(MODAL_CALLBACK_ID)`); the form's name is in private_metadata.
MODAL_CALLBACK_ID = "rencontres.form"
# Each input block is one field (block_id = the field's name) with one element of this action_id.
FIELD_ACTION_ID = "value"
# A group (a delegation's persons) is one multi-line input, an item a line, its sub-fields apart at a comma,
# as the step-by-step dialog reads "Name, role": up to 50 persons would not fit Slack's 100 blocks otherwise.
GROUP_SEPARATOR = re.compile(r"\s*[,，、;；]\s*")

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One message to send: Block Kit blocks and the plain-text fallback for notifications."""

    text: str
    blocks: tuple[Block, ...]

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for chat_postMessage, chat_postEphemeral, chat_update or `respond`."""
        return {"text": self.text, "blocks": list(self.blocks)}


# -- messages -------------------------------------------------------------------------------


def render_reply(reply: Reply) -> list[SlackMessage]:
    """`reply`'s text and buttons as one or more messages (none when it is only a file)."""
    text = f"{REFUSAL_MARK}{reply.text}" if reply.kind == "refusal" and reply.text else reply.text
    sections = [_section(chunk) for chunk in split_text(text)]
    actions = list(_actions_blocks(reply.buttons))
    blocks = sections + actions
    if not blocks:
        return []
    # Cut from the end, so that the buttons stay with the last part of the text they belong to.
    cuts = list(range(len(blocks), 0, -BLOCKS_PER_MESSAGE))[::-1]
    chunks = [blocks[max(end - BLOCKS_PER_MESSAGE, 0) : end] for end in cuts]
    labels = [button.label for button in reply.all_buttons]
    return [SlackMessage(_fallback(chunk, labels), tuple(chunk)) for chunk in chunks]


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab showing `reply` (status, next deadlines) for views.publish.

    A view cannot be split like messages: past Slack's 100 blocks the text is cut, with an ellipsis.
    """
    actions = list(_actions_blocks(reply.buttons))[:BLOCKS_PER_VIEW]
    sections = [_section(chunk) for chunk in split_text(reply.text)]
    room = BLOCKS_PER_VIEW - len(actions)
    if len(sections) > room:
        sections = sections[:room]
        if sections:
            last = sections[-1]["text"]["text"]
            sections[-1] = _section(last[: SECTION_TEXT_LIMIT - len(ELLIPSIS)].rstrip() + ELLIPSIS)
    return {"type": "home", "blocks": sections + actions}


def button_action(action: Mapping[str, Any]) -> str:
    """The bot's action (`prefix:payload`) of a pressed button, from a block_actions `actions` entry."""
    return str(action["value"])


def split_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line ends (at spaces for a longer line)."""
    return split_at_lines(text, limit)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def upload_arguments(attachment: Attachment, *, comment: str = "") -> dict[str, Any]:
    """Keyword arguments for files_upload_v2 (with `channel=`): the file, its name and a comment (mrkdwn)."""
    arguments: dict[str, Any] = {
        "filename": attachment.filename,
        "title": attachment.filename,
        "content": attachment.content,
    }
    if comment:
        arguments["initial_comment"] = escape(comment)
    return arguments


def _section(text: str) -> Block:
    return {"type": "section", "text": _plain(text)}


def _actions_blocks(rows: Sequence[Sequence[Button]]) -> Iterable[Block]:
    number = 0
    for row in rows:
        for start in range(0, len(row), BUTTONS_PER_ACTIONS_BLOCK):
            elements = []
            for button in row[start : start + BUTTONS_PER_ACTIONS_BLOCK]:
                elements.append(
                    {
                        "type": "button",
                        "action_id": f"{BUTTON_ACTION_PREFIX}{number}",
                        "text": _plain(clip(button.label, BUTTON_LABEL_LIMIT)),
                        "value": button.action,
                    }
                )
                number += 1
            yield {"type": "actions", "elements": elements}


def _fallback(blocks: Sequence[Block], labels: Sequence[str]) -> str:
    """The message's text for notifications and old clients (mrkdwn, so &, < and > are escaped)."""
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    if not texts:
        texts = [" · ".join(labels)]
    return escape(clip("\n".join(texts), FALLBACK_TEXT_LIMIT))


def escape(text: str) -> str:
    """`text` safe in Slack's mrkdwn: the three characters Slack asks apps to escape."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


# -- modals ---------------------------------------------------------------------------------


def modal_view(form: FormView, *, yes_no: tuple[str, str] = ("Yes", "No"), channel: str = "") -> dict[str, Any]:
    """The modal that shows the whole of `form`: one input block per field, its current values filled in.

    `yes_no` labels a yes/no field's two answers (translated by the adapter); `channel` is where the form
    was opened, echoed back with the submission.
    """
    # A group's sub-fields, to read its lines back (a list of {sub-field: text}).
    groups = {field.name: [sub.name for sub in field.fields] for field in form.fields if field.kind == "group"}
    metadata = json.dumps(
        {"form": form.form, "context": form.context, "channel": channel, "groups": groups}, ensure_ascii=False
    )
    if len(metadata) > PRIVATE_METADATA_LIMIT:
        raise ValueError(f"form context too long for a modal's private_metadata: {form.context[:40]!r}…")
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK_ID,
        "title": _plain(clip(form.title, VIEW_TITLE_LIMIT)),
        "submit": _plain(clip(form.submit, VIEW_TITLE_LIMIT)),
        "private_metadata": metadata,
        "blocks": [_input_block(field, yes_no) for field in form.fields],
    }


def submission_from_view(view: Mapping[str, Any]) -> Submission:
    """A view_submission's `view` as the neutral submission: the form, its context and {field: raw value}.

    An empty field is None; a number is the text typed; a choice or yes/no is the chosen value; a group
    is a list of {sub-field: text}, one per non-empty line.
    """
    metadata = _metadata(view)
    groups = metadata.get("groups") or {}
    values: dict[str, Any] = {}
    for block_id, elements in view.get("state", {}).get("values", {}).items():
        element: Mapping[str, Any] = elements.get(FIELD_ACTION_ID) or next(iter(elements.values()), {})
        value = _element_value(element)
        values[block_id] = _group_items(value, groups[block_id]) if block_id in groups else value
    return Submission(form=str(metadata.get("form", "")), values=values, context=str(metadata.get("context", "")))


def opened_in(view: Mapping[str, Any]) -> str:
    """The channel a modal was opened from (its private_metadata), or ''."""
    return str(_metadata(view).get("channel", ""))


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def errors_response(field_errors: Mapping[str, str], view: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The `ack()` arguments that show each field's error under it in the open modal.

    Given the `view`, an error about no field of it (the whole form) is shown under the first field.
    """
    fields = [block["block_id"] for block in (view or {}).get("blocks", []) if block.get("type") == "input"]
    errors: dict[str, str] = {}
    for name, sentence in field_errors.items():
        target = name if not fields or name in fields else fields[0]
        errors[target] = f"{errors[target]}\n{sentence}" if target in errors else sentence
    return {"response_action": "errors", "errors": errors}


def _group_items(text: str | None, fields: Sequence[str]) -> list[dict[str, str | None]]:
    items: list[dict[str, str | None]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = GROUP_SEPARATOR.split(line.strip(), maxsplit=len(fields) - 1)
        items.append({name: (parts[i].strip() or None) if i < len(parts) else None for i, name in enumerate(fields)})
    return items


def _input_block(field: FieldView, yes_no: tuple[str, str]) -> Block:
    return {
        "type": "input",
        "block_id": field.name,
        "label": _plain(clip(field.label, INPUT_LABEL_LIMIT)),
        "optional": not field.required,
        "element": _element(field, yes_no),
    }


def _element(field: FieldView, yes_no: tuple[str, str]) -> dict[str, Any]:
    element: dict[str, Any]
    if field.kind in ("choice", "yesno"):
        choices = field.choices
        value = field.value
        if field.kind == "yesno":
            choices = (ChoiceView("yes", yes_no[0]), ChoiceView("no", yes_no[1]))
            value = None if value is None else ("yes" if value else "no")
        if not choices or len(choices) > OPTIONS_PER_SELECT:
            raise ValueError(f"field {field.name!r} needs 1 to {OPTIONS_PER_SELECT} choices")
        options = [{"text": _plain(clip(c.label, OPTION_LABEL_LIMIT)), "value": c.value} for c in choices]
        # Two answers side by side read better as radio buttons; a longer list as a menu.
        kind = "radio_buttons" if field.kind == "yesno" else "static_select"
        element = {"type": kind, "action_id": FIELD_ACTION_ID, "options": options}
        initial = next((option for option in options if option["value"] == str(value)), None)
        if initial is not None:
            element["initial_option"] = initial
        return element
    initial_value = "" if field.value is None else str(field.value)
    if field.kind == "number":
        element = {"type": "number_input", "action_id": FIELD_ACTION_ID, "is_decimal_allowed": False}
        if field.minimum is not None:
            element["min_value"] = str(field.minimum)
        if field.maximum is not None:
            element["max_value"] = str(field.maximum)
    elif field.kind == "group":
        names = tuple(sub.name for sub in field.fields)
        element = {"type": "plain_text_input", "action_id": FIELD_ACTION_ID, "multiline": True}
        items = field.value or []
        initial_value = "\n".join(", ".join(str(item.get(name) or "") for name in names).rstrip(", ") for item in items)
    else:
        element = {"type": "plain_text_input", "action_id": FIELD_ACTION_ID, "multiline": field.multiline}
        if field.max_length is not None:
            # Slack's ceiling: a modal takes at most 3,000 characters, whatever the form allows elsewhere.
            element["max_length"] = min(field.max_length, TEXT_INPUT_LIMIT)
    if initial_value:
        element["initial_value"] = initial_value
    return element


def _element_value(element: Mapping[str, Any]) -> str | None:
    if "selected_option" in element:
        option = element["selected_option"]
        return str(option["value"]) if option else None
    value = element.get("value")
    return None if value in (None, "") else str(value)
