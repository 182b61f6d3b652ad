"""/abstract (a form: workshop, title, summaries fr/ja, speaker, optional partner) and /lead.

The form is described once, in ABSTRACT (handlers/forms.py): each step checks its answer with
ABSTRACT's field, and the last one, like a whole submission, goes through ABSTRACT.clean and
the same storage operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from contract.messages import Button, ChoiceView, Reply
from contract.numbers import parse_int
from handlers.context import Context, FormOutdated, Refusal
from handlers.forms import Field, FieldError, Form, refuse_step
from handlers.participation.common import (
    SKIP,
    Buttons,
    end_form,
    explain,
    find_workshop,
    form_collectivity,
    form_in_progress,
    name_of,
    require_collectivity,
    require_private,
    short_button_label,
    start_form,
    update_form,
    workshop_label,
)
from handlers.router import Router
from locales import N_
from locales.words import normalised
from storage.consistency import binome_problem
from storage.models import Collectivity, FormState, Workshop
from storage.participation import (
    ParticipationError,
    own_workshops,
    partner_candidates,
    save_abstract,
    set_lead_volunteer,
)

FORM = "abstract"
# Above this many candidates the partner is typed rather than tapped.
MAX_PARTNER_BUTTONS = 30
MAX_TITLE = 300
MAX_SUMMARY = 4000
MAX_SPEAKER = 200


def register(router: Router) -> None:
    router.command(
        "abstract", N_("write the abstract of your intervention in a workshop"), N_("[workshop]"), private=True
    )(start)
    router.command("lead", N_("volunteer as workshop lead, or withdraw"), private=True)(lead)
    router.form(FORM, ask)(answer)
    router.action("ab")(press)
    router.action("lead")(press_lead)
    router.submission(FORM)(ABSTRACT.submit)


def _own(ctx: Context, collectivity: Collectivity) -> list[Workshop]:
    if collectivity.status == "declined":
        raise explain(ctx, ParticipationError("declined"))
    workshops = own_workshops(ctx.session, ctx.event, collectivity)
    if not workshops:
        raise Refusal(
            ctx._("Please choose your workshops with {choose} first: an abstract is for one of them.").format(
                choose=ctx.command("choose")
            )
        )
    return workshops


def start(ctx: Context, args: str) -> Reply:
    require_private(ctx)
    collectivity = require_collectivity(ctx)
    workshops = _own(ctx, collectivity)
    order = ["ja", "fr"] if ctx.locale == "ja" else ["fr", "ja"]
    state = start_form(ctx, FORM, "workshop", {"collectivity": collectivity.id, "order": order})
    if args.strip():
        wanted = find_workshop(ctx, args)
        if wanted not in workshops:
            raise explain(ctx, ParticipationError("not_own_workshop", workshop=wanted))
        reply = _take_workshop(ctx, state, wanted)
    elif len(workshops) == 1:
        reply = _take_workshop(ctx, state, workshops[0])
    else:
        reply = ask(ctx, state)
    return replace(reply, form=ABSTRACT.view(ctx, collectivity, {"workshop": _values(ctx, state)["workshop"]}))


def ask(ctx: Context, state: FormState) -> Reply:
    step = state.step
    if step == "workshop":
        collectivity = require_collectivity(ctx)
        buttons = tuple((Button(short_button_label(ctx, w), f"ab:w:{w.number}"),) for w in _own(ctx, collectivity))
        # Labelled "3. …": a typed 3 is workshop 3 on the console too, whatever the button's place.
        return Reply(ctx._("For which of your workshops is this abstract?"), buttons=buttons, numbers="label")
    if step == "title":
        return Reply(ctx._("What is the title of your intervention?"))
    if step in ("summary_fr", "summary_ja"):
        skip = ((Button(ctx._("Skip"), "ab:skip"),),)
        if step == "summary_fr":
            return Reply(ctx._("Send the summary in French (or “-” to skip it)."), buttons=skip)
        return Reply(ctx._("Send the summary in Japanese (or “-” to skip it)."), buttons=skip)
    if step == "speaker":
        return Reply(ctx._("Who will speak? Send the speaker's name and role."))
    if step == "partner":
        return _ask_partner(ctx)
    return _review(ctx, state)


def _ask_partner(ctx: Context) -> Reply:
    candidates = partner_candidates(ctx.session, ctx.event, require_collectivity(ctx))
    text = ctx._(
        "Will you speak jointly with a collectivity of the other country (a « binôme »)? "
        "Tap it or type its name, or tap “No partner”."
    )
    rows: list[tuple[Button, ...]] = []
    if len(candidates) <= MAX_PARTNER_BUTTONS:
        rows = [(Button(c.name(ctx.locale)[:40], f"ab:p:{c.id}"),) for c in candidates]
    rows.append((Button(ctx._("No partner"), "ab:p:0"),))
    return Reply(text, buttons=tuple(rows))


def _review(ctx: Context, state: FormState) -> Reply:
    data = state.data
    workshop = _workshop_by_id(ctx, data["workshop"])
    none = ctx._("none")
    lines = [
        ctx._("Please check your abstract:"),
        workshop_label(ctx, workshop),
        ctx._("Title: {title}").format(title=data["title"]),
        ctx._("Summary (French): {text}").format(text=data.get("summary_fr") or none),
        ctx._("Summary (Japanese): {text}").format(text=data.get("summary_ja") or none),
        ctx._("Speaker: {name}").format(name=data["speaker"]),
        ctx._("Partner: {name}").format(name=_partner_name(ctx, data.get("partner")) or none),
        "",
        ctx._("Save this abstract?"),
    ]
    buttons = ((Button(ctx._("Save"), "ab:ok"), Button(ctx._("Cancel"), "ab:cancel")),)
    return Reply("\n".join(lines), buttons=buttons)


def _partner_name(ctx: Context, partner_id: int | None) -> str | None:
    if not partner_id:
        return None
    partner = ctx.session.get(Collectivity, partner_id)
    return partner.name(ctx.locale) if partner is not None else None


def _workshop_by_id(ctx: Context, workshop_id: int) -> Workshop:
    workshop = next((w for w in ctx.event.workshops if w.id == workshop_id), None)
    if workshop is None:
        raise FormOutdated(str(workshop_id))
    return workshop


def _take_workshop(ctx: Context, state: FormState, workshop: Workshop) -> Reply:
    update_form(ctx, state, "title", workshop=workshop.id)
    return Reply("\n".join([workshop_label(ctx, workshop), ask(ctx, state).text]))


def _next_summary_step(state: FormState, after: str | None) -> str:
    steps = [f"summary_{lang}" for lang in state.data["order"]]
    if after is None:
        return steps[0]
    index = steps.index(after) + 1
    return steps[index] if index < len(steps) else "speaker"


def answer(ctx: Context, state: FormState, text: str) -> Reply:
    step = state.step
    value = text.strip()
    if step == "workshop":
        collectivity = require_collectivity(ctx)
        chosen = next((w for w in _own(ctx, collectivity) if normalised(value) in (str(w.number), w.key)), None)
        if chosen is None:
            raise Refusal.again(ctx._("Please tap one of your workshops."), ask(ctx, state))
        return _take_workshop(ctx, state, chosen)
    if step == "title":
        try:
            value = _field(ctx, "title").check(ctx, value, {})
        except FieldError as error:
            raise Refusal(error.message) from None
        update_form(ctx, state, _next_summary_step(state, None), title=value)
        return ask(ctx, state)
    if step in ("summary_fr", "summary_ja"):
        return _take_summary(ctx, state, None if normalised(value) in SKIP else value)
    if step == "speaker":
        try:
            value = _field(ctx, "speaker").check(ctx, value, {})
        except FieldError as error:
            raise Refusal(error.message) from None
        update_form(ctx, state, "partner", speaker=value)
        return ask(ctx, state)
    if step == "partner":
        return _take_typed_partner(ctx, state, value)
    raise Refusal.again(ctx._("Please use the buttons: Save or Cancel."), ask(ctx, state))


def _take_summary(ctx: Context, state: FormState, summary: str | None) -> Reply:
    step = state.step
    try:
        summary = _field(ctx, step).check(ctx, summary, {})
    except FieldError as error:
        raise Refusal(error.message) from None
    following = _next_summary_step(state, step)
    if following == "speaker":
        missing = _one_summary(ctx, {**_values(ctx, state), step: summary})
        if missing:
            raise Refusal(missing[step], ask(ctx, state).buttons)
    update_form(ctx, state, following, **{step: summary})
    return ask(ctx, state)


def _take_typed_partner(ctx: Context, state: FormState, text: str) -> Reply:
    if normalised(text) in SKIP:
        update_form(ctx, state, "review", partner=None)
        return ask(ctx, state)
    wanted = normalised(text)
    candidates = partner_candidates(ctx.session, ctx.event, require_collectivity(ctx))
    matches = [
        c
        for c in candidates
        if wanted in normalised(c.name_fr) or (c.name_ja is not None and wanted in normalised(c.name_ja))
    ]
    if len(matches) != 1:
        question = ask(ctx, state)
        raise Refusal(
            ctx._("I found no single collectivity of the other country named “{text}”. Please try again.").format(
                text=text[:60]
            ),
            question.buttons,
        )
    update_form(ctx, state, "review", partner=matches[0].id)
    return ask(ctx, state)


def press(ctx: Context, payload: str) -> Reply:
    state = form_in_progress(ctx, FORM)
    kind, _, value = payload.partition(":")
    if kind == "cancel":
        end_form(ctx)
        return Reply(ctx._("Cancelled. Nothing from that form was saved."), edit=True)
    if kind == "w" and state.step == "workshop":
        return answer(ctx, state, value)
    if kind == "skip" and state.step in ("summary_fr", "summary_ja"):
        return _take_summary(ctx, state, None)
    if kind == "p" and state.step == "partner":
        partner_id = parse_int(value) or 0
        try:
            _partner_field(ctx, require_collectivity(ctx)).check(ctx, str(partner_id) if partner_id else None, {})
        except FieldError as error:
            raise refuse_step(error, ask(ctx, state)) from None
        update_form(ctx, state, "review", partner=partner_id or None)
        return ask(ctx, state)
    if kind == "ok" and state.step == "review":
        return _finish(ctx, state)
    raise Refusal.again(ctx._("This button belongs to an earlier question."), ask(ctx, state))


def _finish(ctx: Context, state: FormState) -> Reply:
    """The last step: the whole form checked as a submission is, then written."""
    collectivity = form_collectivity(ctx, state)
    _workshop_by_id(ctx, state.data["workshop"])  # a workshop removed meanwhile closes the form (FormOutdated)
    values, errors = ABSTRACT.clean(ctx, collectivity, _values(ctx, state))
    if errors:
        raise Refusal(next(iter(errors.values())))
    try:
        reply = _write(ctx, collectivity, values)
    except ParticipationError as error:
        raise explain(ctx, error) from None
    end_form(ctx)
    return reply


def _values(ctx: Context, state: FormState) -> dict[str, Any]:
    """The dialog's answers so far, as ABSTRACT's fields hold them (the workshop by number)."""
    data: dict[str, Any] = state.data
    workshop = next((w for w in ctx.event.workshops if w.id == data.get("workshop")), None)
    return {
        "workshop": str(workshop.number) if workshop is not None else None,
        "title": data.get("title"),
        "summary_fr": data.get("summary_fr"),
        "summary_ja": data.get("summary_ja"),
        "speaker": data.get("speaker"),
        "partner": str(data["partner"]) if data.get("partner") else None,
    }


def _write(ctx: Context, collectivity: Collectivity, values: Mapping[str, Any]) -> Reply:
    """ABSTRACT's storage operation and its confirmation, whichever way the form was filled."""
    workshop = next(w for w in ctx.event.workshops if str(w.number) == values["workshop"])
    partner = ctx.session.get(Collectivity, int(values["partner"])) if values.get("partner") else None
    save_abstract(
        ctx.session,
        event=ctx.event,
        collectivity=collectivity,
        workshop=workshop,
        title=values["title"],
        summary_fr=values.get("summary_fr"),
        summary_ja=values.get("summary_ja"),
        speaker=values.get("speaker"),
        partner=partner,
        now=ctx.clock.now(),
        actor=ctx.incoming.actor,
    )
    text = ctx._("Thank you! The abstract for {workshop} is saved. Send {abstract} again to change it.").format(
        workshop=workshop_label(ctx, workshop), abstract=ctx.command("abstract")
    )
    problem = binome_problem(ctx.session, ctx.event, workshop, partner) if partner is not None else None
    if partner is not None and problem == "other_workshop":
        text += "\n" + ctx._(
            "⚠ {partner} has not chosen this workshop: please agree with them, as the organisers see it too."
        ).format(partner=partner.name(ctx.locale))
    return Reply(text)


