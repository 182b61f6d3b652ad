"""Words people type for a value, in French, Japanese and English: one vocabulary for the whole bot.

The contacts' forms (/confirm), the organisers' commands (/admin edit … steering=ok) and the
columns of an imported file all read yes/no, statuses, countries and parts of the day here,
so a word that means yes in one place means yes everywhere.
"""

from __future__ import annotations

import re
import unicodedata

# Yes and no. "1" and "0" are the spreadsheet spelling; a form that also takes a count reads
# the number first (see handlers/participation/confirm.py).
YES_WORDS = frozenset(
    ("yes", "y", "ok", "okay", "true", "1", "oui", "o", "si", "vrai", "はい", "ええ", "有", "あり", "有り")
)
NO_WORDS = frozenset(("no", "n", "none", "false", "0", "non", "aucun", "faux", "いいえ", "無", "なし", "無し"))
# Collectivity statuses: the keys, Doc 5's French labels, the Japanese ones.
STATUS_WORDS = {
    "considering": "considering",
    "confirmed": "confirmed",
    "declined": "declined",
    "à l'étude": "considering",
    "a l'etude": "considering",
    "à l’étude": "considering",
    "confirmée": "confirmed",
    "confirmee": "confirmed",
    "confirmé": "confirmed",
    "déclinée": "declined",
    "declinee": "declined",
    "décliné": "declined",
    "検討中": "considering",
    "参加確定": "confirmed",
    "確定": "confirmed",
    "不参加": "declined",
    "辞退": "declined",
}
# Countries as organisers write them (ja is the language code people confuse with jp).
COUNTRY_WORDS = {"fr": "fr", "jp": "jp", "ja": "jp"}
# A slot's part of the day.
PART_WORDS = {
    "morning": ("morning", "matin", "matinée", "午前", "朝"),
    "afternoon": ("afternoon", "après-midi", "apres-midi", "après midi", "午後"),
    "evening": ("evening", "soir", "soirée", "夜", "夕方"),
}
# Typed to clear a value an organiser set (a workshop's slot, room or capacity).
CLEAR_WORDS = frozenset(("", "none", "-"))
# A start time: 9:30, 9h30, 9h, 9時30分, 9時.
TIME_WORD = re.compile(r"(\d{1,2})\s*(?:[:h時]\s*(\d{2})?\s*分?)?")
_TRAILING = ".!?。"


def normalised(text: str) -> str:
    """`text` as compared with the vocabularies: full-width folded (ＯＫ → ok), lower case, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split()).rstrip(_TRAILING).strip()


def read_yes_no(text: str) -> bool | None:
    """True for a yes (oui, はい, ok…), False for a no (non, いいえ…), None for anything else."""
    word = normalised(text)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def read_status(text: str) -> str | None:
    """A status key from a key or a label (« confirmée », 参加確定), or None."""
    return STATUS_WORDS.get(normalised(text))


def read_country(text: str) -> str | None:
    """`fr` or `jp` from fr, FR, jp, ja, JP; None for anything else."""
    return COUNTRY_WORDS.get(normalised(text))


def means_clear(text: str) -> bool:
    """Whether `text` asks to clear a value (none, -, or nothing)."""
    return normalised(text) in CLEAR_WORDS


def read_day_part(text: str) -> str | None:
    """morning, afternoon or evening from a word for it (matin, 午後), or None."""
    word = normalised(text)
    return next((part for part, words in PART_WORDS.items() if word in words), None)


def read_start_time(text: str) -> str | None:
    """A start time as HH:MM from 9:30, 9h30, 9時 …, or None."""
    found = TIME_WORD.fullmatch(normalised(text))
    return f"{int(found[1]):02d}:{found[2] or '00'}" if found else None
