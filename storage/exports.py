"""The organisers' lists as tables: Doc 5, Doc 7, Doc 8 and delegations, to .xlsx or .csv.

Headers and labels are translated with the `gettext` the caller passes (the organiser's
language in chat, the --lang of the command line).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from locales import N_
from storage import xlsx
from storage.balancing import current_assignments
from storage.consistency import broken_binomes, stale_assignments
from storage.models import (
    Abstract,
    Collectivity,
    Contact,
    Delegate,
    Event,
    Option,
    OptionSignup,
    WorkshopChoice,
)

Gettext = Callable[[str], str]
Cell = str | int | None
KINDS = ("doc5", "doc7", "doc8", "delegations")
FORMATS = ("xlsx", "csv")
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
STATUS_ORDER = {"confirmed": 0, "considering": 1, "declined": 2}
STATUS_LABELS = {"considering": N_("considering"), "confirmed": N_("confirmed"), "declined": N_("declined")}
COUNTRY_LABELS = {"fr": N_("France"), "jp": N_("Japan")}
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"); the full-width
# twins are there in case a Japanese spreadsheet reads them as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass
class Table:
    """One sheet: a title, headers and rows."""

    sheet: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    # Rows after this index are totals (bold in .xlsx); their label is in column 1.
    totals_from: int | None = None
    # Columns whose totals a chat message shows one per line (the options' head counts).
    totals_columns: tuple[int, ...] = ()


def pick(text: Mapping[str, Any] | None, locale: str) -> str:
    """An event text in `locale`, with the same fallbacks as the chat."""
    if not text:
        return ""
    for loc in (locale, "en", "fr", "ja"):
        if text.get(loc):
            return str(text[loc])
    return ""


def status_label(status: str, gettext: Gettext) -> str:
    return gettext(STATUS_LABELS.get(status, status))


def country_label(country: str, gettext: Gettext) -> str:
    return gettext(COUNTRY_LABELS.get(country, country))


def yes_no(value: bool, gettext: Gettext) -> str:
    """« oui » / « non » in a cell or after a label.

    The bare msgids "yes" and "no" are the contacts' answers elsewhere (参加する in Japanese),
    so this asks for the capitalised words and writes them in lower case.
    """
    return (gettext("Yes") if value else gettext("No")).lower()


class Listed(NamedTuple):
    """The columns of a collectivity the lists show: plain rows, not ORM objects (5,000 of them are read)."""

    id: int
    name_fr: str
    name_ja: str | None
    country: str
    kind: str | None
    status: str
    steering_group: bool
    lead_volunteer: bool
    delegation_size: int | None

    def name(self, locale: str) -> str:
        """As Collectivity.name."""
        return (self.name_ja or self.name_fr) if locale == "ja" else self.name_fr


def _collectivities(session: Session, event: Event) -> list[Listed]:
    columns = [getattr(Collectivity, name) for name in Listed._fields]
    rows = session.execute(select(*columns).where(Collectivity.event_id == event.id))
    return [Listed(*row) for row in rows]


def _sorted(collectivities: list[Listed]) -> list[Listed]:
    return sorted(collectivities, key=lambda c: (STATUS_ORDER.get(c.status, 9), c.country, c.name_fr.lower(), c.id))


def build(kind: str, session: Session, event: Event, gettext: Gettext, locale: str) -> Table:
    builders = {"doc5": doc5, "doc7": doc7, "doc8": doc8, "delegations": delegations}
    return builders[kind](session, event, gettext, locale)


def doc5(session: Session, event: Event, gettext: Gettext, locale: str) -> Table:
    """Doc 5: every collectivity by status, then country; « yes » marks the steering committee's members."""
    counted = select(Contact.collectivity_id, func.count()).where(Contact.event_id == event.id)
    contacts: dict[int, int] = {cid: n for cid, n in session.execute(counted.group_by(Contact.collectivity_id))}
    table = Table(
        "Doc5",
        gettext("Doc 5 — collectivities by status and country"),
        [
            gettext("No."),
            gettext("Status"),
            gettext("Country"),
            gettext("Name (French)"),
            gettext("Name (Japanese)"),
            gettext("Kind"),
            gettext("Steering committee"),
            gettext("Contacts"),
            gettext("Delegation"),
        ],
    )
    for c in _sorted(_collectivities(session, event)):
        table.rows.append(
            [
                c.id,
                status_label(c.status, gettext),
                country_label(c.country, gettext),
                c.name_fr,
                c.name_ja or "",
                c.kind or "",
                yes_no(True, gettext) if c.steering_group else "",
                contacts.get(c.id, 0),
                c.delegation_size,
            ]
        )
    return table


