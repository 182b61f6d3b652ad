"""Deadline reminders and announcements: what is planned, to whom, what it says, and how fast it may go.

`planning` (occurrences of each deadline, pure), `fanout` (the messages of one occurrence, from set queries in
storage.pending), `nudges` (their wording), `payload` (a Reply as JSON for the outbox), `pacing` (platform rate
limits). The outbox and its dispatcher come with the contract's sender (docs/reminders.md). Never imports bot/.
"""
