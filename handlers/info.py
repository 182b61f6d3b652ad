"""What anyone may ask about the event: programme, now, workshops, about."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from babel.dates import get_timezone_location

from contract.messages import Reply
from handlers.context import Context, Refusal
from handlers.router import Router
from handlers.timeline import Placed, event_bounds, place_item, slot_bounds, timeline
from locales import N_, weekday_names
from storage.catalog import kept
from storage.models import Event, ProgrammeItem, Slot, Workshop


def register(router: Router) -> None:
    router.command("programme", N_("the programme, whole or for one day"), N_("[day]"))(programme)
    router.command("now", N_("what is on now and what comes next"))(now)
    router.command("workshops", N_("the four workshops, their topics, slot and room"))(workshops)
    router.command("about", N_("the event, its theme, organisers and history"))(about)


def part_label(ctx: Context, part: str | None) -> str:
    labels = {
        "morning": ctx._("Morning"),
        "noon": ctx._("Noon"),
        "afternoon": ctx._("Afternoon"),
        "evening": ctx._("Evening"),
    }
    return labels.get(part or "", "")


def when_label(ctx: Context, placed: Placed) -> str:
    if placed.exact and placed.item.end:
        return ctx.translator.time_range(placed.start, placed.end)
    if placed.exact:
        return ctx.translator.time(placed.start)
    return part_label(ctx, placed.item.part)


def zone_note(ctx: Context) -> str:
    return kept(ctx.event, f"zone-note:{ctx.locale}", partial(_zone_note, ctx))


def _zone_note(ctx: Context) -> str:
    city = get_timezone_location(ctx.zone, locale=ctx.locale, return_city=True)
    return ctx._("Times are local times in {city}.").format(city=city)


def slot_of(event: Event, key: str | None) -> Slot | None:
    return next((s for s in event.slots if s.key == key), None) if key else None


def workshops_in_slot(event: Event, key: str) -> list[Workshop]:
    return [w for w in event.workshops if w.slot_key == key]


def workshop_title(ctx: Context, workshop: Workshop) -> str:
    return ctx._("Workshop {number}: {title}").format(number=workshop.number, title=ctx.text(workshop.title))


def render_item(ctx: Context, placed: Placed) -> list[str]:
    item = placed.item
    lines = [f"• {when_label(ctx, placed)} — {ctx.text(item.title)}"]
    details = []
    place = item_place(ctx, item)
    if place:
        details.append(ctx._("Place: {place}").format(place=place))
    if item.audience:
        details.append(ctx._("For: {audience}").format(audience=ctx.text(item.audience)))
    if item.capacity:
        details.append(ctx.ngettext("{n} place", "{n} places", item.capacity).format(n=item.capacity))
    if details:
        lines.append("   " + ctx.translator.separator.join(details))
    if item.slot_key:
        lines.extend("   " + line for line in slot_workshop_lines(ctx, item.slot_key))
    return lines


def item_place(ctx: Context, item: ProgrammeItem) -> str:
    """Where an item takes place: for a workshop slot, the rooms organisers set, else the file's place."""
    if item.slot_key:
        rooms = []
        for workshop in workshops_in_slot(ctx.event, item.slot_key):
            room = ctx.text(workshop.room)
            if room and room not in rooms:
                rooms.append(room)
        if rooms:
            return ctx.translator.list(rooms)
    return ctx.text(item.place) if item.place else ""


def slot_hours(ctx: Context, day: dt.date, start: dt.datetime, end: dt.datetime) -> str:
    """« vendredi 23 octobre 2026, 09:30–12:00 », 「2026年10月23日（金）9:30～12:00」."""
    return ctx._("{day}, {start}–{end}").format(
        day=ctx.translator.day(day), start=ctx.translator.time(start), end=ctx.translator.time(end)
    )


def slot_workshop_lines(ctx: Context, slot_key: str) -> list[str]:
    running = workshops_in_slot(ctx.event, slot_key)
    if not running:
        return [ctx._("Which workshops run in this slot is not set yet.")]
    lines = []
    for workshop in running:
        room = ctx.text(workshop.room) or ctx._("room not yet set")
        lines.append(f"▸ {workshop_title(ctx, workshop)}" + (f"（{room}）" if ctx.locale == "ja" else f" ({room})"))
    return lines


