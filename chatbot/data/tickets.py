"""Hand-off tickets and the people who answer them: open, join, reply, close, and what the shopper sees.

``TicketDesk`` is mixed into ``ConversationStore`` (it uses its engine, lock,
clock and masking). A ticket belongs to one conversation. An agent who joins
it, replies in it or closes it leaves a *staff message* in that conversation
("Ana from our team has joined the chat.", the reply, "Ana closed the
chat."); the shopper's chat and widget fetch those with
``conversation_updates`` and show them as from a person. Sending is
idempotent: a second Send of the same text, before the shopper has written
again, stores nothing.
"""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa

from chatbot.common.errors import InputError
from chatbot.data.schema import conversations, iso, messages, require_row, staff_messages, tickets, usable_key

# the bot's note to a shopper whose conversation a person has taken over: a status line, not an answer
WITH_PERSON = "with_person"
LEFT = "left"  # the kind of the note staff see when the shopper has left a ticket's conversation


def ticket_ref(ticket_id: str) -> str:
    """The short reference shoppers and agents read and say on the phone: "#3F9A21C0"."""
    return "#" + ticket_id[:8].upper()


def display_name(account_name: str) -> str:
    """How a shopper sees an agent: "ana" → "Ana", "ana.lopez" → "Ana"."""
    first = account_name.replace("_", ".").split(".")[0].strip() or account_name
    return first[:1].upper() + first[1:]


