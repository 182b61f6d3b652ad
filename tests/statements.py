"""The SQL statements a core's engine runs while a test looks (counts and kinds, never times)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bot.core import BotCore


@contextmanager
def recorded_statements(core: BotCore) -> Iterator[list[str]]:
    """Every statement sent to the database inside the `with`, in order."""
    statements: list[str] = []
    engine = core.sessions.kw["bind"]

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def writes(statements: list[str]) -> list[str]:
    """The INSERT, UPDATE and DELETE statements among `statements`."""
    return [s for s in statements if s.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]