def _lead_buttons(ctx: Context, volunteer: bool) -> Buttons:
    if volunteer:
        return ((Button(ctx._("Withdraw"), "lead:no"),),)
    return ((Button(ctx._("Yes, we volunteer"), "lead:yes"), Button(ctx._("No"), "lead:cancel")),)


def lead(ctx: Context, _args: str) -> Reply:
    collectivity = require_collectivity(ctx)
    name = name_of(ctx, collectivity)
    if collectivity.status == "declined" and not collectivity.lead_volunteer:
        raise explain(ctx, ParticipationError("declined"))
    if collectivity.lead_volunteer:
        text = ctx._("{name} has volunteered as workshop lead. Tap below to withdraw.").format(name=name)
    else:
        text = "\n".join(
            [
                ctx._(
                    "A workshop lead prepares the workshop, moderates it, writes the summaries of the "
                    "interventions for the final declaration and presents the report-back in plenary on Saturday."
                ),
                ctx._("Does {name} volunteer as workshop lead?").format(name=name),
            ]
        )
    return Reply(text, buttons=_lead_buttons(ctx, collectivity.lead_volunteer))


def press_lead(ctx: Context, payload: str) -> Reply:
    collectivity = require_collectivity(ctx)
    name = name_of(ctx, collectivity)
    if payload not in ("yes", "no"):
        return Reply(ctx._("Nothing was changed."), edit=True)
    volunteer = payload == "yes"
    try:
        set_lead_volunteer(
            ctx.session, collectivity=collectivity, volunteer=volunteer, now=ctx.clock.now(), actor=ctx.incoming.actor
        )
    except ParticipationError as error:
        raise explain(ctx, error) from None
    if volunteer:
        text = ctx._(
            "Thank you! {name} is noted as a volunteer workshop lead; the organisers will get in touch."
        ).format(name=name)
    else:
        text = ctx._("Noted: {name} no longer volunteers as workshop lead.").format(name=name)
    return Reply(text, edit=True)


