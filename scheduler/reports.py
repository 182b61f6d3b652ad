"""How a batch of messages went, in words: the organisers' report of a broadcast or a reminder."""

from __future__ import annotations

from collections.abc import Mapping

from locales import Translator

# The statuses of a report, in the order they are listed.
REPORT_ORDER = ("sent", "pending", "sending", "failed", "blocked", "skipped", "unknown")


def status_names(tr: Translator) -> dict[str, str]:
    return {
        "sent": tr.gettext("sent"),
        "pending": tr.gettext("waiting"),
        "sending": tr.gettext("being sent"),
        "failed": tr.gettext("failed"),
        "blocked": tr.gettext("blocked the bot"),
        "skipped": tr.gettext("skipped"),
        "unknown": tr.gettext("uncertain"),
    }


def report_line(tr: Translator, counts: Mapping[str, int]) -> str:
    """`sent 3, failed 1, blocked the bot 1` (「送信済み 3、失敗 1」)."""
    names = status_names(tr)
    parts = [f"{names[s]} {counts[s]}" for s in REPORT_ORDER if counts.get(s)]
    return ("、" if tr.locale == "ja" else ", ").join(parts) or tr.gettext("no message")


def broadcast_finished(tr: Translator, number: int, counts: Mapping[str, int]) -> str:
    """The message an organiser gets once their announcement has gone out."""
    return tr.gettext("Announcement #{number}: finished.").format(number=number) + "\n" + report_line(tr, counts)
