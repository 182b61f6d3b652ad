"""Routes an incoming message to a command, a button action or the form in progress."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from contract.messages import MAX_ACTION_BYTES, Button, Incoming, Reply, Submission
from handlers.context import Context, FormOutdated, Refusal
from locales.words import normalised
from storage.models import FormState

Result = Reply | list[Reply]
CommandHandler = Callable[[Context, str], Result]
FormHandler = Callable[[Context, FormState, str], Result]
FormQuestion = Callable[[Context, FormState], Reply]
SubmissionHandler = Callable[[Context, Submission], Result]

# Longer input than this is not a command anyone types; refuse before parsing it.
MAX_INPUT_CHARS = 4000
# Commands answered as usual while a form is in progress: they neither change nor drop it.
# Any other command (but the form's own) first asks whether to finish the form or abandon it.
# Organisers' commands whose arguments are stored (names, a room): given as typed, not normalised.
TYPED_TEXT_ADMIN_COMMANDS = frozenset({"add", "edit", "workshop"})
FORM_SAFE_COMMANDS = frozenset(
    {"cancel", "help", "lang", "status", "deadlines", "programme", "now", "workshops", "about", "agenda"}
)
# Organisers' commands that only read and take up to seconds at 5,000 collectivities (every row, a chart, a
# balancing): answered in a worker process when the bot runs (bot/workers.py), off the other chats' interpreter.
HEAVY_ADMIN_COMMANDS = frozenset({"export", "show", "stats", "balance"})
# Commands that only read: answered in a read transaction, which on SQLite never holds the write lock, so a
# slow one (an export at 5,000 collectivities) holds up nobody. One that must write after all (a new person's
# first message, a changed chat id) is run again as a write (bot/core.py): a wrong entry costs time, not data.
READ_ONLY_COMMANDS = frozenset({"help", "programme", "now", "workshops", "about", "status", "deadlines", "agenda"})
READ_ONLY_ADMIN_COMMANDS = frozenset(
    {
        "help",
        "list",
        "export",
        "show",
        "stats",
        "balance",
        "mismatches",
        "deadlines",
        "invites",
        "admins",
        "audit",
        "reminders",
        "channels",
    }
)


@dataclass(frozen=True)
class Command:
    name: str
    handler: CommandHandler
    summary: str
    usage: str = ""
    admin: bool = False
    # Changes a collectivity's answers: refused in group chats, where anyone could press its buttons.
    private: bool = False


@dataclass
class Router:
    commands: dict[str, Command] = field(default_factory=dict)
    admin_commands: dict[str, Command] = field(default_factory=dict)
    actions: dict[str, CommandHandler] = field(default_factory=dict)
    forms: dict[str, FormHandler] = field(default_factory=dict)
    admin_actions: set[str] = field(default_factory=set)
    # Buttons anyone in a group may press for themselves (the rest act on a collectivity: private chats only).
    group_actions: set[str] = field(default_factory=set)
    # Each form's current question, asked again when the person comes back to it.
    form_questions: dict[str, FormQuestion] = field(default_factory=dict)
    # What a file sent without a command does (an organiser's list to import), if anything.
    file_handler: CommandHandler | None = None
    # Each form's whole submission (a Slack modal), by form name.
    submissions: dict[str, SubmissionHandler] = field(default_factory=dict)

    def command(
        self, name: str, summary: str, usage: str = "", *, private: bool = False
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Register `/name`; `summary` is an untranslated message (mark it with N_); `private`: not in groups."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.commands[name] = Command(name, handler, summary, usage, private=private)
            return handler

        return register

    def admin_command(self, name: str, summary: str, usage: str = "") -> Callable[[CommandHandler], CommandHandler]:
        """Register `/admin name`, answered for organisers only."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.admin_commands[name] = Command(name, handler, summary, usage, admin=True)
            return handler

        return register

    def action(self, prefix: str, *, in_groups: bool = False) -> Callable[[CommandHandler], CommandHandler]:
        """Register a button action `prefix:payload`; pressed in a group only if `in_groups`."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.actions[prefix] = handler
            if in_groups:
                self.group_actions.add(prefix)
            return handler

        return register

    def admin_action(self, prefix: str) -> Callable[[CommandHandler], CommandHandler]:
        """Register an organisers' button: a button reaches anyone who sees the message, so rights are checked here."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.actions[prefix] = handler
            self.admin_actions.add(prefix)
            return handler

        return register

    def form(self, name: str, question: FormQuestion | None = None) -> Callable[[FormHandler], FormHandler]:
        """Register the handler of free text while form `name` is in progress, and how to re-ask its question."""

        def register(handler: FormHandler) -> FormHandler:
            self.forms[name] = handler
            if question is not None:
                self.form_questions[name] = question
            return handler

        return register

    def file(self, handler: CommandHandler) -> CommandHandler:
        """Register the handler of a file sent alone (no command in its caption)."""
        self.file_handler = handler
        return handler

    def submission(self, name: str) -> Callable[[SubmissionHandler], SubmissionHandler]:
        """Register the handler of form `name` submitted whole."""

        def register(handler: SubmissionHandler) -> SubmissionHandler:
            self.submissions[name] = handler
            return handler

        return register

    def reads_only(self, incoming: Incoming) -> bool:
        """The message is a command that only reads (READ_ONLY_COMMANDS), judged from its text alone."""
        name, sub = _typed_command(incoming)
        if name != "admin":
            return name in READ_ONLY_COMMANDS and name in self.commands
        return sub in READ_ONLY_ADMIN_COMMANDS and sub in self.admin_commands

    def is_heavy(self, incoming: Incoming) -> bool:
        """The message is an organisers' command that only reads and may take seconds (HEAVY_ADMIN_COMMANDS)."""
        name, sub = _typed_command(incoming)
        return name == "admin" and sub in HEAVY_ADMIN_COMMANDS and sub in self.admin_commands

    def dispatch(self, ctx: Context) -> list[Reply]:
        try:
            return self._dispatch(ctx)
        except FormOutdated:
            # Not a refusal: closing the stale form must be saved, or every answer would hit it again.
            state = ctx.form_state()
            if state is not None:
                ctx.session.delete(state)
            return [
                Reply(
                    ctx._(
                        "The organisers changed the event while your form was open, so I closed it. "
                        "Nothing from it was saved: please send the command again."
                    )
                )
            ]

    def _dispatch(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.submission is not None:
            return self._submit(ctx, incoming.submission)
        if incoming.action is not None:
            prefix, _, payload = incoming.action.partition(":")
            action = self.actions.get(prefix)
            if action is None:
                raise Refusal(
                    ctx._("This button is no longer valid. Send {help} to see what I can do.").format(
                        **ctx.commands("help")
                    )
                )
            if prefix in self.admin_actions and not ctx.is_admin:
                raise Refusal(ctx._("Only the organisers can use the admin commands."))
            # A button in a group carries no owner: whoever presses it would act for their own collectivity.
            if incoming.is_group and prefix not in self.group_actions and prefix not in self.admin_actions:
                raise _private_only(ctx)
            return _as_list(action(ctx, payload))
        text = clean_text(incoming.text)
        if len(text) > MAX_INPUT_CHARS:
            raise Refusal(
                ctx._("Your message is too long for me ({count} characters). Please send a shorter one.").format(
                    count=len(text)
                )
            )
        if incoming.attachment is not None and not text.startswith("/") and self.file_handler is not None:
            return _as_list(self.file_handler(ctx, text))
        state = ctx.form_state()
        if state is not None and state.form not in self.forms:
            state = None
        if not text:
            question = self.form_questions.get(state.form) if state is not None else None
            if state is not None and question is not None:
                # An invisible line (a zero-width space) is no answer: ask the question again.
                raise Refusal.again("", question(ctx, state))
            raise Refusal(
                ctx._("I received an empty message. Send {help} to see what I can do.").format(**ctx.commands("help"))
            )
        parsed = parsed_text(text)
        if parsed.startswith("/"):
            name, _, args = parsed[1:].partition(" ")
            name = name.split("@", 1)[0].lower()
            # The form's own command (/choose 3 1 while tapping) starts it again, as asked.
            if state is not None and name not in FORM_SAFE_COMMANDS and name != state.form:
                raise self._form_in_the_way(ctx, state, parsed)
            typed = text.split(None, 1)[1].strip() if len(text.split(None, 1)) > 1 else ""
            return self.run_command(ctx, name, args.strip(), typed=typed)
        if state is not None and state.form in self.forms:
            pressed = self._typed_label(ctx, state, text)
            if pressed is not None:
                # Typing a button's label («Pas de binôme», 「全員」) presses it.
                ctx.incoming = replace(incoming, text="", action=pressed)
                return self._dispatch(ctx)
            return _as_list(self.forms[state.form](ctx, state, text))
        if incoming.is_group:
            return []
        raise Refusal(
            ctx._("I answer commands such as {programme} or {status}. Send {help} to see them all.").format(
                **ctx.commands("programme", "status", "help")
            )
        )

    def _typed_label(self, ctx: Context, state: FormState, text: str) -> str | None:
        """The action of the one button of the form's current question whose label `text` is, if any."""
        question = self.form_questions.get(state.form)
        if question is None:
            return None
        try:
            buttons = question(ctx, state).all_buttons
        except (Refusal, FormOutdated):
            return None
        typed = normalised(text)
        matches = {b.action for b in buttons if typed in _label_forms(b.label)}
        return matches.pop() if len(matches) == 1 else None

    def _submit(self, ctx: Context, submission: Submission) -> list[Reply]:
        """A whole form: its one validation path, as the step-by-step dialog's (forms are private)."""
        handler = self.submissions.get(submission.form)
        if handler is None:
            raise Refusal(ctx._("This form is no longer in progress. Send the command again to start over."))
        if ctx.incoming.is_group:
            raise _private_only(ctx)
        return _as_list(handler(ctx, submission))

    def _form_in_the_way(self, ctx: Context, state: FormState, text: str) -> Refusal:
        """A command typed in the middle of a form: finish the form, or abandon it and run the command."""
        run = f"form:drop:{text}"
        if len(run.encode()) > MAX_ACTION_BYTES:
            run = "form:drop:"  # too long to carry: the person sends it again after abandoning
        buttons = (
            (Button(ctx._("Finish the form"), "form:resume"),),
            (Button(ctx._("Abandon it and run {command}").format(command=text.split(" ", 1)[0][:30]), run),),
        )
        message = ctx._(
            "You are in the middle of the {form} form; nothing of it is saved yet. "
            "Finish it first, or abandon it and run {command}?"
        ).format(form=ctx.command(state.form), command=text.split(" ", 1)[0][:30])
        return Refusal(message, buttons)

    def resume_form(self, ctx: Context) -> Reply:
        """The question of the form in progress, asked again."""
        state = ctx.form_state()
        question = self.form_questions.get(state.form) if state is not None else None
        if state is None or question is None:
            raise Refusal(ctx._("This form is no longer in progress. Send the command again to start over."))
        return question(ctx, state)

    def run_text_command(self, ctx: Context, text: str) -> list[Reply]:
        """Run a command given as typed ("/choose 3 1"), without the form check."""
        name, _, args = text.removeprefix("/").partition(" ")
        return self.run_command(ctx, name.split("@", 1)[0].lower(), args.strip())

    def run_command(self, ctx: Context, name: str, args: str, *, typed: str | None = None) -> list[Reply]:
        """Run `/name args` as if typed (buttons that run a command come here too).

        `args` is normalised for parsing; `typed`, the same arguments as typed, for those stored."""
        if name == "admin":
            sub, _, rest = args.partition(" ")
            if typed is not None and sub.lower() in TYPED_TEXT_ADMIN_COMMANDS:
                rest = typed.split(None, 1)[1] if len(typed.split(None, 1)) > 1 else ""
            if not ctx.is_admin:
                raise Refusal(ctx._("Only the organisers can use the admin commands."))
            command = self.admin_commands.get(sub.lower())
            if command is None:
                raise Refusal(
                    ctx._("Unknown admin command. Send {admin} help to see them all.").format(**ctx.commands("admin"))
                )
            return _as_list(command.handler(ctx, rest.strip()))
        command = self.commands.get(name)
        if command is None:
            shown = name if len(name) <= 30 else name[:30] + "…"
            raise Refusal(
                ctx._("I do not know the command {command}. Send {help} to see what I can do.").format(
                    command=ctx.command(shown), **ctx.commands("help")
                )
            )
        if command.private and ctx.incoming.is_group:
            raise _private_only(ctx)
        return _as_list(command.handler(ctx, args))


def _typed_command(incoming: Incoming) -> tuple[str, str]:
    """The command a typed message starts with and its first word ("admin", "export"); ("", "") if none."""
    if incoming.action is not None or incoming.submission is not None or incoming.attachment is not None:
        return "", ""
    words = parsed_text(clean_text(incoming.text)).split(None, 2)
    if not words or not words[0].startswith("/"):
        return "", ""
    return words[0][1:].split("@", 1)[0].lower(), words[1].lower() if len(words) > 1 else ""


def _private_only(ctx: Context) -> Refusal:
    return Refusal(
        ctx._(
            "Please send this to me in a private conversation: in a group, "
            "everyone could see and press your collectivity's answers."
        )
    )


def clean_text(text: str) -> str:
    """What people type, kept as typed (「（事例紹介）」, ＝, « … » go into Doc 7) minus control characters."""
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def parsed_text(text: str) -> str:
    """What people type, as read for parsing a command, a number or a word: NFKC (full-width ／ and digits)."""
    return unicodedata.normalize("NFKC", text).strip()


def _label_forms(label: str) -> set[str]:
    """How a button's label may be typed: whole, without its count in brackets (「全員（2名）」 → 全員),
    without the number the console keys it by ("3. Gouvernance…" → Gouvernance…)."""
    forms = {label, _BRACKETED_END.sub("", label), _NUMBERED.sub("", label)}
    return {normalised(f) for f in forms if f.strip()}


_BRACKETED_END = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")
_NUMBERED = re.compile(r"^\s*\d+\.\s*")


def _as_list(result: Result) -> list[Reply]:
    return [result] if isinstance(result, Reply) else list(result)
