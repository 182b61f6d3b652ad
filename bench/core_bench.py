"""Throughput and memory of the neutral core on the bundled event.

Run: python bench/core_bench.py [--database URL] [--messages N]
Prints messages per second for read commands, for workshop choices (a write: two rows
replaced, the collectivity row locked, an audit entry), and peak memory. Figures only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.core import BotCore
from contract.clock import FixedClock
from contract.messages import Incoming

COMMANDS = ["/programme", "/programme 23", "/now", "/workshops", "/about", "/help", "/nonsense"]


def choose_bench(core: BotCore, messages: int) -> None:
    """Ten collectivities, joined through invites made by an organiser, then changing their choices."""
    import dataclasses

    core.settings = dataclasses.replace(core.settings, admins=frozenset({"console:bench-orga"}))
    core.clock = FixedClock(dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC))  # choices are open in June

    def say(user: str, text: str) -> str:
        return "\n".join(r.text for r in core.handle(Incoming("console", user, user, text=text, locale_hint="en")))

    contacts = []
    for n in range(10):
        added = say("bench-orga", f"/admin add Bench town {n}; ベンチ町{n}; {'fr' if n % 2 else 'jp'}; commune")
        number = re.search(r"#(\d+)", added)
        code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", say("bench-orga", f"/admin invite {number[1]}"))
        assert number and code, added
        say(f"bench-contact{n}", f"/join {code[0]}")
        contacts.append(f"bench-contact{n}")
    pairs = ["1 2", "3 4", "2 1", "4 3"]
    latencies = []
    for i in range(messages):
        t0 = time.perf_counter()
        answer = say(contacts[i % len(contacts)], f"/choose {pairs[i % len(pairs)]}")
        latencies.append(time.perf_counter() - t0)
    if "saved" not in answer:
        raise SystemExit(f"/choose was refused, the figures would be wrong: {answer}")
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    print(
        f"{'/choose a b':<15} en: {messages / sum(latencies):7.0f} msg/s   "
        f"median {statistics.median(latencies) * 1000:5.2f} ms   p95 {p95:5.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--messages", type=int, default=300, help="messages per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        core = BotCore.start(Settings(database_url=url), FixedClock(dt.datetime(2026, 10, 23, 8, 15, tzinfo=dt.UTC)))
        print(
            f"start-up (migrate + load event): {(time.perf_counter() - started) * 1000:.0f} ms  [{url.split(':')[0]}]"
        )
        for command in COMMANDS:
            for locale in ("fr", "ja"):
                latencies = []
                for i in range(args.messages):
                    incoming = Incoming("console", f"u{i % 50}", f"u{i % 50}", text=command, locale_hint=locale)
                    t0 = time.perf_counter()
                    core.handle(incoming)
                    latencies.append(time.perf_counter() - t0)
                total = sum(latencies)
                p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
                print(
                    f"{command:<15} {locale}: {args.messages / total:7.0f} msg/s   "
                    f"median {statistics.median(latencies) * 1000:5.2f} ms   p95 {p95:5.2f} ms"
                )
        choose_bench(core, args.messages)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
