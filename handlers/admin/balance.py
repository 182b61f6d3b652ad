"""`/admin balance`: propose the optimal assignment to workshops, apply it on an organiser's confirmation.

The Apply button carries a fingerprint of the inputs (choices, statuses, capacities) and
one of the plan shown; pressing it solves again (0.1 s at 3,500 candidates; the solver is
deterministic), refuses if either differs, and writes the plan: nothing about the proposal
is stored, so the proposal itself writes nothing and a restart in between is harmless.
"""

from __future__ import annotations

from sqlalchemy import select

from contract.messages import Button, Reply
from handlers.admin.common import country_label
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_
from storage.balancing import Inputs, Plan, apply_plan, read_inputs, solve
from storage.consistency import broken_binomes, stale_assignments
from storage.models import Collectivity, Workshop
from storage.participation import lock_event

# Names (and explanations) shown per group in the proposal; the rest is counted.
SHOWN = 30


def register(router: Router) -> None:
    router.admin_command("balance", N_("propose the best assignment to workshops, then apply it"))(balance)
    router.admin_action("admbal")(pressed)
    router.admin_command("mismatches", N_("assignments and joint talks that no longer match the choices"))(mismatches)


def mismatches(ctx: Context, _args: str) -> Reply:
    """What collectivities changed after the balancing or after naming a partner: nothing is changed here."""
    stale = stale_assignments(ctx.session, ctx.event)
    broken = broken_binomes(ctx.session, ctx.event)
    if not stale and not broken:
        return Reply(ctx._("Every assignment matches the choices, and every joint talk its partner's."))
    lines = []
    if stale:
        lines.append(ctx._("Assignments that no longer match the choices:"))
        for s in stale:
            name = f"#{s.collectivity.id} {s.collectivity.name(ctx.locale)}"
            if s.collectivity.status == "declined":
                lines.append(
                    "• "
                    + ctx._("{name}: workshop {number}, but it has declined").format(
                        name=name, number=s.workshop.number
                    )
                )
            else:
                chosen = (
                    ", ".join(
                        str(n)
                        for n in sorted(
                            w.number
                            for w in ctx.event.workshops
                            if w.id in {c.workshop_id for c in s.collectivity.choices}
                        )
                    )
                    or "—"
                )
                lines.append(
                    "• "
                    + ctx._("{name}: workshop {number}, but its choices are now {choices}").format(
                        name=name, number=s.workshop.number, choices=chosen
                    )
                )
        lines += ["", ctx._("{balance} proposes a new assignment.").format(balance=ctx.command("admin", "balance"))]
    if broken:
        if lines:
            lines.append("")
        lines.append(ctx._("Joint talks (binômes) whose partner no longer fits:"))
        for b in broken:
            values = {
                "name": f"#{b.collectivity.id} {b.collectivity.name(ctx.locale)}",
                "number": b.workshop.number,
                "partner": b.partner.name(ctx.locale),
            }
            if b.problem == "declined":
                lines.append(
                    "• " + ctx._("{name}, workshop {number}: with {partner}, which has declined").format(**values)
                )
            else:
                lines.append(
                    "• " + ctx._("{name}, workshop {number}: with {partner}, which has not chosen it").format(**values)
                )
    return Reply("\n".join(lines))


def _plan(ctx: Context) -> tuple[Inputs, Plan]:
    inputs = read_inputs(ctx.session, ctx.event)
    if not inputs.candidates:
        raise Refusal(ctx._("No confirmed collectivity has chosen its workshops yet: there is nothing to balance."))
    return inputs, solve(inputs.candidates, inputs.capacities)


