"""Balancing: the solver's plan is the best one (checked against brute force) and is applied only on confirmation."""

from __future__ import annotations

import itertools
import random

import pytest
from sqlalchemy import select

from storage.balancing import Candidate, Placement, objective, solve
from storage.models import Assignment, AuditEntry
from tests.admin_support import add_collectivity, replace_choices, set_capacity
from tests.balancing_reference import reference_solve


def brute_force(candidates: list[Candidate], capacities: dict[int, int | None]) -> tuple[int, int, int, int]:
    """The best objective over every plan: each collectivity gets its 1st, its 2nd or nothing."""
    best = None
    for ranks in itertools.product((None, 1, 2), repeat=len(candidates)):
        load: dict[int, int] = {}
        placements = {}
        for c, rank in zip(candidates, ranks, strict=True):
            workshop = c.choices[rank - 1] if rank else None
            placements[c.id] = Placement(workshop, rank)
            if workshop is not None:
                load[workshop] = load.get(workshop, 0) + 1
        if any(cap is not None and load.get(w, 0) > cap for w, cap in capacities.items()):
            continue
        value = objective(candidates, placements)
        best = value if best is None or value < best else best
    assert best is not None
    return best


def random_instance(rng: random.Random) -> tuple[list[Candidate], dict[int, int | None]]:
    workshops = list(range(1, rng.choice((3, 4)) + 1))
    capacities: dict[int, int | None] = {w: (None if rng.random() < 0.15 else rng.randint(0, 3)) for w in workshops}
    ids = rng.sample(range(1, 60), rng.randint(1, 7))
    candidates = [Candidate(i, rng.choice(("fr", "jp")), tuple(rng.sample(workshops, 2))) for i in ids]
    return candidates, capacities


def check_feasible(candidates: list[Candidate], capacities: dict[int, int | None], placements: dict[int, Placement]):
    load: dict[int, int] = {}
    for c in candidates:
        placed = placements[c.id]
        if placed.workshop is None:
            assert placed.rank is None
            continue
        assert c.choices[placed.rank - 1] == placed.workshop
        load[placed.workshop] = load.get(placed.workshop, 0) + 1
    for w, cap in capacities.items():
        assert cap is None or load.get(w, 0) <= cap


def test_solver_matches_brute_force_on_200_random_instances():
    rng = random.Random(20261023)
    for _ in range(200):
        candidates, capacities = random_instance(rng)
        plan = solve(candidates, capacities)
        check_feasible(candidates, capacities, plan.placements)
        assert plan.objective == brute_force(candidates, capacities), (candidates, capacities)


def test_the_plan_does_not_depend_on_the_order_of_the_input():
    rng = random.Random(7)
    for _ in range(30):
        candidates, capacities = random_instance(rng)
        shuffled = candidates[:]
        rng.shuffle(shuffled)
        assert solve(candidates, capacities).placements == solve(shuffled, capacities).placements


def test_first_choices_come_before_an_even_mix():
    # Two French want workshop 1 first; an even mix would send one of them to workshop 2.
    candidates = [Candidate(1, "fr", (1, 2)), Candidate(2, "fr", (1, 2)), Candidate(3, "jp", (2, 1))]
    plan = solve(candidates, {1: 2, 2: 2})
    assert plan.firsts == 3


def test_an_even_mix_breaks_ties_between_equally_good_plans():
    # Three want workshop 1 (two seats): one must take its 2nd choice. Sending the Japanese one
    # away would leave two single-country workshops; sending a French one mixes both.
    candidates = [
        Candidate(1, "fr", (1, 2)),
        Candidate(2, "fr", (1, 2)),
        Candidate(3, "jp", (1, 2)),
        Candidate(4, "jp", (2, 1)),
    ]
    plan = solve(candidates, {1: 2, 2: 2})
    assert (plan.firsts, plan.seconds) == (3, 1)
    assert plan.placements[3] == Placement(1, 1)
    # Between collectivities 1 and 2 (both French, same wishes), the smaller id keeps its 1st choice.
    assert plan.placements[1] == Placement(1, 1)
    assert plan.placements[2] == Placement(2, 2)


