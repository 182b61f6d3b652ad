"""(being written)"""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Nothing yet."""