def doc7(session: Session, event: Event, gettext: Gettext, locale: str) -> Table:
    """Doc 7: for each workshop, the collectivities that chose it, their rank and their abstract."""
    names = {c.id: c for c in _collectivities(session, event)}
    abstracts = {
        (a.collectivity_id, a.workshop_id): a
        for a in session.execute(
            select(
                Abstract.collectivity_id,
                Abstract.workshop_id,
                Abstract.title,
                Abstract.speaker,
                Abstract.summary_fr,
                Abstract.summary_ja,
                Abstract.partner_collectivity_id,
            )
            .join(Collectivity, Abstract.collectivity_id == Collectivity.id)
            .where(Collectivity.event_id == event.id)
        )
    }
    assigned = current_assignments(session, event)
    by_workshop: dict[int, list[Chosen]] = {}
    for choice in _choices(session, event):
        by_workshop.setdefault(choice.workshop_id, []).append(choice)
    table = Table(
        "Doc7",
        gettext("Doc 7 — collectivities by workshop, with abstracts"),
        [
            gettext("Workshop"),
            gettext("Workshop title"),
            gettext("No."),
            gettext("Name (French)"),
            gettext("Name (Japanese)"),
            gettext("Country"),
            gettext("Choice"),
            gettext("Assigned"),
            gettext("Lead volunteer"),
            gettext("Abstract title"),
            gettext("Speaker"),
            gettext("Summary (French)"),
            gettext("Summary (Japanese)"),
            gettext("Partner"),
        ],
    )
    broken = {(b.collectivity.id, b.workshop.id): b.problem for b in broken_binomes(session, event)}
    for workshop in event.workshops:
        chosen = sorted(
            (c for c in by_workshop.get(workshop.id, []) if names[c.collectivity_id].status != "declined"),
            key=lambda c: (c.rank, names[c.collectivity_id].country, names[c.collectivity_id].name_fr.lower()),
        )
        for choice in chosen:
            c = names[choice.collectivity_id]
            abstract = abstracts.get((c.id, workshop.id))
            partner = (
                names.get(abstract.partner_collectivity_id) if abstract and abstract.partner_collectivity_id else None
            )
            table.rows.append(
                [
                    workshop.number,
                    pick(workshop.title, locale),
                    c.id,
                    c.name_fr,
                    c.name_ja or "",
                    country_label(c.country, gettext),
                    choice.rank,
                    _assigned(assigned, c.id, workshop.id, gettext),
                    yes_no(True, gettext) if c.lead_volunteer else "",
                    abstract.title if abstract else "",
                    (abstract.speaker or "") if abstract else "",
                    (abstract.summary_fr or "") if abstract else "",
                    (abstract.summary_ja or "") if abstract else "",
                    _partner_cell(partner, broken.get((c.id, workshop.id)), gettext),
                ]
            )
    return table


