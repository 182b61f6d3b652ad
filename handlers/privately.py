"""Answers that name a delegation's people, given privately when asked in a group.

`/status`, `/agenda` and `/deadlines` list names, roles and what a collectivity still owes:
asked in a group, the answer is shown to the asker only where the platform can (Slack's ephemeral
messages); elsewhere it goes to the asker's private chat and the group reads a short note, or, when
the bot cannot write to them privately yet, how to open that chat.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from contract.messages import Recipient, Reply
from contract.platforms import platform
from handlers.context import Context

Handler = Callable[[Context, str], Reply | list[Reply]]


def privately_in_groups(name: str, handler: Handler) -> Handler:
    """`handler`, whose answers in a group go to the asker's private chat (command `name`, for the note)."""

    def answer(ctx: Context, args: str) -> Reply | list[Reply]:
        replies = handler(ctx, args)
        if not ctx.incoming.is_group:
            return replies
        return [_to_asker(ctx, name, reply) for reply in ([replies] if isinstance(replies, Reply) else replies)]

    return answer


def _to_asker(ctx: Context, name: str, reply: Reply) -> Reply:
    if reply.to is not None or reply.kind == "refusal":
        return reply
    incoming = ctx.incoming
    if platform(incoming.platform).ephemeral:
        return dataclasses.replace(reply, visibility="asker")
    delivered = Reply(ctx._("I have sent you the answer in a private message."), visibility="asker")
    undelivered = Reply(
        ctx._(
            "This answer names your delegation, so I give it in private, but I cannot write to you yet: "
            "open a private chat with me (tap my name, then Start), then ask {command} again."
        ).format(command=ctx.command(name)),
        visibility="asker",
        kind="refusal",
    )
    return dataclasses.replace(
        reply,
        to=Recipient.person(incoming.platform, incoming.user_id),
        delivered_note=delivered,
        undelivered_note=undelivered,
    )
