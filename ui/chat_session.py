"""One shopper's chat in the Gradio page: its messages, the questions waiting for an answer, its ticket.

Gradio runs each event on its own, so a question typed while an answer
streams would otherwise race the answer for the chat's contents. A
``ChatSession`` (one per browser tab, kept by ``ChatSessions``) is the one
copy of the conversation that every event reads and writes: questions queue
in ``pending`` and are answered in order, and replies from the store's team
are appended when the page polls for them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from chatbot.data.tickets import WITH_PERSON


@dataclass
class ChatSession:
    conversation_id: str | None = None
    messages: list[dict] = field(default_factory=list)  # the Gradio chat's messages, as shown
    message_ids: dict[int, str] = field(default_factory=dict)  # index in ``messages`` → stored message id (rating)
    answer_at: dict[int, int] = field(default_factory=dict)  # index of a question → index of its answer
    turns: list[dict] = field(default_factory=list)  # what the bot sees as history for follow-ups
    pending: deque = field(default_factory=deque)  # (index of the user message, text, product id) to answer
    answering: bool = False
    staff_seq: int = 0  # the last staff message shown
    ticket_open: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> list[dict]:
        with self.lock:
            return [dict(m) for m in self.messages]

    def add_question(self, text: str, product_id: str) -> None:
        with self.lock:
            self.messages.append({"role": "user", "content": text})
            self.pending.append((len(self.messages) - 1, text, product_id))

    def next_question(self) -> tuple[int, str, str] | None:
        """The oldest unanswered question, or None (and the session is no longer answering)."""
        with self.lock:
            if not self.pending:
                self.answering = False
                return None
            return self.pending.popleft()

    def start_answering(self) -> bool:
        """True if this event should answer the queue; False when another event already is."""
        with self.lock:
            if self.answering or not self.pending:
                return False
            self.answering = True
            return True

    def put_answer(self, after: int, content: str) -> int:
        """Show (or update) the answer to the user message at ``after``; returns its index."""
        with self.lock:
            if after in self.answer_at:
                index = self.answer_at[after]
                self.messages[index]["content"] = content
                return index
            index = after + 1  # right under its question, above questions asked since
            self.messages.insert(index, {"role": "assistant", "content": content})
            self._shift(index)
            self.answer_at[after] = index
            return index

    def add_staff(self, content: str) -> None:
        with self.lock:
            self.messages.append({"role": "assistant", "content": content})

    def record(self, question: str, answer_text: str, product_id: str | None, index: int, conversation_id: str,
               message_id: str | None, reason: str | None, products: list[str] | None = None) -> None:
        with self.lock:
            self.conversation_id = conversation_id
            if message_id is not None and reason != WITH_PERSON:
                self.message_ids[index] = message_id
            self.turns += [{"role": "user", "content": question},
                           {"role": "assistant", "content": answer_text, "product_id": product_id,
                            "products": list(products or [])}]

    def _shift(self, inserted: int) -> None:
        """Indices at or after an inserted message move down one (rated answers, queued questions)."""
        self.message_ids = {(i + 1 if i >= inserted else i): m for i, m in self.message_ids.items()}
        self.pending = deque((i + 1 if i >= inserted else i, t, p) for i, t, p in self.pending)
        moved = (lambda i: i + 1 if i >= inserted else i)
        self.answer_at = {moved(q): moved(a) for q, a in self.answer_at.items()}


class ChatSessions:
    """The open tabs' sessions, by Gradio session hash; the oldest are dropped past ``limit``."""

    def __init__(self, limit: int = 2000):
        self._sessions: OrderedDict[str, ChatSession] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: str) -> ChatSession:
        with self._lock:
            session = self._sessions.pop(key, None) or ChatSession()
            self._sessions[key] = session
            while len(self._sessions) > self._limit:
                self._sessions.popitem(last=False)
            return session

    def reset(self, key: str) -> ChatSession:
        with self._lock:
            self._sessions[key] = ChatSession()
            return self._sessions[key]

    def drop(self, key: str) -> None:
        with self._lock:
            self._sessions.pop(key, None)
