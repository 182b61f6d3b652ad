"""The durable inbox, for every platform: updates recorded first, then processed per chat in order, then done.

An adapter records each update through the core (`BotCore.record_updates`: one transaction,
a duplicate id answers None) *before* telling the platform it arrived, then submits what was
new to an `InboxProcessor`. The processor runs one queue per chat key: a chat's updates one
after the other, different chats at the same time (at most `concurrency`), so a busy group or
a slow command delays nobody else. An update whose processing returned is marked done; what
was recorded and not done when the process stopped is processed first on the next start.

While an update is processed, `current_item` says which inbox row it is: the adapter hands its
id to `BotCore.handle(incoming, inbox_row=…)`, which stores the replies in the same transaction
as the answer; after a crash those replies are sent again (`InboxItem.replies`), the update is
not handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contract.messages import Reply

if TYPE_CHECKING:
    from bot.core import BotCore

# Chats answered at the same time; the core's work runs in asyncio's thread pool anyway.
CONCURRENCY = 16
# Done rows are kept this long (platforms redeliver within minutes; Telegram keeps updates 24 hours).
KEEP_DONE = dt.timedelta(days=7)
PRUNE_EVERY = 3600.0
# When a done mark cannot be written, the first pause before trying again and the longest, seconds.
FINISH_RETRY_FIRST = 0.5
FINISH_RETRY_MOST = 30.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxItem:
    """One recorded update: its row, the chat it belongs to, what the platform sent."""

    row_id: int
    chat_key: str
    payload: dict[str, Any]
    # Handled before a restart and not all sent: the replies to send, instead of handling it again.
    replies: tuple[Reply, ...] | None = None


# The inbox row of the update being processed in this task (None outside the inbox: tests, the console).
current_item: ContextVar[InboxItem | None] = ContextVar("current_item", default=None)


class InboxProcessor:
    """Processes a platform's recorded updates: in order within a chat key, concurrently across them."""

    def __init__(
        self,
        core: BotCore,
        platform: str,
        process: Callable[[InboxItem], Awaitable[None]],
        *,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.core = core
        self.platform = platform
        self.process = process
        self._slots = asyncio.Semaphore(concurrency)
        self._queues: dict[str, deque[InboxItem]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._pruner: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        # Rows processed and waiting for the next group commit of done marks, and what their workers await.
        self._to_finish: list[tuple[int, str | None]] = []
        self._finished: asyncio.Future[None] | None = None
        self._finisher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Queue what was recorded and not done before this start (oldest first), prune periodically."""
        self.submit(await asyncio.to_thread(self.core.pending_updates, self.platform))
        self._pruner = asyncio.create_task(self._prune_periodically(), name=f"inbox-prune-{self.platform}")

    async def record(self, updates: Iterable[tuple[str, str, dict[str, Any]]]) -> list[InboxItem]:
        """Record (update id, chat key, payload)s in one transaction and queue the new ones; duplicates dropped."""
        items = await asyncio.to_thread(self.core.record_updates, self.platform, list(updates))
        self.submit(items)
        return items

    def submit(self, items: Iterable[InboxItem]) -> None:
        """Queue recorded updates behind the earlier ones of their chat."""
        for item in items:
            self._queues.setdefault(item.chat_key, deque()).append(item)
            if item.chat_key not in self._workers:
                self._idle.clear()
                self._workers[item.chat_key] = asyncio.create_task(self._work(item.chat_key))

    async def _work(self, chat_key: str) -> None:
        queue = self._queues[chat_key]
        try:
            while queue:
                item = queue[0]
                async with self._slots:
                    await self._process_one(item)
                queue.popleft()
        finally:
            del self._workers[chat_key]
            if not queue:
                self._queues.pop(chat_key, None)
            if not self._workers:
                self._idle.set()

    async def _process_one(self, item: InboxItem) -> None:
        token = current_item.set(item)
        error: str | None = None
        try:
            await self.process(item)
        except Exception as exc:
            # Kept as failed for the operator rather than retried forever on every start.
            log.exception("could not process %s update %s", self.platform, item.row_id)
            error = f"{exc.__class__.__name__}: {exc}"
        finally:
            current_item.reset(token)
        pause = FINISH_RETRY_FIRST
        while True:
            try:
                await self._finish(item.row_id, error)
                return
            except Exception:
                # The database refused the done mark (locked, restarting): the chat waits and tries again rather
                # than losing its worker, and its next updates keep their order.
                log.exception(
                    "could not mark %s update %s done; trying again in %.0f s", self.platform, item.row_id, pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, FINISH_RETRY_MOST)

    async def _finish(self, row_id: int, error: str | None) -> None:
        """Mark the row done (or failed), back once committed.

        Rows finished while a commit is under way wait for the next one, which marks them all: one
        transaction for many updates instead of one each, and no later than the database allows.
        """
        if self._finished is None:
            self._finished = asyncio.get_running_loop().create_future()
        finished = self._finished
        self._to_finish.append((row_id, error))
        if self._finisher is None:
            self._finisher = asyncio.create_task(self._finish_waiting(), name=f"inbox-finish-{self.platform}")
        # Shielded: a worker cancelled while waiting does not cancel the commit the others wait for.
        await asyncio.shield(finished)

    async def _finish_waiting(self) -> None:
        try:
            while self._to_finish:
                rows, finished = self._to_finish, self._finished
                self._to_finish, self._finished = [], None
                assert finished is not None
                try:
                    await asyncio.to_thread(self.core.finish_updates, rows)
                except Exception as exc:
                    finished.set_exception(exc)
                else:
                    finished.set_result(None)
        finally:
            self._finisher = None

    async def idle(self) -> None:
        """Wait until every queued update is processed."""
        await self._idle.wait()

    async def stop(self, grace: float = 10.0) -> None:
        """Let the updates being processed finish (at most `grace` seconds); the rest stay recorded."""
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner
        for queue in self._queues.values():
            # Keep only the update in progress in each chat; the others are processed on the next start.
            while len(queue) > 1:
                queue.pop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.idle()
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        if self._finisher is not None:
            # Done marks on their way are written: otherwise their replies would be sent again on the next start.
            await asyncio.gather(self._finisher, return_exceptions=True)

    async def _prune_periodically(self) -> None:
        while True:
            try:
                pruned = await asyncio.to_thread(self.core.prune_inbox, KEEP_DONE)
                if pruned:
                    log.info("inbox: forgot %s processed %s updates older than %s", pruned, self.platform, KEEP_DONE)
            except Exception:
                log.exception("inbox: could not prune processed updates")
            await asyncio.sleep(PRUNE_EVERY)
