"""A stand-in for the neutral form view the contract issue adds to replies (`FormView`).

bot/slack_blocks.py builds modals from these types only; when contract/ has its own `FormView`,
replace this module by an import of it (or an adapter from it), and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["text", "number", "choice", "yes-no"]


@dataclass(frozen=True)
class FormChoice:
    """One choice of a field: the value the form's validation reads, and the label a person sees."""

    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    # The choices of a "choice" field, and the two of a "yes-no" field (labels are translated by handlers).
    choices: tuple[FormChoice, ...] = ()
    # What the field holds now (a choice's value, a number as text), shown as the initial value.
    value: str | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    optional: bool = False
    multiline: bool = False
    hint: str | None = None


@dataclass(frozen=True)
class FormView:
    """A whole form to fill at once: its name, translated title and submit label, and its fields."""

    form: str
    title: str
    submit: str
    fields: tuple[FormField, ...]
    # The collectivity or other context the form is for, echoed back with the submission.
    context: str = ""
    close: str | None = None
