"""Helpers shared by the organisers' commands: refusals, key=value arguments, labels, dates."""

from __future__ import annotations

import datetime as dt
import re

from handlers.context import Context, Refusal
from locales import N_
from storage import exports
from storage.exports import COUNTRY_LABELS, STATUS_LABELS
from storage.models import Collectivity, Slot
from storage.organisers import OrganiserError, UnknownCollectivity, UnknownDeadline

# Storage's problems that chat readers also need a command for: the sentence that names it.
WITH_COMMAND: dict[type[OrganiserError], str] = {
    UnknownCollectivity: N_("There is no collectivity number {ident}. See /admin list."),
    UnknownDeadline: N_("There is no deadline “{key}”. See /admin deadlines."),
}
# `name_fr=Ville de Sète kind=commune`: a value runs until the next `word=`.
PAIR = re.compile(r"([A-Za-z_]+)\s*=\s*(.*?)(?=\s+[A-Za-z_]+\s*=|$)", re.DOTALL)


def refuse(ctx: Context, error: OrganiserError) -> Refusal:
    """The storage layer's problem as a refusal in the organiser's language."""
    sentence = WITH_COMMAND.get(type(error))
    if sentence is not None:
        error = OrganiserError(sentence, **error.params)
    return Refusal(error.render(ctx._, lambda value: shown(ctx, value)))


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


def yes_no(ctx: Context, value: bool) -> str:
    return exports.yes_no(value, ctx._)


def date_label(ctx: Context, value: dt.date) -> str:
    """A date the reader's way, without the weekday in French and English."""
    return ctx.translator.listed_date(value)


def moment_label(ctx: Context, value: dt.datetime) -> str:
    """An instant as a date and a time in the event's time zone."""
    local = value.astimezone(ctx.zone)
    return ctx._("{date} at {time}").format(date=date_label(ctx, local.date()), time=ctx.translator.time(local))


def slot_label(ctx: Context, slot: Slot) -> str:
    """A workshop slot as its day and hours: « vendredi 23 octobre 2026, 09:30–12:00 »."""
    start = dt.time.fromisoformat(slot.start)
    end = dt.time.fromisoformat(slot.end)
    return ctx._("{day}, {start}–{end}").format(
        day=ctx.translator.day(slot.day), start=ctx.translator.time(start), end=ctx.translator.time(end)
    )


def shown(ctx: Context, value: object) -> str:
    """A value carried by a storage error (a date, a slot, a list of them) as the reader reads it."""
    if isinstance(value, dt.datetime):
        return moment_label(ctx, value)
    if isinstance(value, dt.date):
        return date_label(ctx, value)
    if isinstance(value, Slot):
        return slot_label(ctx, value)
    if isinstance(value, list | tuple):
        return ctx.translator.list([shown(ctx, v) for v in value]) if value else ""
    return str(value)


def joined(ctx: Context, items: list[str]) -> str:
    """Items side by side: « a, b » in French and English, 「a、b」 in Japanese."""
    return ("、" if ctx.locale == "ja" else ", ").join(items)


def bracketed(ctx: Context, text: str) -> str:
    """` (text)` after a word; Japanese takes full-width brackets with no space: `（text）`."""
    return f"（{text}）" if ctx.locale == "ja" else f" ({text})"


def describe(ctx: Context, c: Collectivity) -> str:
    """`#12 Ville de Sète / セート市 (France, commune, steering committee) — confirmed`."""
    names = c.name_fr + (f" / {c.name_ja}" if c.name_ja else "")
    steering = ctx._("steering committee") if c.steering_group else ""
    details = joined(ctx, [x for x in (country_label(ctx, c.country), c.kind or "", steering) if x])
    return f"#{c.id} {names}{bracketed(ctx, details)} — {status_label(ctx, c.status)}"
