"""/confirm (a form: delegation, then options, then a summary to confirm) and /decline.

The answers are kept in the person's FormState row until the final confirmation, which
writes status, delegation and options in one transaction. The form is described once, in
CONFIRM (handlers/forms.py): each step checks its answer with CONFIRM's field, and the last
one, like a whole submission, goes through CONFIRM.clean and CONFIRM.finish.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select

from contract.messages import Button, Reply
from handlers.context import Context, FormOutdated, Refusal
from handlers.forms import Field, FieldError, Form, refuse_step
from handlers.notify import to_organisers
from handlers.participation.common import (
    Buttons,
    end_form,
    explain,
    form_collectivity,
    form_in_progress,
    name_of,
    option_title,
    parse_count,
    require_collectivity,
    require_private,
    start_form,
    update_form,
)
from handlers.router import Router
from locales import N_, Translator
from locales.words import read_yes_no
from storage.consistency import broken_binomes, stale_assignments
from storage.models import Collectivity, FormState, Option, OptionSignup
from storage.participation import (
    MAX_DELEGATION,
    ParticipationError,
    confirm,
    decline,
    options_for,
    ordered_options,
    remaining_places,
)

FORM = "confirm"
# The decline question is a one-step form, so that a typed oui / はい answers it.
DECLINE_FORM = "decline"
# A delegate's name and role, each.
MAX_PERSON_TEXT = 200
# "Name, role": the first comma (or Japanese comma) separates them.
_SEPARATOR = re.compile(r"\s*[,，、;；]\s*")


def register(router: Router) -> None:
    router.command("confirm", N_("confirm your participation: delegation and options"), private=True)(start)
    router.command("decline", N_("tell the organisers your collectivity will not take part"), private=True)(ask_decline)
    router.form(FORM, ask)(answer)
    router.action("cf")(press)
    router.action("decline")(press_decline)
    router.form(DECLINE_FORM, _decline_question)(answer_decline)
    router.submission(FORM)(CONFIRM.submit)


def start(ctx: Context, _args: str) -> Reply:
    require_private(ctx)
    # Its delegates with it: the form starts from the delegation given before.
    collectivity = require_collectivity(ctx, with_members=True)
    state = start_form(ctx, FORM, "size", {"collectivity": collectivity.id, "people": [], "options": {}})
    intro = [ctx._("Let us confirm the participation of {name}.").format(name=name_of(ctx, collectivity))]
    if collectivity.status == "confirmed":
        intro.append(ctx._("It is already confirmed: your new answers will replace the delegation and options."))
    intro.append(
        ctx._("You can stop at any time with {cancel}; nothing is saved before the last step.").format(
            cancel=ctx.command("cancel")
        )
    )
    question = ask(ctx, state)
    return Reply(
        "\n".join([*intro, "", question.text]),
        buttons=question.buttons,
        numbers=question.numbers,
        form=CONFIRM.view(ctx, collectivity),
    )


def ask(ctx: Context, state: FormState) -> Reply:
    """The question of the form's current step."""
    data = state.data
    if state.step == "size":
        buttons = (tuple(Button(str(n), f"cf:size:{n}") for n in range(1, 6)),)
        # Each button is labelled with its number: a typed 7 is a size too, not a missing button.
        return Reply(
            ctx._("How many people will your delegation have? Send a number."), buttons=buttons, numbers="label"
        )
    if state.step == "person":
        index = len(data["people"]) + 1
        return Reply(
            ctx._(
                "Person {index} of {size}: send their name and role, separated by a comma "
                "(for example: Camille Durand, deputy mayor)."
            ).format(index=index, size=data["size"])
        )
    if state.step == "option":
        option = _option(ctx, data["option"])
        # A typed number is a head count (or 0 for no), never the position of a button.
        return Reply(
            _option_question(ctx, state, option), buttons=_option_buttons(ctx, state, option), numbers="answer"
        )
    return _summary(ctx, state)


def _option(ctx: Context, key: str) -> Option:
    option = next((o for o in ctx.event.options if o.key == key), None)
    if option is None:
        raise FormOutdated(key)
    return option


