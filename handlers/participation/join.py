"""/join <code>: link this chat identity to the collectivity of an organiser's invitation."""

from __future__ import annotations

from contract.messages import Button, Reply
from handlers.context import Context
from handlers.participation.common import explain, name_of
from handlers.router import Router
from locales import N_
from storage.participation import ParticipationError, join


def register(router: Router) -> None:
    router.command(
        "join", N_("join your collectivity with the invitation code from the organisers"), N_("<code>"), private=True
    )(join_command)


def join_command(ctx: Context, args: str) -> Reply:
    try:
        joined = join(
            ctx.session, event=ctx.event, user=ctx.user, code=args, now=ctx.clock.now(), actor=ctx.incoming.actor
        )
    except ParticipationError as error:
        raise explain(ctx, error) from None
    name = name_of(ctx, joined.collectivity)
    if joined.already:
        return Reply(
            ctx._("You already act for {name}. Send {status} to see where it stands.").format(
                name=name, **ctx.commands("status")
            )
        )
    lines = [
        ctx._("Welcome! You now act for {name}.").format(name=name),
        ctx._("Every contact of your collectivity, on any platform, sees and changes the same answers."),
        "",
    ]
    status = joined.collectivity.status
    if status == "considering":
        lines.append(
            ctx._(
                "Next steps: confirm your participation with {confirm} (or {decline}), then choose two workshops "
                "with {choose}. {status} shows where you stand."
            ).format(**ctx.commands("confirm", "decline", "choose", "status"))
        )
        buttons = ((Button(ctx._("Confirm participation"), "cmd:confirm"), Button(ctx._("Status"), "cmd:status")),)
    else:
        lines.append(
            ctx._("{status} shows where your collectivity stands and what is still to do.").format(
                **ctx.commands("status")
            )
        )
        buttons = ((Button(ctx._("Status"), "cmd:status"), Button(ctx._("Deadlines"), "cmd:deadlines")),)
    return Reply("\n".join(lines), buttons=buttons)
