"""Organisers' lists as files (Doc 5, 7, 8, delegations) and the statistics with their chart."""

from __future__ import annotations

from contract.messages import Attachment, Reply
from handlers.admin.common import country_label, status_label
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_, Translator
from storage import exports, stats
from storage.models.participation import COUNTRIES, STATUSES

# Rows of a list shown in chat: 5,000 collectivities would be millions of characters (hundreds of messages).
SHOWN_ROWS = 50


def register(router: Router) -> None:
    router.admin_command(
        "export",
        N_("the organisers' lists as a file: Doc 5, Doc 7, Doc 8, delegations"),
        "doc5|doc7|doc8|delegations [xlsx|csv]",
    )(export)
    router.admin_command("show", N_("one of those lists as a message"), "doc5|doc7|doc8|delegations")(show)
    router.admin_command("stats", N_("counts by status and country, demand per workshop, with a chart"))(stats_)


def _kind(ctx: Context, word: str) -> str:
    kind = word.strip().lower()
    if kind not in exports.KINDS:
        raise Refusal(ctx._("Which list? One of: {kinds}.").format(kinds=", ".join(exports.KINDS)))
    return kind


def export(ctx: Context, args: str) -> Reply:
    words = args.split()
    if not words or len(words) > 2:
        raise Refusal(
            ctx._("Write: {admin} export doc5|doc7|doc8|delegations [xlsx|csv]").format(**ctx.commands("admin"))
        )
    kind = _kind(ctx, words[0])
    fmt = words[1].lower() if len(words) == 2 else "xlsx"
    if fmt not in exports.FORMATS:
        raise Refusal(ctx._("The file format is xlsx or csv, not “{value}”.").format(value=words[1]))
    table = exports.build(kind, ctx.session, ctx.event, ctx._, ctx.locale)
    name = exports.filename(ctx.event, kind, ctx.now().date(), fmt)
    attachment = Attachment(name, exports.render(table, fmt), exports.MIME[fmt])
    text = ctx.ngettext("{title}: {n} row.", "{title}: {n} rows.", len(table.rows)).format(
        title=table.title, n=len(table.rows)
    )
    return Reply(text, attachment=attachment)


def show(ctx: Context, args: str) -> Reply:
    kind = _kind(ctx, args)
    table = exports.build(kind, ctx.session, ctx.event, ctx._, ctx.locale)
    return Reply(table_text(ctx, table, kind=kind))


def stats_(ctx: Context, _args: str) -> Reply:
    found = stats.compute(ctx.session, ctx.event)
    lines = [ctx.ngettext("{n} collectivity in all.", "{n} collectivities in all.", found.total).format(n=found.total)]
    for status in STATUSES:
        row = found.by_status[status]
        counts = ctx.translator.separator.join(f"{country_label(ctx, c)} {row[c]}" for c in COUNTRIES)
        lines.append(
            ctx._("• {status}: {total} ({counts})").format(
                status=status_label(ctx, status), total=sum(row.values()), counts=counts
            )
        )
    lines += ["", ctx._("Demand per workshop (1st choice + 2nd choice, not counting declined collectivities):")]
    for d in found.demand:
        first = ctx.translator.separator.join(f"{country_label(ctx, c)} {d.first[c]}" for c in COUNTRIES)
        second = ctx.translator.separator.join(f"{country_label(ctx, c)} {d.second[c]}" for c in COUNTRIES)
        capacity = ctx._("no capacity set") if d.capacity is None else ctx._("capacity {n}").format(n=d.capacity)
        lines.append(
            ctx._("• Workshop {number}: 1st choice {first}; 2nd choice {second}; {capacity}").format(
                number=d.number, first=first, second=second, capacity=capacity
            )
        )
    taken = exports.option_counts(ctx.session, ctx.event)
    option_lines = []
    # In the event file's order; a sample brought counts the collectivities bringing one, not people.
    for option in sorted(ctx.event.options, key=lambda o: o.id):
        people = taken.get(option.key, 0)
        if option.kind == "bring":
            option_lines.append(
                ctx._("• {option}: {people}").format(
                    option=ctx.text(option.title),
                    people=ctx.ngettext("{n} collectivity", "{n} collectivities", people).format(n=people),
                )
            )
        elif option.capacity is not None:
            option_lines.append(
                ctx._("• {option}: {people} / {capacity}").format(
                    option=ctx.text(option.title), people=people, capacity=option.capacity
                )
            )
        else:
            option_lines.append(ctx._("• {option}: {people}").format(option=ctx.text(option.title), people=people))
    lines += ["", ctx._("Options (people, against capacity):"), *option_lines]
    png = stats.chart_png(found, ctx._, locale=ctx.locale, fallback=Translator("en").gettext)
    name = f"{ctx.event.key}-stats-{ctx.now().date().isoformat()}.png"
    return Reply("\n".join(lines), attachment=Attachment(name, png, "image/png", kind="image"))


def table_text(ctx: Context, table: exports.Table, *, kind: str | None = None) -> str:
    """The table as a chat message: its title, then one line per row, each value with its column's name.

    At most SHOWN_ROWS rows (then how many more, and the export of `kind`, which has them all).
    Totals rows are turned around: one line per option with its total, capacity and places left.
    """
    lines = [table.title]
    if not table.rows:
        lines.append(ctx._("(nothing yet)"))
        return "\n".join(lines)
    labelled = ctx._("{label}: {value}")
    body = table.rows if table.totals_from is None else table.rows[: table.totals_from]
    for row in body[:SHOWN_ROWS]:
        cells = [
            labelled.format(label=table.headers[i], value=value)
            for i, value in enumerate(row)
            if _shown(value) and not (i in table.totals_columns and value == 0)
        ]
        lines.append("• " + ctx.translator.separator.join(cells))
    if len(body) > SHOWN_ROWS:
        more = len(body) - SHOWN_ROWS
        lines.append(
            ctx.ngettext(
                "… and {n} more row: send {admin} export {kind} for the whole list.",
                "… and {n} more rows: send {admin} export {kind} for the whole list.",
                more,
            ).format(n=more, kind=kind or "", **ctx.commands("admin"))
        )
    if table.totals_from is None:
        return "\n".join(lines)
    totals = table.rows[table.totals_from :]
    for row in totals:
        cells = [
            labelled.format(label=table.headers[i], value=value)
            for i, value in enumerate(row)
            if i > 1 and i not in table.totals_columns and _shown(value)
        ]
        if cells:
            lines.append("• " + ctx.translator.separator.join([str(row[1]), *cells]))
    if table.totals_columns:
        lines += ["", ctx._("Per option:")]
    for i in table.totals_columns:
        cells = [labelled.format(label=row[1], value=row[i]) for row in totals if _shown(row[i])]
        lines.append(f"• {table.headers[i]} — " + ctx.translator.separator.join(cells))
    return "\n".join(lines)


def _shown(value: exports.Cell) -> bool:
    return value is not None and value != ""