def _counted(option: Option) -> bool:
    """Options with a capacity are counted in people; the others are a yes or no for the delegation."""
    return option.capacity is not None


def _option_question(ctx: Context, state: FormState, option: Option) -> str:
    title = option_title(ctx, option)
    if not _counted(option):
        if option.kind == "bring":
            return ctx._("“{option}”: will your delegation bring it?").format(option=title)
        return ctx._("“{option}”: will your delegation take part?").format(option=title)
    collectivity = require_collectivity(ctx)
    left = remaining_places(ctx.session, option, ctx.event, collectivity) or 0
    lines = [
        ctx._("“{option}”: how many people of your delegation will come? Send a number from 0 to {size}.").format(
            option=title, size=state.data["size"]
        ),
        ctx.ngettext("{left} place left out of {capacity}.", "{left} places left out of {capacity}.", left).format(
            left=left, capacity=option.capacity
        ),
    ]
    return "\n".join(lines)


def _option_buttons(ctx: Context, state: FormState, option: Option) -> Buttons:
    size = state.data["size"]
    if not _counted(option):
        return ((Button(ctx._("Yes"), f"cf:opt:{option.key}:{size}"), Button(ctx._("No"), f"cf:opt:{option.key}:0")),)
    return (
        (
            Button(ctx._("Everyone ({n})").format(n=size), f"cf:opt:{option.key}:{size}"),
            Button(ctx._("Nobody"), f"cf:opt:{option.key}:0"),
        ),
    )


def _summary(ctx: Context, state: FormState) -> Reply:
    data = state.data
    collectivity = require_collectivity(ctx)
    lines = [ctx._("Please check your answers for {name}:").format(name=name_of(ctx, collectivity)), ""]
    lines.append(ctx.ngettext("Delegation: {n} person", "Delegation: {n} people", data["size"]).format(n=data["size"]))
    lines += [_person_line(name, role) for name, role in data["people"]]
    lines += ["", ctx._("Options:")]
    lines += _option_lines(ctx, data["options"])
    lines += ["", ctx._("Confirm the participation with these answers?")]
    buttons = ((Button(ctx._("Confirm"), "cf:ok"), Button(ctx._("Cancel"), "cf:cancel")),)
    return Reply("\n".join(lines), buttons=buttons)


def _person_line(name: str, role: str | None) -> str:
    return f"• {name}" + (f" — {role}" if role else "")


def _option_lines(ctx: Context, chosen: dict[str, int]) -> list[str]:
    lines = []
    for option in ordered_options(ctx.event):
        if option.key not in chosen:
            continue
        people = chosen[option.key]
        bring = option.kind == "bring"
        if not people:
            answer = ctx._("not bringing") if bring else ctx._("not taking part")
        elif _counted(option):
            answer = ctx.ngettext("{n} person", "{n} people", people).format(n=people)
        else:
            answer = ctx._("bringing") if bring else ctx._("taking part")
        lines.append(ctx._("• {option}: {answer}").format(option=option_title(ctx, option), answer=answer))
    return lines or ["• " + ctx._("none offered")]


def answer(ctx: Context, state: FormState, text: str) -> Reply:
    """Free text while the form is in progress: the answer to the current step."""
    if state.step == "size":
        return _take_size(ctx, state, parse_count(text))
    if state.step == "person":
        return _take_person(ctx, state, text)
    if state.step == "option":
        return _take_option(ctx, state, state.data["option"], _parse_option_answer(text, state.data["size"]))
    raise Refusal.again(ctx._("Please use the buttons: Confirm or Cancel."), ask(ctx, state))


def _take_size(ctx: Context, state: FormState, size: int | None) -> Reply:
    try:
        size = _people_field(ctx).check_count(size, {})
    except FieldError as error:
        raise refuse_step(error, ask(ctx, state)) from None
    update_form(ctx, state, "person", size=size, people=[])
    return ask(ctx, state)


