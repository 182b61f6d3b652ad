"""/agenda: the collectivity's own programme, as text and as an .ics file.

It holds the items whose `attendees` include the collectivity, the workshop slots where
it has a workshop (its assignment once the organisers balanced, its choices before), and
the items of an option it signed up for. An item's audience (who attends) and an option's
sign-up are apart: Saturday's plenary is everyone's, with or without a stand.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from contract.messages import Attachment, Reply
from handlers.context import Context
from handlers.info import slot_of, when_label, zone_note
from handlers.participation.common import name_of, require_collectivity, workshop_label
from handlers.privately import privately_in_groups
from handlers.router import Router
from handlers.timeline import Placed, slot_bounds, timeline
from locales import N_
from storage.calendar import CalendarEntry, build_ics
from storage.models import Assignment, Collectivity, OptionSignup, Workshop
from storage.progress import applies

ICS_MIME = "text/calendar"


def register(router: Router) -> None:
    router.command("agenda", N_("your collectivity's own programme, also as a calendar file"))(
        privately_in_groups("agenda", agenda)
    )


@dataclass(frozen=True)
class AgendaLine:
    placed: Placed
    workshops: tuple[Workshop, ...] = ()
    people: int | None = None  # for an option taken with a head count
    signed_up: str | None = None  # the option's title, for an option taken without a head count


def own_workshops_by_slot(ctx: Context, collectivity: Collectivity) -> tuple[dict[str, list[Workshop]], bool]:
    """The collectivity's workshops per slot key; True when they come from the organisers' assignment."""
    assigned = set(
        ctx.session.scalars(select(Assignment.workshop_id).where(Assignment.collectivity_id == collectivity.id))
    )
    ids = assigned or {c.workshop_id for c in collectivity.choices}
    by_slot: dict[str, list[Workshop]] = {}
    for workshop in ctx.event.workshops:
        if workshop.id in ids and workshop.slot_key is not None:
            by_slot.setdefault(workshop.slot_key, []).append(workshop)
    return by_slot, bool(assigned)


def agenda_lines(ctx: Context, collectivity: Collectivity) -> tuple[list[AgendaLine], bool, bool]:
    """The collectivity's lines; whether its workshops are assigned; whether items for others were left out."""
    signups = {
        s.option_key: s.people
        for s in ctx.session.scalars(select(OptionSignup).where(OptionSignup.collectivity_id == collectivity.id))
    }
    options = {o.key: o for o in ctx.event.options}
    by_slot, assigned = own_workshops_by_slot(ctx, collectivity)
    lines = []
    left_out = False
    for placed in timeline(ctx.event):
        item = placed.item
        if item.slot_key is not None:
            if by_slot.get(item.slot_key):
                lines.append(AgendaLine(placed, workshops=tuple(by_slot[item.slot_key])))
            continue
        option = options.get(item.option_key) if item.option_key else None
        signed = option is not None and bool(signups.get(option.key))
        attends = item.attendees != "signed-up" and applies(item.attendees, collectivity)
        if not (attends or signed):
            # An item only for those signed up is an offer, not left out; one for others is.
            left_out = left_out or item.attendees != "signed-up"
            continue
        if option is not None and signed and option.capacity is not None:
            lines.append(AgendaLine(placed, people=signups[option.key]))
        elif option is not None and signed:
            lines.append(AgendaLine(placed, signed_up=ctx.text(option.title)))
        else:
            lines.append(AgendaLine(placed))
    return lines, assigned, left_out


