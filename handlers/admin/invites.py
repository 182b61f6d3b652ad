"""Organisers' commands for invitation codes and for who else is an organiser."""

from __future__ import annotations

from contract.messages import Reply
from contract.numbers import parse_int
from contract.platforms import platform as platform_named
from handlers.admin.common import date_label, parse_pairs, refuse
from handlers.context import ORGANISERS_CHANGED, Context, Refusal
from handlers.router import Router
from locales import N_, Translator
from storage.models import Collectivity, Invite
from storage.organisers import (
    OrganiserError,
    count_invites,
    create_invite,
    grant_admin,
    list_grants,
    list_invites,
    revoke_admin,
    revoke_invite,
)

# Codes shown in one answer: a page.
PAGE = 50


def register(router: Router) -> None:
    router.admin_command("invite", N_("create an invitation code for a collectivity"), N_("<no.> [days=30] [uses=1]"))(
        invite
    )
    router.admin_command("invites", N_("invitation codes still valid"), N_("[all] [page]"))(invites)
    router.admin_command("revoke", N_("revoke an invitation code"), N_("<code>"))(revoke)
    router.admin_command("grant", N_("make someone an organiser"), N_("<platform>:<user>"))(grant)
    router.admin_command("revoke-admin", N_("take back organiser rights given in chat"), N_("<platform>:<user>"))(
        revoke_admin_
    )
    router.admin_command("admins", N_("organisers named in chat"))(admins)


def _number(ctx: Context, pairs: dict[str, str], key: str, default: int) -> int:
    value = pairs.pop(key, None)
    if value is None:
        return default
    number = parse_int(value)
    if number is None or number > 9999:
        raise Refusal(ctx._("{field} must be a whole number, not “{value}”.").format(field=key, value=value))
    return number


def invite(ctx: Context, args: str) -> Reply:
    ident, _, rest = args.strip().partition(" ")
    if not ident:
        raise Refusal(
            ctx._("Write: {admin} invite <no.> [days=30] [uses=1], for example {admin} invite 3 days=14").format(
                **ctx.commands("admin")
            )
        )
    pairs = parse_pairs(ctx, rest)
    days = _number(ctx, pairs, "days", 30)
    uses = _number(ctx, pairs, "uses", 1)
    if pairs:
        raise Refusal(ctx._("An invitation takes days=… and uses=… only."))
    try:
        created = create_invite(
            ctx.session, ctx.event, ident, days=days, uses=uses, actor=ctx.incoming.actor, now=ctx.clock.now()
        )
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    collectivity = ctx.session.get_one(Collectivity, created.collectivity_id)
    expires = date_label(ctx, created.expires_at.astimezone(ctx.zone).date())
    lines = [
        ctx._("Invitation code for {name}:").format(name=collectivity.name(ctx.locale)),
        created.code,
        ctx.ngettext(
            "Valid until {date}, for {n} person.", "Valid until {date}, for {n} people.", created.max_uses
        ).format(date=expires, n=created.max_uses),
        ctx._("The contact sends {join} {code} to the bot.").format(code=created.code, **ctx.commands("join")),
    ]
    lines += _links(ctx, ctx.translator, created.code)
    # The organiser forwards this part; the contact may read French or Japanese, whatever the organiser reads.
    lines += ["", ctx._("To forward to the contact (in French and Japanese):")]
    for locale in CONTACT_LOCALES:
        lines += ["", *_for_the_contact(ctx, Translator(locale), collectivity, created)]
    return Reply("\n".join(lines))


CONTACT_LOCALES = ("fr", "ja")


def _links(ctx: Context, reader: Translator, code: str) -> list[str]:
    return [
        reader.gettext("One-tap link ({platform}): {link}").format(platform=platform_named(platform).name, link=link)
        for platform, link in sorted(ctx.join_links(code).items())
    ]


def _for_the_contact(ctx: Context, reader: Translator, collectivity: Collectivity, created: Invite) -> list[str]:
    """The invitation as the contact reads it, in `reader`'s language."""
    names = ctx.event.info.get("short_name") or ctx.event.info.get("name") or {}
    event = str(names.get(reader.locale) or ctx.text(names))
    expires = reader.listed_date(created.expires_at.astimezone(ctx.zone).date())
    return [
        reader.gettext("This bot helps {name} prepare its participation in {event}.").format(
            name=collectivity.name(reader.locale), event=event
        ),
        reader.gettext("To start, send {join} {code} to the bot. The code is valid until {date}.").format(
            code=created.code, date=expires, **ctx.commands("join")
        ),
        *_links(ctx, reader, created.code),
    ]


