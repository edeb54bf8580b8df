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

from pathlib import Path

import gradio as gr

from .admin import build_admin_tab
from .agent import build_agent_tab
from .auth import signed_in_name
from .shopper import build_shopper_tab

CSS = """
/* text contrast of at least 4.5:1 (WCAG AA) for hints, placeholders and an empty picker */
.gradio-container { --body-text-color-subdued: #55555f; --block-info-text-color: #55555f;
                    --input-placeholder-color: #5f5f69; }
.gradio-container input.subdued, .gradio-container ::placeholder { color: #5f5f69 !important; opacity: 1; }
/* white on the default orange and red buttons is too faint (under 3:1): the same hues, darker */
.gradio-container { --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
                    --button-primary-text-color: #fff; --button-primary-text-color-hover: #fff;
                    --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b;
                    --button-cancel-text-color: #fff; --button-cancel-text-color-hover: #fff; }
/* no rating buttons on an answer still streaming, or on what the store's team said */
#shopper-chat .message-row:has(.streaming) + .message-buttons,
#shopper-chat .message-row:has(.staff-message) + .message-buttons { display: none !important; }
#shopper-chat .sources { margin-top: .4em; font-size: .92em; }
#shopper-chat .sources-label { font-weight: 600; margin: 0 0 .2em; }
#shopper-chat details.source summary { cursor: pointer; }
#shopper-chat details.source p { margin: .3em 0 .5em 1.2em; }
#shopper-chat .staff-author { color: #1d4f7a; }
#handoff-notice { overflow-wrap: anywhere; }
#staff-demo { font-size: .85em; color: #55555f; }
#staff-demo a { color: #1d4f7a; }
.product-cards { display: flex; flex-wrap: wrap; gap: 8px; margin: .5em 0; }
.product-card { display: flex; flex-direction: column; gap: 2px; padding: 8px 10px; min-width: 140px;
  flex: 1 1 140px; max-width: 220px; border: 1px solid #d6d9de; border-radius: 10px; background: #fff; }
.card-name { font-weight: 600; }
.card-price { font-size: 1.05em; }
.card-rating { font-size: .9em; color: #55555f; }
#page-title h1, #staff-header h1 { font-size: 1.5rem; margin: 0; }
#shopper-chat .message:has(.staff-message:not(.staff-note)) { background: #eef6ff; border-color: #b9d4f1; }
#shopper-chat .typing { display: inline-flex; gap: 4px; padding: 4px 0; }
#shopper-chat .typing span { width: 7px; height: 7px; border-radius: 50%; background: #888; animation: typing 1.2s infinite; }
#shopper-chat .typing span:nth-child(2) { animation-delay: .2s; }
#shopper-chat .typing span:nth-child(3) { animation-delay: .4s; }
@keyframes typing { 0%, 60%, 100% { opacity: .25; } 30% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { #shopper-chat .typing span { animation: none; opacity: .6; } }
/* the empty chat's greeting, with its example questions right under it */
#shopper-chat .placeholder { flex-grow: 0; height: auto; padding: 1em .5em .5em; }
#shopper-chat .examples { margin: 0 auto auto; }
/* a phone: the title and the picker share one line (its label and hint are for screen readers only), and the
   chat, the hand-off notice, the question box and "Talk to a person" fit the first screen */
@media (max-width: 640px) {
  .column { gap: 8px !important; }
  #shopper-header { flex-wrap: nowrap !important; align-items: center !important; gap: 8px !important; }
  #shopper-header > * { min-width: 0 !important; }
  #page-title { flex: 0 1 auto !important; max-width: 55%; }
  #page-title h1 { font-size: 1.1rem !important; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #page-title .title-rest { display: none; }
  #product-picker { flex: 1 1 0 !important; padding: 4px 8px !important; }
  #product-picker .info-text { display: none; }
  #product-picker [data-testid="block-info"] { margin-bottom: 2px; font-size: .8rem; }
  #product-picker input { padding-top: 0; padding-bottom: 0; }
  #shopper-input [data-testid="block-info"] {
    position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  #shopper-input { padding: 6px 8px !important; }
  #shopper-chat { height: calc(100dvh - 220px) !important; min-height: 260px; }
  .column:has(#handoff-notice p) #shopper-chat { height: calc(100dvh - 330px) !important; }  /* room for it */
  #shopper-chat .examples { padding: 8px; gap: 8px; }
}
"""


