"""Counts for organisers: collectivities by status and country, demand per workshop, as a PNG chart."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from locales import N_
from storage.models import Collectivity, Event, WorkshopChoice
from storage.models.participation import COUNTRIES, STATUSES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Gettext = Callable[[str], str]


@dataclass
class Demand:
    """How many non-declined collectivities chose a workshop, by rank and country."""

    number: int
    capacity: int | None
    first: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTRIES, 0))
    second: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTRIES, 0))


@dataclass
class Stats:
    by_status: dict[str, dict[str, int]]
    demand: list[Demand]

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.by_status.values())


def compute(session: Session, event: Event) -> Stats:
    """Counts from plain rows (two queries, no ORM objects: 5,000 collectivities and their 10,000 choices)."""
    by_status = {status: dict.fromkeys(COUNTRIES, 0) for status in STATUSES}
    collectivities = {
        cid: (status, country)
        for cid, status, country in session.execute(
            select(Collectivity.id, Collectivity.status, Collectivity.country).where(Collectivity.event_id == event.id)
        )
    }
    for status, country in collectivities.values():
        by_status[status][country] += 1
    demand = {w.id: Demand(w.number, w.capacity) for w in event.workshops}
    choices = session.execute(
        select(WorkshopChoice.collectivity_id, WorkshopChoice.workshop_id, WorkshopChoice.rank)
        .join(Collectivity, Collectivity.id == WorkshopChoice.collectivity_id)
        .where(Collectivity.event_id == event.id, Collectivity.status != "declined")
    )
    for cid, workshop_id, rank in choices:
        if workshop_id not in demand:
            continue
        target = demand[workshop_id].first if rank == 1 else demand[workshop_id].second
        target[collectivities[cid][1]] += 1
    return Stats(by_status, sorted(demand.values(), key=lambda d: d.number))


@cache
def _cjk_font() -> str | None:
    """A font with Japanese glyphs (matplotlib's default has none): matplotlib-fontja's, or the machine's."""
    from pathlib import Path

    from matplotlib import font_manager

    try:
        import matplotlib_fontja

        # Register the bundled IPAexGothic without importing the package's global rcParams change.
        for ttf in Path(matplotlib_fontja.__file__).parent.rglob("*.ttf"):
            font_manager.fontManager.addfont(str(ttf))
    except ImportError:
        pass
    for font in font_manager.fontManager.ttflist:
        if any(word in font.name for word in ("CJK", "Gothic", "IPA", "Takao", "Hiragino", "Noto Sans JP")):
            return str(font.name)
    return None


def prepare_chart() -> None:
    """Load matplotlib and the Japanese font, and draw once (a worker does it when it starts)."""
    empty = Stats({status: dict.fromkeys(COUNTRIES, 0) for status in STATUSES}, [])
    chart_png(empty, str, locale="ja", fallback=str)


def chart_png(stats: Stats, gettext: Gettext, *, locale: str, fallback: Gettext) -> bytes:
    """Two bar charts: collectivities by status and country; demand per workshop by country.

    Japanese labels need a Japanese font; without one the chart uses `fallback` (English).
    """
    figure = chart_figure(stats, gettext, locale=locale, fallback=fallback)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(stats: Stats, gettext: Gettext, *, locale: str, fallback: Gettext) -> Figure:
    """The chart before it is drawn to PNG (tests read its legends)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    label = gettext
    font = _cjk_font() if locale == "ja" else None
    if locale == "ja" and font is None:
        label = fallback
    figure = Figure(figsize=(10, 4.5), dpi=100)
    left, right = figure.subplots(1, 2)
    countries = (("fr", label(N_("France")), "#1f4e9c"), ("jp", label(N_("Japan")), "#c8102e"))
    statuses = list(STATUSES)
    positions = range(len(statuses))
    width = 0.38
    for offset, (country, name, colour) in zip((-width / 2, width / 2), countries, strict=True):
        values = [stats.by_status[s][country] for s in statuses]
        left.bar([p + offset for p in positions], values, width, label=name, color=colour)
    left.set_xticks(list(positions), [label(s) for s in statuses])
    left.set_title(label(N_("Collectivities by status")))
    left.legend()
    first_label, second_label = label(N_("1st choice")), label(N_("2nd choice"))
    numbers = [str(d.number) for d in stats.demand]
    spots = range(len(numbers))
    for offset, (country, name, colour) in zip((-width / 2, width / 2), countries, strict=True):
        firsts = [d.first[country] for d in stats.demand]
        seconds = [d.second[country] for d in stats.demand]
        xs = [p + offset for p in spots]
        right.bar(xs, firsts, width, color=colour, label=f"{name} — {first_label}")
        right.bar(xs, seconds, width, bottom=firsts, color=colour, alpha=0.45, label=f"{name} — {second_label}")
    capacity_label = label(N_("Capacity"))
    for spot, d in zip(spots, stats.demand, strict=True):
        if d.capacity is not None:
            # Only the first dashed line gets a legend entry; the others are the same mark.
            right.hlines(
                d.capacity, spot - 0.45, spot + 0.45, colors="black", linestyles="dashed", label=capacity_label
            )
            capacity_label = "_nolegend_"
    right.set_xticks(list(spots), numbers)
    right.set_xlabel(label(N_("Workshop")))
    right.set_title(label(N_("Demand per workshop")))
    right.legend(fontsize="small")
    for axes in (left, right):
        axes.yaxis.get_major_locator().set_params(integer=True)
        # Counts start at zero; an empty chart still shows a sensible 0–1 axis.
        top = max(axes.get_ylim()[1], 1)
        if axes is right:
            # Up to the highest capacity too, with room above it: the dashed line must show.
            top = max([top, *[d.capacity + 1 for d in stats.demand if d.capacity is not None]])
        axes.set_ylim(bottom=0, top=top)
        if font:
            for text in [axes.title, axes.xaxis.label, *axes.get_xticklabels()]:
                text.set_fontfamily(font)
            legend = axes.get_legend()
            if legend is not None:
                for text in legend.get_texts():
                    text.set_fontfamily(font)
    figure.tight_layout()
    return figure
