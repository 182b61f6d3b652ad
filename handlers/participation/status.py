"""/status, /deadlines, and /done and /undo for the tasks the bot cannot see by itself."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from contract.messages import Button, Reply
from handlers.context import Context, Refusal
from handlers.mute import muted_line
from handlers.participation.common import (
    Buttons,
    cut_at_word,
    date_label,
    explain,
    name_of,
    option_title,
    require_collectivity,
    workshop_label,
)
from handlers.privately import privately_in_groups
from handlers.router import Router
from handlers.timeline import event_bounds
from locales import N_
from storage.consistency import assignments_of, broken_among, stale_among
from storage.models import Abstract, Collectivity, Deadline, OptionSignup, Task
from storage.participation import (
    ParticipationError,
    abstracts_of,
    collectivity_of,
    find_task,
    manual_tasks,
    mark_done,
    mark_undone,
    ordered_options,
)
from storage.progress import DeadlineProgress, closes_at, progress, task_states

DONE = "✓"
TODO = "✗"


def register(router: Router) -> None:
    # In a group these name the delegation: answered in the asker's private chat.
    router.command("status", N_("where your collectivity stands: answers, choices, deadlines"))(
        privately_in_groups("status", status)
    )
    router.command("deadlines", N_("what is due, soonest first, and how long is left"))(
        privately_in_groups("deadlines", deadlines)
    )
    router.command("done", N_("mark a task done (hotel booked, slides sent…)"), N_("<task>"), private=True)(done)
    router.command("undo", N_("take back a task marked done"), N_("<task>"), private=True)(undo)
    router.action("done")(done)
    router.action("undo")(undo)


def status_label(ctx: Context, status: str) -> str:
    labels = {
        "considering": ctx._("under consideration"),
        "confirmed": ctx._("confirmed"),
        "declined": ctx._("declined"),
    }
    return labels.get(status, status)


def status(ctx: Context, _args: str) -> Reply:
    # Its delegates and choices in the same statement as the collectivity: both are shown.
    collectivity = require_collectivity(ctx, with_members=True)
    lines = [
        name_of(ctx, collectivity),
        ctx._("Participation: {status}").format(status=status_label(ctx, collectivity.status)),
    ]
    if collectivity.status == "declined":
        # Nothing is due from a collectivity that does not take part: no to-dos, no time left.
        lines.append(
            ctx._("Nothing is asked of it while it does not take part. If it changes its mind, send {confirm}.").format(
                **ctx.commands("confirm")
            )
        )
        return Reply("\n".join(lines))
    lines += _delegation_lines(ctx, collectivity)
    lines += _choice_lines(ctx, collectivity)
    abstracts = abstracts_of(ctx.session, collectivity)
    lines += _abstract_lines(ctx, collectivity, abstracts)
    lines += ["", ctx._("Deadlines:")]
    now = ctx.clock.now()
    counts = (len(collectivity.delegates), len(collectivity.choices), len(abstracts))
    for item in progress(ctx.session, ctx.event, collectivity, counts=counts):
        lines += _deadline_lines(ctx, item, now, collectivity)
    muted = muted_line(ctx)
    if muted:
        lines += ["", muted]
    buttons = ((Button(ctx._("Deadlines"), "cmd:deadlines"), Button(ctx._("My agenda"), "cmd:agenda")),)
    return Reply("\n".join(lines), buttons=buttons)


def _delegation_lines(ctx: Context, collectivity: Collectivity) -> list[str]:
    lines = [""]
    if not collectivity.delegates:
        lines.append(ctx._("Delegation: not given yet ({confirm}).").format(**ctx.commands("confirm")))
    else:
        size = collectivity.delegation_size or len(collectivity.delegates)
        lines.append(ctx.ngettext("Delegation: {n} person", "Delegation: {n} people", size).format(n=size))
        lines += [f"• {d.name}" + (f" — {d.role}" if d.role else "") for d in collectivity.delegates]
    signups = {
        s.option_key: s.people
        for s in ctx.session.scalars(select(OptionSignup).where(OptionSignup.collectivity_id == collectivity.id))
    }
    if collectivity.status == "confirmed":
        taken = [o for o in ordered_options(ctx.event) if signups.get(o.key)]
        if taken:
            lines.append(ctx._("Options:"))
            for option in taken:
                people = signups[option.key]
                count = ctx.ngettext("{n} person", "{n} people", people).format(n=people)
                if option.capacity:
                    lines.append(ctx._("• {option}: {answer}").format(option=option_title(ctx, option), answer=count))
                else:
                    lines.append(f"• {option_title(ctx, option)}")
        else:
            lines.append(ctx._("Options: none"))
    if collectivity.lead_volunteer:
        lines.append(ctx._("Volunteers as workshop lead."))
    return lines


def _choice_lines(ctx: Context, collectivity: Collectivity) -> list[str]:
    by_id = {w.id: w for w in ctx.event.workshops}
    lines = [""]
    if len(collectivity.choices) == 2:
        lines.append(ctx._("Workshop choices:"))
        for choice in collectivity.choices:
            lines.append(f"{choice.rank}. {workshop_label(ctx, by_id[choice.workshop_id])}")
    else:
        lines.append(ctx._("Workshop choices: not made yet ({choose}).").format(**ctx.commands("choose")))
    assigned = assignments_of(ctx.session, collectivity)
    if assigned:
        chosen = {c.workshop_id for c in collectivity.choices}
        stale = {s.workshop.id for s in stale_among(ctx.event, collectivity, assigned, chosen)}
        lines.append(ctx._("Assigned by the organisers:"))
        for a in assigned:
            if a.workshop_id not in by_id:
                continue
            line = f"• {workshop_label(ctx, by_id[a.workshop_id])}"
            if a.workshop_id in stale:
                line += " " + ctx._("(no longer among your choices: the organisers will set your workshop again)")
            lines.append(line)
    return lines


def _abstract_lines(ctx: Context, collectivity: Collectivity, abstracts: list[Abstract]) -> list[str]:
    if not abstracts:
        return [ctx._("Abstract: not sent yet ({abstract}).").format(**ctx.commands("abstract"))]
    by_id = {w.id: w for w in ctx.event.workshops}
    lines = [ctx._("Abstracts:")]
    broken = {
        (b.workshop.id, b.partner.id): b.problem for b in broken_among(ctx.session, ctx.event, collectivity, abstracts)
    }
    for abstract in abstracts:
        line = f"• {workshop_label(ctx, by_id[abstract.workshop_id])} — {ctx.translator.quote(abstract.title)}"
        if abstract.speaker:
            line += " — " + ctx._("speaker: {name}").format(name=abstract.speaker)
        if abstract.partner_collectivity_id:
            partner = ctx.session.get(Collectivity, abstract.partner_collectivity_id)
            if partner is not None:
                line += " — " + ctx._("with {name}").format(name=partner.name(ctx.locale))
                problem = broken.get((abstract.workshop_id, partner.id))
                if problem is not None:
                    line += " " + binome_warning(ctx, problem)
        lines.append(line)
    return lines


def event_is_over(ctx: Context, now: dt.datetime) -> bool:
    return now >= event_bounds(ctx.event)[1]


def over_lines(ctx: Context, now: dt.datetime) -> list[str]:
    """After the event, the answer says so first."""
    if not event_is_over(ctx, now):
        return []
    name = ctx.text(ctx.event.info.get("short_name") or ctx.event.info.get("name"))
    return [ctx._("{event} is over. Thank you to everyone who took part!").format(event=name), ""]


def binome_warning(ctx: Context, problem: str) -> str:
    """Why a joint talk's partner no longer fits, in parentheses."""
    if problem == "declined":
        return ctx._("(⚠ this partner has declined to take part: the joint talk needs a new partner)")
    return ctx._("(⚠ this partner has not chosen this workshop)")


