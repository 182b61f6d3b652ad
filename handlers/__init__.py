"""Platform-neutral conversation: incoming messages and button presses in, replies out.

Nothing here imports a platform library; adapters in bot/ translate both ways.
"""

from handlers.router import Router


def build_router() -> Router:
    """Every command, admin command, button action and form of the bot."""
    from handlers import admin, channels, general, info, mute, participation

    router = Router()
    for module in (general, info, participation, mute, admin, channels):
        module.register(router)
    return router
