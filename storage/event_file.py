"""Reading an event YAML file into a validated EventSpec (the schema: storage/event_schema.py).

Light to import: the schema and its libraries (pydantic, PyYAML) load when a file is actually read,
so a start whose event file is already loaded (same digest) does without them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.event_schema import EventSpec


class EventFileError(ValueError):
    """A bad event file: says which file and which field."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def read_event_file(path: Path | str) -> tuple[EventSpec, str]:
    """Parse and validate an event file; return the spec and a digest of its content."""
    from storage.event_schema import parse_event

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EventFileError(path, [f"cannot read the file ({exc.strerror})"]) from exc
    return parse_event(raw, path), hashlib.sha256(raw).hexdigest()


def default_event_path() -> Path:
    """The bundled event file."""
    import events

    return Path(events.__file__).resolve().parent / "cannes-2026.yaml"
