"""The shopper chat: streamed, cited answers, thumbs on every answer, a hand-off to a person and their replies.

A thin adapter: answers come from ``Chatbot.stream``; every turn, rating
and hand-off is recorded in the ConversationStore, where the agent window
finds the tickets. Questions typed while an answer streams are queued and
answered in order (``ui.chat_session``). Once a ticket is open the page
polls for the team's replies; once a person has joined, the shopper's
messages go to them instead of the bot. The conversation id is kept in the
browser, so a shopper who comes back sees replies that arrived meanwhile;
the chat's Clear button starts a new conversation, and a restored answer
keeps its sources and product cards. The product in focus comes from
``?product=ID`` in the URL or the product picker. An empty chat greets the
shopper with example questions from the store's own FAQ
(``chatbot.converse.starters``). The layout keeps a phone's first screen for
the chat: the title and picker share one line, and "Talk to a person" stays
on screen (the CSS is in ``ui.app``).
"""

from __future__ import annotations

import logging

import gradio as gr

from chatbot.common.errors import ChatbotError, InputError
from chatbot.common.types import Answer
from chatbot.converse.starters import example_questions
from chatbot.data.tickets import WITH_PERSON, ticket_ref

from .chat_session import ChatSession, ChatSessions
from .formatting import (
    TYPING,
    answer_markdown,
    restored_markdown,
    staff_markdown,
    streaming_markdown,
)
from .turns import person_has_the_chat

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side. Please try again, or ask for a person."
NO_PRODUCT = "No product (store questions)"
POLL_SECONDS = 3.0
STAFF_DEMO_READY = "ready"  # demo staff accounts exist (``chatbot.data.demo_staff``): link to the sign-in
STAFF_DEMO_OFF = "off"  # a public demo without them: say how to turn them on


def staff_demo_note(staff_demo: str | None) -> str:
    """The small line under the chat about the demo staff pages; "" on a store's own site (``None``)."""
    if staff_demo == STAFF_DEMO_READY:
        return ("Staff demo: [sign in at /signin](/signin) as demo-agent (agent window) or demo-admin (store "
                "admin), with the password the demo's owner set.")
    if staff_demo == STAFF_DEMO_OFF:
        return ("Staff demo: to try the agent window and the store admin, set the secret "
                "`CHATBOT_DEMO_STAFF_PASSWORD` (10+ characters) in this Space's settings and restart it.")
    return ""


def greeting(store_name: str) -> str:
    """What an empty chat says, above the example questions."""
    return (f"**Hi! I'm the {store_name} assistant.** Ask me about our products, shipping, returns and other "
            "policies, or try one of these:")


