"""What every benchmark prints first (the machine and the command), a SQL statement counter, bulk data."""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import resource
import shlex
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session

from storage.models import (
    Abstract,
    ChatUser,
    Collectivity,
    Contact,
    Delegate,
    Event,
    Invite,
    OptionSignup,
    WorkshopChoice,
)


def active_contacts(session: Session, event_id: int, wanted: int | None = None) -> list[str]:
    """User ids of the contacts whose collectivity has not declined (their /choose is accepted), oldest first."""
    query = (
        select(ChatUser.user_id)
        .join(Contact, Contact.chat_user_id == ChatUser.id)
        .join(Collectivity, Contact.collectivity_id == Collectivity.id)
        .where(Collectivity.status != "declined", Contact.event_id == event_id)
        .order_by(ChatUser.id)
        .limit(wanted)
    )
    return list(session.scalars(query))


def header() -> None:
    """The command, the machine (uname -a, CPUs, Python, load): figures mean little without them."""
    print("command:", " ".join(shlex.quote(a) for a in ["python", *sys.argv]))
    print("machine:", " ".join(platform.uname()))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cpus: {os.cpu_count()}  load: {load}  python: {platform.python_version()}")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    if len(latencies) < 2:
        return latencies[0] * 1000, latencies[0] * 1000
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return statistics.median(latencies) * 1000, cuts[98] * 1000


class StatementCounter:
    """Counts the SQL statements an engine runs (executemany counts once)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        start = self.count
        box = [0]
        try:
            yield box
        finally:
            box[0] = self.count - start


def populate(session: Session, event_row: Event, collectivities: int, contacts: int, seed: int = 5000) -> list[int]:
    """`collectivities` (half French) with `contacts` contacts, choices, delegations, options, abstracts.

    Bulk inserts (one executemany per table): 5,000 collectivities and 20,000 contacts in a few seconds.
    Returns the collectivity ids.
    """
    rng = random.Random(seed)
    now = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    first = session.scalar(select(Collectivity.id).order_by(Collectivity.id.desc()).limit(1)) or 0
    statuses = ["confirmed"] * 75 + ["considering"] * 20 + ["declined"] * 5
    rows = []
    for i in range(collectivities):
        cid = first + 1 + i
        rows.append(
            {
                "event_id": event_row.id,
                "name_fr": f"Commune de Banc-{cid:05d}",
                "name_ja": f"ベンチ町{cid}",
                "country": "fr" if i % 2 else "jp",
                "kind": "commune",
                "status": rng.choice(statuses),
                "delegation_size": rng.randint(1, 6),
                "lead_volunteer": rng.random() < 0.1,
                "steering_group": rng.random() < 0.02,
                "version": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    # Ids come from the database (RETURNING, in order): PostgreSQL's sequences stay right for later inserts.
    ids = list(session.scalars(insert(Collectivity).returning(Collectivity.id, sort_by_parameter_order=True), rows))
    for row, cid in zip(rows, ids, strict=True):
        row["id"] = cid
    users = [
        {
            "platform": "console",
            "user_id": f"scale-{first}-{n}",
            "display_name": f"Contact {n}",
            "private_chat_id": f"scale-{first}-{n}",
            "created_at": now,
        }
        for n in range(contacts)
    ]
    user_ids = list(session.scalars(insert(ChatUser).returning(ChatUser.id, sort_by_parameter_order=True), users))
    session.execute(
        insert(Contact),
        [
            {"event_id": event_row.id, "chat_user_id": uid, "collectivity_id": ids[n % len(ids)], "joined_at": now}
            for n, uid in enumerate(user_ids)
        ],
    )
    workshops = [w.id for w in event_row.workshops]
    # Uneven demand: the first workshop is everyone's favourite, as at the real event.
    weights = [4, 2, 2, 1][: len(workshops)]
    choices, delegates, signups, abstracts, invites = [], [], [], [], []
    options = [o.key for o in event_row.options]
    for row in rows:
        cid = row["id"]
        if rng.random() < 0.95:
            one = rng.choices(workshops, weights)[0]
            two = rng.choice([w for w in workshops if w != one])
            choices += [
                {"collectivity_id": cid, "rank": 1, "workshop_id": one, "chosen_at": now},
                {"collectivity_id": cid, "rank": 2, "workshop_id": two, "chosen_at": now},
            ]
            if rng.random() < 0.5:
                abstracts.append(
                    {
                        "collectivity_id": cid,
                        "workshop_id": one,
                        "title": f"Projet {cid}",
                        "summary_fr": "Un résumé de quelques lignes. " * 8,
                        "summary_ja": "数行の要旨です。" * 12,
                        "speaker": f"Intervenant {cid}",
                        "updated_at": now,
                    }
                )
        for position in range(1, row["delegation_size"] + 1):
            delegates.append({"collectivity_id": cid, "position": position, "name": f"Délégué {cid}-{position}"})
        for key in options:
            if rng.random() < 0.4:
                signups.append({"collectivity_id": cid, "option_key": key, "people": rng.randint(1, 4)})
        invites.append(
            {
                "collectivity_id": cid,
                "code": f"S{cid:05d}-BENCH",
                "expires_at": now + dt.timedelta(days=365),
                "max_uses": 5,
                "uses": 1,
                "created_by": "console:bench-orga",
                "created_at": now,
            }
        )
    for model, data in (
        (WorkshopChoice, choices),
        (Delegate, delegates),
        (OptionSignup, signups),
        (Abstract, abstracts),
        (Invite, invites),
    ):
        if data:
            session.execute(insert(model), data)
    return ids


@contextmanager
def bench_database(url: str | None) -> Iterator[str]:
    """A temporary SQLite file by default; for a PostgreSQL URL, a fresh database on that server, dropped after."""
    import tempfile
    import uuid
    from pathlib import Path

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        yield url
        return
    name = f"rb_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()
