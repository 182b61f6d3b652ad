"""Who and where, fit for the database before the core records the person: names cut, overlong ids refused."""

from __future__ import annotations

from dataclasses import replace

from contract.messages import Incoming
from handlers.context import Refusal
from locales import DEFAULT, Translator, negotiate
from storage.limits import clean, column_length, fit, fits
from storage.models import ChannelSubscription, ChatUser


def admit(incoming: Incoming) -> Incoming:
    """`incoming` with its display name and chat title cut to fit; a Refusal when an id cannot be stored."""
    if not (fits(ChatUser.user_id, incoming.user_id) and fits(ChatUser.private_chat_id, incoming.chat_id)):
        translator = Translator(negotiate(incoming.locale_hint) or DEFAULT)
        raise Refusal(
            translator.gettext(
                "I cannot answer this account: its identifier, or this chat's, is longer than {max} characters "
                "or holds characters I cannot store."
            ).format(max=column_length(ChatUser.user_id))
        )
    return replace(
        incoming,
        display_name=fit(ChatUser.display_name, incoming.display_name),
        chat_title=fit(ChannelSubscription.title, incoming.chat_title),
        action=clean(incoming.action) if incoming.action is not None else None,
    )