def _take_person(ctx: Context, state: FormState, text: str) -> Reply:
    parts = _SEPARATOR.split(text.strip(), maxsplit=1)
    name = parts[0].strip()
    role = parts[1].strip() if len(parts) > 1 and parts[1].strip() else None
    try:
        person = _people_field(ctx).check_item(ctx, {"name": name, "role": role})
    except FieldError as error:
        raise Refusal(error.message) from None
    people = [*state.data["people"], [person["name"], person["role"]]]
    if len(people) < state.data["size"]:
        update_form(ctx, state, "person", people=people)
        return ask(ctx, state)
    update_form(ctx, state, people=people)
    return _next_option(ctx, state, after=None)


def _next_option(ctx: Context, state: FormState, after: str | None) -> Reply:
    """Move to the option after `after` (or the first one), or to the summary when none is left."""
    collectivity = require_collectivity(ctx)
    keys = [o.key for o in options_for(ctx.event, collectivity)]
    index = keys.index(after) + 1 if after in keys else 0
    if index < len(keys):
        update_form(ctx, state, "option", option=keys[index])
    else:
        update_form(ctx, state, "summary")
    return ask(ctx, state)


def _parse_option_answer(text: str, size: int) -> int | None:
    """A count of people, or yes (the whole delegation) / no in the bot's one vocabulary.

    The number is read first: "1" is a yes in a spreadsheet column but one person here.
    """
    count = parse_count(text)
    if count is not None:
        return count
    answer = read_yes_no(text)
    return None if answer is None else size if answer else 0


def _take_option(ctx: Context, state: FormState, key: str, people: int | None) -> Reply:
    option = _option(ctx, key)
    size = state.data["size"]
    field = _option_field(ctx, require_collectivity(ctx), option)
    values = _values(state)
    try:
        if _counted(option):
            people = field.check(ctx, people, values)
        elif people is None or not 0 <= people <= size:
            raise FieldError(field.message(values))
        else:
            people = size if field.check(ctx, people > 0, values) else 0
    except FieldError as error:
        raise Refusal(error.message, _option_buttons(ctx, state, option), "answer") from None
    update_form(ctx, state, options={**state.data["options"], key: people})
    return _next_option(ctx, state, after=key)


def press(ctx: Context, payload: str) -> Reply:
    """A button of the form: size, an option's answer, confirm or cancel."""
    state = form_in_progress(ctx, FORM)
    kind, _, rest = payload.partition(":")
    if kind == "size" and state.step == "size":
        return _take_size(ctx, state, parse_count(rest))
    if kind == "opt" and state.step == "option":
        key, _, value = rest.rpartition(":")
        if key == state.data["option"]:
            return _take_option(ctx, state, key, parse_count(value))
    if kind == "cancel":
        end_form(ctx)
        return Reply(ctx._("Cancelled. Nothing from that form was saved."), edit=True)
    if kind == "ok" and state.step == "summary":
        return _finish(ctx, state)
    raise Refusal.again(ctx._("This button belongs to an earlier question."), ask(ctx, state))


def _finish(ctx: Context, state: FormState) -> Reply:
    """The last step: the whole form checked as a submission is, then written."""
    collectivity = form_collectivity(ctx, state)
    again = ctx._("Send {confirm} to answer again.").format(confirm=ctx.command("confirm"))
    values, errors = CONFIRM.clean(ctx, collectivity, _values(state))
    if errors:
        raise Refusal(next(iter(errors.values())) + "\n" + again)
    try:
        reply = _save(ctx, collectivity, values)
    except ParticipationError as error:
        raise Refusal(explain(ctx, error).message + "\n" + again) from None
    end_form(ctx)
    return reply


def _values(state: FormState) -> dict[str, Any]:
    """The dialog's answers so far, as CONFIRM's fields hold them."""
    data: dict[str, Any] = state.data
    people = [{"name": name, "role": role} for name, role in data.get("people", [])]
    return {"people": people, **{f"options.{key}": answer for key, answer in data.get("options", {}).items()}}


