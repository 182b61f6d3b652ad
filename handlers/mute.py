"""`/mute` and `/unmute`: a contact stops or resumes the deadline nudges the bot sends them on its own."""

from __future__ import annotations

from contract.messages import Reply
from handlers.context import Context
from handlers.router import Router
from locales import N_


def register(router: Router) -> None:
    router.command("mute", N_("stop the deadline reminders I send you"), private=True)(mute)
    router.command("unmute", N_("receive the deadline reminders again"), private=True)(unmute)


def mute(ctx: Context, _args: str) -> Reply:
    if ctx.user.nudges_muted_at is None:
        ctx.user.nudges_muted_at = ctx.clock.now()
    return Reply(
        ctx._(
            "I will not send you deadline reminders any more. The organisers' announcements still reach you. "
            "{unmute} turns the reminders back on."
        ).format(**ctx.commands("unmute"))
    )


def unmute(ctx: Context, _args: str) -> Reply:
    ctx.user.nudges_muted_at = None
    return Reply(ctx._("I will send you the deadline reminders again."))


def muted_line(ctx: Context) -> str | None:
    """What /status says of a muted person, if they are."""
    if ctx.user.nudges_muted_at is None:
        return None
    return ctx._("Deadline reminders: muted ({unmute} to receive them again).").format(**ctx.commands("unmute"))
