"""Messages the bot starts: each answer of `deliver` against the fake Bot API, and the console's sender."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.console import ConsoleAdapter
from contract.delivery import Failed, RetryAfter, Sent
from contract.messages import Recipient, Reply
from storage.models import ChannelSubscription, ChatUser
from tests.fake_telegram import forbid_network, run
from tests.telegram_harness import telegram_bot

GROUP = -100777


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def test_a_message_to_a_person_is_sent_to_their_private_chat_with_the_message_id(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            delivered = await bot.adapter.deliver(Recipient.person("telegram", "7001"), Reply("Rappel : J-7"))
            return delivered, bot.fake.calls_to("sendMessage")

    delivered, sent = run(scenario())
    assert [int(call.params["chat_id"]) for call in sent] == [7001]  # a user id is their private chat
    assert delivered == Sent(str(sent[0].result["message_id"]))


def test_a_429_is_reported_with_retry_after_and_not_waited_out(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            bot.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
            delivered = await bot.adapter.deliver(Recipient.person("telegram", "7001"), Reply("Rappel"))
            return delivered, bot.fake.calls_to("sendMessage")

    delivered, attempts = run(scenario())
    assert isinstance(delivered, RetryAfter) and delivered.seconds == 7
    assert len(attempts) == 1  # the dispatcher reschedules it: the sender did not try again


def test_a_person_who_blocked_the_bot_is_a_permanent_failure_and_recorded_unreachable(core, clock, chat):
    async def scenario():
        async with telegram_bot(core) as bot:
            await bot.person(7001, "Hikari", "ja").send("/help")
            bot.fake.refuse_chat(7001, 403, "Forbidden: bot was blocked by the user")
            return await bot.adapter.deliver(Recipient.person("telegram", "7001"), Reply("Rappel"))

    delivered = run(scenario())
    assert isinstance(delivered, Failed) and delivered.reason == "blocked"
    assert "blocked by the user" in delivered.detail
    with core.sessions() as session:
        assert session.scalars(select(ChatUser.unreachable_since)).one() == clock.now()


@pytest.mark.parametrize(
    ("status", "description", "reason"),
    [
        (403, "Forbidden: bot was kicked from the supergroup chat", "not-member"),
        (403, "Forbidden: bot is not a member of the supergroup chat", "not-member"),
        (400, "Bad Request: chat not found", "chat-gone"),
        (403, "Forbidden: user is deactivated", "chat-gone"),
        (400, "Bad Request: message text is empty", "refused"),
    ],
)
def test_a_chat_that_cannot_be_written_to_says_why(core, status, description, reason):
    async def scenario():
        async with telegram_bot(core) as bot:
            bot.fake.refuse_chat(GROUP, status, description)
            return await bot.adapter.deliver(Recipient.chat("telegram", str(GROUP)), Reply("Annonce"))

    delivered = run(scenario())
    assert isinstance(delivered, Failed)
    assert delivered.reason == reason


def test_a_group_that_became_a_supergroup_gets_the_message_and_keeps_its_subscription(core):
    async def scenario():
        async with telegram_bot(core, organisers=(9001,)) as bot:
            group = bot.fake.group(-4001, "Jumelage Montclair")
            await bot.person(9001, "Camille", "fr").send("/admin subscribe", chat=group)
            bot.fake.fail_next("sendMessage", 400, "Bad Request: group chat was upgraded", migrate_to_chat_id=GROUP)
            before = len(bot.fake.calls_to("sendMessage"))
            delivered = await bot.adapter.deliver(Recipient.chat("telegram", "-4001"), Reply("Annonce"))
            return delivered, bot.fake.calls_to("sendMessage")[before:]

    delivered, attempts = run(scenario())
    assert [int(call.params["chat_id"]) for call in attempts] == [-4001, GROUP]
    assert delivered == Sent(str(attempts[1].result["message_id"]))
    with core.sessions() as session:
        assert session.scalars(select(ChannelSubscription.chat_id)).all() == [str(GROUP)]


def test_network_errors_are_retried_later_with_a_growing_backoff(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            person = Recipient.person("telegram", "7001")
            answers = []
            for _ in range(2):
                bot.fake.fail_next("sendMessage", 502, "Bad Gateway")
                answers.append(await bot.adapter.deliver(person, Reply("Rappel")))
            answers.append(await bot.adapter.deliver(person, Reply("Rappel")))
            bot.fake.fail_next("sendMessage", 502, "Bad Gateway")
            answers.append(await bot.adapter.deliver(person, Reply("Rappel")))
            return answers

    first, second, sent, after = run(scenario())
    assert isinstance(first, RetryAfter) and isinstance(second, RetryAfter) and isinstance(after, RetryAfter)
    assert second.seconds == 2 * first.seconds
    assert isinstance(sent, Sent)
    assert after.seconds == first.seconds  # a success starts the backoff again


def test_the_console_prints_a_message_it_is_asked_to_deliver(core, tmp_path):
    out = io.StringIO()
    console = ConsoleAdapter(core, "keiko", stdout=out, files_dir=tmp_path)

    async def scenario():
        return [
            await console.sender.deliver(Recipient.person("console", "keiko"), Reply("Rappel : J-7")),
            await console.sender.deliver(Recipient.chat("console", "atelier-3"), Reply("Annonce")),
            await console.sender.deliver(Recipient.person("telegram", "7001"), Reply("ailleurs")),
        ]

    to_keiko, to_group, elsewhere = run(scenario())
    assert to_keiko == Sent("1") and to_group == Sent("2")
    assert isinstance(elsewhere, Failed) and elsewhere.reason == "refused"
    assert out.getvalue() == "Rappel : J-7\n\n→ atelier-3\nAnnonce\n\n"
