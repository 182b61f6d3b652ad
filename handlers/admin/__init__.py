"""The organisers' commands (`/admin …`); the router answers them for organisers only.

Each area is its own module: collectivities, invites and organisers, lists and stats,
the event's workshops and deadlines, balancing, and the audit log.
"""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Every `/admin` command and the buttons they show."""
    from handlers.admin import audit, balance, collectivities, event, invites, lists, reminders

    for module in (collectivities, invites, lists, event, balance, audit, reminders):
        module.register(router)
