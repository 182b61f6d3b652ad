"""Forms described once, as data: their fields and limits, each field's and the whole form's validation,
and the storage operation they end in.

A step-by-step dialog (console, Telegram) checks each answer with `Field.check` as it comes and ends
with `Form.check` and `Form.finish`; a whole submission (a Slack modal) goes through `Form.submit`:
the same checks, every field at once, then the same finishing operation and confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract.messages import ChoiceView, FieldKind, FieldView, FormView, Reply, Submission
from contract.numbers import parse_int
from handlers.context import Context, Refusal
from handlers.router import clean_text, parsed_text
from storage.models import Collectivity
from storage.participation import ParticipationError

# Validator of one field: (context, the typed value, the values of the fields before it) -> the value kept.
Validator = Callable[[Context, Any, Mapping[str, Any]], Any]
# Whole-form validator: (context, every field's value) -> each field's error (field name -> sentence).
FormCheck = Callable[[Context, Mapping[str, Any]], dict[str, str]]
# A field's sentence, or how to write it from the answers before it (an option's most is the delegation's size).
ErrorText = str | Callable[[Mapping[str, Any]], str]
_YES_VALUES = {"yes", "true", "1", "on"}
_NO_VALUES = {"no", "false", "0", "off"}
# A submitted value that is not of its field's kind ("abc" for a number): refused with the field's sentence.
_INVALID = object()


class FieldError(Exception):
    """An answer a field does not accept; the sentence is already in the person's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FormRefusal(Refusal):
    """A whole form refused: each field's error for a modal to show, and all of them in the text."""

    def __init__(self, message: str, field_errors: Mapping[str, str]) -> None:
        super().__init__(message)
        self.field_errors = dict(field_errors)

    def reply(self) -> Reply:
        return Reply(self.message, kind="refusal", visibility="asker", field_errors=self.field_errors)


@dataclass(frozen=True)
class Field:
    """One field: its kind, label and limits, and the sentence shown when an answer breaks them."""

    name: str
    kind: FieldKind
    label: str
    error: ErrorText
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    multiline: bool = False
    choices: tuple[ChoiceView, ...] = ()
    # A repeated group's fields (a delegation's persons): each item is {sub-field name: value}.
    fields: tuple[Field, ...] = ()
    validate: Validator | None = None

    def check(self, ctx: Context, value: Any, values: Mapping[str, Any]) -> Any:
        """`value` (already typed) within the limits and through the validator, or FieldError."""
        if value is _INVALID:
            raise FieldError(self.message(values))
        if value is None or value == "" or value == []:
            if self.required:
                raise FieldError(self.message(values))
            return None
        if self.kind == "text" and self.max_length is not None and len(value) > self.max_length:
            raise FieldError(self.message(values))
        if self.kind == "number" and not self._within(value):
            raise FieldError(self.message(values))
        if self.kind == "choice" and self.choices and value not in {c.value for c in self.choices}:
            raise FieldError(self.message(values))
        if self.kind == "group":
            self.check_count(len(value), values)
            value = [self.check_item(ctx, item) for item in value]
        return self.validate(ctx, value, values) if self.validate is not None else value

    def message(self, values: Mapping[str, Any]) -> str:
        return self.error(values) if callable(self.error) else self.error

    def _within(self, number: int) -> bool:
        return (self.minimum is None or number >= self.minimum) and (self.maximum is None or number <= self.maximum)

    def check_count(self, count: int | None, values: Mapping[str, Any]) -> int:
        """A group's number of items (a delegation's size, which the dialog asks first)."""
        if count is None or not self._within(count):
            raise FieldError(self.message(values))
        return count

    def check_item(self, ctx: Context, item: Mapping[str, Any]) -> dict[str, Any]:
        """One item of a group (one person), each sub-field with its own limits and sentence."""
        checked: dict[str, Any] = {}
        for sub in self.fields:
            checked[sub.name] = sub.check(ctx, item.get(sub.name), checked)
        return checked

    def coerce(self, raw: Any) -> Any:
        """A submitted value in this field's type (see contract.messages.FieldKind); `check` refuses what is not."""
        if raw is None:
            return None
        if self.kind == "number":
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            text = str(raw).strip()
            number = parse_int(text)
            return _INVALID if text and number is None else number
        if self.kind == "yesno":
            # A stored answer (a head count: 0 is no) is a yes or no too.
            if isinstance(raw, int):
                return bool(raw)
            word = str(raw).strip().lower()
            if word in _YES_VALUES | _NO_VALUES:
                return word in _YES_VALUES
            return _INVALID if word else None
        if self.kind == "group":
            if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
                return _INVALID
            items = []
            for item in raw:
                if not isinstance(item, Mapping):
                    return _INVALID
                items.append({sub.name: sub.coerce(item.get(sub.name)) for sub in self.fields})
            # A modal's empty rows are no persons.
            return [item for item in items if any(v not in (None, "") for v in item.values())]
        if self.kind == "choice":
            # A choice is parsed (３ is 3); a text is kept as typed, minus control characters.
            return parsed_text(clean_text(str(raw)))
        return clean_text(str(raw))

    def view(self, value: Any = None) -> FieldView:
        return FieldView(
            name=self.name,
            kind=self.kind,
            label=self.label,
            required=self.required,
            minimum=self.minimum,
            maximum=self.maximum,
            max_length=self.max_length,
            multiline=self.multiline,
            choices=self.choices,
            value=value,
            fields=tuple(sub.view() for sub in self.fields),
        )


