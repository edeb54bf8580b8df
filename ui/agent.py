"""The support-agent assist window: the hand-off queue, verified draft replies, and the agent's answer.

The agent picks a ticket (or pastes any customer message), gets N drafts
from ``Chatbot.drafts`` with confidence and sources, edits one or writes
their own, and marks it sent. Sent replies are stored, so they become
evaluation data. The product/review/recommendation tools live in
``ui.tools_panel``.
"""

from __future__ import annotations

import gradio as gr

from chatbot.errors import ChatbotError

from .formatting import customer_reply, draft_caption
from .tools_panel import build_tools_panel

MAX_DRAFTS = 3


def _ticket_choices(store) -> list[tuple[str, str]]:
    return [(f"{t['created_at'][:16]} · {t['reason']} · {t['last_question'][:60]}", t["id"])
            for t in store.list_tickets("open")]


def _transcript_markdown(ticket: dict | None) -> str:
    if not ticket:
        return "_No ticket selected._"
    lines = [f"**Ticket `{ticket['id']}`** · {ticket['reason']}"]
    for turn in ticket["transcript"]:
        who = "Customer" if turn["role"] == "user" else "Bot"
        lines.append(f"**{who}:** {turn['text']}")
    return "\n\n".join(lines)


def build_agent_tab(bot, store, settings) -> dict:
    ticket_id = gr.State(None)
    with gr.Row():
        tickets = gr.Dropdown(choices=_ticket_choices(store), label="Hand-off queue (open tickets)", scale=4,
                              elem_id="ticket-queue")
        refresh = gr.Button("Refresh queue", scale=1, elem_id="refresh-queue")
    transcript = gr.Markdown("_No ticket selected._", elem_id="ticket-transcript")
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
    build_tools_panel(bot, settings)
    drafted = gr.State([])  # the draft texts as generated, to store beside what the agent sent

    def pick(tid):
        ticket = next((t for t in store.list_tickets("open") if t["id"] == tid), None)
        return tid, _transcript_markdown(ticket), (ticket or {}).get("last_question", "")

    def draft(message: str, n: float):
        try:
            answers = bot.drafts(message, n=int(n))
        except ChatbotError as exc:
            return [gr.update(value="")] * MAX_DRAFTS + [gr.update(value="")] * MAX_DRAFTS + [[], f"⚠️ {exc}"]
        texts = [customer_reply(a.text, settings.store_name) for a in answers] + [""] * (MAX_DRAFTS - len(answers))
        notes = [draft_caption(a) for a in answers] + [""] * (MAX_DRAFTS - len(answers))
        found = f"{len(answers)} draft(s)." if answers else "No grounded draft: the store's documents don't cover this."
        return [*texts, *notes, texts[: len(answers)], found]

    def send(tid, message: str, generated: list, text: str, index: int | None):
        if not (text or "").strip():
            return "⚠️ The reply is empty."
        original = generated[index] if index is not None and index < len(generated) else None
        store.record_agent_reply(tid, message or "", original, text, sent=True)
        if tid:
            store.close_ticket(tid)
        edited = "" if original is None or original == text else " (edited)"
        return f"✅ Reply sent{edited} and saved" + (f"; ticket `{tid}` closed." if tid else ".")

    refresh.click(lambda: gr.update(choices=_ticket_choices(store)), None, tickets)
    tickets.change(pick, tickets, [ticket_id, transcript, customer])
    make.click(draft, [customer, count], [*boxes, *captions, drafted, status])
    for i, (box, button) in enumerate(zip(boxes, sends)):
        button.click(lambda tid, m, g, t, i=i: send(tid, m, g, t, i), [ticket_id, customer, drafted, box], status)
    send_own.click(lambda tid, m, g, t: send(tid, m, g, t, None), [ticket_id, customer, drafted, own], status)
    return {"tickets": tickets, "refresh": refresh}
