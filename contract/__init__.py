"""The neutral contract at the bottom of the bot: messages, the clock, the sender.

Handlers, the scheduler and every platform adapter import it; it imports nothing of theirs.
"""
