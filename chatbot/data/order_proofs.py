"""What order conversations have proved, and how often they failed, in the database.

A shopper proves an order is theirs by giving its number with the email or postcode on it (``OrderStore.find``
decides whether they match). ``OrderProofs`` remembers the result per conversation id, so the next request (on
this replica or another) knows it: ``prove`` / ``proved``; every check is a row of ``order_attempts``, so the
failures of a conversation, and of one client address within a window, can be counted for the lock-out
(``failures``). ``state`` / ``set_state`` keep where the conversation stands (the order in focus, the question
the bot asked last). It decides nothing itself: ``chatbot.orders.identity`` does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa

from chatbot.data.migrations import open_current
from chatbot.data.schema import order_attempts, order_chats, order_proofs, utc_now


class OrderProofs:
    """Thread-safe; ``clock`` (naive UTC) is for tests and the eval, which need fixed times."""

    def __init__(self, url: str, clock: Callable[[], datetime] | None = None):
        self._now = clock or utc_now
        self._engine, self._lock = open_current(url)

    def close(self) -> None:
        self._engine.dispose()

    def prove(self, conversation_id: str, order_id: str) -> None:
        """Remember that the conversation proved the order; an order proved before writes nothing (each turn that
        shows an order proves it again)."""
        mine = sa.select(order_proofs.c.seq).where(order_proofs.c.conversation_id == conversation_id,
                                                   order_proofs.c.order_id == order_id)
        with self._engine.connect() as db:
            if db.execute(mine).first() is not None:
                return
        with self._lock, self._engine.begin() as db:
            try:
                with db.begin_nested():
                    db.execute(order_proofs.insert().values(conversation_id=conversation_id, order_id=order_id,
                                                            created_at=self._now()))
            except sa.exc.IntegrityError:  # proved at the same moment by another request: proved all the same
                pass

    def proved(self, conversation_id: str) -> list[str]:
        """The orders (database ids) this conversation proved, oldest first."""
        with self._engine.connect() as db:
            return list(db.execute(sa.select(order_proofs.c.order_id)
                                   .where(order_proofs.c.conversation_id == conversation_id)
                                   .order_by(order_proofs.c.seq)).scalars())

    def attempt(self, conversation_id: str | None, client: str | None, ok: bool) -> None:
        with self._lock, self._engine.begin() as db:
            db.execute(order_attempts.insert().values(conversation_id=conversation_id, client=client, ok=ok,
                                                      created_at=self._now()))

    def failures(self, conversation_id: str | None, client: str | None, window: timedelta) -> tuple[int, int]:
        """``(failed checks in the conversation, failed checks from the client address within window)``."""
        failed = sa.select(sa.func.count()).select_from(order_attempts).where(order_attempts.c.ok.is_(False))
        with self._engine.connect() as db:
            in_chat = db.execute(failed.where(order_attempts.c.conversation_id == conversation_id)).scalar_one() \
                if conversation_id else 0
            from_client = db.execute(failed.where(order_attempts.c.client == client,
                                                  order_attempts.c.created_at >= self._now() - window)).scalar_one() \
                if client else 0
        return in_chat, from_client

    def state(self, conversation_id: str) -> tuple[str | None, dict[str, Any] | None]:
        """``(the order in focus, what the bot asked last)``."""
        with self._engine.connect() as db:
            row = db.execute(sa.select(order_chats.c.focus, order_chats.c.pending)
                             .where(order_chats.c.conversation_id == conversation_id)).first()
        return (row.focus, row.pending) if row else (None, None)

    def set_state(self, conversation_id: str, focus: str | None, pending: dict[str, Any] | None) -> None:
        """Keep ``(focus, pending)`` for the conversation; a turn that changes neither writes nothing."""
        if self.state(conversation_id) == (focus, pending):  # a missing row reads as (None, None) too
            return
        values = {"focus": focus, "pending": pending, "updated_at": self._now()}
        with self._lock, self._engine.begin() as db:
            done = db.execute(order_chats.update().where(order_chats.c.conversation_id == conversation_id)
                              .values(**values)).rowcount
            if not done:
                try:
                    with db.begin_nested():
                        db.execute(order_chats.insert().values(conversation_id=conversation_id,
                                                               created_at=self._now(), **values))
                except sa.exc.IntegrityError:
                    db.execute(order_chats.update().where(order_chats.c.conversation_id == conversation_id)
                               .values(**values))