def build_shopper_tab(bot, store, settings, products: list[tuple[str, str]], staff_demo: str | None = None) -> dict:
    """Lay out the shopper chat inside the current Blocks; returns the components tests and ``load`` need.

    ``staff_demo`` (``STAFF_DEMO_READY``, ``STAFF_DEMO_OFF`` or ``None``) adds the line about the demo staff
    pages under the chat (``staff_demo_note``)."""
    sessions = ChatSessions()
    saved = gr.BrowserState({"conversation_id": None}, storage_key="store-chat-conversation")
    with gr.Row(elem_id="shopper-header", equal_height=True):
        # on a phone the words after the store's name hide, so title and picker fit one line (ui.app's CSS)
        gr.Markdown(f'# {settings.store_name} <span class="title-rest">· customer service</span>',
                    elem_id="page-title")
        product = gr.Dropdown(choices=[(NO_PRODUCT, "")] + products, value=None, label="Product page",
                              info="Asking about one product? Type to find it.", elem_id="product-picker")
    examples = example_questions(bot.documents.values())
    # no autoscroll: Gradio's scrolls to an answer's end; ui.app's script keeps the answer's first line in view
    chat = gr.Chatbot(label=f"{settings.store_name} assistant", height=460, elem_id="shopper-chat",
                      feedback_options=("Like", "Dislike"), group_consecutive_messages=False,
                      buttons=["copy", "copy_all"], autoscroll=False, placeholder=greeting(settings.store_name),
                      examples=[{"text": q} for q in examples] or None)
    notice = gr.Markdown(elem_id="handoff-notice")
    message = gr.Textbox(label="Your question", placeholder="Ask about products, shipping, returns…",
                         submit_btn="Send", elem_id="shopper-input", lines=1, max_lines=4)
    person = gr.Button("Talk to a person", variant="secondary", elem_id="talk-to-person")
    poll = gr.Timer(POLL_SECONDS, active=False)
    if note := staff_demo_note(staff_demo):
        gr.Markdown(note, elem_id="staff-demo")

    def ask(text: str, product_id: str | None, request: gr.Request):
        session = sessions.get(request.session_hash)
        if (text or "").strip():
            session.add_question(text, product_id or "")
        return session.snapshot(), ""

    def ask_example(product_id: str | None, data: gr.SelectData, request: gr.Request):
        return ask(data.value["text"], product_id, request)

    def answer_queue(request: gr.Request):
        """Answer every queued question in order; a second event finds the queue taken and leaves it."""
        session = sessions.get(request.session_hash)
        if not session.start_answering():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()  # (ending with no yield would blank the chat)
            return
        while (item := session.next_question()) is not None:
            yield from _answer_one(bot, store, settings, session, *item)

    def refresh_from_staff(request: gr.Request):
        session = sessions.get(request.session_hash)
        return (*_staff_updates(store, settings, session), gr.Timer(active=session.ticket_open))

    def feedback(data: gr.LikeData, request: gr.Request):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        message_id = sessions.get(request.session_hash).message_ids.get(index)
        if message_id is None:
            return "Thanks! (That message can't be rated.)"
        store.add_feedback(message_id, 1 if data.liked is True or data.liked == "Like" else -1)
        return "Thanks for the feedback."

    def hand_off(product_id: str | None, request: gr.Request):
        session = sessions.get(request.session_hash)
        if session.conversation_id is None:  # asked for a person before any question: that is the first turn
            answer = bot.ask("I want to talk to a person")
            session.add_question("Talk to a person", product_id or "")
            index, _, _ = session.next_question()
            _record(store, session, "Talk to a person", answer, session.put_answer(index, answer.text), product_id)
        ticket = store.open_ticket(session.conversation_id, "asked_for_person")
        session.ticket_open = True
        return (session.snapshot(), _ticket_notice(ticket, settings), {"conversation_id": session.conversation_id},
                gr.Timer(active=True))

    def new_conversation(request: gr.Request):
        session = sessions.get(request.session_hash)
        if session.conversation_id and session.ticket_open:  # the team's reply would no longer reach this chat
            store.shopper_left(session.conversation_id)
        sessions.reset(request.session_hash)
        return [], "", {"conversation_id": None}, gr.Timer(active=False)

    def resume(remembered: dict | None, request: gr.Request):
        """A returning shopper: the conversation so far, with any reply that arrived while they were away."""
        session = sessions.get(request.session_hash)
        conversation_id = (remembered or {}).get("conversation_id")
        if not conversation_id or session.messages:  # nothing kept, or the shopper already started typing
            return gr.skip(), gr.skip()
        try:
            transcript = store.get_transcript(conversation_id)
            ticket = store.latest_ticket(conversation_id)
        except InputError:  # a conversation this store no longer has: start afresh
            return gr.skip(), gr.skip()
        _restore(session, conversation_id, transcript, ticket, settings)
        return session.snapshot(), gr.Timer(active=session.ticket_open)

    for asked in (message.submit(ask, [message, product], [chat, message], trigger_mode="multiple", queue=False),
                  chat.example_select(ask_example, [product], [chat, message], trigger_mode="multiple", queue=False)):
        asked.then(answer_queue, None, [chat, notice, poll, saved], concurrency_limit=settings.max_concurrent,
                   concurrency_id="shopper-answers", trigger_mode="multiple")
    chat.like(feedback, None, [notice])
    chat.clear(new_conversation, None, [chat, notice, saved, poll], queue=False)
    person.click(hand_off, [product], [chat, notice, saved, poll])
    poll.tick(refresh_from_staff, None, [chat, notice, poll])
    return {"product": product, "chat": chat, "saved": saved, "poll": poll, "resume": resume}


