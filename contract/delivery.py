"""What sending a message the bot starts can come to, and the sender every adapter provides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from contract.messages import Recipient, Reply

# Why a message can never be delivered: the person blocked the bot, the chat is gone, the bot was
# removed from the group, or the platform refused this message for good.
FailureReason = Literal["blocked", "chat-gone", "not-member", "refused"]


@dataclass(frozen=True)
class Sent:
    """Delivered; `message_id` is the platform's id of the (last) message sent."""

    message_id: str


@dataclass(frozen=True)
class RetryAfter:
    """Not delivered now (rate limit, network): try again after `seconds`."""

    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class Failed:
    """Never deliverable: do not retry. `detail` is the platform's own words."""

    reason: FailureReason
    detail: str = ""


Delivery = Sent | RetryAfter | Failed


class Sender(Protocol):
    """Delivers a message the bot starts on one platform; never raises for the platform's refusals."""

    platform: str

    async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery: ...