def doc8(session: Session, event: Event, gettext: Gettext, locale: str) -> Table:
    """Doc 8: French and Japanese collectivities per workshop (assignments once applied, else choices)."""
    names = {c.id: c for c in _collectivities(session, event)}
    assigned = current_assignments(session, event)
    table = Table(
        "Doc8",
        gettext("Doc 8 — French and Japanese collectivities per workshop"),
        [
            gettext("Workshop"),
            gettext("Workshop title"),
            gettext("Collectivities from France"),
            gettext("Collectivities from Japan"),
            gettext("Number from France"),
            gettext("Number from Japan"),
            gettext("Capacity"),
            gettext("Based on"),
        ],
    )
    # Assigned, then chose again or declined: still listed, marked for the organisers to balance again.
    stale = {(s.collectivity.id, s.workshop.id) for s in stale_assignments(session, event)}
    if assigned:
        basis = gettext("the applied assignment")
        members = {w.id: [names[cid] for cid, wid in assigned.items() if wid == w.id] for w in event.workshops}
    else:
        basis = gettext("choices (1st and 2nd)")
        members = {w.id: [] for w in event.workshops}
        for choice in _choices(session, event):
            c = names[choice.collectivity_id]
            if c.status != "declined":
                members[choice.workshop_id].append(c)
    for workshop in event.workshops:
        group = sorted(members.get(workshop.id, []), key=lambda c: c.name_fr.lower())

        def label(c: Listed, workshop_id: int = workshop.id) -> str:
            if (c.id, workshop_id) in stale:
                return f"{c.name(locale)} {gettext('(to balance again)')}"
            return c.name(locale)

        french = [label(c) for c in group if c.country == "fr"]
        japanese = [label(c) for c in group if c.country == "jp"]
        table.rows.append(
            [
                workshop.number,
                pick(workshop.title, locale),
                ", ".join(french),
                ", ".join(japanese),
                len(french),
                len(japanese),
                workshop.capacity,
                basis,
            ]
        )
    return table


def delegations(session: Session, event: Event, gettext: Gettext, locale: str) -> Table:
    """Confirmed delegations, the options they take, and head counts against each capacity."""
    confirmed = [c for c in _sorted(_collectivities(session, event)) if c.status == "confirmed"]
    ids = [c.id for c in confirmed]
    delegates: dict[int, list[tuple[str, str | None]]] = {}
    signups: dict[tuple[int, str], int] = {}
    if ids:
        # Joined on the event, not IN (5,000 ids): the statement stays small; declined ones are skipped below.
        named = (
            select(Delegate.collectivity_id, Delegate.name, Delegate.role)
            .join(Collectivity, Delegate.collectivity_id == Collectivity.id)
            .where(Collectivity.event_id == event.id, Collectivity.status == "confirmed")
            .order_by(Delegate.collectivity_id, Delegate.position)
        )
        for cid, name, role in session.execute(named):
            delegates.setdefault(cid, []).append((name, role))
        taken = (
            select(OptionSignup.collectivity_id, OptionSignup.option_key, OptionSignup.people)
            .join(Collectivity, OptionSignup.collectivity_id == Collectivity.id)
            .where(Collectivity.event_id == event.id, Collectivity.status == "confirmed")
        )
        for cid, key, count in session.execute(taken):
            signups[(cid, key)] = count
    # In the event file's order; a sample brought (kind bring) is a yes for the delegation, not people.
    options = sorted(event.options, key=lambda o: o.id)
    table = Table(
        "Delegations",
        gettext("Delegations and options, with head counts against capacities"),
        [
            gettext("No."),
            gettext("Name (French)"),
            gettext("Name (Japanese)"),
            gettext("Country"),
            gettext("People"),
            gettext("Delegates"),
        ]
        + [pick(o.title, locale) for o in options],
    )
    for c in confirmed:
        people = [f"{name} ({role})" if role else name for name, role in delegates.get(c.id, [])]
        row: list[Cell] = [
            c.id,
            c.name_fr,
            c.name_ja or "",
            country_label(c.country, gettext),
            _people(c, delegates),
            "; ".join(people),
        ]
        table.rows.append(row + [_option_cell(o, signups.get((c.id, o.key), 0), gettext) for o in options])
    totals = [
        sum(1 if o.kind == "bring" else signups.get((c.id, o.key), 0) for c in confirmed if signups.get((c.id, o.key)))
        for o in options
    ]
    table.totals_from = len(table.rows)
    head_count = sum(_people(c, delegates) for c in confirmed)
    left: list[Cell] = [
        (o.capacity - t) if o.capacity is not None else None for o, t in zip(options, totals, strict=True)
    ]
    table.totals_columns = tuple(range(6, 6 + len(options)))
    table.rows.append([None, gettext("Total"), None, None, head_count, None, *totals])
    table.rows.append([None, gettext("Capacity"), None, None, None, None, *[o.capacity for o in options]])
    table.rows.append([None, gettext("Places left"), None, None, None, None, *left])
    return table


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: wide and full-width characters (静岡市, （）) count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _option_cell(option: Option, people: int, gettext: Gettext) -> Cell:
    """People signed up for an option; for something brought, whether the delegation brings it."""
    if option.kind == "bring":
        return yes_no(True, gettext) if people else ""
    return people


