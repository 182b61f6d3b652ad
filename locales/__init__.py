"""Gettext catalogs (fr, ja, en) and the translator handed to handlers.

Catalogs are compiled to .mo by the package build (setup.py); a source checkout
that has not been built yet (or whose .po changed since) compiles them once into a cache
folder, keyed by each .po's content, so both paths read the same .po.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.support import Translations

SUPPORTED = ("fr", "ja", "en")
DEFAULT = "fr"
DIRECTORY = Path(__file__).resolve().parent
# Every way the bot writes a date, in one place (CLDR patterns; British order in English, the event being
# in Europe): day headings « vendredi 23 octobre 2026 » 「2026年10月23日（金）」; dates in sentences
# « 3 juin 2026 » 「2026年6月3日」; dates in lists, where Japanese readers expect the weekday; day and month.
DATE_FORMATS = {
    "day": {"fr": "EEEE d MMMM y", "ja": "y年M月d日（E）", "en": "EEEE d MMMM y"},
    "date": {"fr": "d MMMM y", "ja": "y年M月d日", "en": "d MMMM y"},
    "listed": {"fr": "d MMMM y", "ja": "y年M月d日（E）", "en": "d MMMM y"},
    "day_month": {"fr": "d MMMM", "ja": "M月d日", "en": "d MMMM"},
}


def negotiate(hint: str | None) -> str | None:
    """The supported locale for a platform language code such as 'ja', 'fr-CA' or 'en_GB'."""
    if not hint:
        return None
    base = hint.replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED else None


@cache
def catalog(locale: str) -> Translations:
    """Every domain's messages for `locale`, merged into one Translations object."""
    merged: Translations | None = None
    for po in sorted((DIRECTORY / locale / "LC_MESSAGES").glob("*.po")):
        loaded = Translations(io.BytesIO(_compiled(po, locale)))
        # The first catalog read carries the locale's plural rule; merging keeps it.
        merged = loaded if merged is None else merged.merge(loaded)
    return merged or Translations()


def _compiled(po: Path, locale: str) -> bytes:
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    source = po.read_bytes()
    # Compiling every .po of a locale is most of a start's first answer (read_po is slow): once per content.
    digest = hashlib.sha256(locale.encode() + b"\0" + source).hexdigest()
    cached = mo_cache_dir() / f"{digest}.mo"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    compiled = _compile(source, locale)
    _write_quietly(cached, compiled)
    return compiled


def mo_cache_dir() -> Path:
    """Where a source checkout keeps its compiled catalogs: the user's cache folder (XDG_CACHE_HOME)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rencontres-bot" / "mo"


def _compile(source: bytes, locale: str) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    parsed = read_po(io.BytesIO(source), locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    return buffer.getvalue()


def _write_quietly(path: Path, content: bytes) -> None:
    """Write `path` whole or not at all (several processes may compile the same catalog); a read-only
    home only costs the next start the compilation again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            temporary = Path(f.name)
            f.write(content)
        temporary.replace(path)
    except OSError:
        return


@cache
def babel_locale(locale: str) -> Locale:
    """Babel's data for a locale, parsed once per process rather than at every date formatted."""
    return Locale.parse(locale)


@cache
def weekday_names(locale: str) -> dict[int, list[str]]:
    """Weekday number (0 = Monday) to every name a reader of `locale` may type."""
    names: dict[int, list[str]] = {i: [] for i in range(7)}
    for width in ("wide", "abbreviated", "short"):
        for number, name in Locale.parse(locale).days["format"][width].items():
            names[number].append(str(name).lower().rstrip("."))
    return names


class Translator:
    """Messages, dates, times and durations in one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in SUPPORTED else DEFAULT
        self._catalog = catalog(self.locale)
        self._babel = babel_locale(self.locale)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def day(self, value: dt.date) -> str:
        """A day heading, with the weekday."""
        return self._format_date(value, "day")

    def date(self, value: dt.date, *, year: bool = True) -> str:
        """A date inside a sentence, without the weekday."""
        return self._format_date(value, "date" if year else "day_month")

    def listed_date(self, value: dt.date) -> str:
        """A date in a list (deadlines, invitations, the audit log)."""
        return self._format_date(value, "listed")

    def _format_date(self, value: dt.date, kind: str) -> str:
        pattern = DATE_FORMATS[kind][self.locale]
        if self.locale == "fr" and value.day == 1:
            # French writes the first of the month as an ordinal: « mardi 1er décembre ». CLDR has no pattern for it.
            pattern = pattern.replace("d ", "d'er' ", 1)
        return format_date(value, pattern, locale=self._babel)

    def edition(self, number: int) -> str:
        """An edition's number as the edition messages expect it: « 1re », « 9e » in French, the number elsewhere."""
        if self.locale == "fr":
            return f"{number}re" if number == 1 else f"{number}e"
        return str(number)

    def time(self, value: dt.time | dt.datetime) -> str:
        return format_time(value, "short", locale=self._babel)

    def time_range(self, start: dt.time | dt.datetime, end: dt.time | dt.datetime) -> str:
        """From one time to another: « 09:30–12:00 », 「9:30～12:00」 (the wave dash Japanese schedules use)."""
        dash = "～" if self.locale == "ja" else "–"
        return f"{self.time(start)}{dash}{self.time(end)}"

    @property
    def separator(self) -> str:
        """What separates the parts of one line: a middle dot, or a full-width slash in Japanese."""
        return "／" if self.locale == "ja" else " · "

    def quote(self, text: str) -> str:
        """A quoted title: « … » with no-break spaces in French, 「…」 in Japanese."""
        if self.locale == "ja":
            return f"「{text}」"
        if self.locale == "fr":
            return f"«\u00a0{text}\u00a0»"
        return f"« {text} »"

    def duration(self, delta: dt.timedelta) -> str:
        """How long is left, rounded down so it never promises more: months from two months on,
        days from a day on, hours and minutes under a day ("46 jours", 「1時間45分」)."""
        from babel.units import format_unit

        minutes = max(int(delta.total_seconds() // 60), 0)
        days = minutes // (24 * 60)
        if days >= 60:
            parts = [(days // 30, "duration-month")]
        elif days >= 1:
            parts = [(days, "duration-day")]
        else:
            hours, rest = divmod(minutes, 60)
            parts = [(hours, "duration-hour")] if hours else []
            if rest or not hours:
                parts.append((max(rest, 1) if not hours else rest, "duration-minute"))
        text = " ".join(format_unit(n, unit, length="long", locale=self._babel) for n, unit in parts)
        # CLDR writes "23 時間"; Japanese prose has no space between number and counter.
        return text.replace(" ", "") if self.locale == "ja" else text

    def list(self, items: list[str]) -> str:
        from babel.lists import format_list

        return format_list(items, locale=self._babel)


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (command summaries)."""
    return message
