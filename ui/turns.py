"""One chat turn for the HTTP faces: admission, the synchronous Chatbot in a worker thread, then the record.

``TurnRunner.start`` admits a turn (or raises ``Busy`` at once when the
queue is full), waits for one of ``max_concurrent`` answer slots, and runs
``Chatbot.stream`` in its own thread. Pieces come back through an asyncio
queue, so the event loop never blocks on retrieval or generation. When the
Answer arrives the same thread records the turn (and opens a ticket on a
hand-off) before handing the ids on. This module knows nothing of HTTP,
SSE or the OpenAI wire format; ``ui.server`` and ``ui.openai_api`` do.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from chatbot.common.errors import InputError
from chatbot.common.types import Answer, Citation
from chatbot.data.tickets import WITH_PERSON, display_name

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side. Please try again, or ask for a person."
BUSY = "We're busy right now, please try again in a moment."


def person_has_the_chat(store: Any, conversation_id: Any, message: str) -> Answer | None:
    """When an agent has joined the conversation's open ticket, the shopper's message is for them, not the bot.

    Returns the short note the shopper sees instead of a bot answer (the message itself is recorded with it and
    shows in the agent's transcript), or None when the bot should answer."""
    try:
        ticket = store.ticket_for(conversation_id) if conversation_id else None
    except Exception:  # the bot answering beats a lost message
        log.exception("looking up the conversation's ticket failed")
        return None
    if not ticket or not ticket["assigned_to"]:
        return None
    who = display_name(ticket["assigned_to"])
    return Answer(question=message, text=f"{who} from our team has your message and will reply here.",
                  citations=[], confidence=1.0, abstained=False, handoff=True, retrieved=[], latency_ms={},
                  reason=WITH_PERSON, origin="handoff")


class Busy(Exception):
    """Every answer slot is taken and the waiting line is full."""


@dataclass
class TurnRequest:
    message: str
    conversation_id: Any = None  # None starts a new conversation
    product_id: str | None = None  # the product page the shopper is on
    history: list[dict] = field(default_factory=list)  # earlier {"role", "content", "product_id"?} turns
    channel: str = "chat"  # where the turn came from: widget, chat or api
    client: str | None = None  # the caller's address (order checks are limited per address)
    customer_email: str | None = None  # a signed-in customer, as the store's site says, with its signature:
    customer_hash: str | None = None  # HMAC-SHA256 of the email with the store's identity secret
    request_id: str | None = None  # the client's key for this message: a retry of it is answered once


@dataclass
class Recorded:
    """The final Answer with the ids the store gave it (None when recording failed)."""

    answer: Answer
    conversation_id: Any = None
    message_id: Any = None
    ticket_id: Any = None


class AnswerLimiter:
    """At most ``max_concurrent`` answers at once and ``max_queue`` waiting; the rest are refused at once.

    Refusing early beats an unbounded line: a shopper told "busy" can retry,
    one left waiting a minute just leaves.
    """

    def __init__(self, max_concurrent: int, max_queue: int):
        self.max_concurrent = max_concurrent
        self.max_queue = max(0, max_queue)
        self._slots = asyncio.Semaphore(max_concurrent)
        self.waiting = 0
        self.running = 0

    async def acquire(self) -> None:
        # checked and counted with no await in between, so two requests cannot both take the last place
        if self._slots.locked() and self.waiting >= self.max_queue:
            raise Busy(BUSY)
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1

    def release(self) -> None:
        self.running -= 1
        self._slots.release()


class TurnRunner:
    def __init__(self, bot: Any, store: Any, limiter: AnswerLimiter):
        self.bot = bot
        self.store = store
        self.limiter = limiter

    async def start(self, request: TurnRequest) -> "AnswerStream":
        """Admit the turn, wait for a slot, start answering. Raises ``Busy`` without waiting when full."""
        await self.limiter.acquire()
        stream = AnswerStream(self, request, asyncio.get_running_loop())
        stream.start()
        return stream

    def asker(self, request: TurnRequest) -> dict:
        """``{"asker": Asker}`` for a bot with the store's orders (``{}`` otherwise): the conversation's id (one is
        started now when the shopper has none, so what the first message proves is remembered under it), the
        client's address and a signed-in customer's email when its signature holds. Runs in the worker thread."""
        if getattr(self.bot, "orders", None) is None:
            return {}
        from chatbot.orders.identity import Asker, signed_in_email

        if request.conversation_id is None or not self._known(request.conversation_id):
            try:
                request.conversation_id = self.store.start_conversation(request.channel)
            except Exception:
                log.exception("starting a conversation failed")
        email = signed_in_email(getattr(self.bot.settings, "identity_secret", ""), request.customer_email,
                                request.customer_hash)
        return {"asker": Asker(request.conversation_id, request.client, email)}

    def conversation(self, conversation_id: str | None, channel: str) -> str | None:
        """``conversation_id`` when this store issued it, else a new conversation's id. A client never names a
        conversation into being: an id it makes up (or one of another store) starts a fresh one, so nobody can
        plant an id that a shopper later proves orders under, and guessing one means guessing 128 random bits.
        Runs in a worker thread (the store is blocking); None when the store fails (the turn still answers)."""
        if conversation_id and self._known(conversation_id):
            return conversation_id
        try:
            return self.store.start_conversation(channel)
        except Exception:
            log.exception("starting a conversation failed")
            return None

    def stored_turn(self, request: TurnRequest) -> Recorded | None:
        """The answer already stored for ``request.request_id``, as it was recorded, or None (a new message)."""
        if not request.request_id or not hasattr(self.store, "turn_for_request"):
            return None
        try:
            row = self.store.turn_for_request(request.request_id)
        except Exception:  # answered afresh; recording it then finds the stored one, if there is one
            log.exception("looking up a retried message failed")
            return None
        if row is None:
            return None
        citations = [Citation(c.get("doc_id", ""), "", c.get("title", ""), 1.0, c.get("url"), c.get("excerpt", ""))
                     for c in row["citations"]]
        answer = Answer(question=row["question"] or request.message, text=row["answer"] or "", citations=citations,
                        confidence=row["confidence"] or 0.0, abstained=bool(row["abstained"]),
                        handoff=bool(row["handoff"]), retrieved=[c.doc_id for c in citations], latency_ms={},
                        product_id=row["product_id"], reason=row["reason"], origin="stored",
                        products=row["products"])
        ticket = None
        if answer.handoff:
            try:
                ticket = (self.store.ticket_for(row["conversation_id"]) or {}).get("id")
            except Exception:
                log.exception("reading the retried message's ticket failed")
        return Recorded(answer, row["conversation_id"], row["message_id"], ticket)

    def stored_history(self, conversation_id: str | None, turns: int = 20) -> list[dict]:
        """The conversation's last ``turns`` shopper and bot messages as the database has them, for a request that
        names its conversation but sends no history: the conversation goes on whichever replica answered before.
        Staff messages are left out (the bot does not follow up on them); an unknown conversation has none."""
        if not conversation_id:
            return []
        try:
            transcript = self.store.get_transcript(conversation_id)
        except InputError:
            return []
        except Exception:  # the shopper still gets an answer, as a new question
            log.exception("reading the conversation's history failed")
            return []
        history = []
        for entry in transcript:
            if entry["role"] == "user":
                history.append({"role": "user", "content": entry["text"]})
            elif entry["role"] == "assistant":
                ids = [p["id"] for p in entry.get("products") or [] if isinstance(p, dict) and p.get("id")]
                # the product the turn was about: "what do reviewers say about it?" after "the best rated of those
                # is ..." is about that one, not the list before it
                about = {"product_id": entry["product_id"]} if entry.get("product_id") else {}
                history.append({"role": "assistant", "content": entry["text"], **({"products": ids} if ids else {}),
                                **about})
        return history[-turns:]

    def _known(self, conversation_id: str) -> bool:
        knows = getattr(self.store, "knows_conversation", None)
        if knows is not None:
            return knows(conversation_id)
        try:  # a store without the one-read check
            self.store.latest_ticket(conversation_id)
            return True
        except InputError:
            return False

    def record(self, request: TurnRequest, answer: Answer) -> Recorded:
        """Store the turn and open a ticket on a hand-off. Runs in the worker thread (the store is blocking)."""
        try:
            try:
                conversation_id, message_id = self.store.record_turn(
                    request.conversation_id, request.message, answer, channel=request.channel,
                    product_id=request.product_id, request_id=request.request_id)
            except InputError:  # a conversation the store does not know (a stale tab after a reset): start anew
                if request.conversation_id is None:
                    raise
                conversation_id, message_id = self.store.record_turn(
                    None, request.message, answer, channel=request.channel, product_id=request.product_id)
        except Exception:  # the shopper still gets the answer; the operator gets the traceback
            log.exception("recording the turn failed")
            return Recorded(answer, request.conversation_id)
        ticket_id = None
        if answer.handoff:
            try:
                ticket_id = self.store.open_ticket(conversation_id, answer.reason or "handoff")
            except Exception:
                log.exception("opening a hand-off ticket failed")
        return Recorded(answer, conversation_id, message_id, ticket_id)


_END = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


class AnswerStream:
    """Async iterator over one turn: ``str`` pieces, then one ``Recorded``. Re-raises the bot's exception."""

    def __init__(self, runner: TurnRunner, request: TurnRequest, loop: asyncio.AbstractEventLoop):
        self._runner = runner
        self._request = request
        self._loop = loop
        self._queue: asyncio.Queue = asyncio.Queue()
        self._cancelled = threading.Event()
        self._finished = False
        self._peeked: list = []

    def start(self) -> None:
        # a daemon thread per turn (the limiter bounds how many): a stuck model cannot block shutdown
        threading.Thread(target=self._work, name="chat-turn", daemon=True).start()

    def cancel(self) -> None:
        """The client went away: stop after the current piece so the slot goes to someone still waiting."""
        self._cancelled.set()

    def _put(self, item: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is closed (server shutting down); nobody is listening
            pass

    def _work(self) -> None:
        request = self._request
        pieces = None
        try:
            stored = self._runner.stored_turn(request)
            if stored is not None:  # a retry of a message already answered (maybe by a replica that died since)
                self._put(stored.answer.text)
                self._put(stored)
                return
            taken = person_has_the_chat(self._runner.store, request.conversation_id, request.message)
            pieces = iter([taken]) if taken else self._runner.bot.stream(
                request.message, product_id=request.product_id,
                history=request.history or self._runner.stored_history(request.conversation_id),
                **self._runner.asker(request))
            for item in pieces:
                if isinstance(item, Answer):
                    self._put(self._runner.record(request, item))
                else:
                    self._put(item)
                if self._cancelled.is_set():
                    break
        except BaseException as exc:  # handed to the request that asked; other requests never see it
            self._put(_Failure(exc))
        finally:
            if pieces is not None and hasattr(pieces, "close"):
                try:
                    pieces.close()
                except Exception:
                    log.exception("closing the answer stream failed")
            self._put(_END)
            try:
                self._loop.call_soon_threadsafe(self._runner.limiter.release)
            except RuntimeError:
                pass

    async def ready(self) -> None:
        """Wait for the first piece, raising what the bot raised before it (refused input, a crash).

        Callers use this to answer such failures with a plain HTTP status
        before committing to a 200 stream. The piece is kept for iteration.
        """
        try:
            self._peeked.append(await self.__anext__())
        except StopAsyncIteration:
            pass

    def __aiter__(self) -> "AnswerStream":
        return self

    async def __anext__(self) -> str | Recorded:
        if self._peeked:
            return self._peeked.pop()
        if self._finished:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END:
            self._finished = True
            raise StopAsyncIteration
        if isinstance(item, _Failure):
            self._finished = True
            if not isinstance(item.exc, Exception):  # a SystemExit in one turn must not stop the server
                raise RuntimeError(f"answering stopped: {item.exc!r}") from item.exc
            raise item.exc
        return item

    async def collect(self) -> Recorded:
        """Wait for the whole turn (for callers that do not stream)."""
        recorded = None
        async for item in self:
            if isinstance(item, Recorded):
                recorded = item
        if recorded is None:
            raise RuntimeError("the chatbot finished without an answer")
        return recorded
