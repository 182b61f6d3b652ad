"""/choose: exactly two different workshops, ranked, typed (`/choose 3 1`) or tapped one after the other.

The form is described once, in CHOOSE (handlers/forms.py): typed, tapped or submitted whole,
the two choices go through CHOOSE.clean, then the same storage operation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from contract.messages import Button, ChoiceView, Reply
from handlers.context import Context, Refusal
from handlers.forms import Field, Form
from handlers.notify import to_organisers
from handlers.participation.common import (
    Buttons,
    date_label,
    end_form,
    explain,
    find_workshop,
    require_collectivity,
    short_button_label,
    start_form,
    update_form,
    workshop_label,
)
from handlers.router import Router
from locales import N_, Translator
from storage.consistency import assignments_of, stale_among
from storage.models import Collectivity, FormState, Workshop
from storage.participation import (
    ParticipationError,
    check_can_choose,
    choices_deadline,
    choose,
)

FORM = "choose"


def register(router: Router) -> None:
    router.command("choose", N_("choose two workshops, ranked 1 and 2"), N_("[first second]"), private=True)(
        choose_command
    )
    router.form(FORM, ask)(typed_while_choosing)
    router.action("ch")(press)
    router.submission(FORM)(CHOOSE.submit)


def _allowed(ctx: Context) -> Collectivity:
    collectivity = require_collectivity(ctx)
    try:
        check_can_choose(ctx.event, collectivity, ctx.clock.now())
    except ParticipationError as error:
        raise explain(ctx, error) from None
    return collectivity


def choose_command(ctx: Context, args: str) -> Reply | list[Reply]:
    collectivity = _allowed(ctx)
    tokens = [t for t in re.split(r"[\s,;、，]+", args) if t]
    if len(tokens) > 2:
        raise Refusal(
            ctx._(
                "Each collectivity chooses exactly two workshops, ranked: for example {example}. "
                "A third one cannot be added."
            ).format(example=ctx.command("choose", "3 1"))
        )
    if len(tokens) == 1:
        raise Refusal(
            ctx._("Please give two different workshops, the first choice first: for example {example}.").format(
                example=ctx.command("choose", "3 1")
            )
        )
    if len(tokens) == 2:
        return _save(ctx, collectivity, find_workshop(ctx, tokens[0]), find_workshop(ctx, tokens[1]))
    state = start_form(ctx, FORM, "first", {"collectivity": collectivity.id})
    lines = _current_lines(ctx, collectivity)
    lines.append(ctx._("Tap your first choice (rank 1), then your second choice (rank 2)."))
    return Reply("\n".join(lines), buttons=_buttons(ctx, state), numbers="label", form=CHOOSE.view(ctx, collectivity))


def ask(ctx: Context, state: FormState) -> Reply:
    """The tap the form waits for: the first choice, or the second one."""
    first = next((w for w in ctx.event.workshops if w.id == state.data.get("first")), None)
    if state.step != "second" or first is None:
        text = ctx._("Tap your first choice (rank 1), then your second choice (rank 2).")
    else:
        text = "\n".join([_rank_line(ctx, 1, first), ctx._("Now tap your second choice (rank 2).")])
    return Reply(text, buttons=_buttons(ctx, state), numbers="label")


def _current_lines(ctx: Context, collectivity: Collectivity) -> list[str]:
    if not collectivity.choices:
        return []
    by_id = {w.id: w for w in ctx.event.workshops}
    lines = [ctx._("Your current choices:")]
    lines += [_rank_line(ctx, c.rank, by_id[c.workshop_id]) for c in collectivity.choices]
    lines.append(ctx._("Choosing again replaces both."))
    return [*lines, ""]


def _rank_line(ctx: Context, rank: int, workshop: Workshop) -> str:
    if rank == 1:
        return "1. " + ctx._("First choice: {workshop}").format(workshop=workshop_label(ctx, workshop))
    return "2. " + ctx._("Second choice: {workshop}").format(workshop=workshop_label(ctx, workshop))


def _buttons(ctx: Context, state: FormState) -> Buttons:
    """One button per workshop still open to this tap, labelled "3. …": the console keys it by 3."""
    first = state.data.get("first")
    return tuple((Button(short_button_label(ctx, w), f"ch:{w.number}"),) for w in ctx.event.workshops if w.id != first)


def _pick(ctx: Context, workshop: Workshop) -> Reply | list[Reply]:
    collectivity = _allowed(ctx)
    state = ctx.form_state()
    if state is None or state.form != FORM:
        state = start_form(ctx, FORM, "first", {"collectivity": collectivity.id})
    if state.step == "first":
        update_form(ctx, state, "second", first=workshop.id)
        text = "\n".join(
            [
                _rank_line(ctx, 1, workshop),
                ctx._("Now tap your second choice (rank 2)."),
            ]
        )
        return Reply(text, buttons=_buttons(ctx, state), edit=ctx.incoming.action is not None, numbers="label")
    first = next((w for w in ctx.event.workshops if w.id == state.data["first"]), None)
    if first is None:
        end_form(ctx)
        raise Refusal(ctx._("This form is no longer in progress. Send the command again to start over."))
    return _save(ctx, collectivity, first, workshop)


def _save(ctx: Context, collectivity: Collectivity, first: Workshop, second: Workshop) -> list[Reply]:
    """Typed or tapped choices: checked as a whole submission is, then written."""
    values, errors = CHOOSE.clean(ctx, collectivity, {"first": str(first.number), "second": str(second.number)})
    if errors:
        raise Refusal(next(iter(errors.values())))
    try:
        reply = _write(ctx, collectivity, values)
    except ParticipationError as error:
        raise explain(ctx, error) from None
    end_form(ctx)
    return reply


def _write(ctx: Context, collectivity: Collectivity, values: Mapping[str, Any]) -> list[Reply]:
    """CHOOSE's storage operation and its confirmation, whichever way the form was filled."""
    first, second = _workshop(ctx, values["first"]), _workshop(ctx, values["second"])
    choose(
        ctx.session,
        event=ctx.event,
        collectivity=collectivity,
        first=first,
        second=second,
        now=ctx.clock.now(),
        actor=ctx.incoming.actor,
    )
    lines = [ctx._("Your workshop choices are saved:"), _rank_line(ctx, 1, first), _rank_line(ctx, 2, second)]
    stale = stale_among(ctx.event, collectivity, assignments_of(ctx.session, collectivity), {first.id, second.id})
    told: list[Reply] = []
    if stale:
        old = ", ".join(str(s.workshop.number) for s in stale)
        lines.append(
            ctx._(
                "The organisers had already assigned you to workshop {old}, which is no longer among your choices: "
                "they are told, and will set your workshop again."
            ).format(old=old)
        )
        told = to_organisers(ctx, lambda t, command: _tell_stale(t, command, collectivity, old))
    closing = choices_deadline(ctx.event, collectivity)
    if closing is not None:
        last_day = (closing - dt.timedelta(seconds=1)).astimezone(ctx.zone).date()
        lines.append(
            ctx._(
                "You can change them with {choose} until {date}, unless the organisers close the choices first."
            ).format(choose=ctx.command("choose"), date=date_label(ctx, last_day))
        )
    lines.append(
        ctx._("Next step: the abstract of your intervention, with {abstract}.").format(abstract=ctx.command("abstract"))
    )
    buttons = ((Button(ctx._("Write the abstract"), "cmd:abstract"), Button(ctx._("Status"), "cmd:status")),)
    return [Reply("\n".join(lines), buttons=buttons, edit=ctx.incoming.action is not None), *told]