def test_explains_who_missed_a_choice_because_a_workshop_was_full():
    candidates = [Candidate(1, "fr", (1, 2)), Candidate(2, "jp", (1, 2)), Candidate(3, "fr", (1, 2))]
    plan = solve(candidates, {1: 1, 2: 1})
    missed = {m.collectivity: m for m in plan.misses}
    assert sorted(missed) == [2, 3]
    assert {m.rank for m in missed.values()} == {2, None}
    assert all(1 in m.full for m in missed.values())


# --- through the bot -----------------------------------------------------------------------------


def _assignments(core):
    with core.sessions() as session:
        return sorted(session.execute(select(Assignment.collectivity_id, Assignment.choice_rank)).all())


@pytest.mark.parametrize(
    ("locale", "proposal", "applied"),
    [
        ("fr", "Répartition proposée", "Appliquée"),
        ("ja", "割り当て案", "確定しました"),
        ("en", "Proposed assignment", "Applied"),
    ],
)
def test_balance_is_shown_then_applied_on_confirmation(core, chat, snapshot, locale, proposal, applied):
    sete = add_collectivity(core, "Ville de Sète", choices=(1, 2))
    nara = add_collectivity(core, "Nara-shi", country="jp", name_ja="奈良市", choices=(1, 3))
    toul = add_collectivity(core, "Ville de Toul", choices=(1, 2))
    add_collectivity(core, "Ville de Dole", status="considering", choices=(1, 2))
    set_capacity(core, 1, 2)
    orga = chat("orga", locale_hint=locale)
    orga.send("/help")
    before = snapshot()
    answer = orga.send("/admin balance")
    assert proposal in answer
    assert f"#{toul}" in answer and "#4" in answer  # Toul missed its 1st choice; Dole is left out
    assert snapshot() == before  # a proposal writes nothing
    assert applied in orga.press(orga.buttons[0].label)
    assert _assignments(core) == [(sete, 1), (nara, 1), (toul, 2)]


def test_cancel_leaves_assignments_unchanged(core, chat, snapshot):
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    orga = chat("orga", locale_hint="en")
    orga.send("/admin balance")
    before = snapshot()
    assert "not changed" in orga.press("Cancel")
    assert snapshot() == before


def test_apply_is_refused_when_choices_changed_after_the_proposal(core, chat, snapshot):
    sete = add_collectivity(core, "Ville de Sète", choices=(1, 2))
    orga = chat("orga", locale_hint="en")
    orga.send("/admin balance")
    apply_action = next(b.action for b in orga.buttons if b.label == "Apply")
    replace_choices(core, sete, (3, 4))
    before = snapshot()
    assert "changed since this proposal" in orga.act(apply_action)
    assert snapshot() == before


def test_apply_survives_a_restart_between_proposal_and_confirmation(core, chat, settings, clock):
    from bot.core import BotCore

    add_collectivity(core, "Ville de Sète", choices=(2, 1))
    orga = chat("orga", locale_hint="en")
    orga.send("/admin balance")
    action = next(b.action for b in orga.buttons if b.label == "Apply")
    restarted = BotCore.start(settings, clock)
    try:
        orga.core = restarted
        assert "Applied" in orga.act(action)
    finally:
        restarted.sessions.kw["bind"].dispose()
    assert len(_assignments(core)) == 1
    with core.sessions() as session:
        assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "balance.apply")).one()


def test_a_non_organiser_cannot_press_apply(core, chat, snapshot):
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    orga = chat("orga", locale_hint="en")
    orga.send("/admin balance")
    action = next(b.action for b in orga.buttons if b.label == "Apply")
    intruder = chat("mallory", locale_hint="en")
    intruder.send("/help")
    before = snapshot()
    assert "Only the organisers" in intruder.act(action)
    assert snapshot() == before


def test_compact_solver_reaches_the_reference_optimum_on_larger_random_instances():
    # Too large for brute force: the solver before the compact graph (one node per collectivity) is the reference.
    rng = random.Random(5000)
    for _ in range(60):
        workshops = list(range(1, rng.choice((2, 4, 5)) + 1))
        capacities: dict[int, int | None] = {w: (None if rng.random() < 0.1 else rng.randint(0, 12)) for w in workshops}
        ids = rng.sample(range(1, 400), rng.randint(1, 60))
        candidates = [
            Candidate(i, rng.choice(("fr", "jp")), tuple(rng.sample([*workshops, 99], rng.choice((1, 2, 2, 2)))))
            for i in ids
        ]
        plan = solve(candidates, capacities)
        check_feasible_choices(candidates, capacities, plan.placements)
        assert plan.objective == reference_solve(candidates, capacities).objective, (candidates, capacities)


