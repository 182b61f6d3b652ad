"""Bulk import of collectivities from CSV or XLSX: every row checked, all or nothing.

Headers: name_fr, name_ja, country, kind and optionally status (a key, or a label in French,
Japanese or English) and steering (« oui », 「はい」, yes…: the bot's one yes/no vocabulary,
locales.words; empty is no). Line numbers are those
a spreadsheet shows (the header is line 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from locales import N_
from storage import audit
from storage.models import Event
from storage.organisers import (
    OrganiserError,
    add_collectivity,
    find_by_name,
    parse_country,
    parse_status,
    parse_yes_no,
)

REQUIRED = ("name_fr", "name_ja", "country", "kind")
OPTIONAL = ("status", "steering")
MAX_ROWS = 2000


@dataclass(frozen=True)
class RowProblem:
    line: int
    error: OrganiserError

    def render(self, gettext: Callable[[str], str], shown: Callable[[object], str] | None = None) -> str:
        return gettext("Line {line}: {problem}").format(line=self.line, problem=self.error.render(gettext, shown))


class ImportRejected(Exception):
    """The file was refused as a whole: nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.error}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def read_table(content: bytes, filename: str) -> list[Row]:
    """Rows of a .csv or .xlsx file as header -> text, with their line numbers."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        lines = _xlsx_lines(content)
    elif suffix == ".csv":
        lines = _csv_lines(content)
    else:
        raise ImportRejected([RowProblem(0, OrganiserError(N_("I read .csv and .xlsx files only.")))])
    if not lines:
        raise ImportRejected([RowProblem(1, OrganiserError(N_("The file is empty.")))])
    header = [h.strip().lower() for h in lines[0]]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ImportRejected(
            [RowProblem(1, OrganiserError(N_("Missing columns: {columns}."), columns=", ".join(missing)))]
        )
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        raise ImportRejected(
            [RowProblem(1, OrganiserError(N_("Unknown columns: {columns}."), columns=", ".join(unknown)))]
        )
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
        rows.append(Row(number, values))
    if len(rows) > MAX_ROWS:
        raise ImportRejected([RowProblem(1, OrganiserError(N_("At most {max} rows at a time."), max=MAX_ROWS))])
    return rows


def _csv_lines(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([RowProblem(1, OrganiserError(N_("Save the CSV file as UTF-8.")))]) from None
    first = text.split("\n", 1)[0]
    # Excel in French writes semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    lines: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            lines.append(list(record))
    except csv.Error as exc:
        # csv refuses a cell over its field limit (131,072 characters) and stops there: name that line.
        line = len(lines) + 1
        if "field limit" in str(exc):
            problem = OrganiserError(N_("A cell is longer than {max} characters."), max=csv.field_size_limit())
        else:
            problem = OrganiserError(N_("This line is not valid CSV."))
        raise ImportRejected([RowProblem(line, problem)]) from None
    return lines


def _xlsx_lines(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ImportRejected([RowProblem(1, OrganiserError(N_("This is not a readable .xlsx file.")))]) from None
    sheet = workbook.worksheets[0]
    lines = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return lines


def import_collectivities(
    session: Session, event: Event, content: bytes, filename: str, *, actor: str, now: dt.datetime
) -> int:
    """Add every row as a collectivity, or none: raises ImportRejected naming each bad line."""
    rows = read_table(content, filename)
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for row in rows:
        problem = _check(session, event, row, seen)
        if problem is not None:
            problems.append(RowProblem(row.line, problem))
    if problems:
        raise ImportRejected(problems)
    for row in rows:
        values = row.values
        add_collectivity(
            session,
            event,
            name_fr=values["name_fr"],
            name_ja=values["name_ja"],
            country=values["country"],
            kind=values["kind"],
            status=_status(values.get("status", "")),
            steering_group=_steering(values.get("steering", "")),
            actor=actor,
            now=now,
            log=False,
        )
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="collectivity.import",
        target=f"file:{Path(filename).name}"[:120],
        after={"count": len(rows), "names": [r.values["name_fr"] for r in rows][:50]},
    )
    return len(rows)


def _status(value: str) -> str:
    """The status column: a key or a label in any language (« confirmée », 参加確定); empty is considering."""
    return parse_status(value) if value.strip() else "considering"


def _steering(value: str) -> bool:
    """The steering column: yes or no in any language (« oui », 「はい」); empty is no."""
    return parse_yes_no(value, "steering") if value.strip() else False


def _check(session: Session, event: Event, row: Row, seen: dict[str, int]) -> OrganiserError | None:
    values = row.values
    name = " ".join(values["name_fr"].split())
    try:
        for field, value in values.items():
            if any(unicodedata.category(ch) in ("Cc", "Cs") and not ch.isspace() for ch in value):
                raise OrganiserError(N_("The {field} holds a control character (such as NUL)."), field=field)
        if not name:
            raise OrganiserError(N_("The {field} must not be empty."), field="name_fr")
        if len(name) > 200 or len(values["name_ja"]) > 200:
            raise OrganiserError(N_("A name is longer than {max} characters."), max=200)
        if len(values["kind"]) > 40:
            raise OrganiserError(N_("The {field} is longer than {max} characters."), field="kind", max=40)
        parse_country(values["country"])
        _status(values.get("status", ""))
        _steering(values.get("steering", ""))
        if name in seen:
            raise OrganiserError(N_("“{name}” is already on line {line}."), name=name, line=seen[name])
        if find_by_name(session, event, name) is not None:
            raise OrganiserError(N_("A collectivity named “{name}” already exists."), name=name)
    except OrganiserError as problem:
        return problem
    finally:
        seen.setdefault(name, row.line)
    return None
