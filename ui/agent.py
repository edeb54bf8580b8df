"""The support-agent assist window: a live hand-off queue, the conversation, drafts, and the reply to the shopper.

The queue refreshes itself every few seconds and shows how long each
shopper has waited and who has the ticket. The agent picks a ticket (or
pastes any customer message), joins the chat (the shopper sees "Ana from
our team has joined"), gets N drafts from ``Chatbot.drafts`` with confidence
and sources, edits one or writes their own, and sends it: the reply appears
in the shopper's chat or widget, marked as from a person. Sending is
idempotent (a double click stores one reply). Sent replies are also kept
beside their drafts as evaluation data. The product/review/recommendation
tools live in ``ui.tools_panel``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import gradio as gr

from chatbot.common.errors import ChatbotError, InputError
from chatbot.data.tickets import LEFT, display_name
from chatbot.orders.identity import Asker

from .formatting import customer_reply, draft_caption
from .tools_panel import build_tools_panel

log = logging.getLogger(__name__)

MAX_DRAFTS = 3
REFRESH_SECONDS = 3.0


def waited(created_at: str, now: datetime | None = None) -> str:
    """How long a shopper has waited, as an agent reads it at a glance: "just now", "4 min", "2 h 5 min"."""
    now = now or datetime.now(timezone.utc)
    minutes = int((now - datetime.fromisoformat(created_at)).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _queue(open_tickets: list[dict]) -> tuple[list[tuple[str, str]], str]:
    """The open tickets, oldest waiting first, as dropdown choices; and a one-line summary."""
    tickets = sorted(open_tickets, key=lambda t: t["created_at"])
    choices = [(f"{t['ref']} · waiting {waited(t['created_at'])} · "
                f"{display_name(t['assigned_to']) if t['assigned_to'] else 'unassigned'} · {t['last_question'][:60]}",
                t["id"]) for t in tickets]
    if not tickets:
        return choices, "No open tickets. New ones appear here by themselves."
    unassigned = sum(1 for t in tickets if not t["assigned_to"])
    return choices, (f"**{len(tickets)} open** ({unassigned} unassigned) · longest wait "
                     f"{waited(tickets[0]['created_at'])}")


# why a ticket was opened, as an agent reads it (the codes are the hand-off reasons of chatbot.converse.intents)
REASONS = {"asked_for_person": "asked for a person", "shopper_requested": "asked for a person", "upset": "upset",
           "handoff": "handed off by the bot", "own_order_or_account": "about their own order or account",
           "own_account": "about their own account"}
CHANNELS = {"chat": "store chat", "widget": "widget on the store's site", "api": "the store's app (API)",
            "cli": "command line (python -m chatbot chat)"}


def _transcript_markdown(ticket: dict | None, product_name=lambda product_id: product_id) -> str:
    """The ticket's conversation for the agent: why it was opened, where the shopper wrote from and which
    product page they were on, then each message with how long ago it was written."""
    if not ticket:
        return "_No ticket selected._"
    who = f" · with {display_name(ticket['assigned_to'])}" if ticket["assigned_to"] else " · nobody has joined yet"
    reason = REASONS.get(ticket["reason"], ticket["reason"].replace("_", " "))
    where = CHANNELS.get(ticket.get("channel") or "chat", ticket.get("channel") or "chat")
    page = f" · on the page of {product_name(ticket['product_id'])}" if ticket.get("product_id") else ""
    status = "waiting " + waited(ticket["created_at"]) if ticket["status"] == "open" else "closed"
    lines = [f"**Ticket {ticket['ref']}** · {reason} · from the {where}{page} · {status}{who}"]
    for turn in ticket["transcript"]:
        when = f" _({_ago(turn['created_at'])})_" if turn.get("created_at") else ""
        if turn["role"] == "agent":
            lines.append(f"**{turn['author']} (team):** {turn['text']}{when}" if turn["kind"] == "reply"
                         else f"_{turn['text']}_{when}")
        else:
            lines.append(f"**{'Customer' if turn['role'] == 'user' else 'Bot'}:** {turn['text']}{when}")
    return "\n\n".join(lines)


def _orders_markdown(orders: list) -> str:
    """The orders the ticket's shopper proved in the conversation (``chatbot.orders.staff.OrderFacts``), as the
    agent reads them beside the transcript: status, items with their return windows, tracking."""
    if not orders:
        return "_No verified order in this conversation._"
    blocks = []
    for o in orders:
        parts = [f"**Order {o.name}** · {o.state}" + (f" · placed {o.placed}" if o.placed else "")
                 + (f" · total {o.total}" if o.total else ""), o.status, "**Items** (return window)",
                 "\n".join(f"- {i.quantity} × {i.name}" + (f" (SKU {i.sku})" if i.sku else "")
                           + (f", {i.price}" if i.price else "") + f": {i.returns}" for i in o.items)]
        if o.shipments:
            parts += ["**Tracking**", "\n".join(
                f"- {s.carrier or 'Carrier not given'} · "
                + (f"[{s.number}]({s.url})" if s.number and s.url else s.number or "no tracking number")
                + f" · {s.state}" for s in o.shipments)]
        blocks.append("\n\n".join(p for p in parts if p))
    return "**Verified in this conversation**\n\n" + "\n\n---\n\n".join(blocks)


def _earlier_turns(ticket: dict | None, message: str) -> list[dict]:
    """The ticket's conversation before ``message`` as chat turns (staff notes left out), for the drafts."""
    turns = [{"role": t["role"], "content": t["text"]} for t in (ticket or {}).get("transcript", [])
             if t["role"] in ("user", "assistant")]
    last = max((i for i, t in enumerate(turns) if t["role"] == "user" and t["content"] == message), default=None)
    return turns[:last] if last is not None else turns


