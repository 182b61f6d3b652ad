"""Who a message comes from, reachability of people and the group chats subscribed to announcements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session, load_only

from storage.catalog import PER_MESSAGE
from storage.limits import fit
from storage.models import AdminGrant, ChannelSubscription, ChatUser, Event, FormState


@dataclass(frozen=True)
class Arrival:
    """What every message needs first: the event row, the person (None at their first message),
    their form in progress in this event, and whether they were named organiser of it."""

    event: Event
    user: ChatUser | None
    form: FormState | None
    granted: bool


_GRANTED = (
    select(AdminGrant.user_id)
    .where(
        AdminGrant.event_id == Event.id,
        AdminGrant.platform == bindparam("platform"),
        AdminGrant.user_id == bindparam("user_id"),
    )
    .exists()
)
# Built once: one statement per message whatever it is, the catalog columns left to storage.catalog.
_ARRIVAL = (
    select(Event, ChatUser, FormState, _GRANTED.label("granted"))
    .select_from(Event)
    .outerjoin(ChatUser, and_(ChatUser.platform == bindparam("platform"), ChatUser.user_id == bindparam("user_id")))
    .outerjoin(FormState, and_(FormState.chat_user_id == ChatUser.id, FormState.event_id == Event.id))
    .where(Event.id == bindparam("event_id"))
    .options(load_only(*PER_MESSAGE))
)


def arrival(session: Session, event_id: int, platform: str, user_id: str) -> Arrival:
    """The event row (its per-message columns), the person, their form and grant, in one statement."""
    row = session.execute(_ARRIVAL, {"event_id": event_id, "platform": platform, "user_id": user_id}).one()
    return Arrival(row[0], row[1], row[2], bool(row[3]))


def mark_unreachable(session: Session, platform: str, chat_id: str, at: dt.datetime) -> int:
    """Record that the platform refused a private message to `chat_id` (the person blocked the bot).

    Returns how many identities were marked; a time already recorded is kept.
    """
    result = session.execute(
        update(ChatUser)
        .where(
            ChatUser.platform == platform,
            or_(ChatUser.private_chat_id == chat_id, ChatUser.user_id == chat_id),
            ChatUser.unreachable_since.is_(None),
        )
        .values(unreachable_since=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark_reachable(session: Session, platform: str, user_id: str) -> int:
    """Forget a recorded block: the person wrote to the bot or unblocked it."""
    result = session.execute(
        update(ChatUser)
        .where(
            ChatUser.platform == platform,
            ChatUser.user_id == user_id,
            ChatUser.unreachable_since.is_not(None),
        )
        .values(unreachable_since=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def granted_organisers(session: Session, event_id: int, platform: str) -> list[str]:
    """User ids of the organisers of event `event_id` named in chat on `platform` (ADMINS holds the others)."""
    query = select(AdminGrant.user_id).where(AdminGrant.event_id == event_id, AdminGrant.platform == platform)
    return list(session.scalars(query))


def channel_subscription(session: Session, event_id: int, platform: str, chat_id: str) -> ChannelSubscription | None:
    """The chat's subscription to event `event_id`, if any."""
    return session.scalars(
        select(ChannelSubscription).where(
            ChannelSubscription.event_id == event_id,
            ChannelSubscription.platform == platform,
            ChannelSubscription.chat_id == chat_id,
        )
    ).one_or_none()


def channel_subscriptions(session: Session, event_id: int, platform: str | None = None) -> list[ChannelSubscription]:
    """The group chats subscribed to event `event_id`, oldest first; only those of `platform` when given."""
    query = (
        select(ChannelSubscription)
        .where(ChannelSubscription.event_id == event_id)
        .order_by(ChannelSubscription.subscribed_at, ChannelSubscription.id)
    )
    if platform is not None:
        query = query.where(ChannelSubscription.platform == platform)
    return list(session.scalars(query))


def subscribe_channel(
    session: Session, *, event_id: int, platform: str, chat_id: str, title: str | None, by: str, at: dt.datetime
) -> ChannelSubscription:
    """Add a subscription row (the caller checked there is none yet)."""
    title = fit(ChannelSubscription.title, title)
    row = ChannelSubscription(
        event_id=event_id, platform=platform, chat_id=chat_id, title=title, subscribed_by=by, subscribed_at=at
    )
    session.add(row)
    session.flush()
    return row


def move_channel(session: Session, platform: str, old_chat_id: str, new_chat_id: str) -> None:
    """Follow a chat that changed id (a Telegram group upgraded to a supergroup), in every event it is subscribed to."""
    rows = session.scalars(
        select(ChannelSubscription).where(
            ChannelSubscription.platform == platform, ChannelSubscription.chat_id == old_chat_id
        )
    )
    for row in list(rows):
        if channel_subscription(session, row.event_id, platform, new_chat_id) is None:
            row.chat_id = new_chat_id
