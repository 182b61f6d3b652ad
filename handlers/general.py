"""Greeting, help, language, cancelling a form, and buttons that run a command."""

from __future__ import annotations

from contract.messages import Button, Reply
from handlers.context import Context, Refusal
from handlers.router import Router
from locales import N_, SUPPORTED, Translator

LANGUAGE_NAMES = {"fr": "Français", "ja": "日本語", "en": "English"}


def register(router: Router) -> None:
    def start(ctx: Context, args: str) -> Reply | list[Reply]:
        if args and "join" in router.commands:
            return router.run_command(ctx, "join", args)
        if args:
            raise Refusal(ctx._("Invitation codes are not accepted yet. Please ask the organisers."))
        return welcome(ctx)

    def help_(ctx: Context, args: str) -> Reply:
        return help_text(ctx, router, admin=args.strip().lower() == "admin")

    def admin_help(ctx: Context, _args: str) -> Reply:
        return help_text(ctx, router, admin=True)

    def run_command(ctx: Context, payload: str) -> list[Reply]:
        name, _, args = payload.partition(" ")
        if name not in router.commands:
            raise Refusal(
                ctx._("This button is no longer valid. Send {help} to see what I can do.").format(
                    **ctx.commands("help")
                )
            )
        return router.run_command(ctx, name, args)

    router.command("start", N_("welcome, or join your collectivity with an invitation code"), N_("[code]"))(start)
    router.command("help", N_("what I can do"))(help_)
    router.command("lang", N_("choose your language"), "fr|ja|en")(lang)
    router.command("cancel", N_("stop the form in progress"))(cancel)
    router.admin_command("help", N_("the organisers' commands"))(admin_help)

    def form_choice(ctx: Context, payload: str) -> list[Reply]:
        """The buttons of a command typed in the middle of a form: finish it, or drop it and run the command."""
        kind, _, text = payload.partition(":")
        if kind == "resume":
            return [router.resume_form(ctx)]
        state = ctx.form_state()
        if state is not None:
            ctx.session.delete(state)
            ctx.session.flush()
        dropped = Reply(ctx._("Cancelled. Nothing from that form was saved."), edit=True)
        if not text.startswith("/"):
            return [dropped, Reply(ctx._("Please send your command again."))]
        return [dropped, *router.run_text_command(ctx, text)]

    router.action("cmd", in_groups=True)(run_command)
    router.action("form")(form_choice)
    router.action("lang", in_groups=True)(lang)


def welcome(ctx: Context) -> Reply:
    name = ctx.text(ctx.event.info.get("name"))
    text = "\n".join(
        [
            ctx._("Hello! I am the assistant of the {event}.").format(event=name),
            ctx._(
                "I can show you the programme and the workshops, and help your collectivity "
                "confirm its participation, choose its workshops and keep track of its deadlines."
            ),
            ctx._("Send {help} to see everything I can do.").format(**ctx.commands("help")),
        ]
    )
    buttons = (
        (Button(ctx._("Programme"), "cmd:programme"), Button(ctx._("Workshops"), "cmd:workshops")),
        (Button(ctx._("What is on now"), "cmd:now"), Button(ctx._("Language"), "cmd:lang")),
    )
    return Reply(text, buttons=buttons)


def help_text(ctx: Context, router: Router, *, admin: bool) -> Reply:
    if admin and not ctx.is_admin:
        raise Refusal(ctx._("Only the organisers can use the admin commands."))
    commands = router.admin_commands if admin else router.commands
    heading = ctx._("Organisers' commands:") if admin else ctx._("Here is what I can do:")
    lines = [heading]
    for command in commands.values():
        if not admin and command.private and ctx.incoming.is_group:
            continue  # refused in a group: not offered there
        # Usages are marked with N_ where they are registered: placeholders read in the reader's language.
        usage = f" {ctx._(command.usage)}" if command.usage else ""
        spelled = ctx.command("admin", command.name) if admin else ctx.command(command.name)
        lines.append(f"{spelled}{usage} — {ctx._(command.summary)}")
    if not admin and ctx.is_admin:
        lines += ["", ctx._("As an organiser, send {admin} help for your commands.").format(**ctx.commands("admin"))]
    return Reply("\n".join(lines))


def lang(ctx: Context, args: str) -> Reply:
    choice = args.strip().lower()
    if not choice:
        buttons = tuple((Button(LANGUAGE_NAMES[loc], f"lang:{loc}"),) for loc in SUPPORTED)
        return Reply(ctx._("Which language would you like me to use?"), buttons=buttons)
    if choice not in SUPPORTED:
        raise Refusal(
            ctx._("I speak French (fr), Japanese (ja) and English (en). Send for example {lang} ja.").format(
                **ctx.commands("lang")
            )
        )
    ctx.user.locale = choice
    ctx.translator = Translator(choice)
    return Reply(ctx._("From now on I will answer you in English."), edit=ctx.incoming.action is not None)


def cancel(ctx: Context, _args: str) -> Reply:
    state = ctx.form_state()
    if state is None:
        return Reply(ctx._("There is nothing to cancel."))
    ctx.session.delete(state)
    return Reply(ctx._("Cancelled. Nothing from that form was saved."))
