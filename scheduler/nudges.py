"""What a reminder says: the private nudge in the recipient's language, and the bilingual group message.

Each function returns a neutral Reply addressed to its recipient (contract.messages); the dispatcher hands
it to the platform's sender. Wording rules are in docs/reminders.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name

from contract.messages import Button, Recipient, Reply
from contract.platforms import platform
from handlers.participation.common import cut_at_word
from locales import Translator, negotiate
from scheduler.planning import COUNTRY_SIDE, Occurrence, Settings, Side
from storage.models import ChatUser, Collectivity, Deadline, Event, Task
from storage.pending import Reader

# The command that does each kind of task the bot sees by itself, and the button that starts it.
CHECK_COMMANDS = {
    "confirmation": "confirm",
    "delegation": "confirm",
    "workshop_choices": "choose",
    "abstract": "abstract",
}
# Where a button's label is cut (Telegram shows about this much on a phone).
BUTTON_LABEL_CHARS = 36
# Group channels read French then Japanese (docs/reminders.md).
GROUP_LOCALES = ("fr", "ja")


def text_in(value: Mapping[str, Any] | None, locale: str) -> str:
    """An event text in `locale`, else English, French, Japanese (as handlers' ctx.text)."""
    if not value:
        return ""
    for candidate in (locale, "en", "fr", "ja"):
        if value.get(candidate):
            return str(value[candidate])
    return ""


def recipient_locale(user: ChatUser | Reader, collectivity: Collectivity) -> str:
    """The language to write to a person in: chosen with /lang, else reported by the platform, else their country's."""
    return (
        negotiate(user.locale)
        or negotiate(user.platform_locale)
        or ("ja" if COUNTRY_SIDE.get(collectivity.country) == "ja" else "fr")
    )


def zone_name(zone: ZoneInfo, translator: Translator) -> str:
    """A zone as people say it, whatever the season: « heure d'Europe centrale », 「日本時間」."""
    return str(get_timezone_name(zone, "long", locale=translator.locale, zone_variant="generic"))


def _event_name(event: Event, locale: str) -> str:
    return text_in(event.info.get("short_name") or event.info.get("name"), locale)


def _when_lines(tr: Translator, event: Event, deadline: Deadline, occurrence: Occurrence, zone: ZoneInfo) -> list[str]:
    """When it is due, in the event's time zone and, when its clock differs, in the recipient's."""
    event_zone = ZoneInfo(event.timezone)
    # The last minute of the due day (it closes at the next midnight): "23:59", not "00:00 the next day".
    last = occurrence.closes_at - dt.timedelta(minutes=1)
    there = last.astimezone(event_zone)
    lines = [
        tr.gettext("Due by {time} on {day} ({zone}).").format(
            time=tr.time(there), day=tr.day(deadline.due), zone=zone_name(event_zone, tr)
        )
    ]
    here = last.astimezone(zone)
    if here.utcoffset() != there.utcoffset():
        lines.append(
            tr.gettext("Your time ({zone}): until {time} on {date}.").format(
                date=tr.date(here.date()), time=tr.time(here), zone=zone_name(zone, tr)
            )
        )
    return lines


def _task_line(tr: Translator, task: Task, platform_key: str) -> str:
    title = text_in(task.title, tr.locale)
    spell = platform(platform_key).command
    if task.check == "manual":
        how = tr.gettext("once it is done, tell me with {command}").format(command=spell("done", task.key))
    else:
        how = tr.gettext("with {command}").format(command=spell(CHECK_COMMANDS.get(task.check, "status")))
    return "• " + tr.gettext("{task} — {how}").format(task=title, how=how)


def _task_button(tr: Translator, task: Task) -> Button:
    if task.check == "manual":
        label = tr.gettext("Done: {task}").format(task=text_in(task.title, tr.locale))
        return Button(cut_at_word(label, BUTTON_LABEL_CHARS), f"done:{task.key}")
    labels = {
        "confirm": tr.gettext("Confirm participation"),
        "choose": tr.gettext("Choose workshops"),
        "abstract": tr.gettext("Write the abstract"),
    }
    command = CHECK_COMMANDS.get(task.check, "status")
    return Button(labels.get(command, tr.gettext("Status")), f"cmd:{command}")


def _headline(tr: Translator, event: Event, deadline: Deadline, occurrence: Occurrence, written: dt.datetime) -> str:
    title = text_in(deadline.title, tr.locale)
    if occurrence.days_before == 0:
        line = tr.gettext("Reminder: today, {date}, is the last day for “{title}”.")
    else:
        line = tr.gettext("Reminder: “{title}” is due on {date} ({left}).")
    left = tr.gettext("{delay} left").format(delay=tr.duration(occurrence.closes_at - written))
    return f"{_event_name(event, tr.locale)} — " + line.format(title=title, date=tr.date(deadline.due), left=left)


class OccurrenceTexts:
    """The messages of one occurrence, each part written once and reused for every contact it fits.

    Only the collectivity's name is the contact's own; the rest depends on the language, the side (its zone),
    the platform (how commands are spelled) and the tasks missing, and an occurrence has few of each.
    `written`: when they are written (after down-time, later than the occurrence): the time left counts from it.
    """

    def __init__(
        self,
        event: Event,
        deadline: Deadline,
        occurrence: Occurrence,
        settings: Settings,
        written: dt.datetime | None = None,
    ) -> None:
        self.event, self.deadline, self.occurrence, self.settings = event, deadline, occurrence, settings
        self.written = max(written or occurrence.at, occurrence.at)
        self._tasks = {task.key: task for task in event.tasks}
        self._translators: dict[str, Translator] = {}
        self._heads: dict[tuple[str, str], str] = {}
        self._tails: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[tuple[Button, ...], ...]]] = {}
        self._announcements: dict[str, str] = {}

    def _translator(self, locale: str) -> Translator:
        found = self._translators.get(locale)
        if found is None:
            found = self._translators[locale] = Translator(locale)
        return found

    def nudge(self, collectivity: Collectivity, missing: tuple[str, ...], user: ChatUser | Reader) -> Reply:
        """The private reminder to one contact: what is due, when, what their collectivity still lacks, how to do it."""
        tr = self._translator(recipient_locale(user, collectivity))
        head = self._head(tr, COUNTRY_SIDE.get(collectivity.country, "fr"))
        tail, buttons = self._tail(tr, user.platform, missing)
        name = tr.gettext("Still to do for {name}:").format(name=collectivity.name(tr.locale))
        text = f"{head}\n{name}\n{tail}"
        return Reply(text, buttons=buttons, to=Recipient.person(user.platform, user.user_id), numbers="label")

    def _head(self, tr: Translator, side: Side) -> str:
        """The lines before the collectivity's name: what is due, when (in the side's zone), to whom."""
        found = self._heads.get((tr.locale, side))
        if found is None:
            lines = [_headline(tr, self.event, self.deadline, self.occurrence, self.written)]
            lines += _when_lines(tr, self.event, self.deadline, self.occurrence, self.settings.hours[side].zone)
            if self.deadline.to:
                lines.append(tr.gettext("To: {to}").format(to=text_in(self.deadline.to, tr.locale)))
            found = self._heads[(tr.locale, side)] = "\n".join([*lines, ""])
        return found

    def _tail(
        self, tr: Translator, platform_key: str, missing: tuple[str, ...]
    ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """The lines after the collectivity's name (its tasks, how to see the rest) and the buttons."""
        key = (tr.locale, platform_key, missing)
        found = self._tails.get(key)
        if found is None:
            todo = [self._tasks[task] for task in missing if task in self._tasks]
            lines = [_task_line(tr, task, platform_key) for task in todo]
            lines += [
                "",
                tr.gettext("{command} shows everything your collectivity still has to do.").format(
                    command=platform(platform_key).command("status")
                ),
            ]
            buttons = tuple((_task_button(tr, task),) for task in _distinct_buttons(todo))
            found = self._tails[key] = ("\n".join(lines), buttons)
        return found

    def announcement(self, collectivity: Collectivity, user: ChatUser | Reader) -> Reply:
        """An informational deadline (no task) announced to a contact on the day it opens."""
        tr = self._translator(recipient_locale(user, collectivity))
        text = self._announcements.get(tr.locale)
        if text is None:
            text = self._announcements[tr.locale] = _announcement_text(tr, self.event, self.deadline)
        return Reply(text, to=Recipient.person(user.platform, user.user_id))


def _distinct_buttons(tasks: list[Task]) -> list[Task]:
    """One button per command: confirmation and delegation are both done with /confirm."""
    seen: set[str] = set()
    kept = []
    for task in tasks:
        key = task.key if task.check == "manual" else CHECK_COMMANDS.get(task.check, "status")
        if key not in seen:
            seen.add(key)
            kept.append(task)
    return kept


def _announcement_text(tr: Translator, event: Event, deadline: Deadline) -> str:
    lines = [_announcement_line(tr, event, deadline)]
    if deadline.to:
        lines.append(tr.gettext("To: {to}").format(to=text_in(deadline.to, tr.locale)))
    lines.append(tr.gettext("For information: there is nothing to mark in the bot."))
    return "\n".join(lines)


def _announcement_line(tr: Translator, event: Event, deadline: Deadline) -> str:
    line = tr.gettext("For your information: {title}, from today, {date}.")
    title = text_in(deadline.title, tr.locale)
    return f"{_event_name(event, tr.locale)} — " + line.format(title=title, date=tr.date(deadline.due))


def group_message(
    event: Event,
    deadline: Deadline,
    occurrence: Occurrence,
    pending: int,
    channel: Recipient,
    written: dt.datetime | None = None,
) -> Reply:
    """One message for a subscribed group: French, then Japanese; how many collectivities still have it to do."""
    blocks = []
    for locale in GROUP_LOCALES:
        tr = Translator(locale)
        if occurrence.informational:
            blocks.append(_announcement_line(tr, event, deadline))
            continue
        lines = [_headline(tr, event, deadline, occurrence, max(written or occurrence.at, occurrence.at))]
        if pending:
            count = tr.ngettext(
                "{n} collectivity still has to do it.", "{n} collectivities still have to do it.", pending
            )
            lines.append(count.format(n=pending))
        else:
            lines.append(tr.gettext("Every collectivity concerned has done it."))
        lines.append(
            tr.gettext("Contacts: send {command} to the bot in a private chat to see what is left for you.").format(
                command=platform(channel.platform).command("status")
            )
        )
        blocks.append("\n".join(lines))
    return Reply("\n\n".join(blocks), to=channel)


@dataclass(frozen=True)
class Outgoing:
    """One message of one occurrence to one recipient: what the outbox stores, under a key unique to both."""

    key: str
    occurrence: Occurrence
    reply: Reply
    # Not before this instant (the occurrence's); not after the deadline closes (then it is skipped).
    not_before: dt.datetime
    expires_at: dt.datetime

    @classmethod
    def of(cls, event: Event, occurrence: Occurrence, reply: Reply) -> Outgoing:
        recipient = reply.to
        if recipient is None:
            raise ValueError("a reminder is addressed to a person or a chat")
        who = f"user:{recipient.user_id}" if recipient.is_person else f"chat:{recipient.chat_id}"
        key = f"{event.key}/{occurrence.key}/{recipient.platform}/{who}"
        return cls(key, occurrence, reply, occurrence.at, occurrence.closes_at)
