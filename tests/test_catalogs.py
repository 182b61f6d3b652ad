"""Every message the code can say is translated, in every language, and counted the language's way."""

from __future__ import annotations

import pytest

from locales import SUPPORTED, Translator
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
