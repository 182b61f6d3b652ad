"""The chain every incoming message goes through, whatever the platform.

load the person and their language -> authorise -> route, all in one transaction:
a refusal or an error rolls it back, so the database is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from contract.clock import Clock
from contract.messages import Incoming, Reply
from handlers import build_router
from handlers.context import Context, Refusal
from handlers.limits import admit
from handlers.router import Router
from locales import DEFAULT, Translator, negotiate
from storage.db import make_engine, make_sessionmaker, startup_lock, transaction, upgrade
from storage.event_loader import load_event_file
from storage.models import AdminGrant, ChatUser, Event
from storage.people import granted_organisers, mark_reachable, mark_unreachable, move_channel

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

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one message or button press; never raises."""
        translator = Translator(negotiate(incoming.locale_hint) or DEFAULT)
        try:
            incoming = admit(incoming)
            with transaction(self.sessions) as session:
                ctx = self._context(session, incoming)
                translator = ctx.translator
                replies = self.router.dispatch(ctx)
            self._notify(ctx.signals)
            return replies
        except Refusal as refusal:
            return [refusal.reply()]
        except Exception:
            log.exception("failed to answer %s", incoming.actor)
            return [
                Reply(
                    translator.gettext(
                        "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
                    )
                )
            ]

    def _notify(self, signals: set[str]) -> None:
        """Run the adapters' listeners for what the committed transaction changed."""
        for signal in sorted(signals):
            for listener in self.listeners.get(signal, []):
                try:
                    listener()
                except Exception:
                    log.exception("listener for %s failed", signal)

    def _context(self, session: Session, incoming: Incoming) -> Context:
        who = select(ChatUser).where(ChatUser.platform == incoming.platform, ChatUser.user_id == incoming.user_id)
        user = session.scalars(who).one_or_none()
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
        event = session.get_one(Event, self.event_id)
        return Context(
            session=session,
            clock=self.clock,
            incoming=incoming,
            user=user,
            event=event,
            translator=Translator(locale),
            is_admin=self.is_admin(session, incoming),
            invite_links=self.invite_links,
            organisers=self.settings.admins,
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

    def is_admin(self, session: Session, incoming: Incoming) -> bool:
        """Those in ADMINS organise every event; one named in chat organises the event it was named in."""
        if incoming.actor in self.settings.admins:
            return True
        return session.get(AdminGrant, (self.event_id, incoming.platform, incoming.user_id)) is not None


def platform_language(hint: str | None) -> str | None:
    """The language a platform reports, as stored: 'ja', 'fr' from 'fr-CA', 'de' (kept even if unsupported)."""
    if not hint:
        return None
    base = hint.replace("_", "-").split("-")[0].lower()
    return base[:5] or None