# --- the form described once ------------------------------------------------------------------


def _opened_for(ctx: Context) -> Collectivity:
    require_private(ctx)
    collectivity = require_collectivity(ctx)
    _own(ctx, collectivity)
    return collectivity


def _text_fields(ctx: Context) -> tuple[Field, ...]:
    """The fields typed as text: title, the two summaries (one at least: see _one_summary), the speaker."""
    summary_error = ctx._("Please keep the summary under {most} characters.").format(most=MAX_SUMMARY)
    return (
        Field(
            "title",
            "text",
            ctx._("Title"),
            ctx._("Please send a title of at most {most} characters.").format(most=MAX_TITLE),
            max_length=MAX_TITLE,
        ),
        Field(
            "summary_fr",
            "text",
            ctx._("Summary (French)"),
            summary_error,
            required=False,
            max_length=MAX_SUMMARY,
            multiline=True,
        ),
        Field(
            "summary_ja",
            "text",
            ctx._("Summary (Japanese)"),
            summary_error,
            required=False,
            max_length=MAX_SUMMARY,
            multiline=True,
        ),
        Field(
            "speaker",
            "text",
            ctx._("Speaker (name and role)"),
            ctx._("Please send the speaker's name, at most {most} characters.").format(most=MAX_SPEAKER),
            max_length=MAX_SPEAKER,
        ),
    )


