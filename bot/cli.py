"""The command line: `rencontres-bot console | run | db | event | admin | reminders | remind | broadcast | export`."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings
from contract.clock import Clock, ShiftedClock, SystemClock
from locales import SUPPORTED
from storage.event_source import EventFileError
from storage.exports import KINDS as EXPORT_KINDS


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"), stream=sys.stderr)
    try:
        settings = Settings.from_env()
        if getattr(args, "event", None):
            settings = replace(settings, event_file=Path(args.event))
        if getattr(args, "database", None):
            settings = replace(settings, database_url=args.database)
        result: int = args.func(args, settings)
        return result
    except ConfigError as exc:
        print(f"rencontres-bot: {exc}", file=sys.stderr)
        return 2
    except EventFileError as exc:  # the file is wrong, as `event check` says: exit 1, like a failed check
        print(f"rencontres-bot: {exc}", file=sys.stderr)
        return 1


# The console's data folder (ignored by git): exports, calendars and charts the bot sends.
CONSOLE_FILES_DIR = "data/files"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rencontres-bot", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    console = sub.add_parser("console", help="chat with the bot in this terminal (reads stdin, so pipes work)")
    console.add_argument("--lang", choices=SUPPORTED, help="answer in this language (remembered)")
    console.add_argument("--user", default=os.environ.get("USER") or "guest", help="who you are (default: $USER)")
    console.add_argument("--now", help="the clock's start, ISO 8601; without offset it is event time")
    console.add_argument("--event", help="event YAML file (default: EVENT_FILE or the bundled event)")
    console.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    console.add_argument(
        "--files",
        default=os.environ.get("FILES_DIR") or CONSOLE_FILES_DIR,
        help=f"where files sent by the bot are saved (default: FILES_DIR or {CONSOLE_FILES_DIR})",
    )
    console.set_defaults(func=run_console)

    run = sub.add_parser("run", help="every platform configured in the environment, and the scheduler")
    run.add_argument("--event", help="event YAML file")
    run.set_defaults(func=run_platforms)

    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(required=True, metavar="TASK")
    db_sub.add_parser("upgrade", help="apply the migrations and load the event file").set_defaults(func=db_upgrade)

    event = sub.add_parser("event", help="event file tasks")
    event_sub = event.add_subparsers(required=True, metavar="TASK")
    check = event_sub.add_parser("check", help="validate an event file and say what is wrong")
    check.add_argument("file")
    check.set_defaults(func=event_check)
    new = event_sub.add_parser(
        "new", help="load the next edition's event file, the earlier editions staying in the database"
    )
    new.add_argument("file")
    new.add_argument(
        "--copy-collectivities-from",
        metavar="KEY",
        dest="copy_from",
        help="bring this event's collectivities and their contacts over, without their answers",
    )
    new.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    new.set_defaults(func=event_new)

    admin = sub.add_parser("admin", help="organisers' tasks (the twins of some /admin commands)")
    admin_sub = admin.add_subparsers(required=True, metavar="TASK")
    imp = admin_sub.add_parser("import", help="import collectivities from a .csv or .xlsx file (all rows or none)")
    imp.add_argument("file", help="headers: name_fr,name_ja,country,kind[,status]")
    imp.add_argument("--event", help="event YAML file")
    imp.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    imp.set_defaults(func=admin_import)

    reminders = sub.add_parser("reminders", help="what would be due at an instant and to whom (a rehearsal)")
    reminders.add_argument("--now", required=True, help="the instant, ISO 8601; without offset it is event time")
    reminders.add_argument("--send", action="store_true", help="queue them in the outbox: the running bot sends them")
    reminders.add_argument("--event", help="event YAML file")
    reminders.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    reminders.set_defaults(func=reminders_at)
    remind = sub.add_parser("remind", help="queue a deadline's reminder now for those still missing it")
    remind.add_argument("key", help="the deadline's key (/admin deadlines lists them)")
    remind.add_argument("--event", help="event YAML file")
    remind.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    remind.set_defaults(func=remind_deadline)
    broadcast = sub.add_parser("broadcast", help="queue an announcement in French and Japanese")
    broadcast.add_argument("audience", choices=("all", "confirmed", "fr", "jp", "channels"))
    broadcast.add_argument("--fr", required=True, help="the French text")
    broadcast.add_argument("--ja", required=True, help="the Japanese text")
    broadcast.add_argument("--channels", action="store_true", help="the subscribed groups too")
    broadcast.add_argument("--event", help="event YAML file")
    broadcast.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    broadcast.set_defaults(func=broadcast_announcement)

    export = sub.add_parser("export", help="write one of the organisers' lists to a file")
    export.add_argument("kind", choices=EXPORT_KINDS, help="doc5, doc7, doc8 or delegations")
    export.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", dest="fmt")
    export.add_argument("--output", help="file to write (default: <event>-<kind>-<date>.<format> here)")
    export.add_argument("--lang", choices=SUPPORTED, default="fr", help="language of headers and labels")
    export.add_argument(
        "--event", metavar="KEY", dest="event_key", help="an earlier edition in the database (default: EVENT_FILE's)"
    )
    export.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    export.set_defaults(func=export_list)
    return parser


def parse_now(value: str, zone: ZoneInfo) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--now {value!r} is not an ISO 8601 date and time (e.g. 2026-10-23T10:15)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def run_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import ConsoleAdapter
    from bot.core import BotCore

    clock: Clock = SystemClock()
    if args.now:
        from storage.event_file import read_event_file

        spec, _ = read_event_file(settings.event_file)
        clock = ShiftedClock(parse_now(args.now, spec.zone))
    core = BotCore.start(settings, clock)
    adapter = ConsoleAdapter(core, args.user, files_dir=Path(args.files))
    from scheduler.service import ReminderService

    adapter.reminders = ReminderService(core.sessions, clock, core.event_id, {"console": adapter}).tick
    if args.lang:
        core.handle(adapter.incoming(f"/lang {args.lang}"))
    adapter.run()
    return 0


def run_platforms(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import serve

    return serve(settings)


def db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import BotCore

    core = BotCore.start(settings, SystemClock())
    print(f"Database ready ({core.sessions.kw['bind'].url.render_as_string(hide_password=True)}).")
    return 0


def event_check(args: argparse.Namespace, _settings: Settings) -> int:
    from storage.event_file import read_event_file

    spec, _ = read_event_file(args.file)
    print(
        f"{args.file}: valid — {spec.key}, {len(spec.programme)} programme items, "
        f"{len(spec.workshops)} workshops, {len(spec.deadlines)} deadlines."
    )
    return 0


def _unknown_event(key: str, known: list[str]) -> str:
    return f"rencontres-bot: there is no event {key!r} in the database; it holds: {', '.join(known) or 'none'}."


def event_new(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import make_engine, make_sessionmaker, startup_lock, transaction, upgrade
    from storage.editions import copy_collectivities, event_keys, find_event
    from storage.event_loader import load_event_file

    now = SystemClock().now()
    engine = make_engine(settings.database_url)
    try:
        with startup_lock(engine):
            upgrade(engine)
            # One transaction: an unknown key or a bad file leaves the database as it was.
            with transaction(make_sessionmaker(engine)) as session:
                source = find_event(session, args.copy_from) if args.copy_from else None
                if args.copy_from and source is None:
                    print(_unknown_event(args.copy_from, event_keys(session)), file=sys.stderr)
                    return 1
                event = load_event_file(session, args.file, now)
                print(f"{args.file}: event {event.key} loaded ({event.start.isoformat()} to {event.end.isoformat()}).")
                if source is None:
                    return 0
                if source.id == event.id:
                    print(f"rencontres-bot: {args.file} is the event {source.key} itself.", file=sys.stderr)
                    return 1
                report = copy_collectivities(session, source, event, actor=_cli_actor(), now=now)
    finally:
        engine.dispose()
    print(
        f"Copied {report.copied} collectivities and {report.contacts} contacts from {source.key}; "
        f"skipped {report.skipped} already in {event.key}."
    )
    return 0


def _cli_actor() -> str:
    """Who the audit log names for a change made on the command line."""
    return f"cli:{os.environ.get('USER') or 'unknown'}"[:90]


def admin_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import BotCore
    from locales import Translator
    from storage.db import transaction
    from storage.imports import ImportRejected, import_collectivities
    from storage.models import Event

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"rencontres-bot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    clock = SystemClock()
    core = BotCore.start(settings, clock)
    english = Translator("en").gettext
    try:
        with transaction(core.sessions) as session:
            event = session.get_one(Event, core.event_id)
            count = import_collectivities(session, event, content, path.name, actor=_cli_actor(), now=clock.now())
    except ImportRejected as rejected:
        print(f"{path}: nothing was imported.", file=sys.stderr)
        for problem in rejected.problems:
            print(problem.render(english), file=sys.stderr)
        return 1
    print(f"Imported {count} collectivities from {path}.")
    return 0


def export_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import BotCore
    from locales import Translator
    from storage import exports
    from storage.db import transaction
    from storage.editions import event_keys, find_event
    from storage.models import Event

    clock = SystemClock()
    core = BotCore.start(settings, clock)
    translator = Translator(args.lang)
    with transaction(core.sessions) as session:
        event = find_event(session, args.event_key) if args.event_key else session.get_one(Event, core.event_id)
        if event is None:
            print(_unknown_event(args.event_key, event_keys(session)), file=sys.stderr)
            return 1
        table = exports.build(args.kind, session, event, translator.gettext, translator.locale)
        today = clock.now().astimezone(ZoneInfo(event.timezone)).date()
        output = Path(args.output) if args.output else Path(exports.filename(event, args.kind, today, args.fmt))
    output.write_bytes(exports.render(table, args.fmt))
    print(f"{output}: {len(table.rows)} rows.")
    return 0


def reminders_at(args: argparse.Namespace, settings: Settings) -> int:
    """List what is due at --now and to whom; with --send, queue it (the running bot's dispatcher sends it)."""
    from bot.core import BotCore
    from contract.clock import FixedClock
    from scheduler.outbox import plan_due, rehearse
    from storage.db import transaction
    from storage.event_file import read_event_file
    from storage.models import Event

    spec, _ = read_event_file(settings.event_file)
    now = parse_now(args.now, spec.zone)
    core = BotCore.start(settings, FixedClock(now))
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        due = rehearse(session, event, now)
        for occurrence, messages in due:
            print(f"{occurrence.key} (due {occurrence.at.isoformat()}): {len(messages)} recipients")
            for message in messages:
                to = message.reply.to
                if to is not None:
                    print(f"  {to.platform}:{to.user_id or to.chat_id}")
        if not due:
            print(f"Nothing is due at {now.isoformat()}.")
        if args.send:
            report = plan_due(session, event, now)
            print(f"Queued {sum(report.queued.values())} messages; the running bot sends them.")
    return 0


def remind_deadline(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import BotCore
    from scheduler.outbox import deadline_named, remind_now
    from storage.db import transaction
    from storage.models import Event

    clock = SystemClock()
    core = BotCore.start(settings, clock)
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        deadline = deadline_named(event, args.key)
        if deadline is None:
            keys = ", ".join(sorted(d.key for d in event.deadlines))
            print(f"rencontres-bot: there is no deadline {args.key!r}; the deadlines: {keys}.", file=sys.stderr)
            return 1
        added = remind_now(session, event, deadline, clock.now())
    print(f"Queued {added} messages for {args.key}; the running bot sends them.")
    return 0


def broadcast_announcement(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import BotCore
    from scheduler.outbox import draft_broadcast, queue_broadcast
    from storage.db import transaction
    from storage.models import Event

    clock = SystemClock()
    core = BotCore.start(settings, clock)
    audience = "none" if args.audience == "channels" else args.audience
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        row = draft_broadcast(
            session,
            event,
            audience=audience,
            channels=args.channels or audience == "none",
            text_fr=args.fr,
            text_ja=args.ja,
            by=_cli_actor(),
            now=clock.now(),
        )
        added = queue_broadcast(session, event, row, clock.now())
    print(f"Announcement #{row.id}: queued {added} messages; the running bot sends them.")
    return 0
