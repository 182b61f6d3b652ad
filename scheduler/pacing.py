"""Pacing messages under each platform's limits: token buckets for the whole bot and for each chat.

Pure bookkeeping with the caller's instants (its injected clock): a dispatcher asks when the next message to a
chat may go (`next_at`), and takes the tokens when it sends (`try_take`); a message whose chat must wait leaves
the overall budget to messages for other chats. Each bucket is kept in its "virtual scheduling" form (GCRA): the
instant it is full again, which is a token bucket of `burst` tokens refilled at `rate` per second.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from contract.messages import Recipient


@dataclass(frozen=True)
class Rate:
    """At most `count` messages per `per_seconds`, with bursts of up to `burst` at once."""

    count: float
    per_seconds: float
    burst: int = 1

    @property
    def interval(self) -> dt.timedelta:
        # Rounded up to the microsecond: 1/30 s must never become a little less, a little over the limit.
        return dt.timedelta(microseconds=math.ceil(self.per_seconds * 1_000_000 / self.count))


@dataclass(frozen=True)
class PlatformLimits:
    """A platform's limits for messages the bot starts; None: no such limit."""

    overall: Rate | None = None
    private_chat: Rate | None = None
    group_chat: Rate | None = None


# Telegram Bot API FAQ: about 30 messages per second overall, 1 per second in one private chat, 20 per minute
# in one group. Slack chat.postMessage: about 1 per second per channel (short bursts tolerated; we allow none).
# The console prints to its one user: no limit.
LIMITS: Mapping[str, PlatformLimits] = {
    "telegram": PlatformLimits(overall=Rate(30, 1), private_chat=Rate(1, 1), group_chat=Rate(20, 60)),
    "slack": PlatformLimits(private_chat=Rate(1, 1), group_chat=Rate(1, 1)),
    "console": PlatformLimits(),
}


def with_overall(limits: Mapping[str, PlatformLimits], platform: str, rate: Rate) -> dict[str, PlatformLimits]:
    """`limits` with `platform`'s overall rate replaced (TELEGRAM_RATE); its per-chat limits stay."""
    return {**limits, platform: replace(limits.get(platform, PlatformLimits()), overall=rate)}


def tolerant(limits: Mapping[str, PlatformLimits], lateness: dt.timedelta) -> dict[str, PlatformLimits]:
    """The same rates, each letting a message that went up to `lateness` late be caught up (a short burst)."""

    def widened(rate: Rate | None) -> Rate | None:
        if rate is None:
            return None
        extra = int(lateness / rate.interval)
        return replace(rate, burst=max(rate.burst, 1 + extra))

    return {
        platform: PlatformLimits(widened(p.overall), widened(p.private_chat), widened(p.group_chat))
        for platform, p in limits.items()
    }


class TokenBucket:
    """One rate limit; `full_at` is when it holds a whole burst again (None: full)."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.full_at: dt.datetime | None = None

    @property
    def _tolerance(self) -> dt.timedelta:
        return self.rate.interval * (self.rate.burst - 1)

    def allows_at(self, now: dt.datetime) -> dt.datetime:
        """The earliest instant from `now` on when one message may go."""
        return now if self.full_at is None else max(now, self.full_at - self._tolerance)

    def take(self, at: dt.datetime) -> None:
        """Spend one token at `at` (an instant this bucket allows)."""
        self.full_at = max(self.full_at or at, at) + self.rate.interval

    def hold_until(self, until: dt.datetime) -> None:
        """Nothing before `until` (the platform said: retry after)."""
        self.full_at = max(self.full_at or until, until + self._tolerance)


def _chat_key(recipient: Recipient) -> tuple[str, str]:
    return ("user", recipient.user_id or "") if recipient.is_person else ("chat", recipient.chat_id or "")


class Pacer:
    """Every bucket of every platform: when the next message to a recipient may go, and reserving it.

    A person is written to in their private chat; a chat recipient is a subscribed group or channel.
    """

    # Forget a chat's bucket once it has been full for this long (a fan-out to thousands leaves no trail).
    FORGET_AFTER = dt.timedelta(minutes=5)

    def __init__(self, limits: Mapping[str, PlatformLimits] = LIMITS) -> None:
        self.limits = limits
        self._overall: dict[str, TokenBucket] = {}
        self._chats: dict[tuple[str, str, str], TokenBucket] = {}
        self._reserved = 0

    def _overall_bucket(self, recipient: Recipient) -> TokenBucket | None:
        rate = self.limits.get(recipient.platform, PlatformLimits()).overall
        if rate is None:
            return None
        return self._overall.setdefault(recipient.platform, TokenBucket(rate))

    def _chat_bucket(self, recipient: Recipient) -> TokenBucket | None:
        limits = self.limits.get(recipient.platform, PlatformLimits())
        rate = limits.private_chat if recipient.is_person else limits.group_chat
        if rate is None:
            return None
        key = (recipient.platform, *_chat_key(recipient))
        if key not in self._chats:
            self._chats[key] = TokenBucket(rate)
        return self._chats[key]

    def _buckets(self, recipient: Recipient) -> list[TokenBucket]:
        return [b for b in (self._overall_bucket(recipient), self._chat_bucket(recipient)) if b is not None]

    def next_at(self, recipient: Recipient, now: dt.datetime) -> dt.datetime:
        """When a message to `recipient` may go: `now`, or later if one of its buckets is empty."""
        return max((bucket.allows_at(now) for bucket in self._buckets(recipient)), default=now)

    def try_take(self, recipient: Recipient, now: dt.datetime) -> bool:
        """Take the tokens for one message to `recipient` now if every bucket allows it; else take nothing."""
        return self.reserve(recipient, now, now) is not None

    def reserve(self, recipient: Recipient, now: dt.datetime, latest: dt.datetime) -> dt.datetime | None:
        """Take the tokens for one message at the earliest instant its buckets allow, if not after `latest`.

        Returns that instant (the message must not go before it), or None, taking nothing.
        """
        buckets = self._buckets(recipient)
        at = max((bucket.allows_at(now) for bucket in buckets), default=now)
        if at > latest:
            return None
        for bucket in buckets:
            bucket.take(at)
        self._forget_idle(now)
        return at

    def hold(self, recipient: Recipient, until: dt.datetime, *, whole_platform: bool = False) -> None:
        """After a "retry after": nothing to this chat (or, for a flood limit, to the platform) before `until`."""
        chat = self._chat_bucket(recipient)
        targets = [chat, self._overall_bucket(recipient) if whole_platform else None]
        for bucket in targets:
            if bucket is not None:
                bucket.hold_until(until)

    def _forget_idle(self, now: dt.datetime) -> None:
        # Every 1,024 reservations: linear in the chats tracked, so constant per message on average.
        self._reserved += 1
        if self._reserved % 1024:
            return
        idle = [key for key, b in self._chats.items() if b.full_at is None or b.full_at + self.FORGET_AFTER < now]
        for key in idle:
            del self._chats[key]

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)
