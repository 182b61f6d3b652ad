"""An event at scale: 5,000 collectivities and 20,000 contacts, and what organisers ask of it.

Run: python bench/scale_bench.py [--database URL] [--collectivities 5000] [--contacts 20000] [--repeat 3]
Prints, for each step, the best and worst of --repeat runs and the SQL statements it ran: building
the data (bulk inserts), the balancing (read, solve, /admin balance, applying it), each export
(doc5, doc7, doc8, delegations: building the table and the .xlsx through the core), /admin list,
/admin show doc7, /admin invites (size of the answer), pending_collectivities(), planning every
reminder occurrence into the outbox (rolled back), peak memory.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import StatementCounter, bench_database, header, ms, peak_mib, populate
from bot.config import Settings
from bot.core import BotCore
from contract.clock import FixedClock
from contract.messages import Incoming
from locales import Translator
from scheduler.outbox import queue_occurrence
from scheduler.planning import plan_event
from storage import exports
from storage.balancing import read_inputs, solve
from storage.db import transaction
from storage.models import Event
from storage.progress import pending_collectivities

ORGANISER = "bench-orga"


def timed(label: str, repeat: int, counter: StatementCounter, step: Callable[[], object]) -> object:
    """Run `step` `repeat` times; print best–worst and the statements of the last run."""
    times = []
    result: object = None
    for _ in range(repeat):
        with counter.counting() as statements:
            t0 = time.perf_counter()
            result = step()
            times.append(time.perf_counter() - t0)
    print(f"{label:<42} {ms(min(times)):>11} – {ms(max(times)):>11}   {statements[0]:>6} statements")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="SQLAlchemy URL; PostgreSQL: a fresh database is made beside it and dropped")
    parser.add_argument("--collectivities", type=int, default=5000)
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    header()
    with bench_database(args.database) as url:
        clock = FixedClock(dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC))  # choices are open in June
        settings = Settings(database_url=url, admins=frozenset({f"console:{ORGANISER}"}))
        core = BotCore.start(settings, clock)
        counter = StatementCounter(core.sessions.kw["bind"])
        print(f"database: {url.split(':')[0]}  collectivities: {args.collectivities}  contacts: {args.contacts}")

        def build() -> None:
            with transaction(core.sessions) as session:
                event = session.get_one(Event, core.event_id)
                populate(session, event, args.collectivities, args.contacts)
                # Seats for about nine in ten of the candidates, the first workshop the most wanted.
                seats = int(args.collectivities * 0.635)
                for w in event.workshops:
                    w.capacity = seats // len(event.workshops)

        timed("build the data (bulk inserts)", 1, counter, build)

        def say(text: str, action: str | None = None) -> str:
            incoming = Incoming("console", ORGANISER, ORGANISER, text=text, action=action, locale_hint="en")
            replies = core.handle(incoming)
            return "\n".join(r.text for r in replies)

        def inputs_and_solve() -> object:
            with transaction(core.sessions) as session:
                inputs = read_inputs(session, session.get_one(Event, core.event_id))
            t0 = time.perf_counter()
            plan = solve(inputs.candidates, inputs.capacities)
            solved.append(time.perf_counter() - t0)
            return inputs, plan

        solved: list[float] = []
        inputs, plan = timed("balancing: read inputs + solve", args.repeat, counter, inputs_and_solve)  # type: ignore[misc]
        print(
            f"{'  of which solve':<42} {ms(min(solved)):>11} – {ms(max(solved)):>11}   "
            f"{len(inputs.candidates)} candidates, {plan.firsts} 1st, {plan.seconds} 2nd"
        )
        answer = timed("/admin balance (through the core)", args.repeat, counter, lambda: say("/admin balance"))
        print(f"{'  answer length':<42} {len(str(answer)):>11} characters")
        action = f"admbal:apply:{inputs.digest()}:{plan.digest()}"
        applied = timed("apply it (button: check, solve, write)", args.repeat, counter, lambda: say("", action))
        print(f"{'  answer':<42} {applied}")

        with transaction(core.sessions) as session:
            event = session.get_one(Event, core.event_id)
            _ = Translator("en")
            for kind in exports.KINDS:
                table = timed(
                    f"export {kind}: the table",
                    args.repeat,
                    counter,
                    lambda kind=kind: exports.build(kind, session, event, _.gettext, "en"),
                )
                print(f"{'  rows':<42} {len(table.rows):>11}")  # type: ignore[attr-defined]
        for kind in exports.KINDS:
            timed(
                f"/admin export {kind} (xlsx, the core)",
                args.repeat,
                counter,
                lambda kind=kind: say(f"/admin export {kind}"),
            )
        timed("/admin export doc7 csv (the core)", args.repeat, counter, lambda: say("/admin export doc7 csv"))
        for command in (
            "/admin list",
            "/admin list confirmed",
            "/admin show doc7",
            "/admin show delegations",
            "/admin invites",
        ):
            answer = timed(command, args.repeat, counter, lambda command=command: say(command))
            print(f"{'  answer length':<42} {len(str(answer)):>11} characters")

        def pending() -> int:
            with transaction(core.sessions) as session:
                event = session.get_one(Event, core.event_id)
                return sum(len(pending_collectivities(session, event, d)) for d in event.deadlines)

        with transaction(core.sessions) as session:
            deadlines = len(session.get_one(Event, core.event_id).deadlines)
        found = timed(f"pending_collectivities() × {deadlines} deadlines", args.repeat, counter, pending)
        print(f"{'  pending (sum over deadlines)':<42} {found:>11}")

        def plan_reminders() -> tuple[int, int]:
            # What the scheduler does over the event's life: each occurrence queued at its own instant.
            with core.sessions() as session:
                event = session.get_one(Event, core.event_id)
                occurrences = plan_event(event)
                rows = sum(queue_occurrence(session, event, o, o.at) for o in occurrences)
                session.rollback()  # the outbox stays empty for the next run
                return len(occurrences), rows

        # Once whatever --repeat says: at 5,000 it is about 200,000 outbox rows.
        occurrences, rows = timed("planning every reminder occurrence", 1, counter, plan_reminders)  # type: ignore[misc]
        print(f"{'  occurrences, outbox rows':<42} {occurrences:>11} {rows:>8}")
        core.settings = dataclasses.replace(core.settings)
        print(f"peak resident memory: {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
