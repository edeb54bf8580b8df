"""The shopper chat tab: streamed, cited answers, thumbs on every answer, and a hand-off to a person.

A thin adapter: answers come from ``Chatbot.stream``; every turn, rating
and hand-off is recorded in the ConversationStore, where the agent window
finds the tickets. The product in focus comes from ``?product=ID`` in the
URL or the product picker.
"""

from __future__ import annotations

import logging

import gradio as gr

from chatbot.errors import ChatbotError
from chatbot.types import Answer

from .formatting import answer_markdown

log = logging.getLogger(__name__)

EXAMPLES = ["How long do I have to return an item?", "Do you ship to Canada?",
            "Which payment methods do you accept?", "Do gift cards expire?"]
SORRY = "Sorry, something went wrong on our side. Please try again, or ask for a person."


def _new_state() -> dict:
    return {"conversation_id": None, "message_ids": {}, "turns": []}


def build_shopper_tab(bot, store, settings, products: list[tuple[str, str]]) -> dict:
    """Lay out the shopper chat inside the current Blocks; returns the components tests and ``load`` need."""
    state = gr.State(_new_state())
    product = gr.Dropdown(choices=[("Store questions (no product)", "")] + products, value="", label="Product page",
                          elem_id="product-picker")
    chat = gr.Chatbot(label=f"{settings.store_name} assistant", height=460, elem_id="shopper-chat",
                      feedback_options=("Like", "Dislike"))
    message = gr.Textbox(placeholder="Ask about products, shipping, returns…", show_label=False, submit_btn=True,
                         elem_id="shopper-input")
    with gr.Row():
        person = gr.Button("Talk to a person", variant="secondary", elem_id="talk-to-person", scale=0)
        notice = gr.Markdown(elem_id="handoff-notice")
    gr.Examples(EXAMPLES, inputs=message, label="Try asking")

    def respond(text: str, history: list, st: dict, product_id: str):
        history = list(history or [])
        if not (text or "").strip():
            yield history, "", st, gr.update()
            return
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]
        yield history, "", st, ""  # a new question: the last one's notice ("Thanks for the feedback") goes
        answer = None
        try:
            for event in bot.stream(text, product_id=product_id or None, history=st["turns"]):
                if isinstance(event, Answer):
                    answer = event
                else:
                    history[-1]["content"] += event
                    yield history, "", st, gr.update()
        except ChatbotError as exc:
            history[-1]["content"] = f"Sorry, I can't answer that: {exc}"
            yield history, "", st, gr.update()
            return
        except Exception:  # one failing request must not break the chat
            log.exception("answering failed")
            history[-1]["content"] = SORRY
            yield history, "", st, gr.update()
            return
        history[-1]["content"] = answer_markdown(answer)
        st = _remember(store, st, text, answer, len(history) - 1, product_id)
        note = gr.update()
        if answer.handoff:
            ticket = store.open_ticket(st["conversation_id"], answer.reason or "handoff")
            note = f"**You're being connected to a person** (ticket `{ticket}`). Our team will reply here or by email."
        elif answer.abstained:
            note = "Not the answer you need? Press **Talk to a person** and our team will take over."
        yield history, "", st, note

    def feedback(data: gr.LikeData, st: dict):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        message_id = st["message_ids"].get(index)
        if message_id is None:
            return "Thanks! (That message can't be rated.)"
        store.add_feedback(message_id, 1 if data.liked is True or data.liked == "Like" else -1)
        return "Thanks for the feedback."

    def hand_off(history: list, st: dict, product_id: str):
        history = list(history or [])
        if st["conversation_id"] is None:  # asked for a person before any question: that is the first turn
            answer = bot.ask("I want to talk to a person")
            history += [{"role": "user", "content": "Talk to a person"}, {"role": "assistant", "content": answer.text}]
            st = _remember(store, st, "Talk to a person", answer, len(history) - 1, product_id)
        ticket = store.open_ticket(st["conversation_id"], "asked_for_person")
        return history, st, (f"**You're being connected to a person** (ticket `{ticket}`). "
                             f"Our team will pick up this conversation. You can also reach us at {settings.support_contact}.")

    message.submit(respond, [message, chat, state, product], [chat, message, state, notice])
    chat.like(feedback, [state], [notice])
    person.click(hand_off, [chat, state, product], [chat, state, notice])
    return {"product": product, "chat": chat, "state": state}


def _remember(store, st: dict, question: str, answer: Answer, index: int, product_id: str) -> dict:
    conversation_id, message_id = store.record_turn(st["conversation_id"], question, answer, channel="chat",
                                                    product_id=product_id or None)
    st = {**st, "conversation_id": conversation_id, "message_ids": {**st["message_ids"], index: message_id}}
    st["turns"] = st["turns"] + [{"role": "user", "content": question},
                                 {"role": "assistant", "content": answer.text, "product_id": answer.product_id}]
    return st
