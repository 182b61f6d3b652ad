"""Organisers' commands for collectivities: add, edit, remove, list, import."""

from __future__ import annotations

import re
from pathlib import Path

from contract.messages import Attachment, Button, Reply
from handlers.admin.common import describe, parse_pairs, refuse, shown, status_label
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_
from storage.imports import ImportRejected, import_collectivities
from storage.models.participation import COUNTRIES, STATUSES
from storage.organisers import (
    OrganiserError,
    add_collectivity,
    contact_counts,
    count_collectivities,
    edit_collectivity,
    get_collectivity,
    list_collectivities,
    parse_country,
    parse_status,
    remove_collectivity,
)

# A chat message longer than this is cut; the export has everything.
MAX_LISTED = 80
MAX_IMPORT_MB = 5
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
IMPORTED_SUFFIXES = (".csv", ".xlsx")


def register(router: Router) -> None:
    router.admin_command("add", N_("add a collectivity"), N_("name fr; name ja; fr|jp; kind"))(add)
    router.admin_command("edit", N_("change a collectivity"), N_("<no.> field=value …"))(edit)
    router.admin_command("remove", N_("remove a collectivity (asks for confirmation)"), N_("<no.>"))(remove)
    router.admin_command("list", N_("collectivities, by status or country"), N_("[status|fr|jp]"))(list_)
    router.admin_command(
        "import", N_("import collectivities from a CSV or XLSX file (sent with the command, or a path in the console)")
    )(import_file)
    router.file(file_sent)
    router.admin_action("admrm")(remove_pressed)


def add(ctx: Context, args: str) -> Reply:
    parts = [p.strip() for p in re.split(r"[;；]", args)]
    if len(parts) not in (3, 4) or not parts[0]:
        raise Refusal(
            ctx._("Write: {admin} add French name; Japanese name; fr or jp; kind — for example:").format(
                **ctx.commands("admin")
            )
            + "\n"
            + ctx.command("admin", "add Ville de Sète; セート市; fr; commune")
        )
    name_fr, name_ja, country = parts[:3]
    kind = parts[3] if len(parts) == 4 else ""
    try:
        collectivity = add_collectivity(
            ctx.session,
            ctx.event,
            name_fr=name_fr,
            name_ja=name_ja,
            country=country,
            kind=kind,
            actor=ctx.incoming.actor,
            now=ctx.clock.now(),
        )
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    return Reply(
        ctx._("Added: {collectivity}").format(collectivity=describe(ctx, collectivity))
        + "\n"
        + ctx._("Send {admin} invite {id} to create its invitation code.").format(
            id=collectivity.id, **ctx.commands("admin")
        )
    )


def edit(ctx: Context, args: str) -> Reply:
    ident, _, rest = args.partition(" ")
    if not ident:
        raise Refusal(
            ctx._("Write: {admin} edit <no.> field=value, for example {admin} edit 3 kind=région").format(
                **ctx.commands("admin")
            )
        )
    try:
        collectivity = edit_collectivity(
            ctx.session, ctx.event, ident, parse_pairs(ctx, rest), actor=ctx.incoming.actor, now=ctx.clock.now()
        )
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    return Reply(ctx._("Saved: {collectivity}").format(collectivity=describe(ctx, collectivity)))


def remove(ctx: Context, args: str) -> Reply:
    try:
        collectivity = get_collectivity(ctx.session, ctx.event, args)
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    contacts = contact_counts(ctx.session, ctx.event, [collectivity.id]).get(collectivity.id, 0)
    text = "\n".join(
        [
            ctx._("Remove {collectivity}?").format(collectivity=describe(ctx, collectivity)),
            ctx.ngettext(
                "Its {n} contact, its choices, delegation and abstracts will be deleted too.",
                "Its {n} contacts, its choices, delegation and abstracts will be deleted too.",
                contacts,
            ).format(n=contacts),
        ]
    )
    buttons = (
        (
            Button(ctx._("Remove"), f"admrm:{collectivity.id}"),
            Button(ctx._("Keep it"), "admrm:keep"),
        ),
    )
    return Reply(text, buttons=buttons)


def remove_pressed(ctx: Context, payload: str) -> Reply:
    if payload == "keep":
        return Reply(ctx._("Nothing was removed."), edit=True)
    try:
        name = remove_collectivity(ctx.session, ctx.event, payload, actor=ctx.incoming.actor, now=ctx.clock.now())
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    return Reply(ctx._("Removed: {name}.").format(name=name), edit=True)


