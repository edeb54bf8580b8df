"""The shopper chat as a Gradio app: a question in, a cited answer (or an honest "I don't know") out.

``create_app`` builds the interface around a ready Chatbot and does not start
a server; ``launch.py`` starts it. No retrieval or prompting logic lives here.
"""

from __future__ import annotations

import logging

import gradio as gr

from chatbot.errors import ChatbotError
from chatbot.pipeline import Chatbot

from .formatting import answer_markdown

log = logging.getLogger(__name__)

EXAMPLES = [
    "How long do I have to return an item?",
    "Do you ship to Canada?",
    "Which payment methods do you accept?",
    "Do gift cards expire?",
]


def create_app(bot: Chatbot, title: str = "Store assistant") -> gr.Blocks:
    def respond(message: str, history: list) -> str:
        try:
            return answer_markdown(bot.ask(message))
        except ChatbotError as exc:
            return f"Sorry, I can't answer that: {exc}"
        except Exception:  # one failing request must not take the server down
            log.exception("answering failed")
            return "Sorry, something went wrong on our side. Please try again, or ask for a person."

    return gr.ChatInterface(respond, title=title, examples=EXAMPLES, api_name="chat",
                            description="Answers come from the store's own policies, FAQ, catalog and reviews, "
                                        "with their sources.")
