"""Cache: a question asked before, in the same scope, gets the verified answer it got then.

Only a question that stands on its own (not a follow-up, not cut) is looked up, and only while every chunk
the answer cites is still in the index, so a re-index never replays an answer from the old documents.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Iterator

from chatbot.common.privacy import mask_pii
from chatbot.common.types import Answer
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn

log = logging.getLogger(__name__)


class CacheResponder(PartsResponder):
    name = "cache"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        if not turn.standalone:
            return
        cached = self.bot.cache.get(turn.message, turn.product, self.bot.live_chunks.__contains__,
                                     version=turn.knowledge_version)
        if cached is None:
            return
        yield cached.text
        turn.clock.done()
        log.info("answered %r from the answer cache", mask_pii(turn.message)[:200])
        yield replace(cached, question=turn.message, latency_ms=turn.clock.latency(), ttft_ms=turn.clock.ttft_ms,
                      origin="cache")
