"""Issue 11: /done by the words of a task's title in each language; titles shown, not keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import TaskDone
from tests.participation_support import linked

KEYS = ("registration", "hotel", "declaration-draft-1", "slides", "poster")


@pytest.mark.parametrize(
    ("locale", "words", "noted"),
    [("fr", "hôtel", "Réserver l'hôtel"), ("ja", "ホテル", "ホテル予約"), ("fr", "hotel", "Réserver l'hôtel")],
)
def test_done_by_title_words(chat, core, locale, words, noted):
    person, _ = linked(chat, core, locale_hint=locale)
    answer = person.send(f"/done {words}")
    assert noted in answer
    with transaction(core.sessions) as session:
        assert [row.task_key for row in session.scalars(select(TaskDone))] == ["hotel"]
    assert not any(f" {key}" in answer or f"{key}." in answer for key in KEYS)


@pytest.mark.parametrize("locale", ["ja", "fr"])
def test_task_keys_are_not_shown(chat, core, locale):
    person, _ = linked(chat, core, locale_hint=locale)
    for command in ("/status", "/done", "/done nothing-like-this"):
        answer = person.send(command)
        for key in KEYS:
            assert f" {key})" not in answer and f"({key})" not in answer and f"{key}）" not in answer, (command, key)
    # The number shown in the hint marks the task.
    status = person.send("/status")
    hint = next(
        line for line in status.splitlines() if "/done" in line and ("ホテル予約" in line or "Réserver l'hôtel" in line)
    )
    number = hint.rsplit("/done ", 1)[1].strip(")）")
    person.send(f"/done {number}")
    with transaction(core.sessions) as session:
        assert [row.task_key for row in session.scalars(select(TaskDone))] == ["hotel"]
