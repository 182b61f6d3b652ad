"""Injected time: the real clock, a fixed one for tests, a shifted one for rehearsals."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """Stands still until moved; for tests."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self.at

    def move(self, delta: dt.timedelta) -> None:
        self.at += delta


class ShiftedClock:
    """Starts at a chosen instant and runs on from there (the console's `--now`)."""

    def __init__(self, start: dt.datetime) -> None:
        self._start = start.astimezone(dt.UTC)
        self._origin = time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._origin)