def check_feasible_choices(
    candidates: list[Candidate], capacities: dict[int, int | None], placements: dict[int, Placement]
):
    """As check_feasible, for candidates whose choices may name a workshop the event does not have."""
    load: dict[int, int] = {}
    for c in candidates:
        placed = placements[c.id]
        if placed.workshop is None:
            assert placed.rank is None
            continue
        assert c.choices[placed.rank - 1] == placed.workshop and placed.workshop in capacities
        load[placed.workshop] = load.get(placed.workshop, 0) + 1
    for w, cap in capacities.items():
        assert cap is None or load.get(w, 0) <= cap


def tied_instance(rng: random.Random) -> tuple[list[Candidate], dict[int, int | None]]:
    """Many collectivities with the same wishes, so whole classes tie: level 4 alone decides who gets what."""
    workshops = list(range(1, rng.choice((2, 3, 4)) + 1))
    capacities: dict[int, int | None] = {
        w: (None if rng.random() < 0.1 else rng.choice((0, 1, rng.randint(2, 40)))) for w in workshops
    }
    wishes = [tuple(rng.sample([*workshops, 99], 2)) for _ in range(rng.randint(1, 4))]
    wishes += [(rng.choice(workshops),), (workshops[0], workshops[0])]  # one choice only; the same one twice
    ids = rng.sample(range(1, 1000), rng.randint(1, 120))
    candidates = [Candidate(i, rng.choice(("fr", "jp")), rng.choice(wishes)) for i in ids]
    return candidates, capacities


def test_solver_reaches_the_reference_optimum_when_whole_classes_tie():
    rng = random.Random(12)
    for _ in range(80):
        candidates, capacities = tied_instance(rng)
        plan = solve(candidates, capacities)
        check_feasible_choices(candidates, capacities, plan.placements)
        assert plan.objective == reference_solve(candidates, capacities).objective, (candidates, capacities)


def test_solver_reaches_the_reference_optimum_at_a_few_hundred_collectivities():
    # The shape of a real event: four workshops, two oversubscribed, two with room for 2nd choices.
    rng = random.Random(4)
    for _ in range(3):
        workshops = [1, 2, 3, 4]
        popular = rng.choices(workshops, weights=(5, 3, 2, 1), k=400)
        candidates = [
            Candidate(i, rng.choice(("fr", "jp")), (w, rng.choice([x for x in workshops if x != w])))
            for i, w in zip(rng.sample(range(1, 2000), 400), popular, strict=True)
        ]
        capacities: dict[int, int | None] = {w: 80 for w in workshops}
        plan = solve(candidates, capacities)
        check_feasible_choices(candidates, capacities, plan.placements)
        assert plan.objective == reference_solve(candidates, capacities).objective


def test_the_same_inputs_always_give_the_same_plan():
    # What the organiser is shown is what Apply writes: the plan, its digest and its explanations never vary.
    rng = random.Random(99)
    for _ in range(20):
        candidates, capacities = tied_instance(rng)
        first = solve(candidates, capacities)
        shuffled = candidates[:]
        rng.shuffle(shuffled)
        again = solve(shuffled, dict(reversed(list(capacities.items()))))
        assert again.placements == first.placements
        assert again.misses == first.misses
        assert again.digest() == first.digest()


def test_apply_is_refused_when_the_plan_is_not_the_one_shown(core, chat, snapshot):
    # Same inputs, another plan: only a new version of the solver between proposal and confirmation does that.
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    orga = chat("orga", locale_hint="en")
    orga.send("/admin balance")
    action = next(b.action for b in orga.buttons if b.label == "Apply")
    assert len(action.encode()) <= 64  # Telegram's limit for a button's callback_data
    inputs_digest = action.split(":")[2]
    before = snapshot()
    assert "updated since this proposal" in orga.act(f"admbal:apply:{inputs_digest}:0000000000000000")
    assert "updated since this proposal" in orga.act(f"admbal:apply:{inputs_digest}")  # a button from before
    assert snapshot() == before