def programme(ctx: Context, args: str) -> Reply:
    placed = timeline(ctx.event)
    days = sorted({p.item.day for p in placed})
    if args:
        relative = relative_day(ctx, args)
        if relative is not None and relative not in days:
            raise Refusal(
                ctx._("There is nothing on the programme on {day}: the event runs from {first} to {last}.").format(
                    day=ctx.translator.day(relative),
                    first=ctx.translator.day(ctx.event.start),
                    last=ctx.translator.day(ctx.event.end),
                )
            )
        day = relative or parse_day(ctx, args, days)
        if day is None:
            raise Refusal(
                ctx._(
                    "I could not find the day “{text}” in the programme. The event runs from {first} to {last}: "
                    "try {programme} {example}."
                ).format(
                    text=args[:40],
                    first=ctx.translator.day(ctx.event.start),
                    last=ctx.translator.day(ctx.event.end),
                    example=days[len(days) // 2].day if days else ctx.event.start.day,
                    **ctx.commands("programme"),
                )
            )
        days = [day]
    title = ctx.text(ctx.event.info.get("name"))
    lines = [title, zone_note(ctx)]
    if ctx.now() >= event_bounds(ctx.event)[1]:
        name = ctx.text(ctx.event.info.get("short_name") or ctx.event.info.get("name"))
        lines.append(ctx._("{event} is over. Thank you to everyone who took part!").format(event=name))
    for day in days:
        lines.append("")
        # The same for every reader of a language until the catalog changes: written once per revision.
        lines.extend(
            kept(ctx.event, f"programme:{ctx.locale}:{day.isoformat()}", partial(_day_lines, ctx, placed, day))
        )
    return Reply("\n".join(lines))


def _day_lines(ctx: Context, placed: list[Placed], day: dt.date) -> tuple[str, ...]:
    lines = [ctx.translator.day(day)]
    for p in placed:
        if p.item.day == day:
            lines.extend(render_item(ctx, p))
    return tuple(lines)


# Today and tomorrow in the bot's languages: the most natural questions during the event.
RELATIVE_DAYS = {
    "today": 0,
    "aujourd'hui": 0,
    "auj": 0,
    "今日": 0,
    "きょう": 0,
    "本日": 0,
    "tomorrow": 1,
    "demain": 1,
    "明日": 1,
    "あした": 1,
    "あす": 1,
}


def relative_day(ctx: Context, text: str) -> dt.date | None:
    """Today or tomorrow in the event's time zone, from aujourd'hui, demain, 今日, 明日, today, tomorrow."""
    word = text.strip().lower().replace("’", "'").rstrip("?？!！。. ")
    offset = RELATIVE_DAYS.get(word)
    return ctx.now().date() + dt.timedelta(days=offset) if offset is not None else None


def parse_day(ctx: Context, text: str, days: list[dt.date]) -> dt.date | None:
    """A programme day from what people type: 23, vendredi, 金曜日, friday, 2026-10-23, 23/10, 10月23日."""
    raw = re.sub(r"[()（）、,.]", " ", text.strip().lower())
    iso = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", raw)
    if iso:
        try:
            wanted = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
        return wanted if wanted in days else None
    jp = re.search(r"(\d{1,2})月(\d{1,2})日", raw)
    if jp:
        return _by_month_day(days, int(jp[1]), int(jp[2]))
    slash = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})\s*", raw)
    if slash:
        first, second = int(slash[1]), int(slash[2])
        return _by_month_day(days, second, first) or _by_month_day(days, first, second)
    number = re.search(r"\b(\d{1,2})\b", raw) or re.fullmatch(r"\s*(\d{1,2})日?\s*", raw)
    if number:
        matches = [d for d in days if d.day == int(number[1])]
        return matches[0] if len(matches) == 1 else None
    words = raw.split()
    for locale in (ctx.locale, "fr", "ja", "en"):
        names = weekday_names(locale)
        for day in days:
            candidates = names[day.weekday()]
            if any(w in candidates or (locale == "ja" and w.rstrip("日") in candidates) for w in words):
                return day
            if locale == "ja" and any(name in raw for name in candidates if len(name) > 1):
                return day
    return None


def _by_month_day(days: list[dt.date], month: int, day: int) -> dt.date | None:
    return next((d for d in days if d.month == month and d.day == day), None)


