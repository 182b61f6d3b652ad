"""What the contacts' commands share: finding the person's collectivity, forms, and refusals in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from contract.messages import Button
from contract.numbers import number_in
from handlers.context import Context, Refusal
from locales.words import normalised
from storage.models import Collectivity, FormState, Option, Workshop
from storage.participation import ParticipationError, collectivity_of

Buttons = tuple[tuple[Button, ...], ...]

# Typed to leave an optional answer empty.
SKIP = {"-", "—", "skip", "passer", "なし", "non", "no", "none"}
_ONE_SECOND = dt.timedelta(seconds=1)


def require_collectivity(ctx: Context, *, with_members: bool = False) -> Collectivity:
    """The collectivity this person acts for, or a refusal telling how to join one.

    `with_members`: its delegates and choices read in the same statement, for a handler showing them.
    """
    collectivity = collectivity_of(ctx.session, ctx.event, ctx.user, with_members=with_members)
    if collectivity is None:
        raise Refusal(
            ctx._(
                "You are not linked to a collectivity yet. Send {join} followed by the invitation code "
                "you received from the organisers."
            ).format(**ctx.commands("join"))
        )
    return collectivity


def require_private(ctx: Context) -> None:
    """Forms are answered in a private conversation, not in a group."""
    if ctx.incoming.is_group:
        raise Refusal(ctx._("Please answer this in a private conversation with me, not in a group."))


def name_of(ctx: Context, collectivity: Collectivity) -> str:
    return collectivity.name(ctx.locale)


def workshop_label(ctx: Context, workshop: Workshop) -> str:
    return ctx._("Workshop {number}: {title}").format(number=workshop.number, title=ctx.text(workshop.title))


def find_workshop(ctx: Context, token: str) -> Workshop:
    """The event's workshop by number or key, or a refusal giving the range of numbers."""
    wanted = normalised(token)
    for workshop in ctx.event.workshops:
        if wanted in (str(workshop.number), workshop.key):
            return workshop
    numbers = [w.number for w in ctx.event.workshops]
    raise Refusal(
        ctx._("There is no workshop “{text}”. The workshops are numbered {first} to {last}: see {workshops}.").format(
            text=token.strip()[:20],
            first=min(numbers, default=1),
            last=max(numbers, default=1),
            **ctx.commands("workshops"),
        )
    )


def short_button_label(ctx: Context, workshop: Workshop, limit: int = 40) -> str:
    """ "3. Gouvernance et politiques publiques…": the number first (the console keys buttons by it),
    the title cut at a word boundary."""
    return f"{workshop.number}. " + cut_at_word(ctx.text(workshop.title), limit - len(f"{workshop.number}. "))


def cut_at_word(text: str, limit: int) -> str:
    """`text`, or its first words followed by "…" when it is longer than `limit` characters."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    # Japanese has no spaces: cut anywhere; otherwise at the last space that keeps some words.
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:—-–'’") + "…"


def date_label(ctx: Context, value: dt.date, *, year: bool = True) -> str:
    """A date without its weekday, in the reader's language."""
    return ctx.translator.date(value, year=year)


def start_form(ctx: Context, form: str, step: str, data: dict[str, Any]) -> FormState:
    """Begin a form (replacing any other one in progress for this person)."""
    state = ctx.form_state()
    if state is None:
        state = FormState(
            chat_user_id=ctx.user.id, event_id=ctx.event.id, form=form, step=step, data=data, updated_at=ctx.clock.now()
        )
        ctx.session.add(state)
    else:
        state.form, state.step, state.data, state.updated_at = form, step, data, ctx.clock.now()
    return state


def update_form(ctx: Context, state: FormState, step: str | None = None, **changes: Any) -> None:
    """Store the next step and answers; the JSON column is replaced, not mutated, so it is saved."""
    if step is not None:
        state.step = step
    state.data = {**state.data, **changes}
    state.updated_at = ctx.clock.now()


def form_in_progress(ctx: Context, form: str) -> FormState:
    """The person's form `form`, or a refusal saying a button belongs to a finished form."""
    state = ctx.form_state()
    if state is None or state.form != form:
        raise Refusal(ctx._("This form is no longer in progress. Send the command again to start over."))
    return state


def form_collectivity(ctx: Context, state: FormState) -> Collectivity:
    """The collectivity a form was started for; a form outliving a change of collectivity is dropped."""
    collectivity = require_collectivity(ctx)
    if collectivity.id != state.data["collectivity"]:
        end_form(ctx)
        raise Refusal(ctx._("This form is no longer in progress. Send the command again to start over."))
    return collectivity