class TicketDesk:
    """Ticket and staff-message methods of ``ConversationStore``."""

    def open_ticket(self, conversation_id: str, reason: str) -> str:
        """The conversation's open ticket, opening one if there is none (one open ticket per conversation)."""
        find = sa.select(tickets.c.id).where(tickets.c.open_for == conversation_id)
        with self._lock:
            with self._engine.begin() as db:
                require_row(db, conversations, conversation_id, "conversation")
                if (existing := db.execute(find).scalar()) is not None:
                    return existing
            try:
                with self._engine.begin() as db:
                    ticket_id = uuid.uuid4().hex
                    db.execute(tickets.insert().values(id=ticket_id, conversation_id=conversation_id, status="open",
                                                       reason=self._mask(reason), open_for=conversation_id,
                                                       created_at=self._now()))
                    return ticket_id
            except sa.exc.IntegrityError:  # another process opened one in between: that one is the ticket
                with self._engine.connect() as db:
                    return db.execute(find).scalar_one()

    def join_ticket(self, ticket_id: str, agent: str) -> bool:
        """``agent`` takes the ticket; the shopper is told a person has joined. False if they already had it."""
        with self._lock, self._engine.begin() as db:
            ticket = _open_ticket_row(db, ticket_id)
            if _assignee(db, ticket_id) == agent:
                return False
            self._join(db, ticket, agent)
            return True

    def send_staff_reply(self, ticket_id: str, agent: str, text: str) -> tuple[str, bool]:
        """Deliver an agent's reply to the ticket's conversation; returns (staff message id, newly sent).

        The same text sent again before the shopper writes anything new is the same reply (a double click, a
        retried request): nothing more is stored and ``newly sent`` is False. Joins the agent first if needed."""
        text = (text or "").strip()
        if not text:
            raise InputError("the reply is empty; write the message to send the customer")
        find = sa.select(staff_messages.c.id)
        try:
            with self._lock, self._engine.begin() as db:
                ticket = _open_ticket_row(db, ticket_id)
                shopper_turns = db.execute(sa.select(sa.func.count()).select_from(messages)
                                           .where(messages.c.conversation_id == ticket.conversation_id)).scalar_one()
                key = hashlib.sha256(f"{ticket_id}\0{shopper_turns}\0{' '.join(text.split())}".encode()).hexdigest()
                if (sent := db.execute(find.where(staff_messages.c.dedupe == key)).scalar()):
                    return sent, False
                if _assignee(db, ticket_id) != agent:
                    self._join(db, ticket, agent)
                return self._say(db, ticket, agent, "reply", text, dedupe=key), True
        except sa.exc.IntegrityError:  # another process stored the same send in between: that one is the reply
            with self._engine.connect() as db:
                return db.execute(find.where(staff_messages.c.dedupe == key)).scalar_one(), False

    def close_ticket(self, ticket_id: str, agent: str | None = None) -> None:
        """Close the ticket; with ``agent``, the shopper is told who closed it and that they can ask again."""
        with self._lock, self._engine.begin() as db:
            require_row(db, tickets, ticket_id, "ticket")
            ticket = db.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).one()
            if agent and ticket.status == "open":
                self._say(db, ticket, agent, "closed", f"{display_name(agent)} has closed this chat. "
                                                       "If you need anything else, just ask here.")
            db.execute(tickets.update().where(tickets.c.id == ticket_id).values(status="closed", open_for=None))

    def ticket_for(self, conversation_id: str | None) -> dict | None:
        """The conversation's open ticket as ``{"id", "assigned_to"}``, or None."""
        if not conversation_id or not usable_key(conversation_id, tickets.c.open_for):
            return None
        with self._engine.connect() as db:
            row = db.execute(sa.select(tickets.c.id).where(tickets.c.open_for == conversation_id)).first()
            return {"id": row.id, "assigned_to": _assignee(db, row.id)} if row else None

    def list_tickets(self, status: str = "open") -> list[dict]:
        """Tickets newest first, each with its transcript (staff messages included) and who has it."""
        if status not in ("open", "closed", "all"):
            raise InputError(f"ticket status {status!r} is not valid; use 'open', 'closed' or 'all'")
        query = sa.select(tickets).order_by(tickets.c.created_at.desc(), tickets.c.seq.desc())
        with self._engine.connect() as db:
            rows = db.execute(query if status == "all" else query.where(tickets.c.status == status)).all()
            return [_ticket_entry(db, row) for row in rows]

    def ticket(self, ticket_id: str) -> dict:
        """One ticket, open or closed, as ``list_tickets`` gives it."""
        with self._engine.connect() as db:
            require_row(db, tickets, ticket_id, "ticket")
            return _ticket_entry(db, db.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).one())

    def shopper_left(self, conversation_id: str) -> str | None:
        """The shopper cleared the chat or started a new one, so a reply here would never reach them: their open
        ticket is closed, with a note that tells staff why. Returns that ticket's id, or None when none was open."""
        with self._lock, self._engine.begin() as db:
            require_row(db, conversations, conversation_id, "conversation")
            ticket = db.execute(sa.select(tickets).where(tickets.c.open_for == conversation_id)).first()
            if ticket is None:
                return None
            self._say(db, ticket, "customer", LEFT, "The customer cleared the chat and started a new one, so "
                                                     "replies here would no longer reach them.")
            db.execute(tickets.update().where(tickets.c.id == ticket.id).values(status="closed", open_for=None))
            return ticket.id

    def conversation_updates(self, conversation_id: str, after: int = 0) -> dict:
        """What staff said in the conversation after staff message number ``after``, and its latest ticket.

        ``{"messages": [{"seq", "kind", "author", "text", "created_at"}], "ticket": {"id", "status",
        "assigned_to"} | None}``; a client passes the last ``seq`` it showed as ``after`` next time."""
        with self._engine.connect() as db:
            require_row(db, conversations, conversation_id, "conversation")
            said = db.execute(sa.select(staff_messages).where(staff_messages.c.conversation_id == conversation_id,
                                                              staff_messages.c.seq > after)
                              .order_by(staff_messages.c.seq)).all()
            latest = _latest_ticket(db, conversation_id)
        return {"messages": [_staff_entry(m) for m in said], "ticket": latest}

    def latest_ticket(self, conversation_id: str) -> dict | None:
        """The conversation's newest ticket, open or closed, as ``{"id", "status", "assigned_to"}``, or None."""
        with self._engine.connect() as db:
            require_row(db, conversations, conversation_id, "conversation")
            return _latest_ticket(db, conversation_id)

    def _join(self, db: sa.Connection, ticket, agent: str) -> None:
        self._say(db, ticket, agent, "joined", f"{display_name(agent)} from our team has joined the chat.")

    def _say(self, db: sa.Connection, ticket, agent: str, kind: str, text: str, dedupe: str | None = None) -> str:
        message_id = uuid.uuid4().hex
        db.execute(staff_messages.insert().values(
            id=message_id, conversation_id=ticket.conversation_id, ticket_id=ticket.id, author=agent, kind=kind,
            text=self._mask(text), dedupe=dedupe, created_at=self._now()))
        return message_id