def _tell_stale(t: Translator, command: Callable[..., str], collectivity: Collectivity, old: str) -> str:
    """The organisers' message: a collectivity chose again after the balancing was applied."""
    return t.gettext(
        "{name} changed its workshop choices after the balancing: its assignment to workshop {old} no longer "
        "matches them. {mismatches} lists every such case; {balance} proposes a new assignment."
    ).format(
        name=collectivity.name(t.locale),
        old=old,
        mismatches=command("admin", "mismatches"),
        balance=command("admin", "balance"),
    )


def press(ctx: Context, payload: str) -> Reply | list[Reply]:
    return _pick(ctx, find_workshop(ctx, payload))


def typed_while_choosing(ctx: Context, state: FormState, text: str) -> Reply | list[Reply]:
    tokens = [t for t in re.split(r"[\s,;、，]+", text) if t]
    if len(tokens) == 1:
        return _pick(ctx, find_workshop(ctx, tokens[0]))
    if len(tokens) == 2:
        return choose_command(ctx, text)
    raise Refusal(ctx._("Please tap a workshop, or type its number."), _buttons(ctx, state), "label")


# --- the form described once ------------------------------------------------------------------


def _workshop(ctx: Context, number: str) -> Workshop:
    return next(w for w in ctx.event.workshops if str(w.number) == number)


def _fields(ctx: Context, _collectivity: Collectivity) -> tuple[Field, ...]:
    """Two choices among the event's workshops, by number."""
    choices = tuple(ChoiceView(str(w.number), workshop_label(ctx, w)) for w in ctx.event.workshops)
    error = ctx._("Please choose one of the proposed answers.")
    return (
        Field("first", "choice", ctx._("First choice (rank 1)"), error, choices=choices),
        Field("second", "choice", ctx._("Second choice (rank 2)"), error, choices=choices),
    )


def _different(ctx: Context, values: Mapping[str, Any]) -> dict[str, str]:
    """The whole form: two different workshops (the rule of storage.participation.choose, said per field)."""
    if "first" not in values or values.get("first") != values.get("second"):
        return {}
    error = ParticipationError("same_twice", workshop=_workshop(ctx, values["first"]))
    return {"second": explain(ctx, error).message}


def _current(ctx: Context, collectivity: Collectivity) -> dict[str, Any]:
    by_id = {w.id: w for w in ctx.event.workshops}
    ranks = {1: "first", 2: "second"}
    return {ranks[c.rank]: str(by_id[c.workshop_id].number) for c in collectivity.choices if c.workshop_id in by_id}


CHOOSE = Form(
    name=FORM,
    title=N_("Choose two workshops"),
    submit_label=N_("Save"),
    opened_for=_allowed,
    fields=_fields,
    finish=_write,
    explain=explain,
    check=_different,
    current=_current,
    error_fields={"same_twice": "second", "same_slot": "second"},
)
