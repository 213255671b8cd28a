"""What arrives by Meta's webhook, as the service and `status` say it.

WhatsApp arrives only by webhook (its spec is `pushed`). Instagram's comments are polled, but
its Direct messages arrive only by webhook: channels/meta/instagram_reading.py does not poll
the conversations API. So the receiver is needed for both, and the person who runs the
service must read both names where it says what it receives «al momento».
"""

from __future__ import annotations

from typing import Any

from channels.specs import SPECS, display_name, pushed_networks, pushed_networks_on
from conectados.spanish import spanish_list

DIRECT_BY_WEBHOOK = tuple(name for name, found in SPECS.items() if found.direct_by_webhook)
"""Networks whose comments are polled but whose direct messages come only by webhook."""


def webhook_message_networks(channels: Any) -> list[str]:
    """The networks on in `channels` (the settings' [channels]) with messages that arrive
    only by webhook: everything of a pushed one, the direct messages of the others."""
    sections = channels.by_name()
    direct = [n for n in DIRECT_BY_WEBHOOK if n in sections and sections[n].enabled]
    return pushed_networks_on(channels) + direct


def all_webhook_message_networks() -> list[str]:
    """Every network with messages that arrive only by webhook, on or not."""
    return [*pushed_networks(), *DIRECT_BY_WEBHOOK]


def last_message_label() -> str:
    """«WhatsApp o directo de Instagram»: whose latest message `status` dates."""
    return " o ".join(
        f"directo de {display_name(name)}" if name in DIRECT_BY_WEBHOOK else display_name(name)
        for name in all_webhook_message_networks()
    )


def arriving(networks: list[str]) -> str:
    """«WhatsApp y los mensajes directos de Instagram»."""
    return spanish_list(
        [
            f"los mensajes directos de {display_name(name)}"
            if name in DIRECT_BY_WEBHOOK
            else display_name(name)
            for name in networks
        ]
    )
