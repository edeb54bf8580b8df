"""The Gradio app: shopper chat, support-agent assist window and store admin, as tabs of one Blocks.

``create_app`` builds the interface around a ready Chatbot and
ConversationStore and does not start a server; ``launch.py`` serves it
(with the HTTP API, on one port). No retrieval or prompting logic lives here.
"""

from __future__ import annotations

import gradio as gr

from .admin import build_admin_tab
from .agent import build_agent_tab
from .shopper import build_shopper_tab

CSS = """
@media (max-width: 640px) { .gradio-container { padding: 4px !important; } #shopper-chat { height: 60vh !important; } }
"""


def product_choices(bot) -> list[tuple[str, str]]:
    docs = [d for d in bot.documents.values() if d.kind == "product" and d.product_id]
    return sorted(((d.title, d.product_id) for d in docs), key=lambda x: x[0].lower())


def create_app(bot, store, settings=None) -> gr.Blocks:
    settings = settings or bot.settings
    with gr.Blocks(title=f"{settings.store_name} assistant") as app:
        gr.Markdown(f"## {settings.store_name} · customer service")
        with gr.Tabs():
            with gr.Tab("Shopper chat", id="chat"):
                shopper = build_shopper_tab(bot, store, settings, product_choices(bot))
            with gr.Tab("Agent assist", id="agent"):
                build_agent_tab(bot, store, settings)
            with gr.Tab("Store admin", id="admin"):
                build_admin_tab(bot, store, settings)

        def product_from_url(request: gr.Request):
            wanted = (request.query_params.get("product") or "") if request else ""
            known = {pid for _, pid in product_choices(bot)}
            return wanted if wanted in known else ""

        app.load(product_from_url, None, shopper["product"])
    app.extra_css = CSS  # Gradio 6 takes CSS at launch / mount time; launch.py and ui.server pass it on
    return app
