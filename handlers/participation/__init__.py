"""The collectivity contacts' side of participation: join, confirm, choose, abstract, status, agenda.

Each part lives in its own module; this one registers them in the order /help lists them.
"""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Register the contacts' commands, forms and buttons."""
    from handlers.participation import abstract, agenda, choose, confirm, join, status

    # The order of registration is the order of /help: join, then the steps in the order they are done.
    for module in (join, confirm, choose, abstract, status, agenda):
        module.register(router)
