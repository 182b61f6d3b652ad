"""The chain every incoming message goes through, whatever the platform.

load the person and their language -> authorise -> route, all in one transaction:
a refusal or an error rolls it back, so the database is unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.inbox import InboxItem
from contract.clock import Clock
from contract.messages import Incoming, Reply
from contract.serial import reply_from_json, reply_to_json
from handlers import build_router
from handlers.context import Context, Refusal
from handlers.limits import admit
from handlers.router import Router
from locales import DEFAULT, SUPPORTED, Translator, negotiate
from storage.catalog import EventCatalog
from storage.db import WriteInReadTransaction, make_engine, make_sessionmaker, startup_lock, transaction, upgrade
from storage.event_loader import load_event_file
from storage.exports import pick
from storage.inbox import (
    handled_replies,
    mark_all_done,
    mark_failed,
    mark_handled,
    pending_updates,
    prune_done,
    record_updates,
)
from storage.models import ChatUser, Collectivity, Contact, Event
from storage.participation import collectivity_of
from storage.people import arrival, granted_organisers, mark_reachable, mark_unreachable, move_channel

log = logging.getLogger(__name__)


@dataclass
class BotCore:
    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings
    event_id: int
    router: Router
    # Platform -> function making a one-tap join link from an invite code (Telegram's deep links).
    invite_links: dict[str, Callable[[str], str]] = field(default_factory=dict)
    # Signal (e.g. "organisers-changed") -> what adapters want done once such a change is committed.
    listeners: dict[str, list[Callable[[], None]]] = field(default_factory=dict)
    # Told after a committed message that wrote something: (platform, user_id) of each contact of the
    # asker's collectivity and of those the message changed, whose view of it may have changed (Slack's
    # App Home is published again).
    people_listeners: list[Callable[[list[tuple[str, str]]], None]] = field(default_factory=list)
    # Answers an organisers' heavy command elsewhere (bot/workers.py, in `run`), or None to answer it here.
    heavy: Callable[[Incoming, int | None], list[Reply] | None] | None = None
    # The served event's catalog, kept between messages while the event row's revision is unchanged.
    catalog: EventCatalog = field(default_factory=EventCatalog)

    @classmethod
    def start(cls, settings: Settings, clock: Clock, engine: Engine | None = None) -> BotCore:
        """Migrate the database, load the event file, and assemble the core."""
        engine = engine or make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
        with startup_lock(engine):
            upgrade(engine)
            with transaction(sessions) as session:
                event = load_event_file(session, settings.event_file, clock.now())
                event_id = event.id
        return cls(sessions, clock, settings, event_id, build_router())

    def handle(self, incoming: Incoming, *, inbox_row: int | None = None) -> list[Reply]:
        """Answer one message or button press; never raises.

        `inbox_row`: the inbox row it came from, marked handled with the replies in the same
        transaction as the answer, so a crash before they are sent resends them, never answers twice.
        """
        translator = Translator(negotiate(incoming.locale_hint) or DEFAULT)
        try:
            incoming = admit(incoming)
            if self.heavy is not None and self.router.is_heavy(incoming):
                answered = self.heavy(incoming, inbox_row)
                if answered is not None:
                    return answered
            # A command that only reads runs in a read transaction (on SQLite it takes no write lock, so a slow
            # export holds up nobody); if it must write after all (a new person's first message), it runs again.
            reads = self.router.reads_only(incoming)
            while True:
                try:
                    with transaction(self.sessions, read_only=reads) as session:
                        writes = _watch_writes(session)
                        ctx = self._context(session, incoming)
                        translator = ctx.translator
                        replies = self.router.dispatch(ctx)
                        people = (
                            self._contacts(ctx, writes.collectivities) if writes.any and self.people_listeners else []
                        )
                        if inbox_row is not None and not reads and not self._keep(session, inbox_row, replies):
                            raise _AlreadyHandled
                    break
                except WriteInReadTransaction:
                    reads = False
            if inbox_row is not None and reads:
                # The read's answer is kept like any other, in a short write transaction of its own.
                with transaction(self.sessions) as session:
                    if not self._keep(session, inbox_row, replies):
                        raise _AlreadyHandled
            self._notify(ctx.signals)
            self._notify_people(people)
            return replies
        except _AlreadyHandled:
            # Another instance answered this update meanwhile: its answer stands, this one is rolled back.
            return self._handled_replies(inbox_row)
        except Refusal as refusal:
            replies = [refusal.reply()]
        except Exception:
            log.exception("failed to answer %s", incoming.actor)
            replies = [
                Reply(
                    translator.gettext(
                        "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
                    )
                )
            ]
        if inbox_row is not None:
            # Nothing was changed: keeping the sentence only spares asking again after a restart.
            with transaction(self.sessions) as session:
                self._keep(session, inbox_row, replies)
        return replies

    def _keep(self, session: Session, inbox_row: int, replies: list[Reply]) -> bool:
        """Mark the inbox row handled with its replies; False if another instance handled it first."""
        return mark_handled(session, inbox_row, _stored(replies), self.clock.now())

    # -- the inbox (bot/inbox.py): every platform's updates, recorded before they are acknowledged -----

    def record_updates(self, platform: str, updates: Sequence[tuple[str, str, dict[str, Any]]]) -> list[InboxItem]:
        """Record (update id, chat key, payload)s in one transaction; the new ones, duplicates left out."""
        with transaction(self.sessions) as session:
            recorded = record_updates(session, platform=platform, updates=updates, at=self.clock.now())
        # In the order given; a second copy of an id within `updates` is a duplicate too.
        return [
            InboxItem(recorded.pop(update_id), chat_key, payload)
            for update_id, chat_key, payload in updates
            if update_id in recorded
        ]

    def pending_updates(self, platform: str) -> list[InboxItem]:
        """What was recorded and not done, oldest first, with the replies of those already handled."""
        with transaction(self.sessions) as session:
            return [
                InboxItem(
                    row.id, row.chat_key, row.payload, _restored(row.replies) if row.status == "handled" else None
                )
                for row in pending_updates(session, platform, limit=100_000)
            ]

    def finish_update(self, row_id: int, error: str | None = None) -> None:
        """The update is processed and its replies sent (or it failed: kept with the error)."""
        self.finish_updates([(row_id, error)])

    def finish_updates(self, rows: Sequence[tuple[int, str | None]]) -> None:
        """Several updates processed (row id, error or None), in one transaction."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            mark_all_done(session, [row_id for row_id, error in rows if error is None], now)
            for row_id, error in rows:
                if error is not None:
                    mark_failed(session, row_id, now, error)

    def prune_inbox(self, keep: dt.timedelta) -> int:
        """Forget processed updates received more than `keep` ago."""
        with transaction(self.sessions) as session:
            return prune_done(session, self.clock.now() - keep)

    def _handled_replies(self, row_id: int | None) -> list[Reply]:
        if row_id is None:
            return []
        with transaction(self.sessions) as session:
            stored = handled_replies(session, row_id)
        return list(_restored(stored) or ())

    def _notify(self, signals: set[str]) -> None:
        """Run the adapters' listeners for what the committed transaction changed."""
        for signal in sorted(signals):
            for listener in self.listeners.get(signal, []):
                try:
                    listener()
                except Exception:
                    log.exception("listener for %s failed", signal)

    def _contacts(self, ctx: Context, touched: set[int]) -> list[tuple[str, str]]:
        """Every contact of the asker's collectivity and of those the message changed (an organiser's
        edit), the asker included, as (platform, user_id)."""
        ctx.session.flush()
        collectivity = collectivity_of(ctx.session, ctx.event, ctx.user)
        ids = touched | ({collectivity.id} if collectivity is not None else set())
        if not ids:
            return []
        rows = ctx.session.execute(
            select(ChatUser.platform, ChatUser.user_id)
            .join(Contact, Contact.chat_user_id == ChatUser.id)
            .where(Contact.collectivity_id.in_(sorted(ids)))
        )
        return sorted((platform, user_id) for platform, user_id in rows)

    def _notify_people(self, people: list[tuple[str, str]]) -> None:
        if not people:
            return
        for listener in self.people_listeners:
            try:
                listener(people)
            except Exception:
                log.exception("listener for changed people failed")

    def _context(self, session: Session, incoming: Incoming) -> Context:
        found = arrival(session, self.event_id, incoming.platform, incoming.user_id)
        user = found.user
        if user is None:
            try:
                with session.begin_nested():
                    user = ChatUser(
                        platform=incoming.platform,
                        user_id=incoming.user_id,
                        display_name=incoming.display_name,
                        created_at=self.clock.now(),
                    )
                    session.add(user)
            except IntegrityError:
                # Another instance recorded this person's first message at the same moment: use its row.
                who = select(ChatUser).where(
                    ChatUser.platform == incoming.platform, ChatUser.user_id == incoming.user_id
                )
                user = session.scalars(who).one()
        if not incoming.is_group:
            if user.private_chat_id != incoming.chat_id:
                user.private_chat_id = incoming.chat_id
            # Whoever writes to the bot privately can be written to again (they unblocked it).
            if user.unreachable_since is not None:
                user.unreachable_since = None
        reported = platform_language(incoming.locale_hint)
        if reported is not None and user.platform_locale != reported:
            user.platform_locale = reported
        # Chosen with /lang -> the platform's stored language -> this message's hint -> French.
        locale = user.locale or negotiate(user.platform_locale) or negotiate(incoming.locale_hint) or DEFAULT
        is_admin = self.is_admin(incoming, granted=found.granted)
        # An organiser's commands may edit the catalog: theirs is read in their own session.
        self.catalog.fill(session, found.event, collections=not is_admin)
        return Context(
            session=session,
            clock=self.clock,
            incoming=incoming,
            user=user,
            event=found.event,
            translator=Translator(locale),
            is_admin=is_admin,
            invite_links=self.invite_links,
            organisers=self.settings.admins,
            # Read with the person: asking again would be a statement per message for nothing.
            form_absent=found.form is None,
        )

    # -- platform events that change state: each its own transaction ---------------------------

    def person_blocked(self, platform: str, chat_id: str) -> None:
        """The platform says this person blocked the bot (`chat_id`: their private chat or user id)."""
        with transaction(self.sessions) as session:
            mark_unreachable(session, platform, chat_id, self.clock.now())

    def person_unblocked(self, platform: str, user_id: str) -> None:
        """The person unblocked the bot: they can be written to again."""
        with transaction(self.sessions) as session:
            mark_reachable(session, platform, user_id)

    def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A chat changed id (a Telegram group became a supergroup): its subscription follows it."""
        with transaction(self.sessions) as session:
            move_channel(session, platform, old_chat_id, new_chat_id)

    def organisers(self, platform: str) -> list[str]:
        """User ids of every organiser on `platform` (ADMINS and those named in chat), for their menu."""
        prefix = f"{platform}:"
        ids = {actor.removeprefix(prefix) for actor in self.settings.admins if actor.startswith(prefix)}
        with transaction(self.sessions) as session:
            ids.update(granted_organisers(session, self.event_id, platform))
        return sorted(ids)

    def event_names(self) -> dict[str, tuple[str, str]]:
        """The served event's name and short name in each language, as loaded (a bot's description)."""
        with transaction(self.sessions) as session:
            info = session.get_one(Event, self.event_id).info
        names = {}
        for locale in SUPPORTED:
            name = pick(info.get("name"), locale)
            names[locale] = (name, pick(info.get("short_name"), locale) or name)
        return names

    def is_admin(self, incoming: Incoming, *, granted: bool) -> bool:
        """Those in ADMINS organise every event; one named in chat (`granted`) organises the event it was named in."""
        return granted or incoming.actor in self.settings.admins


class _AlreadyHandled(Exception):
    """Rolls back an answer to an inbox row another instance handled first."""


def _stored(replies: list[Reply]) -> list[Any]:
    return [reply_to_json(reply) for reply in replies]


def _restored(stored: list[Any] | None) -> tuple[Reply, ...] | None:
    return None if stored is None else tuple(reply_from_json(item) for item in stored)


def platform_language(hint: str | None) -> str | None:
    """The language a platform reports, as stored: 'ja', 'fr' from 'fr-CA', 'de' (kept even if unsupported)."""
    if not hint:
        return None
    base = hint.replace("_", "-").split("-")[0].lower()
    return base[:5] or None


@dataclass
class _Writes:
    """What a message's transaction wrote: anything at all, and which collectivities' rows."""

    any: bool = False
    collectivities: set[int] = field(default_factory=set)


def _watch_writes(session: Session) -> _Writes:
    writes = _Writes()

    def flushed(flushing: Session, _context: object) -> None:
        writes.any = True
        for row in (*flushing.new, *flushing.dirty, *flushing.deleted):
            touched = row.id if isinstance(row, Collectivity) else getattr(row, "collectivity_id", None)
            if isinstance(touched, int):
                writes.collectivities.add(touched)

    event.listen(session, "after_flush", flushed)
    return writes