def _answer_one(bot, store, settings, session: ChatSession, index: int, text: str, product_id: str):
    """Stream the answer to one queued question into the session, then record it; yields page updates."""
    session.put_answer(index, TYPING)  # until the first words arrive; no rating buttons on it
    yield session.snapshot(), "", gr.skip(), _saved(session)
    answer, streamed = None, ""
    try:
        answer = person_has_the_chat(store, session.conversation_id, text)
        pieces = [answer] if answer else bot.stream(text, product_id=product_id or None, history=session.turns,
                                                    **_asker(bot, store, session))
        for event in pieces:
            if isinstance(event, Answer):
                answer = event
            else:
                streamed += event
                session.put_answer(index, streaming_markdown(streamed))
                yield session.snapshot(), gr.skip(), gr.skip(), _saved(session)
    except ChatbotError as exc:
        session.put_answer(index, f"Sorry, I can't answer that: {exc}")
        yield session.snapshot(), gr.skip(), gr.skip(), _saved(session)
        return
    except Exception:  # one failing request must not break the chat
        log.exception("answering failed")
        session.put_answer(index, SORRY)
        yield session.snapshot(), gr.skip(), gr.skip(), _saved(session)
        return
    shown = (staff_markdown({"kind": "note", "text": answer.text}, settings.store_name)
             if answer.reason == WITH_PERSON else answer_markdown(answer))
    at = session.put_answer(index, shown)
    _record(store, session, text, answer, at, product_id)
    note = gr.skip()
    if answer.handoff and answer.reason != WITH_PERSON:
        ticket = store.open_ticket(session.conversation_id, answer.reason or "handoff")
        session.ticket_open = True
        note = _ticket_notice(ticket, settings, automatic=True)
    elif answer.abstained:
        note = "Not the answer you need? Press **Talk to a person** and our team will take over."
    yield session.snapshot(), note, gr.Timer(active=session.ticket_open), _saved(session)


def _asker(bot, store, session: ChatSession) -> dict:
    """``{"asker": ...}`` for a bot with the store's orders: the conversation (started now when new), under which
    the order responder remembers what the shopper proved."""
    if getattr(bot, "orders", None) is None:
        return {}
    from chatbot.orders.identity import Asker

    if session.conversation_id is None:
        session.conversation_id = store.start_conversation("chat")
    return {"asker": Asker(session.conversation_id)}


def _saved(session: ChatSession) -> dict:
    """What the browser keeps: the conversation id, sent with every update, so a reload right after an answer
    (or during one) still finds the conversation."""
    return {"conversation_id": session.conversation_id}


def _record(store, session: ChatSession, question: str, answer: Answer, index: int, product_id: str | None) -> None:
    try:
        conversation_id, message_id = store.record_turn(session.conversation_id, question, answer, channel="chat",
                                                        product_id=product_id or None)
    except Exception:  # the shopper still has the answer; the operator gets the traceback
        log.exception("recording the turn failed")
        return
    session.record(question, answer.text, answer.product_id, index, conversation_id, message_id, answer.reason,
                   [card["id"] for card in answer.products])


def _ticket_notice(ticket_id: str, settings, automatic: bool = False) -> str:
    why = "You're being connected to a person" if automatic else "A person from our team will join this chat"
    return (f"**{why}.** Ticket {ticket_ref(ticket_id)}. Their reply will appear here; "
            f"you can also reach us at {settings.support_contact}.")


def _staff_updates(store, settings, session: ChatSession) -> tuple:
    """New messages from the store's team since the last poll: (chat, notice) updates."""
    if session.conversation_id is None:
        session.ticket_open = False
        return gr.skip(), gr.skip()
    try:
        updates = store.conversation_updates(session.conversation_id, session.staff_seq)
    except InputError:
        session.ticket_open = False
        return gr.skip(), gr.skip()
    session.ticket_open = bool(updates["ticket"] and updates["ticket"]["status"] == "open")
    if not updates["messages"]:
        return gr.skip(), gr.skip()
    for m in updates["messages"]:
        session.add_staff(staff_markdown(m, settings.store_name))
        session.staff_seq = max(session.staff_seq, m["seq"])
        session.turns.append({"role": "assistant", "content": m["text"]})
    return session.snapshot(), ""


def _restore(session: ChatSession, conversation_id: str, transcript: list[dict], ticket: dict | None,
             settings) -> None:
    session.conversation_id = conversation_id
    session.staff_seq = max((e["seq"] for e in transcript if e["role"] == "agent"), default=0)
    for entry in transcript[-40:]:
        if entry["role"] == "agent":
            session.add_staff(staff_markdown(entry, settings.store_name))
        elif entry["role"] == "assistant":
            session.messages.append({"role": "assistant", "content": restored_markdown(entry)})
        else:
            session.messages.append({"role": entry["role"], "content": entry["text"]})
        session.turns.append({"role": "user" if entry["role"] == "user" else "assistant", "content": entry["text"]})
    session.ticket_open = bool(ticket and ticket["status"] == "open")
