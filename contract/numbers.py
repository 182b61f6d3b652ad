"""Numbers people type, parsed in one place: digits of any script that int() reads, nothing else."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Longer than any count, rank or row number the bot asks for; refuse before int() works on it.
MAX_DIGITS = 9


def parse_int(text: str) -> int | None:
    """`text` as a non-negative whole number ("３", "12", "٣"), or None.

    str.isdigit() also accepts characters int() refuses (superscripts, U+1369 ፩): isdecimal() does not.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if not value or len(value) > MAX_DIGITS or not value.isdecimal():
        return None
    return int(value)


def number_in(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """The number written among other words ("３人", "3 personnes"), or None.

    None too when the text holds a digit int() cannot read (፩, 𐩀): a number half understood is not one.
    """
    value = unicodedata.normalize("NFKC", text)
    if any(ch.isdigit() and not ch.isdecimal() for ch in value):
        return None
    digits = "".join(ch for ch in value if ch.isdecimal())
    return parse_int(digits) if len(digits) <= max_digits else None


_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_JAPANESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*[(（][^)）]*[)）])?")


def parse_date(text: str) -> dt.date | None:
    """A date as people type it: 2026-09-20, 2026/09/20, 20/09/2026 (day first, as in French and
    British English), 20.09.2026, 2026年9月20日 (a weekday after it allowed); full-width digits too."""
    value = unicodedata.normalize("NFKC", text).strip()
    for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_DAY_FIRST, (3, 2, 1)), (_JAPANESE_DATE, (1, 2, 3))):
        found = pattern.fullmatch(value)
        if found:
            year, month, day = (int(found[i]) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None
