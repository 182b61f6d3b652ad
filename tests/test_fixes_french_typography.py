"""Issue 11: French messages of this branch's catalog (fixes.po) use no-break spaces before : ; ? ! and in « ».

Scoped to fixes.po: the other catalogs get the same treatment in the wording pass (then widen FILES)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

FILES = [Path(__file__).resolve().parent.parent / "locales" / "fr" / "LC_MESSAGES" / "fixes.po"]
# A plain space (or none) before high punctuation, or after « / before »: French typography wants U+00A0.
WRONG = re.compile(r"(?:[ \S](?<!\u00a0)[:;?!](?=\s|$))|(?:«(?!\u00a0))|(?:(?<!\u00a0)»)")


def french_typography_problems(text: str) -> list[str]:
    """The places in `text` missing a no-break space (a URL's or a time's colon is not one)."""
    problems = []
    for match in WRONG.finditer(text):
        before = text[max(0, match.start() - 10) : match.end() + 1]
        if re.search(r"\w:\w|https?:", before) and ":" in match.group(0):
            continue
        problems.append(before)
    return problems


def test_the_check_catches_a_missing_no_break_space():
    assert french_typography_problems("Lieu : Cannes") != []
    assert french_typography_problems("Lieu\u00a0: Cannes") == []
    assert french_typography_problems("« Tourisme »") != []
    assert french_typography_problems("«\u00a0Tourisme\u00a0»") == []
    assert french_typography_problems("Vraiment?") != []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_french_messages_have_their_no_break_spaces(path):
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    wrong = {
        str(message.id): problems
        for message in catalog
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if text and (problems := french_typography_problems(text))
    }
    assert wrong == {}