def _field(ctx: Context, name: str) -> Field:
    return next(f for f in _text_fields(ctx) if f.name == name)


def _partner_field(ctx: Context, collectivity: Collectivity) -> Field:
    """An optional collectivity of the other country (a « binôme »)."""
    candidates = partner_candidates(ctx.session, ctx.event, collectivity)
    return Field(
        "partner",
        "choice",
        ctx._("Partner collectivity (optional)"),
        explain(ctx, ParticipationError("partner_country")).message,
        required=False,
        choices=tuple(ChoiceView(str(c.id), c.name(ctx.locale)) for c in candidates),
    )


def _fields(ctx: Context, collectivity: Collectivity) -> tuple[Field, ...]:
    workshops = tuple(ChoiceView(str(w.number), workshop_label(ctx, w)) for w in _own(ctx, collectivity))
    workshop = Field(
        "workshop", "choice", ctx._("Workshop"), ctx._("Please choose one of the proposed answers."), choices=workshops
    )
    return (workshop, *_text_fields(ctx), _partner_field(ctx, collectivity))


def _one_summary(ctx: Context, values: Mapping[str, Any]) -> dict[str, str]:
    """The whole form: a summary in French or in Japanese (both fields are told)."""
    if "summary_fr" not in values or "summary_ja" not in values or values["summary_fr"] or values["summary_ja"]:
        return {}
    message = explain(ctx, ParticipationError("abstract_summary")).message
    return {"summary_fr": message, "summary_ja": message}


ABSTRACT = Form(
    name=FORM,
    title=N_("Abstract of your intervention"),
    submit_label=N_("Save"),
    opened_for=_opened_for,
    fields=_fields,
    finish=_write,
    explain=explain,
    check=_one_summary,
    error_fields={
        "not_own_workshop": "workshop",
        "abstract_title": "title",
        "abstract_summary": "summary_fr",
        "partner_country": "partner",
    },
)