# Gradio scopes ``CSS`` to the page's content; the page's own margins take a tag in <head>. A phone keeps them thin.
HEAD = "<style>@media (max-width: 640px) { .gradio-container .main.app { padding: 6px 8px; } }</style>"

# The shopper chat's scrolling (a new answer's first line stays in view) and its example questions' role; each
# file's comment says why.
STATIC = Path(__file__).resolve().parent / "static"
ANSWER_SCROLL_JS = (STATIC / "answer_scroll.js").read_text(encoding="utf-8")
EXAMPLES_JS = (STATIC / "example_questions.js").read_text(encoding="utf-8")

# Gradio's dropdown blurs itself on Tab, leaving focus on the page body; keyboard users then start over at the top.
# This moves focus to the next (or, with Shift, the previous) control in page order instead.
FOCUS_JS = """
() => {
  const focusable = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), ' +
                    'textarea:not([disabled]), select:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab' || !event.target.closest || !event.target.closest('#product-picker')) return;
    const all = [...document.querySelectorAll(focusable)].filter((e) => e.offsetParent !== null);
    const here = all.indexOf(event.target);
    const next = all[here + (event.shiftKey ? -1 : 1)];
    if (here < 0 || !next) return;
    event.preventDefault();
    event.stopPropagation();
    next.focus();
  }, true);
}
"""


def product_choices(bot) -> list[tuple[str, str]]:
    docs = [d for d in bot.documents.values() if d.kind == "product" and d.product_id]
    return sorted(((d.title, d.product_id) for d in docs), key=lambda x: x[0].lower())


def create_app(bot, store, settings=None, staff_demo: str | None = None) -> gr.Blocks:
    """The shopper chat: questions, answers with sources, ratings and a hand-off to a person.

    ``staff_demo`` adds a line about the demo staff pages (``ui.shopper.staff_demo_note``)."""
    settings = settings or bot.settings
    with gr.Blocks(title=f"{settings.store_name} assistant") as app:
        shopper = build_shopper_tab(bot, store, settings, product_choices(bot), staff_demo=staff_demo)

        def product_from_url(request: gr.Request):
            wanted = (request.query_params.get("product") or "") if request else ""
            known = {pid for _, pid in product_choices(bot)}
            return wanted if wanted in known else None

        app.load(product_from_url, None, shopper["product"])
        app.load(shopper["resume"], shopper["saved"], [shopper["chat"], shopper["poll"]])
    app.extra_css = CSS  # Gradio 6 takes CSS and JS at launch / mount time; ui.server passes them on
    app.extra_head = HEAD
    app.extra_js = "() => {" + "".join(f" ({js.strip()})();" for js in (FOCUS_JS, ANSWER_SCROLL_JS, EXAMPLES_JS)) + " }"
    return app


def _who(accounts, fallback: str):
    """The signed-in staff member's name for a Gradio event (``fallback`` when there are no accounts)."""
    if accounts is None:
        return lambda request: fallback
    return lambda request: signed_in_name(request, accounts)


def _staff_header(settings, title: str) -> None:
    gr.Markdown(f"# {settings.store_name} · {title}\n\n[Sign out](/signout)", elem_id="staff-header")


def create_agent_app(bot, store, settings=None, accounts=None) -> gr.Blocks:
    """The support agent's window (signed-in agents and admins only; see ``ui.auth``).

    With ``accounts``, the shopper sees the signed-in agent's name on their replies."""
    settings = settings or bot.settings
    with gr.Blocks(title=f"{settings.store_name} · agent") as app:
        _staff_header(settings, "agent assist")
        agent = build_agent_tab(bot, store, settings, _who(accounts, "agent"))
        app.load(*agent["load"])
    app.extra_css = CSS
    return app


def create_admin_app(bot, store, settings=None, accounts=None, knowledge=None) -> gr.Blocks:
    """The store admin: documents, re-indexing and the dashboard (signed-in admins only).

    With ``accounts``, the audit log names the admin who acted; with ``knowledge`` (a ``KnowledgeRefresher``),
    uploads and re-indexes reach every replica."""
    settings = settings or bot.settings
    with gr.Blocks(title=f"{settings.store_name} · admin") as app:
        _staff_header(settings, "store admin")
        admin = build_admin_tab(bot, store, settings, _who(accounts, "admin"), knowledge)
        for event in admin["load"]:
            app.load(*event)
    app.extra_css = CSS
    return app