def end_form(ctx: Context) -> None:
    state = ctx.form_state()
    if state is not None:
        ctx.session.delete(state)


def option_title(ctx: Context, option: Option) -> str:
    return ctx.text(option.title)


def parse_count(text: str) -> int | None:
    """A number of people from what people type ("3", "３人", "3 personnes"); None when there is none."""
    return number_in(text, max_digits=4)


def explain(ctx: Context, error: ParticipationError, buttons: Buttons = ()) -> Refusal:
    """The refusal, in the person's language, for a broken participation rule."""
    p = error.params
    reason = error.reason
    if reason == "code_missing":
        text = ctx._(
            "Please send the invitation code you received from the organisers, for example {join} ABCD-2345."
        ).format(**ctx.commands("join"))
    elif reason == "code_wrong":
        text = ctx._("This invitation code is not valid. Please check it, or ask the organisers for a new one.")
    elif reason == "code_revoked":
        text = ctx._("This invitation code was withdrawn by the organisers. Please ask them for a new one.")
    elif reason == "code_expired":
        text = ctx._("This invitation code expired on {date}. Please ask the organisers for a new one.").format(
            date=date_label(ctx, p["when"].astimezone(ctx.zone).date())
        )
    elif reason == "code_used_up":
        text = ctx._(
            "This invitation code has already been used as many times as allowed. "
            "Please ask the organisers for a new one."
        )
    elif reason == "already_linked":
        text = ctx._(
            "You already act for {name}. One chat account acts for one collectivity only; "
            "if this is a mistake, please contact the organisers."
        ).format(name=name_of(ctx, p["collectivity"]))
    elif reason == "delegation_size":
        text = ctx._("A delegation has between 1 and {most} people.").format(most=p["most"])
    elif reason == "option_unknown":
        text = ctx._("This option is not offered to your collectivity.")
    elif reason == "option_people":
        text = ctx._("For “{option}”, please give a number between 0 and {most} (the size of your delegation).").format(
            option=option_title(ctx, p["option"]), most=p["most"]
        )
    elif reason == "option_full":
        text = ctx.ngettext(
            "Only {left} place is left for “{option}”. Please give a smaller number.",
            "Only {left} places are left for “{option}”. Please give a smaller number.",
            p["left"],
        ).format(left=p["left"], option=option_title(ctx, p["option"]))
    elif reason == "declined":
        text = ctx._(
            "Your collectivity has declined to take part. If it changes its mind, send {confirm} first."
        ).format(**ctx.commands("confirm"))
    elif reason == "choices_locked":
        text = ctx._("The organisers have closed the workshop choices. Please contact them if you need a change.")
    elif reason == "choices_closed":
        text = ctx._(
            "Workshop choices closed at the end of {date}. Please contact the organisers if you need a change."
        ).format(date=date_label(ctx, (p["when"] - _ONE_SECOND).astimezone(ctx.zone).date()))
    elif reason == "same_twice":
        text = ctx._(
            "Please choose two different workshops: workshop {number} cannot be both your first and second choice."
        ).format(number=p["workshop"].number)
    elif reason == "same_slot":
        text = ctx._(
            "Workshops {first} and {second} take place at the same time, and your delegation has a single person. "
            "Please choose workshops in different slots, or give a larger delegation with {confirm}."
        ).format(first=p["first"].number, second=p["second"].number, **ctx.commands("confirm"))
    elif reason == "single_person_same_slot":
        text = ctx._(
            "Your workshop choices {first} and {second} take place at the same time, so a delegation of one person "
            "cannot attend both. Please give at least two people, or first choose workshops in different slots "
            "with {choose}."
        ).format(first=p["first"].number, second=p["second"].number, **ctx.commands("choose"))
    elif reason == "not_own_workshop":
        text = ctx._(
            "Your collectivity has not chosen workshop {number}. An abstract is for one of your own workshops."
        ).format(number=p["workshop"].number)
    elif reason == "abstract_title":
        text = ctx._("The abstract needs a title.")
    elif reason == "abstract_summary":
        text = ctx._("The abstract needs a summary in French or in Japanese.")
    elif reason == "partner_country":
        text = ctx._("The partner of a joint talk must be a collectivity of the other country.")
    elif reason == "task_not_manual":
        text = ctx._("I see this task by myself; there is nothing to mark.")
    else:
        text = ctx._("This request cannot be accepted.")
    return Refusal(text, buttons=buttons)
