"""Group chats that receive the current event's reminders and announcements: subscribe, unsubscribe, list."""

from __future__ import annotations

from contract.messages import Reply
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_
from storage import audit
from storage.models import ChannelSubscription
from storage.people import channel_subscription, channel_subscriptions, subscribe_channel

# The console has no groups: its one chat stands for a group, so organisers can rehearse.
REHEARSAL_PLATFORM = "console"


def register(router: Router) -> None:
    router.admin_command("subscribe", N_("send reminders and announcements to this group"))(subscribe)
    router.admin_command("unsubscribe", N_("stop reminders and announcements in this group"), N_("[chat]"))(unsubscribe)
    router.admin_command("channels", N_("the group chats that receive reminders and announcements"))(channels)


def chat_label(platform: str, chat_id: str) -> str:
    """How a chat is named in lists and in `/admin unsubscribe <chat>`."""
    return f"{platform}:{chat_id}"


def subscribe(ctx: Context, _args: str) -> Reply:
    incoming = ctx.incoming
    if not incoming.is_group and incoming.platform != REHEARSAL_PLATFORM:
        raise Refusal(
            ctx._(
                "Please send {admin} subscribe in the group that should receive the reminders and announcements: "
                "a private chat cannot be subscribed."
            ).format(**ctx.commands("admin"))
        )
    if channel_subscription(ctx.session, ctx.event.id, incoming.platform, incoming.chat_id) is not None:
        return Reply(ctx._("This chat already receives the reminders and announcements."))
    row = subscribe_channel(
        ctx.session,
        event_id=ctx.event.id,
        platform=incoming.platform,
        chat_id=incoming.chat_id,
        title=incoming.chat_title,
        by=incoming.actor,
        at=ctx.clock.now(),
    )
    audit.record(
        ctx.session,
        event_id=ctx.event.id,
        at=ctx.clock.now(),
        actor=incoming.actor,
        action="channel.subscribe",
        target=chat_label(row.platform, row.chat_id),
        after={"platform": row.platform, "chat_id": row.chat_id},
    )
    return Reply(
        ctx._(
            "This chat now receives the reminders and announcements, in French and in Japanese. "
            "To stop them, send {admin} unsubscribe here."
        ).format(**ctx.commands("admin"))
    )


def unsubscribe(ctx: Context, args: str) -> Reply:
    target = args.strip()
    if target:
        platform, sep, chat_id = target.partition(":")
        row = channel_subscription(ctx.session, ctx.event.id, platform, chat_id) if sep else None
        if row is None:
            raise Refusal(
                ctx._("{chat} is not among the subscribed chats. Send {admin} channels to see them.").format(
                    chat=target, **ctx.commands("admin")
                )
            )
    else:
        row = channel_subscription(ctx.session, ctx.event.id, ctx.incoming.platform, ctx.incoming.chat_id)
        if row is None:
            raise Refusal(ctx._("This chat is not subscribed, so there is nothing to stop."))
    label = chat_label(row.platform, row.chat_id)
    audit.record(
        ctx.session,
        event_id=ctx.event.id,
        at=ctx.clock.now(),
        actor=ctx.incoming.actor,
        action="channel.unsubscribe",
        target=label,
        before={"platform": row.platform, "chat_id": row.chat_id, "subscribed_by": row.subscribed_by},
    )
    ctx.session.delete(row)
    if target:
        return Reply(ctx._("{chat} no longer receives the reminders and announcements.").format(chat=label))
    return Reply(ctx._("This chat no longer receives the reminders and announcements."))


def channels(ctx: Context, _args: str) -> Reply:
    rows = channel_subscriptions(ctx.session, ctx.event.id)
    if not rows:
        return Reply(
            ctx._("No chat receives the reminders and announcements yet. Send {admin} subscribe in a group.").format(
                **ctx.commands("admin")
            )
        )
    lines = [
        ctx.ngettext(
            "{count} chat receives the reminders and announcements:",
            "{count} chats receive the reminders and announcements:",
            len(rows),
        ).format(count=len(rows))
    ]
    lines += [describe(ctx, row) for row in rows]
    return Reply("\n".join(lines))


def describe(ctx: Context, row: ChannelSubscription) -> str:
    day = ctx.translator.listed_date(row.subscribed_at.astimezone(ctx.zone).date())
    line = ctx._("{chat} — subscribed by {who} on {date}").format(
        chat=chat_label(row.platform, row.chat_id), who=row.subscribed_by, date=day
    )
    if not row.title:
        return f"• {line}"
    return f"• {row.title}（{line}）" if ctx.locale == "ja" else f"• {row.title} ({line})"
