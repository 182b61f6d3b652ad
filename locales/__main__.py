"""Catalog maintenance: `python -m locales extract | update | check`.

- extract: every translatable message of the code into locales/messages.pot
- update:  add new messages to each locale's messages.po (English gets the message
           itself; French and Japanese get an empty entry to translate)
- check:   list messages missing a translation in any locale; exit 1 if there are some
A locale may split its translations over several .po files; they are merged at run time.
"""

from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from locales import DIRECTORY, SUPPORTED

ROOT = DIRECTORY.parent
SOURCES = ("bot", "contract", "handlers", "storage", "scheduler")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract() -> Catalog:
    catalog = Catalog(project="rencontres-bot", charset="utf-8")
    for package in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(message, locations=[(f"{package}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def translations(locale: str) -> dict[object, object]:
    """Every translated message of `locale`, over all its .po files."""
    found: dict[object, object] = {}
    for po in sorted((DIRECTORY / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f, locale=locale):
                if message.id and message.string and all(message.string if isinstance(message.string, tuple) else [1]):
                    found[message.id] = message.string
    return found


def fuzzy(locale: str) -> list[str]:
    """Catalogs or entries marked fuzzy: gettext skips them, so readers would get the fallback."""
    found = []
    for po in sorted((DIRECTORY / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=locale)
        if catalog.fuzzy:
            found.append(f"{po.name}: header")
        found += [f"{po.name}: {m.id!r}" for m in catalog if m.id and m.fuzzy]
    return found


def clashes(locale: str) -> list[str]:
    """One message translated differently in two .po files: only one would win the merge."""
    seen: dict[object, tuple[str, object]] = {}
    found = []
    for po in sorted((DIRECTORY / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f, locale=locale):
                if not message.id:
                    continue
                first = seen.setdefault(message.id, (po.name, message.string))
                if first[1] != message.string:
                    found.append(f"{message.id!r}: {first[0]} says {first[1]!r}, {po.name} says {message.string!r}")
    return found


def missing(template: Catalog, locale: str) -> list[object]:
    known = translations(locale)
    return [m.id for m in template if m.id and m.id not in known]


def update(template: Catalog) -> None:
    for locale in SUPPORTED:
        path = DIRECTORY / locale / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=locale)
        else:
            catalog = Catalog(locale=locale, project="rencontres-bot", charset="utf-8", fuzzy=False)
        known = translations(locale)
        for message in template:
            if not message.id or message.id in known or message.id in catalog:
                continue
            string: object = message.id if locale == "en" else ("", "") if isinstance(message.id, tuple) else ""
            catalog.add(message.id, string, locations=message.locations)  # type: ignore[arg-type]
        with path.open("wb") as f:
            write_po(f, catalog, width=0, omit_header=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    template = extract()
    if command == "extract":
        with (DIRECTORY / "messages.pot").open("wb") as f:
            write_po(f, template, width=0)
        print(f"{len(template)} messages")
        return 0
    if command == "update":
        update(template)
    gaps = {locale: missing(template, locale) for locale in SUPPORTED}
    for locale, ids in gaps.items():
        for message_id in ids:
            print(f"{locale}: untranslated: {message_id!r}")
    marked = {locale: fuzzy(locale) + clashes(locale) for locale in SUPPORTED}
    for locale, entries in marked.items():
        for entry in entries:
            print(f"{locale}: fuzzy or clashing: {entry}")
    return 1 if command == "check" and (any(gaps.values()) or any(marked.values())) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
