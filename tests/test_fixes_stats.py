"""Issue 11: the stats chart shows the capacity, options in the event's order, a brought sample is no head count."""

from __future__ import annotations

import pytest

from locales import Translator
from storage import exports, stats
from storage.db import transaction
from storage.models import Event
from tests import admin_support
from tests.participation_support import linked


def test_the_y_axis_reaches_above_the_capacity(core):
    admin_support.add_collectivity(core, "Ville de Sète", choices=(1, 2))
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        next(w for w in event.workshops if w.number == 1).capacity = 6
        found = stats.compute(session, event)
    figure = stats.chart_figure(found, Translator("ja").gettext, locale="ja", fallback=Translator("en").gettext)
    assert figure.axes[1].get_ylim()[1] > 6


@pytest.mark.parametrize(
    ("locale", "dinner", "sample", "stand"),
    [
        ("fr", "cocktail dînatoire d'ouverture (Villa Domergue) : 3 / 150", "1 collectivité", "Mini-stand"),
        ("ja", "開会レセプション（ヴィラ・ドメルグ）：3／150", "1自治体", "ミニブース"),
    ],
)
def test_options_in_the_event_order_and_a_sample_counted_by_collectivity(chat, core, locale, dinner, sample, stand):
    admin_support.add_collectivity(
        core,
        "Ville de Sète",
        delegates=[("Camille Exemple", "adjointe"), ("Dominique Essai", ""), ("Alex Test", "")],
        options={"opening-dinner": 3, "gastronomy": 3},
    )
    answer = chat("orga", locale_hint=locale).send("/admin stats")
    options = answer.split("\n\n")[-1]
    assert dinner in options
    sample_line = next(line for line in options.splitlines() if "gastronomie" in line or "特産品" in line)
    assert sample in sample_line
    # Event order: visits, Thursday lunch, opening dinner, stand, gastronomy.
    lines = options.splitlines()
    assert next(i for i, line in enumerate(lines) if stand in line) < lines.index(sample_line)
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        table = exports.delegations(session, event, Translator(locale).gettext, locale)
    column = next(i for i, h in enumerate(table.headers) if "gastronomie" in h or "特産品" in h)
    assert table.rows[0][column] in ("oui", "はい")
    assert table.rows[table.totals_from][column] == 1


@pytest.mark.parametrize(("locale", "yes"), [("en", "yes"), ("fr", "oui")])
def test_the_audit_shows_a_sample_as_a_yes(chat, core, locale, yes):
    from tests.participation_support import fill_confirm_form

    person, _ = linked(chat, core, locale_hint=locale)
    fill_confirm_form(person, ["Camille Durand, adjointe", "Louis Petit"], {"gastronomy": "yes"})
    person.press("Confirm" if locale == "en" else "Confirmer")
    audit = chat("orga", locale_hint=locale).send("/admin audit 5")
    line = next(line for line in audit.splitlines() if "gastronom" in line.lower())
    assert f"{yes}" in line.split("astronom", 1)[1][:80]
