"""A reminder's Reply as JSON for an outbox row, and back: what the dispatcher hands to the sender after a restart."""

from __future__ import annotations

from typing import Any

from contract.messages import Button, Recipient, Reply


def to_payload(reply: Reply) -> dict[str, Any]:
    """The parts of a reminder's Reply that survive in the database (reminders carry no attachment)."""
    if reply.attachment is not None:
        raise ValueError("a reminder carries no file")
    to = reply.to
    return {
        "text": reply.text,
        "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons],
        "numbers": reply.numbers,
        "to": None if to is None else {"platform": to.platform, "chat_id": to.chat_id, "user_id": to.user_id},
    }


def from_payload(payload: dict[str, Any]) -> Reply:
    to = payload.get("to")
    return Reply(
        payload["text"],
        buttons=tuple(tuple(Button(label, action) for label, action in row) for row in payload.get("buttons", [])),
        numbers=payload.get("numbers", "position"),
        to=None if to is None else Recipient(to["platform"], chat_id=to["chat_id"], user_id=to["user_id"]),
    )
