"""Messages name commands the way the reader's platform spells them: `/choose`, or `/rencontres choose` on Slack.

The dialogs run the same messages on the console and on Slack; the catalog test keeps any
message from writing a registered command as a literal `/name` again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from contract.platforms import PLATFORMS
from handlers import build_router
from locales import DIRECTORY, SUPPORTED
from tests.participation_support import add_collectivity, add_invite

ROUTER = build_router()
COMMANDS = {*ROUTER.commands, "admin"}
# `/name` for a registered command, and `/{placeholder}` (a command name pasted after a slash).
LITERAL = re.compile(r"(?<![\w/{])/([a-z_]+)\b|(?<![\w/}])/\{")
# Messages where a literal command is truly meant (none today: add one with the reason).
ALLOWED: set[str] = set()
# A registered command written as a literal in a reply, whatever the platform's spelling.
BARE = re.compile(r"(?<![\w/])/(" + "|".join(sorted(COMMANDS, key=len, reverse=True)) + r")\b")


def literal_commands(text: str) -> list[str]:
    return [m.group(0) for m in LITERAL.finditer(text) if m.group(1) is None or m.group(1) in COMMANDS]


def catalog_messages() -> list[tuple[str, str, str]]:
    """(file, msgid, translation) for every message of every locale."""
    found = []
    for locale in SUPPORTED:
        for po in sorted((DIRECTORY / locale / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as f:
                for message in read_po(f, locale=locale):
                    if not message.id:
                        continue
                    ids = message.id if isinstance(message.id, tuple) else (message.id,)
                    strings = message.string if isinstance(message.string, tuple) else (message.string,)
                    for text in (*ids, *strings):
                        found.append((str(po.relative_to(DIRECTORY)), ids[0], text or ""))
    return found


def test_no_message_or_translation_hard_codes_a_registered_command():
    offending = {
        (path, msgid, text)
        for path, msgid, text in catalog_messages()
        if literal_commands(text) and msgid not in ALLOWED
    }
    assert sorted(offending) == [], "name commands with a {placeholder} filled with ctx.command(name)"


def test_the_check_catches_a_literal_command():
    assert literal_commands("Send /choose 3 1, or /admin help; not /etc/hosts.") == ["/choose", "/admin"]
    assert literal_commands("the /{form} form") == ["/{"]
    assert literal_commands("Send {choose} or https://example.org/status") == []


def slack(chat, user: str = "U0TESTSLACK", **kwargs):
    return chat(user, platform="slack", **kwargs)


def test_slack_spells_commands_with_its_slash_command(chat):
    assert PLATFORMS["slack"].command("help") == "/rencontres help"
    person = slack(chat, locale_hint="en")
    greeting = person.send("/start")
    assert "Send /rencontres help to see everything I can do." in greeting
    listed = person.send("/help")
    assert "/rencontres choose" in listed and "/rencontres status" in listed
    assert BARE.findall(greeting + listed) == []
    unknown = person.send("/nope")
    assert unknown == "I do not know the command /rencontres nope. Send /rencontres help to see what I can do."


def test_the_console_keeps_the_plain_slash(chat):
    person = chat(locale_hint="en")
    assert "Send /help to see everything I can do." in person.send("/start")
    listed = person.send("/help")
    assert "\n/choose" in listed and "/rencontres" not in listed
    assert person.send("/nope") == "I do not know the command /nope. Send /help to see what I can do."


@pytest.mark.parametrize(
    ("locale", "steps"),
    [
        ("fr", "confirmez votre participation avec /rencontres confirm (ou /rencontres decline)"),
        ("ja", "/rencontres confirm で参加を確定し（不参加の場合は /rencontres decline）"),
        ("en", "confirm your participation with /rencontres confirm (or /rencontres decline)"),
    ],
)
def test_a_contact_on_slack_reads_the_next_steps_in_slack_spelling(chat, core, locale, steps):
    cid = add_collectivity(core, "Ville de Testville", name_ja="テストヴィル市")
    add_invite(core, cid, "ABCD-2345")
    person = slack(chat, locale_hint=locale)
    not_joined = person.send("/status")
    assert "/rencontres join" in not_joined
    joined = person.send("/join ABCD-2345")
    assert steps in joined and "/rencontres choose" in joined and "/rencontres status" in joined
    assert BARE.findall(not_joined + joined) == []


def test_an_organiser_on_slack_reads_admin_commands_in_slack_spelling(chat):
    chat("orga").send("/help")
    chat("orga").send("/admin grant slack:U0ORGA")
    organiser = slack(chat, "U0ORGA", locale_hint="en")
    assert "/rencontres admin add" in organiser.send("/admin help")
    assert "send /rencontres admin list alone" in organiser.send("/admin list nowhere")
    missing = organiser.send("/admin edit 999 kind=city")
    assert missing == "There is no collectivity number 999. See /rencontres admin list."
    assert "/rencontres admin add Ville de Sète" in organiser.send("/admin add")
    # The console organiser reads the same sentences with the plain slash.
    assert chat("orga", locale_hint="en").send("/admin edit 999 kind=city") == (
        "There is no collectivity number 999. See /admin list."
    )


def test_no_handler_outside_the_forms_on_another_branch_writes_a_command_literally():
    """Source strings that bypass the catalog (examples, help lines) go through ctx.command too."""
    handlers = Path(__file__).resolve().parent.parent / "handlers"
    skipped = {"confirm.py", "choose.py", "abstract.py"}
    literal = re.compile(r'"[^"\n]*' + BARE.pattern + r'[^"\n]*"')
    found = []
    for source in sorted(handlers.rglob("*.py")):
        if source.name in skipped:
            continue
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if literal.search(code) and '"""' not in code:
                found.append(f"{source.name}:{number}: {line.strip()}")
    assert found == []
