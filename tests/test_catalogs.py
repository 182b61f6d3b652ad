"""Every message the code can say is translated, in every language, and counted the language's way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from locales import DIRECTORY, SUPPORTED, Translator
from locales.__main__ import clashes, extract, fuzzy, missing


@pytest.fixture(scope="module")
def template():
    return extract()


@pytest.mark.parametrize("locale", SUPPORTED)
def test_no_message_is_left_untranslated_or_fuzzy(template, locale):
    assert missing(template, locale) == []
    assert fuzzy(locale) == []


@pytest.mark.parametrize("locale", SUPPORTED)
def test_a_message_has_one_translation_across_the_catalog_files(locale):
    assert clashes(locale) == []


@pytest.mark.parametrize("locale", ["fr", "ja"])
def test_translations_are_not_copies_of_the_english(template, locale):
    translator = Translator(locale)
    singles = [m.id for m in template if isinstance(m.id, str) and any(c.isalpha() for c in m.id)]
    copied = [m for m in singles if translator.gettext(m) == m and not m.startswith(("/", "{", "Doc "))]
    # A few words are the same in French and English ("Programme", "Date"); a whole sentence never is.
    assert [m for m in copied if " " in m] == []


@pytest.mark.parametrize(("locale", "one", "many"), [("fr", "1 place", "70 places"), ("ja", "定員1名", "定員70名")])
def test_counted_sentences_follow_the_languages_plural_rule(locale, one, many):
    translator = Translator(locale)
    assert translator.ngettext("{n} place", "{n} places", 1).format(n=1) == one
    assert translator.ngettext("{n} place", "{n} places", 70).format(n=70) == many


# French typography: a no-break space (U+00A0, or the narrow U+202F) before : ; ? ! and inside « ».
BREAKING_BEFORE_PUNCTUATION = re.compile(r"[ \t][:;?!]")
OPEN_QUOTE_WITHOUT_NBSP = re.compile(r"«(?![\u00a0\u202f])")
CLOSE_QUOTE_WITHOUT_NBSP = re.compile(r"(?<![\u00a0\u202f])»")


def badly_spaced(text: str) -> bool:
    """Whether a French text breaks the line where French typography keeps it together."""
    rules = (BREAKING_BEFORE_PUNCTUATION, OPEN_QUOTE_WITHOUT_NBSP, CLOSE_QUOTE_WITHOUT_NBSP)
    return any(rule.search(text) for rule in rules)


def french_translations(directory: Path = DIRECTORY / "fr" / "LC_MESSAGES") -> list[tuple[str, str]]:
    """Every French msgstr of every catalog file, with the file it is in."""
    found = []
    for po in sorted(directory.glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f, locale="fr"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                found += [(po.name, s) for s in strings if message.id and s]
    return found


def french_event_texts(node: object) -> list[str]:
    """Every French text of an event file (the values under a `fr` key)."""
    if isinstance(node, dict):
        texts = [v for k, v in node.items() if k == "fr" and isinstance(v, str)]
        return texts + [t for v in node.values() for t in french_event_texts(v)]
    if isinstance(node, list):
        return [t for item in node for t in french_event_texts(item)]
    return []


def test_french_translations_keep_their_no_break_spaces():
    assert [(po, s) for po, s in french_translations() if badly_spaced(s)] == []


def test_french_event_texts_keep_their_no_break_spaces():
    for path in sorted((Path(__file__).resolve().parent.parent / "events").glob("*.yaml")):
        assert [t for t in french_event_texts(yaml.safe_load(path.read_text())) if badly_spaced(t)] == [], path.name


@pytest.mark.parametrize(
    "bad",
    ["Lieu : {place}", "Supprimer {name} ?", "Merci !", "avant ; après", "«\u00a0{name} »", "« {name}\u00a0»", "«{x}»"],
)
def test_the_typography_check_catches_a_breaking_space(bad, tmp_path):
    good = "Lieu\u00a0: {place} · «\u00a0{name}\u00a0» · 09:30–12:00 · https://example.org"
    (tmp_path / "planted.po").write_text(
        f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        f'msgid "a"\nmsgstr "{good}"\n\nmsgid "b"\nmsgstr "{bad}"\n',
        encoding="utf-8",
    )
    assert [s for _, s in french_translations(tmp_path) if badly_spaced(s)] == [bad]