def _due_line(ctx: Context, deadline: Deadline, closing: dt.datetime, now: dt.datetime) -> str:
    date = ctx.translator.day(deadline.due)
    title = ctx.text(deadline.title)
    if not deadline.task_keys and event_is_over(ctx, now):
        return "• " + ctx._("{date} — {title} (past)").format(date=date, title=title)
    if not deadline.task_keys:
        # Informational (registrations open…): the date is a start, not something to miss.
        since = date_label(ctx, deadline.due, year=False)
        if now >= closing - dt.timedelta(days=1):
            return "• " + ctx._("{date} — {title} (open since {since})").format(date=date, title=title, since=since)
        return "• " + ctx._("{date} — {title} (opens on {since})").format(date=date, title=title, since=since)
    if now >= closing:
        return "• " + ctx._("{date} — {title} (past)").format(date=date, title=title)
    left = ctx._("{delay} left").format(delay=ctx.translator.duration(closing - now))
    return "• " + ctx._("{date} ({left}) — {title}").format(date=date, left=left, title=title)


def _deadline_lines(ctx: Context, item: DeadlineProgress, now: dt.datetime, collectivity: Collectivity) -> list[str]:
    lines = [_due_line(ctx, item.deadline, item.closes_at, now)]
    if not item.tasks:
        lines.append("   " + ctx._("for information, nothing to do"))
    numbers = {t.key: n for n, t in enumerate(manual_tasks(ctx.event, collectivity), start=1)}
    for task in item.tasks:
        mark = DONE if task.done else TODO
        title = ctx.text(task.task.title)
        if task.manual and not task.done and task.task.key in numbers:
            # The task's number in the /done list: a key (declaration-draft-1) is no word for a reader.
            title = ctx._("{task} ({done} {key})").format(
                task=title, key=numbers[task.task.key], **ctx.commands("done")
            )
        lines.append(f"   {mark} {title}")
    return lines