def invites(ctx: Context, args: str) -> Reply:
    words = args.strip().lower().split()
    include_closed = "all" in words
    numbers = [n for n in (parse_int(w) for w in words if w != "all") if n is not None]
    page = max(1, numbers[0]) if numbers else 1
    now = ctx.clock.now()
    # One page of PAGE codes and a count: thousands of codes would be hundreds of chat messages.
    views = list_invites(
        ctx.session, ctx.event, now, include_closed=include_closed, offset=(page - 1) * PAGE, limit=PAGE
    )
    total = count_invites(ctx.session, ctx.event, now, include_closed=include_closed)
    if not views and page > 1 and total:
        last = (total + PAGE - 1) // PAGE
        raise Refusal(
            ctx.ngettext("There is only {pages} page.", "There are only {pages} pages.", last).format(pages=last)
        )
    if not views:
        return Reply(
            ctx._("No invitation code is valid now. Create one with {admin} invite <no.>.").format(
                **ctx.commands("admin")
            )
        )
    states = {
        "active": ctx._("valid"),
        "expired": ctx._("expired"),
        "used": ctx._("used up"),
        "revoked": ctx._("revoked"),
    }
    lines = [ctx._("Invitation codes:")]
    for view in views:
        expires = date_label(ctx, view.invite.expires_at.astimezone(ctx.zone).date())
        lines.append(
            ctx._("• {code} — #{id} {name} — {state}, used {uses}/{max}, until {date}").format(
                code=view.invite.code,
                id=view.collectivity.id,
                name=view.collectivity.name(ctx.locale),
                state=states[view.state],
                uses=view.invite.uses,
                max=view.invite.max_uses,
                date=expires,
            )
        )
    if total > PAGE:
        last = (total + PAGE - 1) // PAGE
        lines.append(ctx._("Page {page} of {pages} ({n} codes).").format(page=page, pages=last, n=total))
        if page < last:
            following = ("all " if include_closed else "") + str(page + 1)
            lines.append(ctx._("Next ones: {admin} invites {next}").format(next=following, **ctx.commands("admin")))
    return Reply("\n".join(lines))


def revoke(ctx: Context, args: str) -> Reply:
    if not args.strip():
        raise Refusal(ctx._("Write: {admin} revoke <code>").format(**ctx.commands("admin")))
    try:
        view = revoke_invite(ctx.session, ctx.event, args, actor=ctx.incoming.actor, now=ctx.clock.now())
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    return Reply(
        ctx._("The invitation {code} for {name} is revoked; nobody can join with it any more.").format(
            code=view.invite.code, name=view.collectivity.name(ctx.locale)
        )
    )


def grant(ctx: Context, args: str) -> Reply:
    try:
        who = grant_admin(ctx.session, ctx.event, args, actor=ctx.incoming.actor, now=ctx.clock.now())
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    ctx.signals.add(ORGANISERS_CHANGED)
    return Reply(ctx._("{who} is now an organiser.").format(who=who))


def revoke_admin_(ctx: Context, args: str) -> Reply:
    try:
        who = revoke_admin(ctx.session, ctx.event, args, actor=ctx.incoming.actor, now=ctx.clock.now())
    except OrganiserError as error:
        raise refuse(ctx, error) from None
    ctx.signals.add(ORGANISERS_CHANGED)
    return Reply(ctx._("{who} is no longer an organiser.").format(who=who))


def admins(ctx: Context, _args: str) -> Reply:
    grants = list_grants(ctx.session, ctx.event)
    lines = [ctx._("Organisers named in chat (besides those in the ADMINS setting):")]
    if not grants:
        lines.append(ctx._("(none)"))
    for g in grants:
        when = date_label(ctx, g.granted_at.astimezone(ctx.zone).date())
        lines.append(
            ctx._("• {who} — by {by}, {date}").format(who=f"{g.platform}:{g.user_id}", by=g.granted_by, date=when)
        )
    return Reply("\n".join(lines))
