"""What a handler is given: the session, the clock, the person, the event, their language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from contract.clock import Clock
from contract.messages import Button, Incoming, Reply, TypedNumbers
from contract.platforms import platform
from locales import Translator
from storage.models import ChatUser, Event, FormState

# A signal for adapters: who the organisers are changed (Telegram shows them another command menu).
ORGANISERS_CHANGED = "organisers-changed"


class Refusal(Exception):
    """A request the bot declines; the message is already in the user's language.

    Raising it rolls back the whole transaction, so a refused command changes nothing.
    """

    def __init__(
        self, message: str, buttons: tuple[tuple[Button, ...], ...] = (), numbers: TypedNumbers = "position"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.buttons = buttons
        # How the buttons are numbered on the console, as in Reply.numbers.
        self.numbers: TypedNumbers = numbers

    @classmethod
    def again(cls, message: str, question: Reply) -> Refusal:
        """`message`, then the question asked again with its buttons (nothing is written)."""
        text = f"{message}\n\n{question.text}" if message else question.text
        return cls(text, question.buttons, question.numbers)

    def reply(self) -> Reply:
        return Reply(self.message, buttons=self.buttons, numbers=self.numbers, kind="refusal", visibility="asker")


class FormOutdated(Exception):
    """The form in progress names something the event no longer has (an option or workshop removed)."""


@dataclass
class Context:
    session: Session
    clock: Clock
    incoming: Incoming
    user: ChatUser
    event: Event
    translator: Translator
    is_admin: bool
    invite_links: Mapping[str, Callable[[str], str]] = field(default_factory=dict)
    # What this message changed that adapters may care about once it is committed ("organisers-changed").
    signals: set[str] = field(default_factory=set)
    # The organisers of every event (ADMINS: "platform:user_id"); those named in chat are AdminGrant rows.
    organisers: frozenset[str] = frozenset()
    # The person had no form in progress when the message arrived (read with them, bot/core.py).
    form_absent: bool = False

    @property
    def locale(self) -> str:
        return self.translator.locale

    def _(self, message: str) -> str:
        return self.translator.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translator.ngettext(singular, plural, n)

    def text(self, value: Mapping[str, Any] | None) -> str:
        """An event text ({"fr": …, "ja": …, "en": …}) in the reader's language, with fallbacks."""
        if not value:
            return ""
        for locale in (self.locale, "en", "fr", "ja"):
            if value.get(locale):
                return str(value[locale])
        return ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.event.timezone)

    def now(self) -> dt.datetime:
        """The clock's instant in the event's time zone."""
        return self.clock.now().astimezone(self.zone)

    def form_state(self) -> FormState | None:
        """The form this person has in progress in this event, if any (one in another edition is not seen)."""
        key = (self.user.id, self.event.id)
        if self.form_absent and not self._form_started(key):
            return None
        return self.session.get(FormState, key)

    def _form_started(self, key: tuple[int, int]) -> bool:
        """Whether this message began a form: one added to the session, pending or flushed."""
        if identity_key(FormState, key) in self.session.identity_map:
            return True
        return any(isinstance(row, FormState) for row in self.session.new)

    def command(self, name: str, args: str = "") -> str:
        """Command `name` as the asker types it on their platform: `/choose`, `/rencontres choose`."""
        return platform(self.incoming.platform).command(name, args)

    def commands(self, *names: str) -> dict[str, str]:
        """Placeholders for a message naming commands: `ctx._("… {choose} …").format(**ctx.commands("choose"))`."""
        return {name: self.command(name) for name in names}

    def join_links(self, code: str) -> dict[str, str]:
        """One-tap join links for an invite code, on the platforms that have them."""
        return {platform: make(code) for platform, make in self.invite_links.items()}
