"""The organisers' commands (`/admin …`); the router answers them for organisers only.

Each area is its own module: collectivities, invites and organisers, lists and stats,
the event's workshops and deadlines, balancing, and the audit log.
"""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Every `/admin` command and the buttons they show."""
    from handlers import (
        admin_audit,
        admin_balance,
        admin_collectivities,
        admin_event,
        admin_invites,
        admin_lists,
    )

    for module in (admin_collectivities, admin_invites, admin_lists, admin_event, admin_balance, admin_audit):
        module.register(router)