def _open_ticket_row(db: sa.Connection, ticket_id: str):
    require_row(db, tickets, ticket_id, "ticket")
    ticket = db.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).one()
    if ticket.status != "open":
        raise InputError(f"ticket {ticket_id!r} is closed; the customer can open a new one by asking for a person")
    return ticket


def _ticket_entry(db: sa.Connection, row) -> dict:
    """A ticket for the agent window: its conversation, who has it, where the shopper wrote from (``channel``:
    chat, widget or api) and the product page they were last on."""
    said = transcript(db, row.conversation_id)
    channel = db.execute(sa.select(conversations.c.channel).where(conversations.c.id == row.conversation_id)).scalar()
    product = db.execute(sa.select(messages.c.product_id).where(messages.c.conversation_id == row.conversation_id,
                                                                messages.c.product_id.is_not(None))
                         .order_by(messages.c.seq.desc()).limit(1)).scalar()
    return {"id": row.id, "ref": ticket_ref(row.id), "conversation_id": row.conversation_id, "reason": row.reason,
            "status": row.status, "created_at": iso(row.created_at), "transcript": said,
            "assigned_to": _assignee(db, row.id), "channel": channel or "chat", "product_id": product,
            "last_question": next((x["text"] for x in reversed(said) if x["role"] == "user"), "")}


def _latest_ticket(db: sa.Connection, conversation_id: str) -> dict | None:
    ticket = db.execute(sa.select(tickets).where(tickets.c.conversation_id == conversation_id)
                        .order_by(tickets.c.seq.desc()).limit(1)).first()
    return None if ticket is None else {"id": ticket.id, "status": ticket.status,
                                        "assigned_to": _assignee(db, ticket.id)}


def _assignee(db: sa.Connection, ticket_id: str) -> str | None:
    """The agent who last joined the ticket (taking it over from anyone before), or None."""
    return db.execute(sa.select(staff_messages.c.author).where(staff_messages.c.ticket_id == ticket_id,
                                                               staff_messages.c.kind == "joined")
                      .order_by(staff_messages.c.seq.desc()).limit(1)).scalar()


def _staff_entry(row) -> dict:
    return {"seq": row.seq, "kind": row.kind, "author": display_name(row.author), "text": row.text,
            "created_at": iso(row.created_at)}


def transcript(db: sa.Connection, conversation_id: str) -> list[dict]:
    """The conversation in order: the shopper's messages (``user``), the bot's answers (``assistant``, with the
    ``citations`` and product cards (``products``) they were shown with, and the ``product_id`` the turn was about
    when there was one) and what staff said (``agent``, with ``author`` and ``kind``). The bot's "a person will
    reply" notes are left out."""
    turns = db.execute(sa.select(messages).where(messages.c.conversation_id == conversation_id)
                       .order_by(messages.c.seq)).all()
    said = db.execute(sa.select(staff_messages).where(staff_messages.c.conversation_id == conversation_id)
                      .order_by(staff_messages.c.seq)).all()
    entries = [(r.created_at, 0, r.seq, {"role": "user", "text": r.question, "created_at": iso(r.created_at)})
               for r in turns]
    entries += [(r.created_at, 0, r.seq, {"role": "assistant", "text": r.answer, "created_at": iso(r.created_at),
                                          "citations": r.citations or [], "products": r.products or [],
                                          **({"product_id": r.product_id} if r.product_id else {})})
                for r in turns if r.reason != WITH_PERSON]
    entries += [(m.created_at, 1, m.seq, {"role": "agent", **_staff_entry(m)}) for m in said]
    return [entry for *_, entry in sorted(entries, key=lambda e: e[:3])]
