"""Replies as JSON and back: what the inbox and the outbox keep of a reply across a restart.

Plain data only (no pickle): a database row can never make the bot run code.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from functools import cache
from operator import attrgetter
from typing import Any

from contract.messages import Attachment, Button, ChoiceView, FieldView, FormView, Recipient, Reply

_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Reply, Button, Attachment, Recipient, FormView, FieldView, ChoiceView)
}


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """`reply` as JSON-ready data."""
    encoded = _encode(reply)
    assert isinstance(encoded, dict)
    return encoded


class ReplyEncoder:
    """`reply_to_json` for many replies that differ only in text and address (one reminder's messages).

    The rest is encoded once per distinct value and shared by the data returned: store them, do not change them.
    """

    # Each reply's own: encoded every time.
    OWN = ("text", "to")

    def __init__(self) -> None:
        # The other fields but the field errors, a mapping: keyed by its items.
        shared = [name for name in _field_names(Reply) if name not in (*self.OWN, "field_errors")]
        self._shared = attrgetter(*shared)
        self._templates: dict[tuple[Any, ...], dict[str, Any]] = {}

    def __call__(self, reply: Reply) -> dict[str, Any]:
        if type(reply) is not Reply:
            return reply_to_json(reply)
        key = (self._shared(reply), tuple(reply.field_errors.items()))
        try:
            template = self._templates.get(key)
        except TypeError:  # a part that cannot be a key (a note with field errors): encoded whole
            return reply_to_json(reply)
        if template is None:
            template = self._templates[key] = reply_to_json(reply)
        encoded = dict(template)
        encoded["text"] = reply.text
        encoded["to"] = _encode(reply.to)
        return encoded


def reply_from_json(data: Mapping[str, Any]) -> Reply:
    """The reply `reply_to_json` wrote."""
    reply = _decode(data)
    if not isinstance(reply, Reply):
        raise ValueError("not a stored reply")
    return reply


# Stored as they are; tested first, being most of what a reply holds.
_PLAIN = frozenset((str, int, float, bool, type(None)))


def _encode(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ not in _TYPES:
            raise TypeError(f"cannot store a {type(value).__name__}")
        fields = {name: _encode(getattr(value, name)) for name in _field_names(type(value))}
        return {"$type": type(value).__name__, **fields}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Mapping):
        return {"$map": {str(key): _encode(item) for key, item in value.items()}}
    return value


@cache
def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    if not isinstance(value, dict):
        return value
    if "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if "$map" in value:
        return {key: _decode(item) for key, item in value["$map"].items()}
    cls = _TYPES.get(str(value.get("$type")))
    if cls is None:
        raise ValueError(f"unknown stored type {value.get('$type')!r}")
    return cls(**{key: _decode(item) for key, item in value.items() if key != "$type"})