def _save(ctx: Context, collectivity: Collectivity, values: Mapping[str, Any]) -> Reply:
    """CONFIRM's storage operation and its confirmation, whichever way the form was filled."""
    people = values["people"]
    options: dict[str, int] = {}
    for option in options_for(ctx.event, collectivity):
        answer = values.get(f"options.{option.key}")
        if answer is not None:
            options[option.key] = int(answer) if _counted(option) else (len(people) if answer else 0)
    confirm(
        ctx.session,
        event=ctx.event,
        collectivity=collectivity,
        delegates=[(person["name"], person.get("role")) for person in people],
        options=options,
        now=ctx.clock.now(),
        actor=ctx.incoming.actor,
    )
    text = "\n".join(
        [
            ctx._("Thank you! The participation of {name} is confirmed.").format(name=name_of(ctx, collectivity)),
            ctx._("Next step: choose two workshops, ranked, with {choose}.").format(choose=ctx.command("choose")),
        ]
    )
    buttons = ((Button(ctx._("Choose workshops"), "cmd:choose"), Button(ctx._("Status"), "cmd:status")),)
    return Reply(text, buttons=buttons)


# --- the form described once ------------------------------------------------------------------


def _opened_for(ctx: Context) -> Collectivity:
    require_private(ctx)
    return require_collectivity(ctx, with_members=True)


def _people_field(ctx: Context) -> Field:
    """The delegation: from 1 to MAX_DELEGATION persons, each a name and an optional role."""
    person_error = ctx._("Please send a name (and a role after a comma), each under 200 characters.")
    return Field(
        "people",
        "group",
        ctx._("Members of the delegation"),
        ctx._("Please send the number of people, from 1 to {most}.").format(most=MAX_DELEGATION),
        minimum=1,
        maximum=MAX_DELEGATION,
        fields=(
            Field("name", "text", ctx._("Name"), person_error, max_length=MAX_PERSON_TEXT),
            Field("role", "text", ctx._("Role"), person_error, required=False, max_length=MAX_PERSON_TEXT),
        ),
    )


def _size(values: Mapping[str, Any]) -> int:
    """The delegation's size given before the options; the largest one when it was refused."""
    return len(values.get("people") or []) or MAX_DELEGATION


def _option_field(ctx: Context, collectivity: Collectivity, option: Option) -> Field:
    """An option with a capacity is a head count (at most the delegation, within the places left); others yes or no."""
    name, title = f"options.{option.key}", option_title(ctx, option)
    if not _counted(option):
        return Field(name, "yesno", title, ctx._("Please answer yes or no (or tap a button)."))

    def count_error(values: Mapping[str, Any]) -> str:
        return ctx._("For “{option}”, please give a number between 0 and {most} (the size of your delegation).").format(
            option=title, most=_size(values)
        )

    def within_places(ctx: Context, people: int, values: Mapping[str, Any]) -> int:
        if people > _size(values):
            raise FieldError(count_error(values))
        left = remaining_places(ctx.session, option, ctx.event, collectivity)
        if left is not None and people > left:
            raise FieldError(explain(ctx, ParticipationError("option_full", option=option, left=left)).message)
        return people

    return Field(name, "number", title, count_error, minimum=0, maximum=MAX_DELEGATION, validate=within_places)


def _fields(ctx: Context, collectivity: Collectivity) -> tuple[Field, ...]:
    options = tuple(_option_field(ctx, collectivity, o) for o in options_for(ctx.event, collectivity))
    return (_people_field(ctx), *options)


def _current(ctx: Context, collectivity: Collectivity) -> dict[str, Any]:
    """A confirmed collectivity's delegation and options, to prefill the whole form."""
    if collectivity.status != "confirmed":
        return {}
    signups = {
        s.option_key: s.people
        for s in ctx.session.scalars(select(OptionSignup).where(OptionSignup.collectivity_id == collectivity.id))
    }
    values: dict[str, Any] = {"people": [{"name": d.name, "role": d.role} for d in collectivity.delegates]}
    for option in options_for(ctx.event, collectivity):
        people = signups.get(option.key, 0)
        values[f"options.{option.key}"] = people if _counted(option) else people > 0
    return values


CONFIRM = Form(
    name=FORM,
    title=N_("Confirm your participation"),
    submit_label=N_("Confirm"),
    opened_for=_opened_for,
    fields=_fields,
    finish=_save,
    explain=explain,
    current=_current,
    error_fields={"delegation_size": "people", "single_person_same_slot": "people"},
)


