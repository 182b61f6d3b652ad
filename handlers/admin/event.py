"""Organisers' commands on the event itself: workshops, locking choices, deadlines."""

from __future__ import annotations

from contract.messages import Reply
from handlers.admin.common import date_label, parse_pairs, refuse, slot_label
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_
from storage.organisers import OrganiserError, set_choices_locked, set_deadline, set_workshop


def register(router: Router) -> None:
    router.admin_command(
        "workshop",
        N_("set a workshop's slot, room and capacity"),
        N_("<number> slot=<start time> room=<text> capacity=<n>"),
    )(workshop)
    router.admin_command("lock", N_("close the workshop choices"))(lock)
    router.admin_command("unlock", N_("open the workshop choices again"))(unlock)
    router.admin_command("deadlines", N_("the deadlines and their keys"))(deadlines)
    router.admin_command("deadline", N_("move a deadline"), N_("<key> <YYYY-MM-DD>"))(deadline)


def workshop(ctx: Context, args: str) -> Reply:
    number, _, rest = args.strip().partition(" ")
    if not number:
        raise Refusal(
            ctx._("Write: {admin} workshop <number> slot=<start time> room=<text> capacity=<n>, for example:").format(
                **ctx.commands("admin")
            )
            + "\n"
            + ctx.command("admin", "workshop 1 slot=9:30 room=Auditorium B capacity=12")
        )
    try:
        w = set_workshop(
            ctx.session, ctx.event, number, parse_pairs(ctx, rest), actor=ctx.incoming.actor, now=ctx.clock.now()
        )
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    slot = next((s for s in ctx.event.slots if s.key == w.slot_key), None)
    lines = [
        ctx._("Workshop {number}: {title}").format(number=w.number, title=ctx.text(w.title)),
        ctx._("Slot: {value}").format(value=slot_label(ctx, slot)) if slot else ctx._("Slot: not set"),
        ctx._("Room: {value}").format(value=ctx.text(w.room)) if w.room else ctx._("Room: not set"),
        ctx._("Capacity: {value}").format(value=w.capacity) if w.capacity is not None else ctx._("Capacity: not set"),
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
    lines = [ctx._("Deadlines (change one with {admin} deadline <key> <YYYY-MM-DD>):").format(**ctx.commands("admin"))]
    for d in sorted(ctx.event.deadlines, key=lambda d: (d.due, d.key)):
        lines.append(f"• {date_label(ctx, d.due)} — {d.key} — {ctx.text(d.title)}")
    return Reply("\n".join(lines))


def deadline(ctx: Context, args: str) -> Reply:
    words = args.split()
    if len(words) != 2:
        raise Refusal(
            ctx._(
                "Write: {admin} deadline <key> <YYYY-MM-DD>, for example {admin} deadline hotel-and-slides 2026-09-20"
            ).format(**ctx.commands("admin"))
        )
    try:
        d = set_deadline(ctx.session, ctx.event, words[0], words[1], actor=ctx.incoming.actor, now=ctx.clock.now())
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    return Reply(
        ctx._("Deadline “{title}” is now {date}.").format(title=ctx.text(d.title), date=date_label(ctx, d.due))
    )