def now(ctx: Context, _args: str) -> Reply:
    event = ctx.event
    instant = ctx.now()
    first, last = event_bounds(event)
    name = ctx.text(event.info.get("short_name") or event.info.get("name"))
    clock_line = ctx._("It is {time} on {day} ({city} time).").format(
        time=ctx.translator.time(instant),
        day=ctx.translator.day(instant.date()),
        city=get_timezone_location(ctx.zone, locale=ctx.locale, return_city=True),
    )
    if instant < first:
        lines = [
            clock_line,
            ctx._("{event} starts in {delay}, on {day}.").format(
                event=name,
                delay=ctx.translator.duration(first - instant),
                day=ctx.translator.day(first.date()),
            ),
        ]
        upcoming = [p for p in timeline(event) if p.start == first]
        if upcoming:
            lines.append(ctx._("First on the programme:"))
            for p in upcoming:
                lines.extend(render_item(ctx, p))
        return Reply("\n".join(lines))
    if instant >= last:
        lines = [
            clock_line,
            ctx._("{event} is over. Thank you to everyone who took part!").format(event=name),
        ]
        nxt = ctx.text(event.info.get("next_edition"))
        if nxt:
            lines.append(ctx._("Next edition: {text}").format(text=nxt))
        return Reply("\n".join(lines))
    placed = timeline(event)
    current = [p for p in placed if p.start <= instant < p.end]
    upcoming = [p for p in placed if p.start > instant]
    lines = [clock_line]
    if current:
        lines.append(ctx._("Now:"))
        for p in current:
            lines.extend(render_item(ctx, p))
    else:
        lines.append(ctx._("Nothing is scheduled at this moment."))
    if upcoming:
        following = [p for p in upcoming if p.start == upcoming[0].start]
        lines.append("")
        lines.append(ctx._("Next, in {delay}:").format(delay=ctx.translator.duration(following[0].start - instant)))
        for p in following:
            if p.start.date() != instant.date():
                lines.append(ctx.translator.day(p.start.date()))
            lines.extend(render_item(ctx, p))
    return Reply("\n".join(lines))


def workshops(ctx: Context, _args: str) -> Reply:
    event = ctx.event
    lines = [ctx._("The workshops of {event}").format(event=ctx.text(event.info.get("short_name")))]
    for workshop in event.workshops:
        lines.append("")
        lines.append(workshop_title(ctx, workshop))
        slot = slot_of(event, workshop.slot_key)
        if slot is not None:
            start, end = slot_bounds(event, slot.day, slot.start, slot.end)
            when = slot_hours(ctx, slot.day, start, end)
        else:
            when = ctx._("not yet set")
        room = ctx.text(workshop.room)
        if room:
            lines.append("   " + ctx._("Slot: {when} · Room: {room}").format(when=when, room=room))
        else:
            # A separate message: « salle » is feminine in French (« pas encore fixée »).
            lines.append("   " + ctx._("Slot: {when} · Room: not yet set").format(when=when))
        for topic in workshop.topics:
            lines.append(f"   – {ctx.text(topic)}")
    slots = [s for s in event.slots]
    if slots and any(w.slot_key is None for w in event.workshops):
        lines.append("")
        lines.append(ctx._("Planned slots (two workshops in parallel in each):"))
        for slot in slots:
            start, end = slot_bounds(event, slot.day, slot.start, slot.end)
            rooms = ctx.translator.list([ctx.text(r) for r in slot.rooms]) if slot.rooms else ""
            lines.append(f"• {slot_hours(ctx, slot.day, start, end)}" + (f" — {rooms}" if rooms else ""))
    return Reply("\n".join(lines))


def about(ctx: Context, _args: str) -> Reply:
    info = ctx.event.info
    lines = [ctx.text(info.get("name"))]
    lines.append(
        ctx._("{first} to {last}, {place}").format(
            first=ctx.translator.day(ctx.event.start),
            last=ctx.translator.day(ctx.event.end),
            place=ctx.text(info.get("place")),
        )
    )
    if info.get("theme"):
        lines.append(ctx._("Theme: {theme}").format(theme=ctx.text(info["theme"])))
    if info.get("description"):
        lines += ["", ctx.text(info["description"])]
    if info.get("organisers"):
        lines += ["", ctx._("Organisers:")]
        lines += [f"• {ctx.text(o)}" for o in info["organisers"]]
    if info.get("history"):
        lines += ["", ctx._("Previous editions:")]
        for edition in info["history"]:
            line = ctx._("{number}. {city}, {year}").format(
                number=ctx.translator.edition(edition["number"]), city=ctx.text(edition["city"]), year=edition["year"]
            )
            if edition.get("note"):
                line += f" — {ctx.text(edition['note'])}"
            lines.append(f"• {line}")
    if info.get("next_edition"):
        lines += ["", ctx._("Next edition: {text}").format(text=ctx.text(info["next_edition"]))]
    return Reply("\n".join(lines))


def upcoming_items(ctx: Context) -> list[Placed]:
    instant = ctx.now()
    return [p for p in (place_item(ctx.event, i) for i in ctx.event.programme) if p.start > instant]