def ask_decline(ctx: Context, _args: str) -> Reply:
    collectivity = require_collectivity(ctx)
    name = name_of(ctx, collectivity)
    if collectivity.status == "declined":
        return Reply(
            ctx._("{name} has already declined. If it changes its mind, send {confirm}.").format(
                name=name, confirm=ctx.command("confirm")
            )
        )
    state = start_form(ctx, DECLINE_FORM, "ask", {"collectivity": collectivity.id})
    return _decline_question(ctx, state)


def _decline_question(ctx: Context, state: FormState) -> Reply:
    """Asked of a collectivity still in: what declining gives up, whatever its status (choices « à l'étude » too)."""
    collectivity = form_collectivity(ctx, state)
    lines = [ctx._("Do you confirm that {name} will not take part?").format(name=name_of(ctx, collectivity))]
    if collectivity.status == "confirmed":
        lines.append(ctx._("Its options and workshop choices will be given up."))
    elif collectivity.choices:
        number = {w.id: w.number for w in ctx.event.workshops}
        ranked = sorted(collectivity.choices, key=lambda c: c.rank)
        numbers = ", ".join(str(number[c.workshop_id]) for c in ranked)
        lines.append(ctx._("Its workshop choices ({numbers}) will be deleted.").format(numbers=numbers))
    buttons = ((Button(ctx._("Yes, decline"), "decline:yes"), Button(ctx._("No"), "decline:no")),)
    return Reply("\n".join(lines), buttons=buttons)


def answer_decline(ctx: Context, state: FormState, text: str) -> Reply | list[Reply]:
    """The decline question answered by typing: yes or no in any of the bot's languages."""
    answer = read_yes_no(text)
    if answer is None:
        raise Refusal.again(ctx._("Please answer yes or no (or tap a button)."), _decline_question(ctx, state))
    return press_decline(ctx, "yes" if answer else "no")


def press_decline(ctx: Context, payload: str) -> Reply | list[Reply]:
    collectivity = require_collectivity(ctx)
    name = name_of(ctx, collectivity)
    state = ctx.form_state()
    if state is not None and state.form == DECLINE_FORM:
        end_form(ctx)
    if payload != "yes":
        return Reply(ctx._("Nothing was changed."), edit=True)
    if collectivity.status == "declined":
        return Reply(
            ctx._("{name} has already declined. If it changes its mind, send {confirm}.").format(
                name=name, confirm=ctx.command("confirm")
            )
        )
    decline(ctx.session, collectivity=collectivity, now=ctx.clock.now(), actor=ctx.incoming.actor)
    reply = Reply(
        ctx._("Noted: {name} will not take part. If it changes its mind, send {confirm}.").format(
            name=name, confirm=ctx.command("confirm")
        ),
        edit=True,
    )
    stale = [s.workshop.number for s in stale_assignments(ctx.session, ctx.event, collectivity)]
    partners_of = [b.collectivity for b in broken_binomes(ctx.session, ctx.event) if b.partner.id == collectivity.id]
    if not stale and not partners_of:
        return reply
    return [reply, *to_organisers(ctx, lambda t, command: _tell_declined(t, command, collectivity, stale, partners_of))]


def _tell_declined(
    t: Translator,
    command: Callable[..., str],
    collectivity: Collectivity,
    stale: list[int],
    partners_of: list[Collectivity],
) -> str:
    """The organisers' message: a collectivity assigned to a workshop, or named as a partner, declined."""
    lines = [t.gettext("{name} has declined to take part.").format(name=collectivity.name(t.locale))]
    if stale:
        lines.append(
            t.gettext("Its assignment to workshop {old} no longer stands.").format(old=", ".join(map(str, stale)))
        )
    if partners_of:
        lines.append(
            t.gettext("It was the partner of a joint talk of: {names}.").format(
                names=", ".join(c.name(t.locale) for c in partners_of)
            )
        )
    lines.append(t.gettext("{mismatches} lists every such case.").format(mismatches=command("admin", "mismatches")))
    return "\n".join(lines)
