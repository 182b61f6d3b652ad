"""The neutral core under a mixed stream of messages from many contacts, with the real storage.

Run: python bench/core_bench.py [--database URL] [--sizes 50,5000] [--messages 3000] [--senders 300]
For each size (collectivities; four contacts each, made in bulk): the stream — /programme, /programme 23,
/now, /status, /deadlines, /choose a b (a write), the /confirm form step by step (then /cancel), and an
organiser's /admin list and /admin stats-free lists — from --senders contacts, one after the other
through BotCore.handle. Prints messages/s, p50 and p99 per command, and the SQL statements per command
(the same at every size is the goal). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench._common import StatementCounter, active_contacts, bench_database, header, peak_mib, percentiles, populate
from bot.config import Settings
from bot.core import BotCore
from contract.clock import FixedClock
from contract.messages import Incoming
from storage.db import transaction
from storage.models import Event

ORGANISER = "bench-orga"
# One round of the stream: (label, messages a contact sends in a row). "admin" rows are the organiser's.
ROUND: list[tuple[str, list[str]]] = [
    ("/programme", ["/programme"]),
    ("/now", ["/now"]),
    ("/status", ["/status"]),
    ("/choose a b", ["/choose 1 2"]),
    ("/programme 23", ["/programme 23"]),
    ("/deadlines", ["/deadlines"]),
    ("/confirm steps", ["/confirm", "1", "Camille Banc, adjointe", "/cancel"]),
    ("/status", ["/status"]),
    ("/choose a b", ["/choose 2 1"]),
    ("/programme", ["/programme"]),
    ("admin /admin list", ["/admin list"]),
    ("/now", ["/now"]),
]
LOCALES = ("fr", "ja", "en")


def senders(core: BotCore, wanted: int) -> list[str]:
    """User ids of contacts whose collectivity has not declined (their /choose is accepted)."""
    with transaction(core.sessions) as session:
        return active_contacts(session, core.event_id, wanted)


def run(url: str, size: int, messages: int, wanted: int) -> dict[str, list[int]]:
    clock = FixedClock(dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC))  # choices are open in June
    core = BotCore.start(Settings(database_url=url, admins=frozenset({f"console:{ORGANISER}"})), clock)
    counter = StatementCounter(core.sessions.kw["bind"])
    with transaction(core.sessions) as session:
        populate(session, session.get_one(Event, core.event_id), size, size * 4)
    people = senders(core, wanted)
    latencies: dict[str, list[float]] = defaultdict(list)
    statements: dict[str, list[int]] = defaultdict(list)
    refused: dict[str, int] = defaultdict(int)
    sent = 0
    started = time.perf_counter()
    turn = 0
    while sent < messages:
        label, texts = ROUND[turn % len(ROUND)]
        index = turn % len(people)
        user = ORGANISER if label.startswith("admin") else people[index]
        # Each person's app keeps its language: a hint that changed every message would make every read a write.
        locale = LOCALES[index % len(LOCALES)]
        for text in texts:
            incoming = Incoming("console", user, user, text=text, locale_hint=locale)
            with counter.counting() as count:
                t0 = time.perf_counter()
                replies = core.handle(incoming)
                latencies[label].append(time.perf_counter() - t0)
            statements[label].append(count[0])
            refused[label] += any(r.kind == "refusal" for r in replies)
            sent += 1
        turn += 1
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in latencies.values())
    every = [x for v in latencies.values() for x in v]
    p50, p99 = percentiles(every)
    print(f"\n{size} collectivities, {size * 4} contacts, {len(people)} senders: {total} messages")
    print(f"  whole stream: {total / elapsed:7.0f} messages/s   p50 {p50:5.2f} ms   p99 {p99:5.2f} ms")
    print(f"  {'command':<20} {'msg/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'statements':>12} {'refused':>8}")
    for label, values in latencies.items():
        p50, p99 = percentiles(values)
        counts = statements[label]
        spread = f"{min(counts)}–{max(counts)}" if min(counts) != max(counts) else str(counts[0])
        print(f"  {label:<20} {len(values) / sum(values):7.0f} {p50:8.2f} {p99:8.2f} {spread:>12} {refused[label]:>8}")
    core.sessions.kw["bind"].dispose()
    return {label: sorted(set(v)) for label, v in statements.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="SQLAlchemy URL; PostgreSQL: a fresh database per size, dropped after")
    parser.add_argument("--sizes", default="50,5000", help="collectivities, comma-separated")
    parser.add_argument("--messages", type=int, default=3000, help="messages in the stream, per size")
    parser.add_argument("--senders", type=int, default=300, help="contacts taking turns")
    args = parser.parse_args()
    header()
    print(f"database: {(args.database or 'sqlite').split(':')[0]}")
    found = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with bench_database(args.database) as url:
            found[size] = run(url, size, args.messages, args.senders)
    if len(found) > 1:
        print("\nSQL statements per command, by size:")
        for label in found[next(iter(found))]:
            cells = "  ".join(f"{size}: {found[size].get(label)}" for size in found)
            print(f"  {label:<20} {cells}")
    print(f"\npeak resident memory: {peak_mib():.0f} MiB")
    _ = statistics


if __name__ == "__main__":
    main()