def list_(ctx: Context, args: str) -> Reply:
    word = args.strip().lower()
    status = country = None
    if word:
        try:
            country = parse_country(word)
        except OrganiserError:
            try:
                status = parse_status(word)
            except OrganiserError:
                raise Refusal(
                    ctx._(
                        "List by status ({statuses}) or by country ({countries}), or send {admin} list alone."
                    ).format(
                        statuses=ctx.translator.list([status_label(ctx, s) for s in STATUSES]),
                        countries=", ".join(COUNTRIES),
                        **ctx.commands("admin"),
                    )
                ) from None
    # The first MAX_LISTED rows and a count: the same few statements at 50 or 5,000 collectivities.
    found = list_collectivities(ctx.session, ctx.event, status=status, country=country, limit=MAX_LISTED)
    if not found:
        return Reply(
            ctx._("No collectivity yet. Add one with {admin} add or {admin} import.").format(**ctx.commands("admin"))
        )
    total = count_collectivities(ctx.session, ctx.event, status=status, country=country)
    contacts = contact_counts(ctx.session, ctx.event, [c.id for c in found])
    lines = [ctx.ngettext("{n} collectivity:", "{n} collectivities:", total).format(n=total)]
    for c in found:
        n = contacts.get(c.id, 0)
        counted = ctx.ngettext("{n} contact", "{n} contacts", n).format(n=n)
        lines.append("• " + describe(ctx, c) + ctx.translator.separator + counted)
    if total > MAX_LISTED:
        lines.append(
            ctx._("… and {n} more: send {admin} export doc5 for the whole list.").format(
                n=total - MAX_LISTED, **ctx.commands("admin")
            )
        )
    return Reply("\n".join(lines))


def import_file(ctx: Context, args: str) -> Reply:
    """`/admin import`: the file sent with the command (any platform), or a path (the console only)."""
    attachment = ctx.incoming.attachment
    if attachment is not None:
        return import_attachment(ctx, attachment)
    # Reading a path is only safe for someone at this machine's terminal; chat platforms send files.
    if ctx.incoming.platform != "console":
        if args.strip():
            raise Refusal(
                ctx._(
                    "Importing from a path works in the console only; "
                    "on the command line use: rencontres-bot admin import FILE."
                )
            )
        raise Refusal(
            ctx._(
                "Send me the .csv or .xlsx file itself (at most {max} MB), with {command} as its caption "
                "or alone in our private chat."
            ).format(max=MAX_IMPORT_MB, command=ctx.command("admin", "import"))
        )
    if not args.strip():
        raise Refusal(ctx._("Write: {admin} import <path of a .csv or .xlsx file>").format(**ctx.commands("admin")))
    path = Path(args.strip()).expanduser()
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise Refusal(ctx._("This file is too large to import (at most 5 MB)."))
        content = path.read_bytes()
    except FileNotFoundError:
        raise Refusal(ctx._("File not found: {path}").format(path=str(path))) from None
    except OSError:
        raise Refusal(ctx._("I cannot read the file {path}.").format(path=str(path))) from None
    return import_content(ctx, content, path.name)


def file_sent(ctx: Context, _args: str) -> list[Reply]:
    """A file sent without a command: an organiser's list of collectivities, in a private chat."""
    incoming = ctx.incoming
    attachment = incoming.attachment
    if incoming.is_group or attachment is None:
        return []  # files shared in a group are the group's business
    if not ctx.is_admin:
        raise Refusal(
            ctx._("I only read files that organisers send me to import collectivities, so I did nothing with this one.")
        )
    return [import_attachment(ctx, attachment)]


def import_attachment(ctx: Context, attachment: Attachment) -> Reply:
    """Import a file sent in a chat, after checking it is a .csv or .xlsx of a size the bot reads."""
    if ctx.incoming.is_group:
        raise Refusal(ctx._("Please send the file to import in our private chat, not in a group."))
    if Path(attachment.filename).suffix.lower() not in IMPORTED_SUFFIXES:
        raise Refusal(
            ctx._("I import .csv and .xlsx files only; “{name}” is neither. Nothing was imported.").format(
                name=attachment.filename[:80]
            )
        )
    # An adapter hands over no content for a file it would not download (over the platform's limit).
    if not attachment.content or len(attachment.content) > MAX_IMPORT_BYTES:
        raise Refusal(
            ctx._("This file is empty or too large: I import files of at most {max} MB. Nothing was imported.").format(
                max=MAX_IMPORT_MB
            )
        )
    return import_content(ctx, attachment.content, attachment.filename)


def import_content(ctx: Context, content: bytes, filename: str) -> Reply:
    """All rows or none; a refusal names every bad line, as `rencontres-bot admin import` does."""
    try:
        count = import_collectivities(
            ctx.session, ctx.event, content, filename, actor=ctx.incoming.actor, now=ctx.clock.now()
        )
    except ImportRejected as rejected:
        lines = [ctx._("Nothing was imported: the file has problems.")]
        lines += [problem.render(ctx._, lambda value: shown(ctx, value)) for problem in rejected.problems[:30]]
        raise Refusal("\n".join(lines)) from None
    return Reply(ctx.ngettext("Imported {n} collectivity.", "Imported {n} collectivities.", count).format(n=count))
