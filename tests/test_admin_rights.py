"""Only organisers reach the admin commands: everyone else is refused and nothing changes."""

from __future__ import annotations

import pytest

from tests.admin_support import add_collectivity

REFUSAL = {
    "fr": "Seuls les organisateurs",
    "ja": "主催者のみ",
    "en": "Only the organisers can use the admin commands.",
}


def sample_arguments(tmp_path, code: str) -> dict[str, str]:
    """Arguments that would succeed for an organiser, so a refusal is about rights only."""
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("name_fr,name_ja,country,kind\nVille de Vienne,ヴィエンヌ市,fr,commune\n", encoding="utf-8")
    return {
        "add": "Ville de Sète; セート市; fr; commune",
        "edit": "1 kind=région",
        "remove": "1",
        "list": "",
        "import": str(csv_file),
        "invite": "1",
        "invites": "",
        "revoke": code,
        "grant": "console:eve",
        "revoke-admin": "console:helper",
        "admins": "",
        "export": "doc5 xlsx",
        "show": "doc5",
        "stats": "",
        "workshop": "1 capacity=3",
        "lock": "",
        "unlock": "",
        "deadlines": "",
        "deadline": "hotel-and-slides 2026-09-20",
        "audit": "5",
        "balance": "",
        "remind": "confirmation-and-delegation",
        "broadcast": "all fr: Bonjour ja: こんにちは",
        "reminders": "",
        "mismatches": "",
    }


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_a_non_organiser_is_refused_every_admin_command_and_nothing_changes(core, chat, snapshot, tmp_path, locale):
    add_collectivity(core, "Ville de Dole", choices=(1, 2))
    orga = chat("orga", locale_hint="en")
    orga.send("/admin grant console:helper")
    orga.send("/admin invite 1")
    code = orga.last[0].text.splitlines()[1]
    arguments = sample_arguments(tmp_path, code)
    visitor = chat("visitor", locale_hint=locale)
    visitor.send("/help")
    before = snapshot()
    assert set(core.router.admin_commands) - set(arguments) <= {"help", "subscribe", "unsubscribe", "channels"}
    for name in core.router.admin_commands:
        answer = visitor.send(f"/admin {name} {arguments.get(name, '')}".strip())
        assert REFUSAL[locale] in answer, (name, answer)
        assert not any(r.attachment for r in visitor.last)
    assert {"admrm", "admbal"} <= core.router.admin_actions
    presses = ["admrm:1", "admrm:keep", "admbal:cancel", "admbal:apply:0123456789abcdef"]
    for action in presses + [f"{prefix}:1" for prefix in sorted(core.router.admin_actions)]:
        assert REFUSAL[locale] in visitor.act(action), action
    assert snapshot() == before


def test_an_organiser_can_grant_and_take_back_rights(chat, snapshot):
    orga = chat("orga", locale_hint="en")
    helper = chat("helper", locale_hint="en")
    assert "Only the organisers" in helper.send("/admin list")
    assert "console:helper is now an organiser." in orga.send("/admin grant console:helper")
    assert "No collectivity yet" in helper.send("/admin list")
    assert "console:helper" in orga.send("/admin admins")
    assert "is no longer an organiser" in orga.send("/admin revoke-admin console:helper")
    assert "Only the organisers" in helper.send("/admin list")


def test_granting_twice_or_revoking_an_admins_setting_is_refused(chat, snapshot):
    orga = chat("orga", locale_hint="en")
    orga.send("/admin grant telegram:4242")
    before = snapshot()
    assert "already an organiser" in orga.send("/admin grant telegram:4242")
    assert "changed in the settings only" in orga.send("/admin revoke-admin console:orga")
    assert "platform:user" in orga.send("/admin grant someone")
    assert snapshot() == before
