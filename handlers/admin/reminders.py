"""Organisers' reminders and announcements: `/admin remind`, `/admin broadcast`, `/admin reminders`.

Each queues messages in the outbox (scheduler.outbox) after a preview and a confirmation button; the running
bot's dispatcher sends them (woken at once by the `outbox-queued` signal). docs/organisers.md.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from contract.messages import Button, Reply
from contract.numbers import parse_int
from handlers.admin.common import moment_label
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_
from scheduler import reports
from scheduler.outbox import (
    broadcast_messages,
    count_recipients,
    deadline_named,
    draft_broadcast,
    preview_remind,
    queue_broadcast,
    remind_now,
    upcoming,
)
from scheduler.service import QUEUED
from storage import audit
from storage.models import Broadcast
from storage.outbox import batch_counts, batch_summaries, count_in, handled_occurrences, rows_in, runs

# `all+channels fr: Bonjour… ja: こんにちは…`: who, then the two texts.
BROADCAST = re.compile(r"^\s*(?P<who>\S+)\s+fr\s*[:：]\s*(?P<fr>.+?)\s+ja\s*[:：]\s*(?P<ja>.+?)\s*$", re.DOTALL | re.I)
AUDIENCE_WORDS = {"all": "all", "confirmed": "confirmed", "fr": "fr", "jp": "jp", "ja": "jp", "channels": "none"}


def register(router: Router) -> None:
    router.admin_command(
        "remind", N_("send a deadline's reminder now to those still missing it"), N_("<deadline key>")
    )(remind)
    router.admin_command(
        "broadcast",
        N_("send an announcement in French and Japanese"),
        N_("all|confirmed|fr|jp|channels[+channels] fr: <text> ja: <text> — or: status [number]"),
    )(broadcast)
    router.admin_command("reminders", N_("what is planned, what was sent, and what is uncertain"))(reminders)
    router.admin_action("remind")(remind_confirmed)
    router.admin_action("broadcast")(broadcast_confirmed)


def report_line(ctx: Context, counts: dict[str, int]) -> str:
    return reports.report_line(ctx.translator, counts)


def remind(ctx: Context, args: str) -> Reply:
    key = args.strip()
    deadline = deadline_named(ctx.event, key) if key else None
    if deadline is None:
        keys = ", ".join(sorted(d.key for d in ctx.event.deadlines if d.task_keys))
        raise Refusal(
            ctx._("Write: {admin} remind <deadline key>. The deadlines with tasks: {keys}.").format(
                keys=keys, **ctx.commands("admin")
            )
        )
    now = ctx.clock.now()
    messages = preview_remind(ctx.session, ctx.event, deadline, now)
    if not messages:
        raise Refusal(
            ctx._("Nobody is to be reminded of “{title}”: it has closed, or everyone concerned has done it.").format(
                title=ctx.text(deadline.title)
            )
        )
    people, chats = count_recipients(messages)
    first = next((m for m in messages if m.reply.to and m.reply.to.is_person), messages[0])
    lines = [
        ctx._(
            "Reminder of “{title}”, sent now to {people} contacts and {chats} groups. What the first one reads:"
        ).format(title=ctx.text(deadline.title), people=people, chats=chats),
        "",
        first.reply.text,
    ]
    stamp = int(now.timestamp())
    return Reply("\n".join(lines), buttons=((Button(ctx._("Send now"), f"remind:{deadline.key}:{stamp}"),),))


def remind_confirmed(ctx: Context, payload: str) -> Reply:
    key, _, stamp = payload.rpartition(":")
    deadline = deadline_named(ctx.event, key)
    # An instant in seconds (parse_int reads the small numbers people type).
    seconds = int(stamp) if stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 else None
    if deadline is None or seconds is None:
        raise Refusal(ctx._("This button is out of date: send the command again."))
    # The instant of the preview keys the messages: pressing twice queues nothing more.
    asked = dt.datetime.fromtimestamp(seconds, dt.UTC)
    if not preview_remind(ctx.session, ctx.event, deadline, asked):
        raise Refusal(
            ctx._("Nobody is to be reminded of “{title}”: it has closed, or everyone concerned has done it.").format(
                title=ctx.text(deadline.title)
            )
        )
    added = remind_now(ctx.session, ctx.event, deadline, asked)
    audit.record(
        ctx.session,
        event_id=ctx.event.id,
        at=ctx.clock.now(),
        actor=ctx.incoming.actor,
        action="reminder.remind",
        target=deadline.key,
        after={"messages": added},
    )
    ctx.signals.add(QUEUED)
    if not added:
        return Reply(ctx._("This reminder was already queued: nothing more to send."))
    return Reply(
        ctx.ngettext(
            "{n} message is queued and goes out now. {admin} reminders shows how it goes.",
            "{n} messages are queued and go out now. {admin} reminders shows how it goes.",
            added,
        ).format(n=added, **ctx.commands("admin"))
    )


def broadcast(ctx: Context, args: str) -> Reply:
    words = args.split()
    if words and words[0].lower() == "status":
        return broadcast_status(ctx, words[1:])
    match = BROADCAST.match(args)
    who = match.group("who").lower().split("+") if match else []
    audience = AUDIENCE_WORDS.get(who[0]) if who else None
    extra = who[1:]
    if match is None or audience is None or any(w != "channels" for w in extra) or len(extra) > 1:
        raise Refusal(
            ctx._(
                "Write: {admin} broadcast <who> fr: <French text> ja: <Japanese text>. Who: all, confirmed, fr or jp "
                "(the contacts), channels (the subscribed groups), or for example all+channels."
            ).format(**ctx.commands("admin"))
        )
    channels = audience == "none" or bool(extra)
    row = draft_broadcast(
        ctx.session,
        ctx.event,
        audience=audience,
        channels=channels,
        text_fr=match.group("fr"),
        text_ja=match.group("ja"),
        by=ctx.incoming.actor,
        now=ctx.clock.now(),
    )
    people, chats = count_recipients(broadcast_messages(ctx.session, ctx.event, row))
    lines = [
        ctx._("Announcement #{number} to {people} contacts and {chats} groups:").format(
            number=row.id, people=people, chats=chats
        ),
        "",
        row.text_fr,
        "",
        row.text_ja,
    ]
    return Reply("\n".join(lines), buttons=((Button(ctx._("Send now"), f"broadcast:{row.id}"),),))


def broadcast_confirmed(ctx: Context, payload: str) -> Reply:
    number = parse_int(payload)
    row = ctx.session.get(Broadcast, number) if number is not None else None
    if row is None or row.event_id != ctx.event.id:
        raise Refusal(ctx._("This button is out of date: send the command again."))
    added = queue_broadcast(ctx.session, ctx.event, row, ctx.clock.now())
    audit.record(
        ctx.session,
        event_id=ctx.event.id,
        at=ctx.clock.now(),
        actor=ctx.incoming.actor,
        action="broadcast.send",
        target=f"broadcast/{row.id}",
        after={"messages": added, "audience": row.audience, "channels": row.channels},
    )
    ctx.signals.add(QUEUED)
    return Reply(
        ctx._("Announcement #{number} is going out. Follow it with {admin} broadcast status {number}.").format(
            number=row.id, **ctx.commands("admin")
        )
    )


def broadcast_status(ctx: Context, words: list[str]) -> Reply:
    number = parse_int(words[0]) if words else None
    query = select(Broadcast).where(Broadcast.event_id == ctx.event.id, Broadcast.status == "queued")
    query = query.where(Broadcast.id == number) if number is not None else query.order_by(Broadcast.id.desc())
    row = ctx.session.scalars(query.limit(1)).first()
    if row is None:
        raise Refusal(ctx._("No announcement has been sent yet."))
    counts = batch_counts(ctx.session, ctx.event.id, f"broadcast/{row.id}")
    if not counts.get("pending") and not counts.get("sending"):
        return Reply(reports.broadcast_finished(ctx.translator, row.id, counts))
    return Reply(ctx._("Announcement #{number}: going out.").format(number=row.id) + "\n" + report_line(ctx, counts))


def reminders(ctx: Context, _args: str) -> Reply:
    now = ctx.clock.now()
    lines = [ctx._("Planned next:")]
    coming = upcoming(ctx.event, now, sorted(handled_occurrences(ctx.session, ctx.event.id)))[:8]
    lines += [f"• {moment_label(ctx, o.at)} — {o.key}" for o in coming] or [ctx._("nothing more")]
    lines += ["", ctx._("Recent:")]
    summaries = {s.batch: s for s in batch_summaries(ctx.session, ctx.event.id, 1000)}
    recent = []
    for run in runs(ctx.session, ctx.event.id)[:8]:
        if run.status == "skipped":
            outcome = ctx._("skipped: the bot was not running then, or a later reminder replaced it")
        else:
            found = summaries.get(run.occurrence)
            outcome = report_line(ctx, found.counts if found else {})
        recent.append(f"• {moment_label(ctx, run.due_at)} — {run.occurrence}: {outcome}")
    broadcasts = [s for s in summaries.values() if s.kind == "broadcast"]
    for summary in sorted(broadcasts, key=lambda s: s.first, reverse=True)[:5]:
        recent.append(f"• {moment_label(ctx, summary.first)} — {summary.batch}: {report_line(ctx, summary.counts)}")
    lines += recent or [ctx._("nothing yet")]
    unknown = count_in(ctx.session, ctx.event.id, "unknown")
    if unknown:
        lines += [
            "",
            ctx.ngettext(
                "{n} message is uncertain: it was being sent when the bot stopped, so it may or may not have arrived. "
                "It is not sent again:",
                "{n} messages are uncertain: they were being sent when the bot stopped, so they may or may not have "
                "arrived. They are not sent again:",
                unknown,
            ).format(n=unknown),
        ]
        for row in rows_in(ctx.session, ctx.event.id, "unknown", 10):
            lines.append(f"• {row.platform}:{row.user_id or row.chat_id} — {row.batch}")
    return Reply("\n".join(lines))
