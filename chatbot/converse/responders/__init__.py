"""The responders: who answers a question, tried in order; the first to give an Answer wins.

    hand-off ─ orders ─ shop skills ─ cache ─ FAQ ─ grounded answer ─ decline

Each is a small class with a ``name`` and one method, ``respond(turn)`` (``base.Responder``). Adding a way
to answer is one responder and one entry in ``RESPONDERS``. The settings switch
responders off by name (``responders_off``); the decline always stays, so every question gets an answer.
"""

from __future__ import annotations

from chatbot.common.errors import ConfigError
from chatbot.converse.responders.base import Parts, Responder
from chatbot.converse.responders.cache import CacheResponder
from chatbot.converse.responders.decline import DeclineResponder
from chatbot.converse.responders.faq import FaqResponder
from chatbot.converse.responders.grounded import GroundedResponder
from chatbot.converse.responders.handoff import HandoffResponder
from chatbot.converse.responders.orders import OrderResponder
from chatbot.converse.responders.shop import ShopResponder

RESPONDERS = (HandoffResponder, OrderResponder, ShopResponder, CacheResponder, FaqResponder, GroundedResponder, DeclineResponder)


def responder_chain(bot: Parts, off: str = "") -> list[Responder]:
    """The responders in order, less those named in ``off`` (comma-separated)."""
    names = {r.name for r in RESPONDERS}
    skipped = {name.strip() for name in off.split(",") if name.strip()}
    if skipped - names:
        raise ConfigError(f"responders_off names {', '.join(sorted(skipped - names))}, which is not a responder; "
                          f"the responders are {', '.join(r.name for r in RESPONDERS)}")
    if DeclineResponder.name in skipped:
        raise ConfigError("responders_off cannot switch off 'decline': it answers every question no other "
                          "responder answers")
    return [responder(bot) for responder in RESPONDERS if responder.name not in skipped]
