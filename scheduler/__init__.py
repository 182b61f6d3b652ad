"""Deadlines, nudges, the outbox and its dispatcher (to come: reminders before each deadline)."""