def agenda(ctx: Context, _args: str) -> Reply:
    collectivity = require_collectivity(ctx)
    name = name_of(ctx, collectivity)
    if collectivity.status == "declined":
        return Reply(
            ctx._("{name} has declined to take part. {programme} shows the whole programme.").format(
                name=name, **ctx.commands("programme")
            )
        )
    lines, assigned, left_out = agenda_lines(ctx, collectivity)
    text = [ctx._("Agenda of {name}").format(name=name), zone_note(ctx)]
    day = None
    for line in lines:
        if line.placed.item.day != day:
            day = line.placed.item.day
            text += ["", ctx.translator.day(day)]
        text += _render(ctx, line, assigned)
    unslotted = _unslotted(ctx, collectivity)
    if unslotted:
        text += ["", ctx._("Your workshops whose slot is not set yet:")]
        text += [f"• {workshop_label(ctx, w)}" for w in unslotted]
    if left_out:
        text += [
            "",
            ctx._("Items for other participants only are not listed: {programme} shows the whole programme.").format(
                **ctx.commands("programme")
            ),
        ]
    text += ["", ctx._("The attached calendar file adds this agenda to your calendar application.")]
    content = build_ics(
        _entries(ctx, collectivity, lines, assigned),
        name=ctx._("Agenda of {name}").format(name=name),
        stamp=ctx.clock.now(),
    )
    filename = f"agenda-{ctx.event.key}-{_slug(collectivity.name_fr)}.ics"
    return Reply("\n".join(text), attachment=Attachment(filename, content, ICS_MIME))


def _render(ctx: Context, line: AgendaLine, assigned: bool) -> list[str]:
    item = line.placed.item
    out = [f"• {when_label(ctx, line.placed)} — {ctx.text(item.title)}"]
    if item.place:
        out.append("   " + ctx._("Place: {place}").format(place=ctx.text(item.place)))
    if line.people:
        out.append(
            "   " + ctx.ngettext("Signed up: {n} person", "Signed up: {n} people", line.people).format(n=line.people)
        )
    if line.signed_up:
        out.append("   " + ctx._("Signed up: {option}").format(option=line.signed_up))
    for workshop in line.workshops:
        room = ctx.text(workshop.room) or ctx._("room not yet set")
        text = ctx._("{workshop} ({room})").format(workshop=workshop_label(ctx, workshop), room=room)
        if not assigned:
            text = ctx._("{line} (your choice; the organisers confirm it after balancing)").format(line=text)
        out.append(f"   ▸ {text}")
    return out


def _unslotted(ctx: Context, collectivity: Collectivity) -> list[Workshop]:
    assigned = set(
        ctx.session.scalars(select(Assignment.workshop_id).where(Assignment.collectivity_id == collectivity.id))
    )
    ids = assigned or {c.workshop_id for c in collectivity.choices}
    return [w for w in ctx.event.workshops if w.id in ids and w.slot_key is None]


def _entries(ctx: Context, collectivity: Collectivity, lines: list[AgendaLine], assigned: bool) -> list[CalendarEntry]:
    base = f"{ctx.event.key}.c{collectivity.id}"
    entries = []
    for line in lines:
        item = line.placed.item
        place = ctx.text(item.place) or None
        if line.workshops:
            for workshop in line.workshops:
                slot = slot_of(ctx.event, workshop.slot_key)
                start, end = (
                    slot_bounds(ctx.event, slot.day, slot.start, slot.end)
                    if slot is not None
                    else (line.placed.start, line.placed.end)
                )
                entries.append(
                    CalendarEntry(
                        uid=f"{base}.{item.key}.{workshop.key}@rencontres-bot",
                        start=start,
                        end=end,
                        summary=_workshop_summary(ctx, workshop, assigned),
                        location=ctx.text(workshop.room) or place,
                    )
                )
            continue
        entries.append(
            CalendarEntry(
                uid=f"{base}.{item.key}@rencontres-bot",
                start=line.placed.start,
                end=line.placed.end,
                summary=ctx.text(item.title),
                location=place,
                description=ctx.text(item.description) or None,
            )
        )
    return entries


def _workshop_summary(ctx: Context, workshop: Workshop, assigned: bool) -> str:
    """The workshop's calendar title; a workshop only chosen, not yet assigned, says so."""
    label = workshop_label(ctx, workshop)
    return label if assigned else ctx._("{workshop} (requested)").format(workshop=label)


# Letters that are no accented letter in Unicode but have a usual ASCII spelling.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l"})


def _slug(text: str) -> str:
    """A file-name part in ASCII: accents dropped, not the letters (Sète → sete, Kōfu → kofu)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "collectivity"
