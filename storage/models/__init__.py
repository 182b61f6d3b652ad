"""The database models; importing this package registers every table on Base.metadata."""

from storage.models.audit import AuditEntry
from storage.models.base import Base
from storage.models.delivery import Broadcast, ChannelSubscription, OutboxMessage, ReminderRun
from storage.models.event import Deadline, Event, Option, ProgrammeItem, Slot, Task, Workshop
from storage.models.inbox import InboxUpdate
from storage.models.participation import (
    Abstract,
    Assignment,
    Collectivity,
    Contact,
    Delegate,
    Invite,
    OptionSignup,
    TaskDone,
    WorkshopChoice,
)
from storage.models.people import AdminGrant, ChatUser, FormState

__all__ = [
    "Abstract",
    "AdminGrant",
    "Assignment",
    "AuditEntry",
    "Base",
    "Broadcast",
    "ChannelSubscription",
    "ChatUser",
    "Collectivity",
    "Contact",
    "Deadline",
    "Delegate",
    "Event",
    "FormState",
    "InboxUpdate",
    "Invite",
    "Option",
    "OptionSignup",
    "OutboxMessage",
    "ProgrammeItem",
    "ReminderRun",
    "Slot",
    "Task",
    "TaskDone",
    "Workshop",
    "WorkshopChoice",
]
