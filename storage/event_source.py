"""Where the bundled event file is, and the error a bad event file raises: light to import.

A start whose event file is already loaded needs no more of it (the schema, pydantic and PyYAML
are in storage/event_file.py, imported when a file is read).
"""

from __future__ import annotations

from pathlib import Path


class EventFileError(ValueError):
    """A bad event file: says which file and which field."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def default_event_path() -> Path:
    """The bundled event file."""
    import events

    return Path(events.__file__).resolve().parent / "cannes-2026.yaml"
