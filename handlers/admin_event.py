"""Organisers' commands on the event itself: workshops, locking choices, deadlines, the audit log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from handlers.admin_common import parse_pairs, refuse
from handlers.context import Context, Refusal
from handlers.router import Router
from handlers.types import Reply
from locales import N_
from storage.models import AuditEntry
from storage.organisers import OrganiserError, set_choices_locked, set_deadline, set_workshop

AUDIT_DEFAULT = 20
AUDIT_MAX = 100


def register(router: Router) -> None:
    router.admin_command(
        "workshop", N_("set a workshop's slot, room and capacity"), "<number> slot=<key> room=<text> capacity=<n>"
    )(workshop)
    router.admin_command("lock", N_("close the workshop choices"))(lock)
    router.admin_command("unlock", N_("open the workshop choices again"))(unlock)
    router.admin_command("deadlines", N_("the deadlines and their keys"))(deadlines)
    router.admin_command("deadline", N_("move a deadline"), "<key> <YYYY-MM-DD>")(deadline)
    router.admin_command("audit", N_("the latest changes: who, when, before and after"), "[n]")(audit)


def workshop(ctx: Context, args: str) -> Reply:
    number, _, rest = args.strip().partition(" ")
    if not number:
        raise Refusal(
            ctx._("Write: /admin workshop <number> slot=<key> room=<text> capacity=<n>, for example:")
            + "\n/admin workshop 1 slot=morning room=Auditorium B capacity=12"
        )
    try:
        w = set_workshop(
            ctx.session, ctx.event, number, parse_pairs(ctx, rest), actor=ctx.incoming.actor, now=ctx.clock.now()
        )
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    slot = next((s for s in ctx.event.slots if s.key == w.slot_key), None)
    when = f"{ctx.translator.day(slot.day)} {slot.start}–{slot.end} ({slot.key})" if slot else ctx._("not set")
    lines = [
        ctx._("Workshop {number}: {title}").format(number=w.number, title=ctx.text(w.title)),
        ctx._("Slot: {value}").format(value=when),
        ctx._("Room: {value}").format(value=ctx.text(w.room) if w.room else ctx._("not set")),
        ctx._("Capacity: {value}").format(value=w.capacity if w.capacity is not None else ctx._("not set")),
    ]
    return Reply("\n".join(lines))


def lock(ctx: Context, _args: str) -> Reply:
    changed = set_choices_locked(ctx.session, ctx.event, True, actor=ctx.incoming.actor, now=ctx.clock.now())
    if not changed:
        return Reply(ctx._("The workshop choices were already locked."))
    return Reply(ctx._("The workshop choices are locked: contacts can no longer change them."))


def unlock(ctx: Context, _args: str) -> Reply:
    changed = set_choices_locked(ctx.session, ctx.event, False, actor=ctx.incoming.actor, now=ctx.clock.now())
    if not changed:
        return Reply(ctx._("The workshop choices were not locked."))
    return Reply(ctx._("The workshop choices are open again (until their deadline)."))


def deadlines(ctx: Context, _args: str) -> Reply:
    lines = [ctx._("Deadlines (change one with /admin deadline <key> <YYYY-MM-DD>):")]
    for d in sorted(ctx.event.deadlines, key=lambda d: (d.due, d.key)):
        lines.append(f"• {ctx.translator.short_date(d.due)} — {d.key} — {ctx.text(d.title)}")
    return Reply("\n".join(lines))


def deadline(ctx: Context, args: str) -> Reply:
    words = args.split()
    if len(words) != 2:
        raise Refusal(
            ctx._("Write: /admin deadline <key> <YYYY-MM-DD>, for example /admin deadline hotel-and-slides 2026-09-20")
        )
    try:
        d = set_deadline(ctx.session, ctx.event, words[0], words[1], actor=ctx.incoming.actor, now=ctx.clock.now())
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    return Reply(
        ctx._("Deadline “{title}” is now {date}.").format(title=ctx.text(d.title), date=ctx.translator.day(d.due))
    )


def _compact(value: dict[str, Any] | None) -> str:
    if value is None:
        return "∅"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 300 else text[:300] + "…"


def audit(ctx: Context, args: str) -> Reply:
    word = args.strip()
    if word and (not word.isdigit() or not 1 <= int(word) <= AUDIT_MAX):
        raise Refusal(ctx._("Give a number of entries from 1 to {max}.").format(max=AUDIT_MAX))
    count = int(word) if word else AUDIT_DEFAULT
    entries = list(ctx.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(count)))
    if not entries:
        return Reply(ctx._("Nothing has been changed through the bot yet."))
    lines = [ctx.ngettext("The latest change:", "The latest {n} changes:", len(entries)).format(n=len(entries))]
    for entry in entries:
        when = ctx.translator.datetime(entry.at.astimezone(ctx.zone))
        target = f" {entry.target}" if entry.target else ""
        lines.append(f"• {when} — {entry.actor} — {entry.action}{target}")
        if entry.before is not None or entry.after is not None:
            lines.append(f"   {_compact(entry.before)} → {_compact(entry.after)}")
    return Reply("\n".join(lines))
