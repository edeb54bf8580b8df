"""The Gradio apps: the shopper chat, the support agent's window and the store admin, each on its own path.

``create_app`` builds the shopper chat (served at ``/``), ``create_agent_app``
the agent window (``/agent``) and ``create_admin_app`` the admin (``/admin``).
They are separate apps, so a shopper's page holds no agent or admin control
and its API exposes none of their functions; ``ui.auth`` lets only signed-in
agents and admins reach the other two. None of them starts a server
(``launch.py`` serves them with the HTTP API on one port). No retrieval or
prompting logic lives here.
"""

from __future__ import annotations

import gradio as gr

from .admin import build_admin_tab, index_stats_markdown
from .agent import build_agent_tab
from .auth import signed_in_name
from .shopper import build_shopper_tab

CSS = """
@media (max-width: 640px) { .gradio-container { padding: 4px !important; } #shopper-chat { height: 60vh !important; } }
"""


def product_choices(bot) -> list[tuple[str, str]]:
    docs = [d for d in bot.documents.values() if d.kind == "product" and d.product_id]
    return sorted(((d.title, d.product_id) for d in docs), key=lambda x: x[0].lower())


def create_app(bot, store, settings=None) -> gr.Blocks:
    """The shopper chat: questions, answers with sources, ratings and a hand-off to a person."""
    settings = settings or bot.settings
    with gr.Blocks(title=f"{settings.store_name} assistant") as app:
        gr.Markdown(f"## {settings.store_name} · customer service")
        shopper = build_shopper_tab(bot, store, settings, product_choices(bot))

        def product_from_url(request: gr.Request):
            wanted = (request.query_params.get("product") or "") if request else ""
            known = {pid for _, pid in product_choices(bot)}
            return wanted if wanted in known else ""

        app.load(product_from_url, None, shopper["product"])
    app.extra_css = CSS  # Gradio 6 takes CSS at launch / mount time; launch.py and ui.server pass it on
    return app


def _staff_header(settings, title: str) -> None:
    gr.Markdown(f"## {settings.store_name} · {title}  \n[Sign out](/signout)", elem_id="staff-header")


def create_agent_app(bot, store, settings=None) -> gr.Blocks:
    """The support agent's window (signed-in agents and admins only; see ``ui.auth``)."""
    settings = settings or bot.settings
    with gr.Blocks(title=f"{settings.store_name} · agent") as app:
        _staff_header(settings, "agent assist")
        build_agent_tab(bot, store, settings)
    app.extra_css = CSS
    return app


def create_admin_app(bot, store, settings=None, accounts=None) -> gr.Blocks:
    """The store admin: documents, re-indexing and the dashboard (signed-in admins only).

    With ``accounts``, the audit log names the admin who acted."""
    settings = settings or bot.settings
    who = (lambda request: signed_in_name(request, accounts)) if accounts is not None else (lambda request: "admin")
    with gr.Blocks(title=f"{settings.store_name} · admin") as app:
        _staff_header(settings, "store admin")
        admin = build_admin_tab(bot, store, settings, who)
        app.load(lambda: index_stats_markdown(bot), None, admin["stats"])
    app.extra_css = CSS
    return app