def _no_check(_ctx: Context, _values: Mapping[str, Any]) -> dict[str, str]:
    return {}


def _nothing_current(_ctx: Context, _collectivity: Collectivity) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Form:
    """A form: its fields for this person, the checks, and the operation it ends in."""

    name: str
    # Untranslated (N_) title and submit label of the whole form.
    title: str
    submit_label: str
    # Who may fill it now (raises a Refusal otherwise), and for which collectivity.
    opened_for: Callable[[Context], Collectivity]
    fields: Callable[[Context, Collectivity], tuple[Field, ...]]
    # The storage operation and its confirmation; raises ParticipationError when a rule is broken.
    finish: Callable[[Context, Collectivity, Mapping[str, Any]], Reply | list[Reply]]
    # A broken rule in words, and the field it concerns (reason -> field name; others concern the whole form).
    explain: Callable[[Context, ParticipationError], Refusal]
    check: FormCheck = _no_check
    current: Callable[[Context, Collectivity], dict[str, Any]] = _nothing_current
    error_fields: Mapping[str, str] = field(default_factory=dict)

    def field(self, ctx: Context, collectivity: Collectivity, name: str) -> Field:
        return next(f for f in self.fields(ctx, collectivity) if f.name == name)

    def view(self, ctx: Context, collectivity: Collectivity, values: Mapping[str, Any] | None = None) -> FormView:
        """The whole form, prefilled with the collectivity's current answers (or `values`)."""
        current = {**self.current(ctx, collectivity), **(values or {})}
        return FormView(
            form=self.name,
            title=ctx._(self.title),
            submit=ctx._(self.submit_label),
            fields=tuple(f.view(current.get(f.name)) for f in self.fields(ctx, collectivity)),
            context=str(collectivity.id),
        )

    def clean(
        self, ctx: Context, collectivity: Collectivity, raw: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Every valid field's typed value, and every error: each field's own, then the whole form's.

        The whole-form check sees only the fields that passed (a rule on two fields skips a missing one),
        so one submission names every field to correct."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.fields(ctx, collectivity):
            try:
                values[f.name] = f.check(ctx, f.coerce(raw.get(f.name)), values)
            except FieldError as error:
                errors[f.name] = error.message
        return values, {**self.check(ctx, values), **errors}

    def submit(self, ctx: Context, submission: Submission) -> Reply | list[Reply]:
        """A whole submission: refused with each field's error (nothing written), or finished as the dialog does."""
        collectivity = self.opened_for(ctx)
        if submission.context and submission.context != str(collectivity.id):
            raise Refusal(ctx._("This form is no longer in progress. Send the command again to start over."))
        fields = self.fields(ctx, collectivity)
        values, errors = self.clean(ctx, collectivity, submission.values)
        if not errors:
            try:
                reply = self.finish(ctx, collectivity, values)
            except ParticipationError as error:
                errors = {self.error_fields.get(error.reason, ""): self.explain(ctx, error).message}
        if errors:
            raise _refusal(ctx, fields, errors)
        state = ctx.form_state()
        if state is not None and state.form == self.name:
            ctx.session.delete(state)
        return reply


def _refusal(ctx: Context, fields: Sequence[Field], errors: Mapping[str, str]) -> FormRefusal:
    """Each error next to its field for a modal; in the text too, for a platform that shows only text."""
    labels = {f.name: f.label for f in fields}
    lines = [ctx._("Some answers need correcting; nothing was saved.")]
    for name, message in errors.items():
        lines.append(f"• {labels[name]}: {message}" if name in labels else f"• {message}")
    return FormRefusal("\n".join(lines), {name: message for name, message in errors.items() if name})


def refuse_step(error: FieldError, question: Reply) -> Refusal:
    """A step's answer refused: the field's sentence, with the question's buttons to answer again."""
    return Refusal(error.message, question.buttons, question.numbers)