def _ago(created_at: str) -> str:
    since = waited(created_at)
    return since if since == "just now" else f"{since} ago"


def build_agent_tab(bot, store, settings, who=lambda request: "agent") -> dict:
    """``who(request)`` names the signed-in agent (the name the shopper sees, and the audit trail)."""
    ticket_id = gr.State(None)
    summary = gr.Markdown("Loading the queue…", elem_id="queue-summary")
    tickets = gr.Dropdown(choices=[], value=None, label="Hand-off queue (open tickets, oldest first)",
                          elem_id="ticket-queue")
    with gr.Row():
        join = gr.Button("Join the chat", elem_id="join-ticket", scale=0)
        close = gr.Button("Close ticket", elem_id="close-ticket", variant="stop", scale=0)
    with gr.Row():
        with gr.Column(scale=3):
            transcript = gr.Markdown("_No ticket selected._", elem_id="ticket-transcript")
        with gr.Column(scale=2):  # only what this ticket's shopper proved in the conversation, never a guess
            orders = gr.Markdown("", elem_id="ticket-orders")
    customer = gr.Textbox(label="Customer message", lines=3, placeholder="Pick a ticket or paste a message",
                          elem_id="customer-message")
    with gr.Row():
        count = gr.Slider(1, MAX_DRAFTS, value=MAX_DRAFTS, step=1, label="Drafts")
        make = gr.Button("Draft replies", variant="primary", elem_id="draft-replies")
    boxes, captions, sends = [], [], []
    with gr.Row():
        for i in range(MAX_DRAFTS):
            with gr.Column():
                boxes.append(gr.Textbox(label=f"Draft {i + 1}", lines=5, interactive=True, buttons=["copy"],
                                        elem_id=f"draft-{i + 1}"))
                captions.append(gr.Markdown())
                sends.append(gr.Button(f"Send draft {i + 1}", elem_id=f"send-draft-{i + 1}"))
    own = gr.Textbox(label="Your own reply", lines=3, elem_id="own-reply")
    send_own = gr.Button("Send my reply", elem_id="send-own")
    status = gr.Markdown(elem_id="agent-status")
    refresh = gr.Timer(REFRESH_SECONDS)
    build_tools_panel(bot, settings)
    # the drafts as generated, with the ticket and the customer's last message when they were made: {"ticket",
    # "asked", "texts"}; a draft is only ever sent to that ticket, while that message is still the customer's last
    drafted = gr.State({})
    asked = gr.State("")  # the open ticket's last customer message, as the customer box was last filled
    shown = gr.State([])  # the queue as last drawn, so an unchanged queue is not redrawn

    def find(tid, open_tickets: list[dict] | None = None):
        if not tid:
            return None
        tickets = store.list_tickets("open") if open_tickets is None else open_tickets
        return next((t for t in tickets if t["id"] == tid), None)

    def product_name(product_id: str) -> str:
        listing = bot.shop.catalog.by_id.get(product_id)
        return f"{listing.product.name} ({product_id})" if listing else product_id

    def draw(ticket: dict | None) -> str:
        return _transcript_markdown(ticket, product_name)

    def proved(ticket: dict | None) -> str:
        """The order panel: the orders the ticket's conversation proved (none without the store's orders)."""
        desk = getattr(bot, "orders", None)
        if not ticket or desk is None:
            return ""
        try:
            return _orders_markdown(desk.for_agent(ticket["conversation_id"]))
        except Exception:  # the transcript and drafts still work without the panel
            log.exception("reading the ticket's orders failed")
            return "⚠ The orders could not be read just now."

    def pick(tid):
        """Open a ticket: its conversation and last message, and no drafts (those of another ticket never stay)."""
        ticket = find(tid)
        last = (ticket or {}).get("last_question", "")
        return (tid, draw(ticket), proved(ticket), last, last, *[""] * MAX_DRAFTS, *[""] * MAX_DRAFTS, {},
                "" if ticket or not tid else "⚠ That ticket is no longer open.")

    def tick(tid, drawn, shown_question, message):
        open_tickets = store.list_tickets("open")  # once per tick: the queue and the open transcript share it
        choices, line = _queue(open_tickets)
        queue = gr.update(choices=choices) if choices != drawn else gr.skip()
        ticket = find(tid, open_tickets) if tid else None
        if tid and ticket is None:  # closed since it was opened here: by another agent, or the customer left
            closed = store.ticket(tid)
            left = closed["transcript"] and closed["transcript"][-1].get("kind") == LEFT
            return (queue, line, draw(closed), gr.skip(), choices, gr.skip(), gr.skip(), "This ticket is closed: " + (
                "the customer cleared the chat, so a reply would not reach them." if left else "someone closed it."))
        new = ticket is not None and ticket["last_question"] != shown_question
        # the customer wrote again: their new message replaces the old one in the box (unless the agent typed
        # their own there), so drafts answer what they asked last
        box = ticket["last_question"] if new and message == shown_question else gr.skip()
        note = "The customer wrote again: draft replies to their new message." if new else gr.skip()
        # the orders are read again when the shopper wrote again (they may have proved one since)
        return (queue, line, (draw(ticket) if tid else gr.skip()), (proved(ticket) if new else gr.skip()), choices,
                ticket["last_question"] if new else gr.skip(), box, note)

    def draft(tid, message: str, n: float, last: str):
        ticket = find(tid)
        try:  # the ticket's conversation and product page: "how do I wash it?" is about the blanket they were on
            # with the ticket's conversation: an order its shopper proved answers "where is it?" from its record
            answers = bot.drafts(message, n=int(n), product_id=(ticket or {}).get("product_id"),
                                 history=_earlier_turns(ticket, message),
                                 asker=Asker(ticket["conversation_id"]) if ticket else None)
        except ChatbotError as exc:
            return [gr.update(value="")] * MAX_DRAFTS + [gr.update(value="")] * MAX_DRAFTS + [{}, f"⚠ {exc}"]
        texts = [customer_reply(a.text, settings.store_name) for a in answers] + [""] * (MAX_DRAFTS - len(answers))
        notes = [draft_caption(a) for a in answers] + [""] * (MAX_DRAFTS - len(answers))
        found = f"{len(answers)} draft(s)." if answers else "No grounded draft: the store's documents don't cover this."
        return [*texts, *notes, {"ticket": tid, "asked": last, "texts": texts[: len(answers)]}, found]

    def join_chat(tid, request: gr.Request):
        if not tid:
            return "⚠ Pick a ticket first.", gr.skip()
        try:
            joined = store.join_ticket(tid, who(request))
        except InputError as exc:
            return f"⚠ {exc}", gr.skip()
        note = "✓ You joined the chat; the customer sees that a person is here." if joined else "You already have it."
        return note, draw(find(tid))

    def close_ticket(tid, request: gr.Request):
        if not tid:
            return "⚠ Pick a ticket first.", gr.skip(), gr.skip()
        try:
            store.close_ticket(tid, agent=who(request))
        except InputError as exc:
            return f"⚠ {exc}", gr.skip(), gr.skip()
        return "✓ Ticket closed; the customer was told they can ask again any time.", None, "_No ticket selected._"

    def send(tid, message: str, generated: dict, text: str, index: int | None, request: gr.Request):
        """Deliver the reply (once) to the ticket's conversation; returns the status line and the transcript."""
        note = _deliver(tid, message, generated, text, index, who(request))
        return note, (draw(find(tid)) if tid else gr.skip())

    def _deliver(tid, message: str, generated: dict, text: str, index: int | None, agent: str) -> str:
        if not (text or "").strip():
            return "⚠ The reply is empty."
        if index is not None:  # a draft answers one ticket's one message: never another shopper, never an old one
            if generated.get("ticket") != tid:
                return "⚠ This draft was written for another ticket: draft replies for this one first."
            ticket = find(tid) if tid else None
            if ticket and ticket["last_question"] != generated.get("asked"):
                return ("⚠ The customer has written again since this draft was made: draft replies to their new "
                        "message, or send your own reply.")
        texts = generated.get("texts", [])
        original = texts[index] if index is not None and index < len(texts) else None
        edited = "" if original is None or original == text else " (edited)"
        if not tid:  # a pasted message, not a ticket: nobody to deliver to, kept as evaluation data
            store.record_agent_reply(None, message or "", original, text, sent=False)
            return f"✓ Saved{edited}. No ticket is selected, so nothing was sent to a customer."
        try:
            _, new = store.send_staff_reply(tid, agent, text)
        except InputError as exc:
            return f"⚠ {exc}"
        if not new:
            return "This reply was already sent; it was not sent twice."
        store.record_agent_reply(tid, message or "", original, text, sent=True)
        return f"✓ Reply sent{edited}: it appears in the customer's chat now."

    refresh.tick(tick, [ticket_id, shown, asked, customer],
                 [tickets, summary, transcript, orders, shown, asked, customer, status], show_progress="hidden")
    tickets.change(pick, tickets, [ticket_id, transcript, orders, customer, asked, *boxes, *captions, drafted,
                                   status])
    join.click(join_chat, ticket_id, [status, transcript])
    close.click(close_ticket, ticket_id, [status, tickets, transcript])
    make.click(draft, [ticket_id, customer, count, asked], [*boxes, *captions, drafted, status])
    for i, (box, button) in enumerate(zip(boxes, sends)):
        button.click(_bind(send, i), [ticket_id, customer, drafted, box], [status, transcript])
    send_own.click(_bind(send, None), [ticket_id, customer, drafted, own], [status, transcript])
    # on opening the page, the queue as it is now (nothing drawn yet, so it is always drawn)
    on_load = (lambda: _drop(tick(None, None, "", "")[:5], 3), None, [tickets, summary, transcript, shown])
    return {"tickets": tickets, "refresh": refresh, "load": on_load}


def _drop(values: tuple, index: int) -> tuple:
    return values[:index] + values[index + 1:]


def _bind(send, index: int | None):
    """``send`` for one draft button (Gradio passes the request to a parameter annotated ``gr.Request``)."""

    def send_this(tid, message: str, generated: list, text: str, request: gr.Request):
        return send(tid, message, generated, text, index, request)

    return send_this
