"""Helpers shared by the organisers' commands: refusals, key=value arguments, labels."""

from __future__ import annotations

import re

from handlers.context import Context, Refusal
from storage.exports import COUNTRY_LABELS, STATUS_LABELS
from storage.models import Collectivity
from storage.organisers import OrganiserError

# `name_fr=Ville de Sète kind=commune`: a value runs until the next `word=`.
PAIR = re.compile(r"([A-Za-z_]+)\s*=\s*(.*?)(?=\s+[A-Za-z_]+\s*=|$)", re.DOTALL)


def refuse(ctx: Context, error: OrganiserError) -> Refusal:
    """The storage layer's problem as a refusal in the organiser's language."""
    return Refusal(error.render(ctx._))


def require_admin(ctx: Context) -> None:
    """Buttons reach any chat member: check rights again when one is pressed."""
    if not ctx.is_admin:
        raise Refusal(ctx._("Only the organisers can use the admin commands."))


def parse_pairs(ctx: Context, text: str) -> dict[str, str]:
    """`a=1 b=two words` -> {"a": "1", "b": "two words"}; anything else is refused."""
    text = text.strip()
    if not text:
        return {}
    pairs = {}
    position = 0
    for match in PAIR.finditer(text):
        if text[position : match.start()].strip():
            break
        pairs[match.group(1).lower()] = match.group(2).strip()
        position = match.end()
    if not pairs or text[position:].strip():
        raise Refusal(ctx._("Write the changes as field=value, for example capacity=12."))
    return pairs


def status_label(ctx: Context, status: str) -> str:
    return ctx._(STATUS_LABELS.get(status, status))


def country_label(ctx: Context, country: str) -> str:
    return ctx._(COUNTRY_LABELS.get(country, country))


def describe(ctx: Context, c: Collectivity) -> str:
    """`#12 Ville de Sète / セート市 (France, commune) — confirmed`."""
    names = c.name_fr + (f" / {c.name_ja}" if c.name_ja else "")
    details = ", ".join(x for x in (country_label(ctx, c.country), c.kind or "") if x)
    return f"#{c.id} {names} ({details}) — {status_label(ctx, c.status)}"
