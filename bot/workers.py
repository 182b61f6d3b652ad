"""Organisers' heavy commands (exports, long lists, stats with their chart, the balancing proposal) in a worker process.

They only read and take up to seconds of CPU: in the bot's own process they would hold Python's interpreter
(the GIL) against every other chat's answer. A worker process answers them with a core of its own on the same
database, on the other CPU. It imports matplotlib when it starts, so even the first chart is quick.
If the worker cannot answer (it died, it is stuck), the command is answered in the bot's process as before.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.config import Settings
from bot.core import BotCore
from contract.clock import Clock
from contract.messages import Incoming, Reply

log = logging.getLogger(__name__)

# A command the worker has not answered by then is answered in the bot's process instead.
ANSWER_WITHIN = 300.0

# How often the worker checks that the bot that started it is still there, seconds.
PARENT_CHECK = 1.0

# The worker's own core (in the worker process only).
_core: BotCore | None = None


def _start(bot: int, settings: Settings, clock: Clock, event_id: int) -> None:
    """In the worker: a core on the same database (already migrated, event loaded), matplotlib loaded."""
    global _core
    threading.Thread(target=_leave_with, args=(bot,), name="leave-with-the-bot", daemon=True).start()
    from handlers import build_router
    from storage.db import make_engine, make_sessionmaker
    from storage.stats import prepare_chart

    _core = BotCore(make_sessionmaker(make_engine(settings.database_url)), clock, settings, event_id, build_router())
    try:
        prepare_chart()
    except Exception:
        # Only the first chart is slower then; a failed initializer would break the worker for every command.
        log.exception("could not load matplotlib ahead of the first chart")


def _leave_with(bot: int) -> None:
    """A bot killed outright (SIGKILL, out of memory) cannot stop its worker: the worker sees it and exits."""
    while os.getppid() == bot:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def _answer(clock: Clock, incoming: Incoming, inbox_row: int | None) -> list[Reply]:
    assert _core is not None
    # The asking process's clock as it is now (a test's fixed clock moves; a rehearsal's runs on).
    _core.clock = clock
    return _core.handle(incoming, inbox_row=inbox_row)


class HeavyWorker:
    """One worker process for the heavy commands; `answer` is what `BotCore.heavy` calls."""

    def __init__(self, core: BotCore) -> None:
        self.core = core
        self.answered = 0
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the worker now (it loads the bot and matplotlib meanwhile), not at the first heavy command."""
        self._ensure().submit(int, 0)

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the bot's process has threads and open database connections.
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(os.getpid(), self.core.settings, self.core.clock, self.core.event_id),
            )
        return self._pool

    def answer(self, incoming: Incoming, inbox_row: int | None) -> list[Reply] | None:
        """The worker's replies to `incoming`; None when it could not answer (the caller answers it then)."""
        # What the platform sent stays here: handlers never read it, and it need not be picklable.
        plain = dataclasses.replace(incoming, raw=None)
        try:
            replies = self._ensure().submit(_answer, self.core.clock, plain, inbox_row).result(ANSWER_WITHIN)
        except BrokenProcessPool:
            log.exception("the heavy commands' worker died; answering %s here", incoming.actor)
            self._pool = None
            return None
        except Exception:
            log.exception("the heavy commands' worker did not answer %s; answering here", incoming.actor)
            return None
        self.answered += 1
        return replies

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
