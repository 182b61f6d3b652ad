"""What a row can hold, the same on SQLite and PostgreSQL: no NUL, and no more characters than the column has.

SQLite stores anything; PostgreSQL refuses a NUL and a value longer than its column. Names and titles
are cut to fit (better a cut name than a lost message); identifiers are never cut (a cut id is another
person's), the caller refuses them.
"""

from __future__ import annotations

from typing import Any


def clean(text: str) -> str:
    """`text` without NUL, and with lone surrogates (undecodable halves from a platform's JSON) replaced."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def column_length(column: Any) -> int | None:
    """The length of a String column, given as its mapped attribute (ChatUser.display_name)."""
    return getattr(column.property.columns[0].type, "length", None)


def fit(column: Any, text: str | None) -> str | None:
    """A name or title as `column` can hold it: cleaned, and cut to the column's length."""
    if text is None:
        return None
    limit = column_length(column)
    value = clean(text)
    return value[:limit] if limit is not None else value


def fits(column: Any, text: str) -> bool:
    """Whether an identifier can be stored in `column` exactly as it is."""
    limit = column_length(column)
    return clean(text) == text and (limit is None or len(text) <= limit)
