"""Organisers' lists in chat stay readable at thousands of collectivities: a page, then where to get the rest."""

from __future__ import annotations

import re

import pytest

from bench._common import populate
from storage.db import transaction
from storage.models import Event


def grow(core, collectivities: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(core.sessions) as session:
        populate(session, session.get_one(Event, core.event_id), collectivities, collectivities)


@pytest.mark.parametrize(
    ("locale", "more"),
    [
        ("fr", "… et 10 autres lignes : envoyez /admin export doc5 pour la liste complète."),
        ("ja", "…ほか10行あります。すべて見るには /admin export doc5 を送ってください。"),
        ("en", "… and 10 more rows: send /admin export doc5 for the whole list."),
    ],
)
def test_show_lists_fifty_rows_then_points_to_the_export(core, chat, locale, more):
    grow(core, 60)
    answer = chat("orga", locale_hint=locale).send("/admin show doc5")
    lines = answer.splitlines()
    assert len([line for line in lines if line.startswith("• ")]) == 50
    assert lines[-1] == more


def test_show_delegations_keeps_the_totals_after_the_page(core, chat):
    grow(core, 80)
    answer = chat("orga", locale_hint="en").send("/admin show delegations")
    assert "more rows: send /admin export delegations for the whole list." in answer
    assert "Per option:" in answer.split("for the whole list.")[1]


@pytest.mark.parametrize(
    ("locale", "heading", "following", "only"),
    [
        ("fr", "Page 1 sur 2 (60 codes).", "Les suivants : /admin invites 2", "Il n’y a que 2 pages."),
        (
            "ja",
            "2ページ中1ページ目です（全60件）。",
            "続きは /admin invites 2 で表示できます。",
            "ページは2ページまでです。",
        ),
        ("en", "Page 1 of 2 (60 codes).", "Next ones: /admin invites 2", "There are only 2 pages."),
    ],
)
def test_invites_come_fifty_to_a_page(core, chat, locale, heading, following, only):
    grow(core, 60)
    orga = chat("orga", locale_hint=locale)
    first = orga.send("/admin invites").splitlines()
    assert len([line for line in first if line.startswith("• ")]) == 50
    assert first[-2:] == [heading, following]
    second = orga.send("/admin invites 2").splitlines()
    codes = [line.split(" — ")[0] for line in first + second if line.startswith("• ")]
    assert len(codes) == len(set(codes)) == 60
    assert not any(line == following for line in second)
    assert only in orga.send("/admin invites 3")


@pytest.mark.parametrize(
    ("locale", "more"),
    [
        ("fr", "autres (le Doc 8 liste toutes les collectivités une fois l’affectation appliquée)."),
        ("ja", "件（割り当てを確定すると、Doc 8 にすべての自治体が載ります）。"),
        ("en", "more (Doc 8 lists every collectivity once the assignment is applied)."),
    ],
)
def test_the_balancing_proposal_names_thirty_per_group_and_counts_the_rest(core, chat, locale, more):
    grow(core, 400)
    answer = chat("orga", locale_hint=locale).send("/admin balance")
    groups = [line for line in answer.splitlines() if line.startswith("   ")]
    assert len(groups) == 8  # four workshops, two countries
    assert all(line.count("#") <= 30 for line in groups)
    shortened = [line for line in groups if more in line]
    assert shortened
    for line in shortened:
        listed = int(re.search(r"[(（](\d+)[)）]", line)[1])  # type: ignore[index]
        hidden = int(re.search(r"(\d+)", line.rsplit("…", 1)[1])[1])  # type: ignore[index]
        assert line.count("#") + hidden == listed