def deadlines(ctx: Context, _args: str) -> Reply:
    now = ctx.clock.now()
    collectivity = collectivity_of(ctx.session, ctx.event, ctx.user)
    if collectivity is None:
        return _all_deadlines(ctx, now)
    items = progress(ctx.session, ctx.event, collectivity)
    # Informational dates (registrations open) stay with the upcoming ones until the event is over.
    over = event_is_over(ctx, now)
    upcoming = [i for i in items if not i.is_past(now) or (not i.tasks and not over)]
    past = [i for i in items if i not in upcoming]
    lines = over_lines(ctx, now)
    lines.append(ctx._("Deadlines of {name}, soonest first:").format(name=name_of(ctx, collectivity)))
    if not upcoming:
        lines.append(ctx._("No deadline is left."))
    for item in upcoming:
        lines += _deadline_lines(ctx, item, now, collectivity)
        if item.deadline.to:
            lines.append("   " + ctx._("To: {to}").format(to=ctx.text(item.deadline.to)))
    if past:
        lines += ["", ctx._("Past deadlines:")]
        for item in reversed(past):
            lines += _deadline_lines(ctx, item, now, collectivity)
    return Reply("\n".join(lines))


def _all_deadlines(ctx: Context, now: dt.datetime) -> Reply:
    audience = {
        "fr": ctx._("French collectivities"),
        "ja": ctx._("Japanese collectivities"),
        "leads": ctx._("workshop leads"),
        "fr-leads": ctx._("French workshop leads"),
        "ja-leads": ctx._("Japanese workshop leads"),
        "steering": ctx._("French steering group"),
    }
    over = event_is_over(ctx, now)

    def is_past(d: Deadline) -> bool:
        # As for a collectivity: an informational date stays upcoming until the event is over.
        return (closes_at(ctx.event, d) <= now and bool(d.task_keys)) or over

    ordered = sorted(ctx.event.deadlines, key=lambda d: (d.due, d.key))
    upcoming = [d for d in ordered if not is_past(d)]
    past = [d for d in reversed(ordered) if is_past(d)]
    lines = over_lines(ctx, now)
    lines.append(ctx._("The event's deadlines, soonest first:"))
    if not upcoming:
        lines.append(ctx._("No deadline is left."))
    for group in (upcoming, past):
        if group is past and past:
            lines += ["", ctx._("Past deadlines:")]
        for deadline in group:
            line = _due_line(ctx, deadline, closes_at(ctx.event, deadline), now)
            if deadline.applies_to in audience:
                line = ctx._("{line} [{audience}]").format(line=line, audience=audience[deadline.applies_to])
            lines.append(line)
    lines += [
        "",
        ctx._("Join your collectivity with {join} to see what it still has to do.").format(**ctx.commands("join")),
    ]
    return Reply("\n".join(lines))