def _partner_cell(partner: Listed | None, problem: str | None, gettext: Gettext) -> str:
    """The partner's French name, and why it no longer fits when it does not."""
    if partner is None:
        return ""
    if problem == "declined":
        return f"{partner.name_fr} {gettext('(declined)')}"
    if problem == "other_workshop":
        return f"{partner.name_fr} {gettext('(has not chosen this workshop)')}"
    return partner.name_fr


def _assigned(assigned: Mapping[int, int], collectivity_id: int, workshop_id: int, gettext: Gettext) -> str:
    """Blank until a balancing is applied; then whether this workshop is the one assigned."""
    if not assigned:
        return ""
    return yes_no(assigned.get(collectivity_id) == workshop_id, gettext)


def _people(c: Listed, delegates: Mapping[int, list[tuple[str, str | None]]]) -> int:
    return c.delegation_size if c.delegation_size is not None else len(delegates.get(c.id, []))


def option_counts(session: Session, event: Event) -> dict[str, int]:
    """People signed up for each option, over confirmed collectivities; for something brought
    (a gastronomy sample), the collectivities bringing it."""
    bring = {o.key for o in event.options if o.kind == "bring"}
    rows = session.execute(
        select(OptionSignup.option_key, OptionSignup.people)
        .join(Collectivity, OptionSignup.collectivity_id == Collectivity.id)
        .where(Collectivity.event_id == event.id, Collectivity.status == "confirmed")
    ).all()
    counts: dict[str, int] = {}
    for key, people in rows:
        counts[key] = counts.get(key, 0) + (1 if key in bring else people)
    return counts


class Chosen(NamedTuple):
    collectivity_id: int
    workshop_id: int
    rank: int


def _choices(session: Session, event: Event) -> list[Chosen]:
    query = (
        select(WorkshopChoice.collectivity_id, WorkshopChoice.workshop_id, WorkshopChoice.rank)
        .join(Collectivity, WorkshopChoice.collectivity_id == Collectivity.id)
        .where(Collectivity.event_id == event.id)
    )
    return [Chosen(*row) for row in session.execute(query)]


# --- files --------------------------------------------------------------------------------


def filename(event: Event, kind: str, day: dt.date, fmt: str) -> str:
    return f"{event.key}-{kind}-{day.isoformat()}.{fmt}"


def inert(value: Cell) -> Cell:
    """A cell as typed, never a formula: text starting with = + - @, tab or CR gets a leading quote (OWASP).

    Every text is treated so, whoever typed it (a contact's abstract title, a delegate's name, an event title).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Japanese names."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([inert(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if v is None else inert(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    """Headers and totals in bold, the header row frozen, columns as wide as their longest value (at most 60)."""
    rows: list[list[Cell]] = [[_xlsx_cell(h) for h in table.headers]]
    rows += [[_xlsx_cell(v) for v in row] for row in table.rows]
    # Japanese characters take two columns' width.
    widths = [display_width(str(h)) for h in rows[0]]
    for row in rows:
        for column, value in enumerate(row[: len(widths)]):
            if value is not None:
                widths[column] = max(widths[column], display_width(str(value)))
    bold = [
        index == 0 or (table.totals_from is not None and index - 1 >= table.totals_from) for index in range(len(rows))
    ]
    return xlsx.workbook(table.sheet, rows, bold=bold, widths=[min(60, max(8, w + 2)) for w in widths])


def _xlsx_cell(value: Cell) -> Cell:
    # XML cannot hold most control characters: removed first, so "\x01=…" is still made inert.
    return inert(xlsx.ILLEGAL.sub("", value) if isinstance(value, str) else value)


def render(table: Table, fmt: str) -> bytes:
    return to_xlsx(table) if fmt == "xlsx" else to_csv(table)