def balance(ctx: Context, _args: str) -> Reply:
    inputs, plan = _plan(ctx)
    workshops = {w.id: w for w in ctx.event.workshops}
    countries = {c.id: c.country for c in inputs.candidates}
    members: dict[int, list[int]] = {}
    for cid, placed in plan.placements.items():
        if placed.workshop is not None:
            members.setdefault(placed.workshop, []).append(cid)
    groups = {
        (w.id, country): sorted((cid for cid in members.get(w.id, ()) if countries[cid] == country), key=_shown_order)
        for w in ctx.event.workshops
        for country in ("fr", "jp")
    }
    # Only the names shown are read: a few hundred, not thousands.
    names = _names(
        ctx,
        [cid for group in groups.values() for cid in group[:SHOWN]]
        + [miss.collectivity for miss in plan.misses[:SHOWN]]
        + list(inputs.without_choices[:SHOWN])
        + list(inputs.not_confirmed[:SHOWN]),
    )
    lines = [ctx._("Proposed assignment (not applied yet):")]
    for w in ctx.event.workshops:
        capacity = ctx._("no capacity set") if w.capacity is None else ctx._("capacity {n}").format(n=w.capacity)
        lines.append(
            ctx._("Workshop {number} ({count}, {capacity}):").format(
                number=w.number, count=len(members.get(w.id, ())), capacity=capacity
            )
        )
        for country in ("fr", "jp"):
            group = groups[(w.id, country)]
            lines.append(
                "   "
                + ctx._("{country} ({n}): {names}").format(
                    country=country_label(ctx, country), n=len(group), names=_some(ctx, group, names) or "—"
                )
            )
    unplaced = sum(1 for p in plan.placements.values() if p.workshop is None)
    lines += [
        "",
        ctx._("1st choice: {first} · 2nd choice: {second} · no workshop: {none}").format(
            first=plan.firsts, second=plan.seconds, none=unplaced
        ),
    ]
    if plan.misses:
        lines += ["", ctx._("Who did not get a choice, and why:")]
        for miss in plan.misses[:SHOWN]:
            lines.append("• " + _explain(ctx, names[miss.collectivity], miss.rank, miss.full, workshops))
        if len(plan.misses) > SHOWN:
            lines.append(_more(ctx, len(plan.misses) - SHOWN))
    if inputs.without_choices:
        left = _some(ctx, list(inputs.without_choices), names)
        lines += ["", ctx._("Confirmed but without workshop choices (left out): {names}").format(names=left)]
    if inputs.not_confirmed:
        left = _some(ctx, list(inputs.not_confirmed), names)
        lines += ["", ctx._("Chose workshops but not confirmed yet (left out): {names}").format(names=left)]
    if all(w.capacity is None for w in ctx.event.workshops):
        lines += [
            "",
            ctx._("No workshop has a capacity yet: set them with {admin} workshop <number> capacity=<n>.").format(
                **ctx.commands("admin")
            ),
        ]
    lines += ["", ctx._("Apply it? This replaces any earlier assignment.")]
    # The button names both the inputs and the plan shown: what is applied is exactly this proposal.
    apply = f"admbal:apply:{inputs.digest()}:{plan.digest()}"
    buttons = ((Button(ctx._("Apply"), apply), Button(ctx._("Cancel"), "admbal:cancel")),)
    return Reply("\n".join(lines), buttons=buttons)


def pressed(ctx: Context, payload: str) -> Reply:
    if payload == "cancel":
        return Reply(ctx._("Cancelled: the assignment was not changed."), edit=True)
    _, _, digests = payload.partition(":")
    inputs_digest, _, plan_digest = digests.partition(":")
    # Choosers hold the event row too: no choice can land between this check and the apply.
    lock_event(ctx.session, ctx.event)
    inputs = read_inputs(ctx.session, ctx.event)
    if inputs.digest() != inputs_digest:
        raise Refusal(
            ctx._(
                "The choices or capacities changed since this proposal, so I did not apply it. "
                "Send {admin} balance again."
            ).format(**ctx.commands("admin"))
        )
    # The same inputs give the same plan (the solver is deterministic), which the digest confirms:
    # a proposal made by another version of the solver, or a button from before the plan digest, is refused.
    plan = solve(inputs.candidates, inputs.capacities)
    if plan.digest() != plan_digest:
        raise Refusal(
            ctx._("The bot was updated since this proposal, so I did not apply it. Send {admin} balance again.").format(
                **ctx.commands("admin")
            )
        )
    written = apply_plan(ctx.session, ctx.event, plan, actor=ctx.incoming.actor, now=ctx.clock.now())
    return Reply(
        ctx.ngettext(
            "Applied: {n} collectivity now has its workshop.",
            "Applied: {n} collectivities now have their workshop.",
            written,
        ).format(n=written),
        edit=True,
    )


def _some(ctx: Context, ids: list[int], names: dict[int, str]) -> str:
    """At most SHOWN names, then how many more: thousands would be dozens of chat messages."""
    shown = ", ".join(names[cid] for cid in ids[:SHOWN])
    if len(ids) <= SHOWN:
        return shown
    return shown + " " + _more(ctx, len(ids) - SHOWN)


def _shown_order(cid: int) -> str:
    """The order of the labels "#12 Ville de Sète": decided by the number and the space after it."""
    return f"{cid} "


def _more(ctx: Context, n: int) -> str:
    return ctx.ngettext(
        "… and {n} more (Doc 8 lists every collectivity once the assignment is applied).",
        "… and {n} more (Doc 8 lists every collectivity once the assignment is applied).",
        n,
    ).format(n=n)


def _names(ctx: Context, ids: list[int]) -> dict[int, str]:
    found = {c.id: c for c in ctx.session.scalars(select(Collectivity).where(Collectivity.id.in_(ids)))} if ids else {}
    return {cid: f"#{cid} {found[cid].name(ctx.locale)}" for cid in ids if cid in found}


def _explain(
    ctx: Context,
    name: str,
    rank: int | None,
    full: tuple[int, ...],
    workshops: dict[int, Workshop],
) -> str:
    full_text = ctx.translator.list(
        [
            ctx._("workshop {number} (capacity {n})").format(number=workshops[w].number, n=workshops[w].capacity)
            for w in full
        ]
    )
    if rank == 2:
        return ctx._("{name}: 2nd choice, because its 1st choice is full: {full}.").format(name=name, full=full_text)
    if full:
        return ctx._("{name}: no workshop, because both its choices are full: {full}.").format(
            name=name, full=full_text
        )
    return ctx._("{name}: no workshop (its choices are not workshops of this event).").format(name=name)
