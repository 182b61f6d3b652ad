"""Routes an incoming message to a command, a button action or the form in progress."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.context import Context, Refusal
from handlers.types import Reply
from storage.models import FormState

Result = Reply | list[Reply]
CommandHandler = Callable[[Context, str], Result]
FormHandler = Callable[[Context, FormState, str], Result]

# Longer input than this is not a command anyone types; refuse before parsing it.
MAX_INPUT_CHARS = 4000


@dataclass(frozen=True)
class Command:
    name: str
    handler: CommandHandler
    summary: str
    usage: str = ""
    admin: bool = False


@dataclass
class Router:
    commands: dict[str, Command] = field(default_factory=dict)
    admin_commands: dict[str, Command] = field(default_factory=dict)
    actions: dict[str, CommandHandler] = field(default_factory=dict)
    forms: dict[str, FormHandler] = field(default_factory=dict)

    def command(self, name: str, summary: str, usage: str = "") -> Callable[[CommandHandler], CommandHandler]:
        """Register `/name`; `summary` is an untranslated message (mark it with N_)."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.commands[name] = Command(name, handler, summary, usage)
            return handler

        return register

    def admin_command(self, name: str, summary: str, usage: str = "") -> Callable[[CommandHandler], CommandHandler]:
        """Register `/admin name`, answered for organisers only."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.admin_commands[name] = Command(name, handler, summary, usage, admin=True)
            return handler

        return register

    def action(self, prefix: str) -> Callable[[CommandHandler], CommandHandler]:
        """Register a button action `prefix:payload`."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.actions[prefix] = handler
            return handler

        return register

    def form(self, name: str) -> Callable[[FormHandler], FormHandler]:
        """Register the handler of free text while form `name` is in progress."""

        def register(handler: FormHandler) -> FormHandler:
            self.forms[name] = handler
            return handler

        return register

    def dispatch(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.action is not None:
            prefix, _, payload = incoming.action.partition(":")
            action = self.actions.get(prefix)
            if action is None:
                raise Refusal(ctx._("This button is no longer valid. Send /help to see what I can do."))
            return _as_list(action(ctx, payload))
        text = clean_text(incoming.text)
        if len(text) > MAX_INPUT_CHARS:
            raise Refusal(
                ctx._("Your message is too long for me ({count} characters). Please send a shorter one.").format(
                    count=len(text)
                )
            )
        if not text:
            raise Refusal(ctx._("I received an empty message. Send /help to see what I can do."))
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            name = name.split("@", 1)[0].lower()
            return self._run_command(ctx, name, args.strip())
        state = ctx.session.get(FormState, ctx.user.id)
        if state is not None and state.form in self.forms:
            return _as_list(self.forms[state.form](ctx, state, text))
        if incoming.is_group:
            return []
        raise Refusal(ctx._("I answer commands such as /programme or /status. Send /help to see them all."))

    def _run_command(self, ctx: Context, name: str, args: str) -> list[Reply]:
        if name == "admin":
            sub, _, rest = args.partition(" ")
            if not ctx.is_admin:
                raise Refusal(ctx._("Only the organisers can use the admin commands."))
            command = self.admin_commands.get(sub.lower())
            if command is None:
                raise Refusal(ctx._("Unknown admin command. Send /admin help to see them all."))
            return _as_list(command.handler(ctx, rest.strip()))
        command = self.commands.get(name)
        if command is None:
            shown = name if len(name) <= 30 else name[:30] + "…"
            raise Refusal(
                ctx._("I do not know the command /{name}. Send /help to see what I can do.").format(name=shown)
            )
        return _as_list(command.handler(ctx, args))


def clean_text(text: str) -> str:
    """Normalise what people type: NFKC (full-width ／ and digits), no control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def _as_list(result: Result) -> list[Reply]:
    return [result] if isinstance(result, Reply) else list(result)
