"""`rencontres-bot console` from start to first reply, and what it imports.

Run: python bench/startup_bench.py [--runs 7]
Each run starts `python -m bot console` on a database migrated beforehand (start-up then loads the event
and answers), sends /help and waits for the answer to be printed; prints the median and range, and
the modules imported by `import bot.cli` and by the console after its first reply. Figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import header  # noqa: E402

HEAVY = (
    "networkx",
    "matplotlib",
    "openpyxl",
    "pydantic",
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "yaml",
    "alembic",
    "icalendar",
)
COUNT = (
    "import sys, runpy\n"
    "sys.argv = ['rencontres-bot', 'console', '--database', {url!r}, '--files', {files!r}]\n"
    "from bot.cli import main\n"
    "sys.stdin = __import__('io').StringIO('/help\\n')\n"
    "main(sys.argv[1:])\n"
    "heavy = {heavy!r}\n"
    "print('MODULES', len(sys.modules), ' '.join(h for h in heavy if h in sys.modules), file=sys.stderr)\n"
)


def first_reply(url: str, files: str) -> float:
    """Seconds from starting the process to the end of the first answer (the line after /help's text)."""
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--database", url, "--files", files],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert process.stdin and process.stdout
    process.stdin.write(b"/help\n")
    process.stdin.flush()
    process.stdout.readline()  # the answer's first line: the reply is being printed
    elapsed = time.perf_counter() - t0
    process.stdin.close()
    process.wait()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    header()
    # Without .pyc files every project module is compiled again at each start: say which case was measured.
    print(f"PYTHONDONTWRITEBYTECODE: {os.environ.get('PYTHONDONTWRITEBYTECODE') or 'unset'}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'startup.db'}"
        first_reply(url, tmp)  # migrate and load the event once: runs measure a start on a ready database
        times = sorted(first_reply(url, tmp) for _ in range(args.runs))
        print(
            f"console start to first reply: median {statistics.median(times) * 1000:.0f} ms "
            f"(range {times[0] * 1000:.0f}–{times[-1] * 1000:.0f} ms, {args.runs} runs)"
        )
        probe = [sys.executable, "-c", "import sys, bot.cli; print(len(sys.modules))"]
        imported = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        print(f"modules after `import bot.cli`: {imported}")
        code = COUNT.format(url=url, files=tmp, heavy=HEAVY)
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES"))
        _, count, *heavy = line.split()
        print(f"modules after the console's first reply: {count}; heavy packages among them: {' '.join(heavy) or '—'}")


if __name__ == "__main__":
    main()
