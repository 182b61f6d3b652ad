"""`/admin audit`: the audit log read as sentences in the organiser's language.

The rows keep their JSON (before/after); this module only words them: who (with the
person's display name when known), when (the event's time zone, the reader's date
format), what, and before → after summarised for each kind of change it knows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select

from contract.messages import Reply
from contract.numbers import parse_int
from handlers.admin.common import bracketed, country_label, date_label, moment_label, slot_label, status_label, yes_no
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_
from storage.audit import latest_entries
from storage.models import AuditEntry, ChatUser, Collectivity

AUDIT_DEFAULT = 20
AUDIT_MAX = 100
# A balancing moves many collectivities; the message lists this many moves, then counts the rest.
MOVES_SHOWN = 10
VALUE_MAX = 120
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")

# The names of the fields the log keeps, as column headers.
FIELD_LABELS = {
    "name_fr": N_("Name (French)"),
    "name_ja": N_("Name (Japanese)"),
    "country": N_("Country"),
    "kind": N_("Kind"),
    "status": N_("Status"),
    "steering_group": N_("Steering committee"),
    "delegation_size": N_("Delegation"),
    "delegates": N_("Delegates"),
    "options": N_("Options"),
    "choices": N_("Workshop choices"),
    "workshops": N_("Workshop choices"),
    "slot": N_("Slot"),
    "room": N_("Room"),
    "capacity": N_("Capacity"),
    "due": N_("Date"),
    "code": N_("Code"),
    "expires_at": N_("Valid until"),
    "max_uses": N_("Uses allowed"),
    "uses": N_("Uses"),
    "revoked": N_("Revoked"),
    "lead_volunteer": N_("Lead volunteer"),
    "workshop": N_("Workshop"),
    "title": N_("Abstract title"),
    "summary_fr": N_("Summary (French)"),
    "summary_ja": N_("Summary (Japanese)"),
    "speaker": N_("Speaker"),
    "copied": N_("Collectivities copied"),
    "skipped": N_("Collectivities already there"),
    "contacts": N_("Contacts copied"),
    "partner": N_("Partner"),
    "chat_user": N_("Contact"),
    "task": N_("Task"),
    "done": N_("Done"),
    "admin": N_("Organiser"),
    "granted_by": N_("Named by"),
    "locked": N_("Choices locked"),
    "count": N_("Number"),
    "names": N_("Names"),
    "platform": N_("Platform"),
    "chat_id": N_("Chat"),
    "subscribed_by": N_("Subscribed by"),
}
# What each kind of change is called; {target} is the collectivity, workshop, person or chat.
HEADLINES = {
    "collectivity.add": N_("Collectivity added: {target}"),
    "collectivity.edit": N_("Collectivity changed: {target}"),
    "collectivity.remove": N_("Collectivity removed: {target}"),
    "collectivity.confirm": N_("Participation confirmed: {target}"),
    "collectivity.decline": N_("Participation declined: {target}"),
    "collectivity.lead_volunteer": N_("Workshop lead volunteering changed: {target}"),
    "collectivity.options": N_("Options changed: {target}"),
    "options.replace": N_("Options changed: {target}"),
    "options.set": N_("Options changed: {target}"),
    "abstract.save": N_("Abstract saved: {target}"),
    "invite.create": N_("Invitation code created for {target}"),
    "invite.revoke": N_("Invitation code revoked for {target}"),
    "workshop.set": N_("Workshop changed: {target}"),
    "deadline.set": N_("Deadline moved: {target}"),
    "choices.lock": N_("Workshop choices locked"),
    "choices.unlock": N_("Workshop choices opened again"),
    "admin.grant": N_("Organiser rights given to {target}"),
    "admin.revoke": N_("Organiser rights taken back from {target}"),
    "channel.subscribe": N_("Chat subscribed to reminders and announcements: {target}"),
    "channel.unsubscribe": N_("Chat unsubscribed from reminders and announcements: {target}"),
    "event.copy": N_("Collectivities and their contacts brought over from {target}"),
}


def register(router: Router) -> None:
    router.admin_command("audit", N_("the latest changes: who, when, before and after"), N_("[n]"))(audit)


def audit(ctx: Context, args: str) -> Reply:
    word = args.strip()
    count = parse_int(word) if word else AUDIT_DEFAULT
    if count is None or not 1 <= count <= AUDIT_MAX:
        raise Refusal(ctx._("Give a number of entries from 1 to {max}.").format(max=AUDIT_MAX))
    entries = latest_entries(ctx.session, ctx.event.id, count)
    if not entries:
        return Reply(ctx._("Nothing has been changed through the bot yet."))
    reader = AuditReader(ctx, entries)
    lines = [ctx.ngettext("The latest change:", "The latest {n} changes:", len(entries)).format(n=len(entries))]
    for entry in entries:
        lines.append(f"• {moment_label(ctx, entry.at)} — {reader.person(entry.actor)}")
        lines.extend("   " + line for line in reader.describe(entry))
    return Reply("\n".join(lines))


class AuditReader:
    """Words audit entries for one reader; looks up the people and collectivities they name once."""

    def __init__(self, ctx: Context, entries: list[AuditEntry]) -> None:
        self.ctx = ctx
        self.workshops = {w.id: w.number for w in ctx.event.workshops}
        ids = {cid for cid in (_collectivity_id(e.target or "") for e in entries) if cid is not None}
        for entry in entries:
            if entry.action == "balance.apply":
                keys = {**(entry.before or {}), **(entry.after or {})}
                ids |= {cid for cid in (parse_int(str(k)) for k in keys) if cid is not None}
        self.collectivities = (
            {c.id: c for c in ctx.session.scalars(select(Collectivity).where(Collectivity.id.in_(ids)))} if ids else {}
        )
        identities = {e.actor for e in entries} | {e.target for e in entries if e.target}
        pairs = [tuple(i.split(":", 1)) for i in identities if ":" in i]
        self.names: dict[str, str] = {}
        if pairs:
            platforms = {p for p, _ in pairs}
            users = {u for _, u in pairs}
            for person in ctx.session.scalars(
                select(ChatUser).where(ChatUser.platform.in_(platforms), ChatUser.user_id.in_(users))
            ):
                if person.display_name and person.display_name != person.user_id:
                    self.names[f"{person.platform}:{person.user_id}"] = person.display_name

    # --- who and on what ------------------------------------------------------------------

    def person(self, identity: str) -> str:
        """`Camille (telegram:123)`, or the identity alone when no display name is known."""
        platform, _, user = identity.partition(":")
        if platform == "cli":
            return self.ctx._("the command line ({user})").format(user=user)
        name = self.names.get(identity)
        return f"{name}{bracketed(self.ctx, identity)}" if name else identity

    def collectivity(self, cid: int, fallback: str | None = None) -> str:
        found = self.collectivities.get(cid)
        if found is not None:
            return f"#{cid} {found.name(self.ctx.locale)}"
        return f"#{cid} {fallback}" if fallback else f"#{cid}"

    def target(self, entry: AuditEntry) -> str:
        kind, _, key = (entry.target or "").partition(":")
        ctx = self.ctx
        cid = _collectivity_id(entry.target or "")
        if cid is not None:
            before = entry.before or {}
            return self.collectivity(cid, before.get("name_fr") if isinstance(before, dict) else None)
        if kind == "workshop":
            workshop = next((w for w in ctx.event.workshops if str(w.number) == key), None)
            if workshop is not None:
                return self._workshop_number(workshop.number)
        if kind == "deadline":
            deadline = next((d for d in ctx.event.deadlines if d.key == key), None)
            if deadline is not None:
                return ctx._("{title} ({key})").format(title=ctx.text(deadline.title), key=key)
        if kind == "file":
            return key
        if kind == "event":
            return ctx.text(ctx.event.info.get("short_name")) or key
        if entry.action.startswith("admin."):
            return self.person(entry.target or "")
        return entry.target or ""

    # --- what -----------------------------------------------------------------------------

    def describe(self, entry: AuditEntry) -> list[str]:
        """The change as one headline and, when it says more, one line of details."""
        ctx = self.ctx
        target = self.target(entry)
        special: dict[str, Callable[[AuditEntry, str], list[str]]] = {
            "choices.replace": self._choices,
            "balance.apply": self._balance,
            "collectivity.import": self._import,
            "contact.join": self._join,
            "task.done": self._task,
            "task.undo": self._task,
        }
        if entry.action in special:
            return special[entry.action](entry, target)
        headline = HEADLINES.get(entry.action)
        if headline is None:
            lines = [ctx._("Change “{action}”: {target}").format(action=entry.action, target=target or "—")]
        else:
            lines = [ctx._(headline).format(target=target)]
        details = self.changes(entry.before, entry.after)
        if details:
            lines.append(details)
        return lines

    def _choices(self, entry: AuditEntry, target: str) -> list[str]:
        before = self._numbers((entry.before or {}).get("workshops"))
        after = self._numbers((entry.after or {}).get("workshops"))
        return [
            self.ctx._("Workshop choices changed: {target}").format(target=target),
            self.ctx._("workshops {before} → {after}").format(before=before, after=after),
        ]

    def _balance(self, entry: AuditEntry, target: str) -> list[str]:
        ctx = self.ctx
        before = {str(k): v for k, v in (entry.before or {}).items()}
        after = {str(k): v for k, v in (entry.after or {}).items()}
        lines = [
            ctx.ngettext(
                "Balancing applied: {n} collectivity assigned",
                "Balancing applied: {n} collectivities assigned",
                len(after),
            ).format(n=len(after))
        ]
        moved = sorted((k for k in set(before) | set(after) if before.get(k) != after.get(k)), key=_number_key)
        none = ctx._("no workshop")
        for key in moved[:MOVES_SHOWN]:
            cid = parse_int(key)
            name = self.collectivity(cid) if cid is not None else key
            lines.append(
                ctx._("{name}: {before} → {after}").format(
                    name=name,
                    before=self._workshop_number(before.get(key)) if before.get(key) is not None else none,
                    after=self._workshop_number(after.get(key)) if after.get(key) is not None else none,
                )
            )
        if len(moved) > MOVES_SHOWN:
            rest = len(moved) - MOVES_SHOWN
            lines.append(ctx.ngettext("… and {n} more change", "… and {n} more changes", rest).format(n=rest))
        if not moved:
            lines.append(ctx._("Nobody changed workshop."))
        return lines

    def _import(self, entry: AuditEntry, target: str) -> list[str]:
        after = entry.after or {}
        count = after.get("count", 0)
        lines = [
            self.ctx.ngettext(
                "Imported {n} collectivity from {file}", "Imported {n} collectivities from {file}", int(count)
            ).format(n=count, file=target)
        ]
        names = after.get("names") or []
        if names:
            lines.append(self._clip(self.ctx.translator.list([str(n) for n in names])))
        return lines

    def _join(self, entry: AuditEntry, target: str) -> list[str]:
        who = (entry.after or {}).get("chat_user")
        line = self.ctx._("Contact joined: {target}").format(target=target)
        return [line, self.ctx._("{who}, with an invitation code").format(who=self.person(str(who)))] if who else [line]

    def _task(self, entry: AuditEntry, target: str) -> list[str]:
        key = (entry.after or {}).get("task") or (entry.before or {}).get("task")
        task = next((t for t in self.ctx.event.tasks if t.key == key), None)
        title = self.ctx.text(task.title) if task is not None else str(key)
        headline = (
            N_("Task marked done for {target}: {task}")
            if entry.action == "task.done"
            else N_("Task marked not done for {target}: {task}")
        )
        return [self.ctx._(headline).format(target=target, task=title)]

    # --- before → after -------------------------------------------------------------------

    def changes(self, before: Any, after: Any) -> str:
        """`Status: considering → confirmed · Kind: commune`: each field once, no JSON."""
        ctx = self.ctx
        if not isinstance(before, Mapping) or not isinstance(after, Mapping):
            parts = []
            if before is not None:
                parts.append(self.fields(before))
            if after is not None:
                parts.append(self.fields(after))
            return " → ".join(p for p in parts if p)
        cells = []
        for key in [*before, *(k for k in after if k not in before)]:
            if key == "version":
                continue
            old, new = before.get(key), after.get(key)
            if key in before and key in after and old == new:
                continue
            label = self.label(key)
            if key not in before:
                cells.append(ctx._("{label}: {value}").format(label=label, value=self.value(key, new)))
            elif key not in after:
                cells.append(ctx._("{label}: {value}").format(label=label, value=self.value(key, old)))
            else:
                cells.append(
                    ctx._("{label}: {before} → {after}").format(
                        label=label, before=self.value(key, old), after=self.value(key, new)
                    )
                )
        return ctx.translator.separator.join(cells)

    def fields(self, values: Any) -> str:
        if not isinstance(values, Mapping):
            return self.value("", values)
        return self.ctx.translator.separator.join(
            self.ctx._("{label}: {value}").format(label=self.label(k), value=self.value(k, v))
            for k, v in values.items()
            if k != "version"
        )

    def label(self, key: str) -> str:
        known = FIELD_LABELS.get(key)
        return self.ctx._(known) if known else key.replace("_", " ")

    def value(self, key: str, value: Any) -> str:
        """One field's value as the reader reads it: labels, dates, workshop numbers, yes/no."""
        ctx = self.ctx
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if key == "status":
            return status_label(ctx, str(value))
        if key == "country":
            return country_label(ctx, str(value))
        if key == "slot":
            slot = next((s for s in ctx.event.slots if s.key == value), None)
            return slot_label(ctx, slot) if slot is not None else str(value)
        if key in ("choices", "workshops") and isinstance(value, list):
            return self._numbers(value)
        if key == "workshop" and isinstance(value, int):
            return self._workshop_number(self.workshops.get(value, value))
        if key == "partner" and isinstance(value, int):
            return self.collectivity(value)
        if key == "delegates" and isinstance(value, list):
            people = [
                f"{p[0]}{bracketed(ctx, str(p[1]))}"
                if isinstance(p, list | tuple) and len(p) > 1 and p[1]
                else str(_first(p))
                for p in value
            ]
            return self._clip(ctx.translator.list(people))
        if key == "options" and isinstance(value, Mapping):
            titles = {o.key: ctx.text(o.title) for o in ctx.event.options}
            # Something brought (a gastronomy sample) is a yes, not a number of people.
            brought = {o.key for o in ctx.event.options if o.kind == "bring"}
            return self._clip(
                ctx.translator.separator.join(
                    ctx._("{label}: {value}").format(
                        label=titles.get(k, k), value=yes_no(ctx, bool(people)) if k in brought else people
                    )
                    for k, people in value.items()
                )
            )
        if key in ("chat_user", "granted_by", "subscribed_by"):
            return self.person(str(value))
        if isinstance(value, bool):
            return yes_no(ctx, value)
        if isinstance(value, Mapping):
            if set(value) <= {"fr", "ja", "en"}:
                return ctx.text(value)
            return self._clip(
                ", ".join(
                    ctx._("{label}: {value}").format(label=self.label(str(k)), value=self.value(str(k), v))
                    for k, v in value.items()
                )
            )
        if isinstance(value, list):
            return self._clip(", ".join(self.value("", v) for v in value))
        if isinstance(value, str):
            return self._clip(self._when(value))
        return str(value)

    def _when(self, text: str) -> str:
        """ISO dates and instants as the reader writes them; other text unchanged."""
        try:
            if ISO_MOMENT.fullmatch(text):
                moment = dt.datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)
                return moment_label(self.ctx, moment)
            if ISO_DATE.fullmatch(text):
                return date_label(self.ctx, dt.date.fromisoformat(text))
        except ValueError:
            pass
        return text

    def _numbers(self, ids: Any) -> str:
        if not ids:
            return self.ctx._("(none)")
        return ", ".join(str(self.workshops.get(i, i)) for i in ids)

    def _workshop_number(self, number: Any) -> str:
        return self.ctx._("workshop {number}").format(number=number)

    @staticmethod
    def _clip(text: str) -> str:
        return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def _collectivity_id(target: str) -> int | None:
    kind, _, key = target.partition(":")
    return parse_int(key) if kind == "collectivity" else None


def _number_key(key: str) -> tuple[int, str]:
    number = parse_int(key)
    return (number, "") if number is not None else (0, key)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) and value else value
