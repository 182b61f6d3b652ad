"""Digits that str.isdigit() accepts but int() refuses (U+1369 ፩, U+10A40 𐩀) get a sentence, and change nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings
from contract.numbers import number_in, parse_int
from tests.participation_support import add_collectivity, linked


@pytest.mark.parametrize("text", ["፩", "𐩀", "1፩", "３𐩀"])
def test_parse_int_and_number_in_refuse_what_int_cannot_read(text):
    assert "".join(ch for ch in text if ch.isdigit()) == text  # isdigit() says yes to all of them
    assert parse_int(text) is None
    assert number_in(f"{text} personnes") is None


def test_digits_of_other_scripts_are_still_numbers():
    assert parse_int("３") == 3 and parse_int("٣") == 3 and number_in("３人") == 3 and number_in("2 personnes") == 2


@pytest.fixture
def orga(chat, core):
    add_collectivity(core, "Ville de Testville")
    return chat("orga", locale_hint="en")


@pytest.mark.parametrize("digit", ["፩", "𐩀"])
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/admin audit {d}", "Give a number of entries from 1 to"),
        ("/admin edit {d} kind=village", "There is no collectivity number {d}"),
        ("/admin remove {d}", "There is no collectivity number {d}"),
        ("/admin invite {d}", "There is no collectivity number {d}"),
        ("/admin invite 1 uses={d}", "uses must be a whole number, not “{d}”"),
        ("/admin workshop {d} capacity=3", "There is no workshop {d}"),
        ("/admin workshop 1 capacity={d}", "The capacity must be a whole number of collectivities, not “{d}”"),
    ],
)
def test_admin_commands_answer_odd_digits_with_a_sentence(orga, snapshot, digit, command, expected):
    before = snapshot()
    answer = orga.send(command.format(d=digit))
    assert expected.format(d=digit) in answer, answer
    assert "Sorry" not in answer
    assert snapshot() == before


@pytest.mark.parametrize("digit", ["፩", "𐩀"])
def test_the_remove_button_with_odd_digits_is_refused(orga, snapshot, digit):
    before = snapshot()
    answer = orga.act(f"admrm:{digit}")
    assert f"There is no collectivity number {digit}" in answer
    assert snapshot() == before


@pytest.mark.parametrize("digit", ["፩", "𐩀"])
@pytest.mark.parametrize("command", ["/done", "/undo"])
def test_done_and_undo_with_odd_digits_say_which_tasks_exist(chat, core, snapshot, digit, command):
    person, _ = linked(chat, core, locale_hint="en")
    before = snapshot()
    answer = person.send(f"{command} {digit}")
    assert f"“{digit}”" in answer.splitlines()[0] and "Sorry" not in answer
    assert "Book the hotel" in answer  # and the tasks one can name, by their titles
    assert snapshot() == before


@pytest.mark.parametrize("digit", ["፩", "𐩀"])
def test_the_confirmation_head_counts_refuse_odd_digits_typed_or_pressed(chat, core, snapshot, digit):
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/confirm")
    before = snapshot()
    assert "Please send the number of people, from 1 to 50." in person.send(digit)
    assert "Please send the number of people, from 1 to 50." in person.act(f"cf:size:{digit}")
    assert "Please send the number of people" in person.send(f"{digit} personnes")
    assert snapshot() == before
    person.send("1")
    person.send("Camille Exemple")
    before = snapshot()
    for answer in (person.act(f"cf:opt:visits:{digit}"), person.send(digit)):
        assert "Please answer yes or no" in answer or "please give a number between 0 and 1" in answer, answer
    assert snapshot() == before


@pytest.mark.parametrize("port", ["808፩", "𐩀", "0", "65536", "http"])
def test_http_port_that_is_not_a_port_number_is_a_configuration_error(port):
    with pytest.raises(ConfigError, match="HTTP_PORT must be a port number"):
        Settings.from_env({"HTTP_PORT": port})


def test_full_width_port_is_read():
    assert Settings.from_env({"HTTP_PORT": "８０８１"}).http_port == 8081


def test_run_with_an_odd_http_port_says_so_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "HTTP_PORT": "808፩"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "HTTP_PORT must be a port number, not '808፩'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("digit", ["፩", "𐩀"])
def test_a_forged_partner_button_with_odd_digits_means_no_partner(chat, core, snapshot, digit):
    add_collectivity(core, "Ville Japonaise", name_ja="日本町", country="jp")
    person, _ = linked(chat, core, locale_hint="en")
    person.send("/choose 1 3")
    person.send("/abstract")
    for answer in ("1", "Des nomades numériques", "Résumé en français.", "-", "Camille Durand"):
        person.send(answer)
    review = person.act(f"ab:p:{digit}")
    assert "Sorry" not in review and "Partner: none" in review, review
    assert "is saved" in person.press("Save")
