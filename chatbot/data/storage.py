"""Persistence for conversations, feedback, hand-off tickets, agent replies and the admin audit log.

Works on SQLite (the default ``sqlite:///data/chatbot.sqlite3``), PostgreSQL (tested as SQLite is) or any
server database SQLAlchemy has a driver for; opening a store brings the database's tables up to date
(``chatbot.data.migrations``), keeping what it holds. Everything written is masked with ``mask_pii``
first, so no email, phone or card number reaches the database. It also computes the owner's dashboard
figures (``stats``). It does not answer questions, send anything to customers or decide when to hand
off; callers do that.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

import sqlalchemy as sa

from chatbot.common.errors import InputError
from chatbot.common.privacy import mask_pii, public_contacts
from chatbot.common.types import Answer
from chatbot.data.migrations import open_current
from chatbot.data.schema import agent_replies as _replies
from chatbot.data.schema import audit_log as _audit
from chatbot.data.schema import conversations as _conversations
from chatbot.data.schema import feedback as _feedback
from chatbot.data.schema import iso as _iso
from chatbot.data.schema import messages as _messages
from chatbot.data.schema import naive_utc as _naive_utc
from chatbot.data.schema import require_row as _require
from chatbot.data.schema import tickets as _tickets
from chatbot.data.schema import usable_key as _usable
from chatbot.data.schema import utc_now as _utc_now
from chatbot.data.tickets import TicketDesk
from chatbot.data.tickets import transcript as _transcript

if TYPE_CHECKING:  # the topic finder brings the sentence embedder; the store itself never loads a model
    from chatbot.data.topics import TopicFinder

class ConversationStore(TicketDesk):
    """Thread-safe store; ``clock`` (returns a naive-UTC or an aware ``datetime``) is for tests that need fixed
    times."""

    def __init__(self, url: str, clock: Callable[[], datetime] | None = None, public_contact: str = ""):
        """``public_contact``: the store's own support line, whose email and phone stay readable.

        The database is brought up to date first (its tables made or migrated, its rows kept); a URL that
        cannot be used or a server that cannot be reached is a ``ConfigError`` naming it (without its password)."""
        self._now = (lambda: _naive_utc(clock())) if clock else _utc_now
        self._keep = public_contacts(public_contact)
        self._engine, self._lock = open_current(url)

    def close(self) -> None:
        self._engine.dispose()

    def _mask(self, text: str) -> str:
        # NUL is no character a person types, and PostgreSQL refuses any string that holds one
        return mask_pii(text, self._keep).replace("\x00", "")

    # ---- conversations
    def start_conversation(self, channel: str = "chat") -> str:
        """A new, empty conversation's id: for a face that needs the id before the first answer (the order
        responder remembers what a conversation proved under it)."""
        conversation_id = uuid.uuid4().hex
        with self._lock, self._engine.begin() as db:
            db.execute(_conversations.insert().values(id=conversation_id, channel=channel, created_at=self._now()))
        return conversation_id

    def record_turn(self, conversation_id: str | None, question: str, answer: Answer, channel: str = "chat",
                    product_id: str | None = None, request_id: str | None = None) -> tuple[str, str]:
        """Store one question and its answer; returns (conversation id, message id). With ``request_id`` (the
        client's key for this message), a turn already stored under it is kept and its ids returned: a retry,
        on this replica or another, is never stored twice."""
        if request_id is not None:
            stored = self.turn_for_request(request_id)
            if stored is not None:
                return stored["conversation_id"], stored["message_id"]
        try:
            return self._record_turn(conversation_id, question, answer, channel, product_id, request_id)
        except sa.exc.IntegrityError:
            stored = self.turn_for_request(request_id) if request_id is not None else None
            if stored is None:
                raise
            return stored["conversation_id"], stored["message_id"]  # the same retry, stored at the same moment

    def turn_for_request(self, request_id: str | None) -> dict | None:
        """The turn stored under the client's ``request_id``: its ids and the answer as the shopper saw it."""
        if not _usable(request_id, _messages.c.request_id):
            return None
        with self._engine.connect() as db:
            row = db.execute(sa.select(_messages).where(_messages.c.request_id == request_id)).first()
        if row is None:
            return None
        return {"conversation_id": row.conversation_id, "message_id": row.id, "question": row.question,
                "answer": row.answer, "abstained": row.abstained, "handoff": row.handoff, "reason": row.reason,
                "confidence": row.confidence, "citations": row.citations or [], "products": row.products or [],
                "product_id": row.product_id}

    def _record_turn(self, conversation_id, question, answer, channel, product_id, request_id) -> tuple[str, str]:
        now, message_id = self._now(), uuid.uuid4().hex
        with self._lock, self._engine.begin() as db:
            if conversation_id is None:
                conversation_id = uuid.uuid4().hex
                db.execute(_conversations.insert().values(id=conversation_id, channel=channel, created_at=now))
            else:
                _require(db, _conversations, conversation_id, "conversation")
            db.execute(_messages.insert().values(
                id=message_id, conversation_id=conversation_id, question=self._mask(question),
                answer=self._mask(answer.text), abstained=answer.abstained, handoff=answer.handoff,
                reason=answer.reason, confidence=float(answer.confidence),
                product_id=_without_nul(product_id or answer.product_id),
                citations=[{"doc_id": c.doc_id, "title": self._mask(c.title), "url": c.url,
                            "excerpt": self._mask(c.excerpt)} for c in answer.citations],
                products=answer.products or None, request_id=request_id, created_at=now))
        return conversation_id, message_id

    def knows_conversation(self, conversation_id: str) -> bool:
        """Whether this store started the conversation (one read by its key)."""
        try:
            with self._engine.connect() as db:
                _require(db, _conversations, conversation_id, "conversation")
            return True
        except InputError:
            return False

    def get_transcript(self, conversation_id: str) -> list[dict]:
        with self._engine.connect() as db:
            _require(db, _conversations, conversation_id, "conversation")
            return _transcript(db, conversation_id)

    # ---- feedback (a log: a shopper who changes their mind adds a second row)
    def add_feedback(self, message_id: str, rating: int, comment: str = "") -> None:
        if isinstance(rating, bool) or rating not in (1, -1):
            raise InputError(f"rating {rating!r} is not valid; use +1 (thumbs up) or -1 (thumbs down)")
        with self._lock, self._engine.begin() as db:
            _require(db, _messages, message_id, "message")
            db.execute(_feedback.insert().values(message_id=message_id, rating=rating,
                                                 comment=self._mask(comment or ""), created_at=self._now()))

    def feedback_for(self, message_id: str) -> list[dict]:
        if not _usable(message_id, _feedback.c.message_id):
            return []
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_feedback).where(_feedback.c.message_id == message_id)
                              .order_by(_feedback.c.seq)).all()
        return [{"rating": r.rating, "comment": r.comment, "created_at": _iso(r.created_at)} for r in rows]

    # ---- agent replies: the bot's draft next to what the agent sent, kept as evaluation data
    def record_agent_reply(self, ticket_id: str | None, customer_message: str, draft_text: str | None,
                           final_text: str, sent: bool) -> str:
        reply_id = uuid.uuid4().hex
        with self._lock, self._engine.begin() as db:
            if ticket_id is not None:
                _require(db, _tickets, ticket_id, "ticket")
            db.execute(_replies.insert().values(
                id=reply_id, ticket_id=ticket_id, customer_message=self._mask(customer_message),
                draft_text=None if draft_text is None else self._mask(draft_text), final_text=self._mask(final_text),
                sent=bool(sent), created_at=self._now()))
        return reply_id

    def record_admin_action(self, actor: str, action: str, detail: str = "") -> None:
        """One line in the audit log: who did what in the admin, and when."""
        with self._lock, self._engine.begin() as db:
            db.execute(_audit.insert().values(actor=actor, action=action, detail=self._mask(detail)[:2000],
                                              created_at=self._now()))

    def audit_log(self, limit: int = 50) -> list[dict]:
        """The latest admin actions, newest first."""
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_audit).order_by(_audit.c.seq.desc()).limit(limit))
            return [{"at": _iso(r.created_at), "actor": r.actor, "action": r.action, "detail": r.detail or ""}
                    for r in rows]

    def export_agent_replies(self) -> list[dict]:
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_replies).order_by(_replies.c.seq)).all()
        return [{"id": r.id, "ticket_id": r.ticket_id, "customer_message": r.customer_message,
                 "draft_text": r.draft_text, "final_text": r.final_text, "sent": r.sent,
                 "edited": r.draft_text != r.final_text, "created_at": _iso(r.created_at)} for r in rows]

    # ---- the owner's dashboard
    def stats(self, days: int = 30, topics: TopicFinder | None = None) -> dict:
        """Figures for the last ``days`` calendar days (UTC), today included; every day is listed, zeros too.

        ``topics`` groups and names the questions for the two topic tables, which stay empty without it."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InputError(f"days={days!r} must be a whole number of at least 1")
        dates = [self._now().date() - timedelta(days=i) for i in range(days - 1, -1, -1)]
        start = datetime.combine(dates[0], datetime.min.time())
        with self._engine.connect() as db:
            turns = db.execute(sa.select(_messages).where(_messages.c.created_at >= start)
                               .order_by(_messages.c.seq)).all()
            rated = db.execute(sa.select(_feedback.c.message_id, _feedback.c.rating)
                               .where(_feedback.c.created_at >= start)).all()
        ratings = [r.rating for r in rated]
        downs = {r.message_id for r in rated if r.rating < 0}
        per_day = Counter(t.created_at.date() for t in turns)
        unanswered = [t.question for t in turns if t.abstained and not t.handoff]
        handed = sum(1 for t in turns if t.handoff)
        share = (lambda n: round(n / len(turns), 4)) if turns else (lambda n: 0.0)
        up, down = ratings.count(1), ratings.count(-1)
        return {"questions_per_day": [{"date": d.isoformat(), "questions": per_day[d]} for d in dates],
                "rates": {"answered": share(len(turns) - handed - len(unanswered)), "abstained": share(len(unanswered)),
                          "handed_off": share(handed)},
                "thumbs": {"up": up, "down": down, "ratio": round(up / (up + down), 4) if up + down else None},
                "top_unanswered": _topics(unanswered, topics) if topics else [],
                "topics": _topic_outcomes(turns, downs, topics) if topics else [],
                # messages in a language the bot does not answer in, by language code
                "languages": dict(Counter(t.reason.split(":", 1)[1] for t in turns
                                          if (t.reason or "").startswith("not_english:")).most_common())}


def _topic_outcomes(turns: list, thumbs_down: set[str], finder: TopicFinder, limit: int = 12) -> list[dict]:
    """Per topic: how its questions ended, and how often an answer got a thumbs down.

    An answer a shopper marked wrong still counts as answered; the thumbs-down rate beside it is what
    shows it was not right."""
    rows = []
    for topic in finder.group([t.question for t in turns]):
        group = [turns[i] for i in topic.members]
        handed = sum(1 for t in group if t.handoff)
        abstained = sum(1 for t in group if t.abstained and not t.handoff)
        answered = len(group) - handed - abstained
        down = sum(1 for t in group if t.id in thumbs_down and not t.abstained)
        rows.append({"topic": topic.name, "questions": len(group), "answered": round(answered / len(group), 4),
                     "abstained": round(abstained / len(group), 4), "handed_off": round(handed / len(group), 4),
                     "thumbs_down": round(down / answered, 4) if answered else 0.0})
    return sorted(rows, key=lambda r: (-r["questions"], r["topic"]))[:limit]


def _topics(questions: list[str], finder: TopicFinder, limit: int = 10) -> list[dict]:
    """The commonest topics of ``questions``, with a count and the newest examples of each."""
    topics = [{"topic": topic.name, "count": len(topic.members),
               "examples": list(dict.fromkeys(questions[i] for i in reversed(topic.members)))[:3]}  # newest first
              for topic in finder.group(questions)]
    return sorted(topics, key=lambda t: (-t["count"], t["topic"]))[:limit]


def _without_nul(text: str | None) -> str | None:
    return text.replace("\x00", "") if text else text
