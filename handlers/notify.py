"""Messages to the organisers, each in their own language, in their private chat on their platform."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from contract.messages import Recipient, Reply
from contract.platforms import platform
from handlers.context import Context
from locales import DEFAULT, Translator, negotiate
from storage.models import AdminGrant, ChatUser

# Given the organiser's translator and their platform's command spelling, the message.
Write = Callable[[Translator, Callable[..., str]], str]


def organiser_actors(ctx: Context) -> list[str]:
    """Every organiser of the event served ("platform:user_id"), but the person asking."""
    grants = ctx.session.scalars(select(AdminGrant).where(AdminGrant.event_id == ctx.event.id))
    actors = set(ctx.organisers) | {f"{g.platform}:{g.user_id}" for g in grants}
    actors.discard(ctx.incoming.actor)
    return sorted(actors)


def to_organisers(ctx: Context, write: Write) -> list[Reply]:
    """One message per organiser, written by `write` in the organiser's language."""
    replies = []
    for actor in organiser_actors(ctx):
        key, _, user_id = actor.partition(":")
        if not user_id:
            continue
        user = ctx.session.scalars(
            select(ChatUser).where(ChatUser.platform == key, ChatUser.user_id == user_id)
        ).one_or_none()
        locale = (user.locale or negotiate(user.platform_locale)) if user is not None else None
        text = write(Translator(locale or DEFAULT), platform(key).command)
        replies.append(Reply(text, to=Recipient.person(key, user_id)))
    return replies