def _task_list(ctx: Context, collectivity: Collectivity, *, done_ones: bool) -> tuple[list[str], Buttons]:
    states = task_states(ctx.session, ctx.event, collectivity)
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    for number, task in enumerate(manual_tasks(ctx.event, collectivity), start=1):
        is_done = states[task.key].done
        lines.append(f"{number}. {DONE if is_done else TODO} {ctx.text(task.title)}")
        if is_done == done_ones:
            prefix = "undo" if done_ones else "done"
            # "3. …": the number of the list, which the console keys the button by.
            label = f"{number}. " + cut_at_word(ctx.text(task.title), 36)
            rows.append((Button(label, f"{prefix}:{task.key}"),))
    return lines, tuple(rows)


def _find(ctx: Context, collectivity: Collectivity, text: str, *, done_ones: bool) -> Task:
    task = find_task(ctx.event, collectivity, text)
    if task is None:
        lines, buttons = _task_list(ctx, collectivity, done_ones=done_ones)
        known = next((t for t in ctx.event.tasks if t.key == text.strip().lower()), None)
        if known is not None and known.check != "manual":
            first = explain(ctx, ParticipationError("task_not_manual", task=known)).message
        else:
            first = ctx._("I do not know the task “{text}”. Here are the tasks you mark yourself:").format(
                text=text[:40]
            )
        raise Refusal("\n".join([first, *lines]), buttons, "label")
    return task


def done(ctx: Context, args: str) -> Reply:
    collectivity = require_collectivity(ctx)
    if not args.strip():
        lines, buttons = _task_list(ctx, collectivity, done_ones=False)
        head = ctx._("The tasks I cannot see by myself; tap one when it is done, or send {done} <task>:").format(
            **ctx.commands("done")
        )
        return Reply("\n".join([head, *lines]), buttons=buttons, numbers="label")
    task = _find(ctx, collectivity, args, done_ones=False)
    title = ctx.text(task.title)
    changed = mark_done(
        ctx.session, collectivity=collectivity, task=task, now=ctx.clock.now(), actor=ctx.incoming.actor
    )
    if not changed:
        return Reply(ctx._("“{task}” was already marked done.").format(task=title))
    return Reply(
        ctx._("Noted: “{task}” is done. If this was a mistake, send {undo} {key}.").format(
            task=title, key=_number_of(ctx, collectivity, task), **ctx.commands("undo")
        ),
        edit=ctx.incoming.action is not None,
    )


def _number_of(ctx: Context, collectivity: Collectivity, task: Task) -> int:
    """The task's number in the list of tasks a contact marks, as /done and /undo read it."""
    return next(n for n, t in enumerate(manual_tasks(ctx.event, collectivity), start=1) if t.key == task.key)


def undo(ctx: Context, args: str) -> Reply:
    collectivity = require_collectivity(ctx)
    if not args.strip():
        lines, buttons = _task_list(ctx, collectivity, done_ones=True)
        if not buttons:
            return Reply(ctx._("No task is marked done yet."))
        head = ctx._("Which task is not done after all?")
        return Reply("\n".join([head, *lines]), buttons=buttons, numbers="label")
    task = _find(ctx, collectivity, args, done_ones=True)
    title = ctx.text(task.title)
    changed = mark_undone(
        ctx.session, collectivity=collectivity, task=task, now=ctx.clock.now(), actor=ctx.incoming.actor
    )
    if not changed:
        return Reply(ctx._("“{task}” was not marked done.").format(task=title))
    return Reply(ctx._("Noted: “{task}” is still to do.").format(task=title), edit=ctx.incoming.action is not None)
