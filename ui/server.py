"""The HTTP face: JSON + SSE chat API for the widget, feedback, hand-off, health, and the widget script.

``create_server(bot, store, settings, gradio_app=None, agent_app=None,
admin_app=None, accounts=None, storage=None, orders=None)`` returns a FastAPI app; it starts no server
(``launch.py`` runs it with uvicorn). The Gradio apps mount at ``/``,
``/agent`` and ``/admin``; with ``accounts`` given, ``ui.auth`` adds
``/signin`` and ``/signout`` and lets only agents and admins past
``/agent`` and ``/admin`` (without accounts those two are not served). Routes:

- ``POST /api/chat``: an SSE stream of ``token`` events ``{"text"}``, then one
  ``answer`` event (the result JSON plus conversation/message ids, citations
  with url and excerpt, hand-off and ticket id). Input the bot refuses (an
  empty message, ``ChatbotError``) is answered ``400 {"error"}`` *before* the
  stream starts, a malformed body ``422 {"error", "detail"}``; a failure after
  the first token arrives as an ``error`` event ``{"error"}``.
- ``GET /api/examples``: ``{"examples": [...]}``, up to 3 questions from the store's own FAQ (or catalog) that
  the widget's greeting offers (``chatbot.converse.starters``).
- ``POST /api/feedback``, ``POST /api/handoff``, ``GET /api/health`` (with ``storage``: the data folder
  and whether it survives a restart, when ``launch.py`` passes it).
- ``GET /api/conversations/{id}``: the transcript (staff replies included) and
  ticket state, for a returning shopper; ``GET /api/conversations/{id}/updates
  ?after=SEQ``: staff messages since the last one shown, polled while a
  ticket is open. A conversation id is the shopper's own random key.
- ``GET /widget.js``: the embeddable widget (``ui/static/widget.js``).
- ``POST /api/webhooks/shopify``, ``POST /api/webhooks/woocommerce``: the platforms' signed product webhooks
  keep the catalog and the index current (``ui.webhooks``, ``chatbot.ingest.live_catalog``), and their order
  and fulfillment webhooks the orders in the database (``chatbot.ingest.live_orders``; ``orders``, an
  ``OrderStore``, or one opened on ``database_url`` at the first order delivery).
- ``/v1/...``: the OpenAI-compatible API, in ``ui.openai_api``.

Cross-origin callers must be listed in ``settings.allowed_origins``; any
other Origin is refused with 403 on ``/api`` and ``/v1`` (``OriginGuard``).
Answers are bounded by ``TurnRunner``; no retrieval or prompt logic lives here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from chatbot.common.errors import ChatbotError, InputError
from chatbot.common.proxies import TrustedProxies
from chatbot.converse.knowledge_watch import KnowledgeRefresher
from chatbot.converse.starters import example_questions
from chatbot.data.tickets import ticket_ref
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.live_catalog import LiveCatalog
from chatbot.ingest.live_orders import LiveOrders

from .origins import OriginGuard, parse_origins
from .openai_api import CONVERSATION_HEADER
from .turns import SORRY, AnswerLimiter, AnswerStream, Busy, Recorded, TurnRequest, TurnRunner
from .webhooks import create_webhook_router

log = logging.getLogger(__name__)

WIDGET = Path(__file__).resolve().parent / "static" / "widget.js"


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    product_id: str | None = None  # the product an assistant turn was about, so follow-ups keep it
    products: list[str] | None = Field(default=None, max_length=20)  # product ids it listed ("the second one")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently ignored

    message: str = Field(max_length=20_000)  # the bot itself cuts to max_question_chars with a notice
    conversation_id: str | None = None  # from an earlier answer event; None starts a conversation
    product_id: str | None = None
    history: list[HistoryTurn] = Field(default_factory=list, max_length=50)
    channel: Literal["widget", "chat", "api"] = "chat"
    # the client's own key for this message (a UUID, say): a retry with the same key, after a lost connection or
    # on another replica, gets the answer already stored for it instead of a second answer stored twice
    request_id: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    # a shopper signed in on the store's site: their email and its hex HMAC-SHA256 with the store's identity secret
    # (``identity_secret``), made by the site's server; without both, or with a wrong hash, the shopper is anonymous
    customer_email: str | None = Field(default=None, max_length=254)
    customer_hash: str | None = Field(default=None, max_length=128)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str
    rating: Literal["up", "down", 1, -1]
    comment: str = Field(default="", max_length=2000)


class HandoffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str


def create_server(bot: Any, store: Any, settings: Any, gradio_app: Any = None, agent_app: Any = None,
                  admin_app: Any = None, accounts: Any = None, storage: Any = None, orders: Any = None,
                  knowledge: Any = None) -> FastAPI:
    """The FastAPI app (see the module docstring). ``storage`` (a ``chatbot.data.folder.DataFolder``) puts
    where the app stores things, and whether that survives a restart, on ``/api/health``. ``knowledge`` (a
    ``chatbot.converse.knowledge_watch.KnowledgeRefresher`` with a ``KnowledgeSync``, as launch.py makes it) shares
    catalog webhook changes with the other replicas, and keeps the applied webhook deliveries in the database."""
    knowledge = knowledge or KnowledgeRefresher(bot, settings)
    app = FastAPI(title=f"{settings.store_name} chatbot API", version="1",
                  description="Grounded customer-service answers from the store's own documents, with sources.")
    runner = TurnRunner(bot, store, AnswerLimiter(settings.max_concurrent, settings.max_queue))
    proxies = TrustedProxies(getattr(settings, "trusted_proxies", ""))
    app.state.runner = runner
    origins = parse_origins(settings.allowed_origins)
    # CORS answers the browser's preflight for listed origins; the guard refuses everyone else outright
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type", "Authorization", CONVERSATION_HEADER],
                       expose_headers=[CONVERSATION_HEADER], max_age=600)
    app.add_middleware(OriginGuard, allowed=origins, prefixes=("/api/", "/v1/"))
    if accounts is not None:
        from .auth import RoleGuard, create_auth_router

        app.add_middleware(RoleGuard, accounts=accounts)  # outermost: nothing under /agent, /admin runs first
        app.include_router(create_auth_router(accounts, settings.store_name))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors())
        if request.url.path.startswith("/v1/"):  # OpenAI clients read error.message
            return JSONResponse({"error": {"message": problems, "type": "invalid_request_error"}}, 422)
        return JSONResponse({"error": f"invalid request: {problems}", "detail": _jsonable(exc.errors())}, 422)

    @app.post("/api/chat", response_class=EventSourceResponse, responses={
        200: {"content": {"text/event-stream": {}},
              "description": "`token` events `{\"text\"}`, then one `answer` event (result JSON + ids), "
                             "or an `error` event `{\"error\"}` if answering fails mid-way"},
        400: {"description": "the bot refused the input, e.g. an empty message: `{\"error\"}`"},
        503: {"description": "too many answers in progress: `{\"error\"}`"}})
    async def chat(body: ChatRequest, request: Request):
        """Ask one question; the answer streams back as server-sent events."""
        turn = TurnRequest(body.message, body.conversation_id, body.product_id,
                           [t.model_dump(exclude_none=True) for t in body.history], body.channel,
                           client=client_address(request, proxies),
                           customer_email=body.customer_email, customer_hash=body.customer_hash,
                           request_id=body.request_id)
        try:
            stream = await runner.start(turn)
        except Busy as exc:
            return JSONResponse({"error": str(exc)}, 503)
        # wait for the first piece so refused input gets a plain HTTP error rather than a stream
        try:
            await stream.ready()
        except ChatbotError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        except Exception:
            log.exception("answering failed")
            return JSONResponse({"error": SORRY}, 500)
        return EventSourceResponse(_chat_events(stream), sep="\n")

    @app.post("/api/feedback")
    async def feedback(body: FeedbackRequest) -> dict:
        """Thumbs up or down on one answer, with an optional comment."""
        rating = 1 if body.rating in ("up", 1) else -1
        try:
            await asyncio.to_thread(store.add_feedback, body.message_id, rating, body.comment)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, 404)  # names the id and what to do
        return {"ok": True}

    @app.post("/api/handoff")
    async def handoff(body: HandoffRequest) -> dict:
        """The shopper asked for a person: open a support ticket for the conversation."""
        try:
            ticket_id = await asyncio.to_thread(store.open_ticket, body.conversation_id, "shopper_requested")
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, 404)
        return {"ticket_id": ticket_id, "ticket_ref": ticket_ref(ticket_id)}

    @app.post("/api/conversations/{conversation_id}/leave")
    async def leave(conversation_id: str) -> dict:
        """The shopper started a new chat: an open ticket of this conversation is closed, with a note for the
        agent, since a reply would no longer reach them. ``{"closed_ticket": id | null}``."""
        try:
            return {"closed_ticket": await asyncio.to_thread(store.shopper_left, conversation_id)}
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, 404)

    @app.get("/api/conversations/{conversation_id}/updates")
    async def updates(conversation_id: str, after: int = 0) -> dict:
        """What the store's staff said in this conversation since staff message ``after`` (the last ``seq`` the
        client showed), and the state of its latest ticket. Chat clients poll this while a ticket is open."""
        try:
            return await asyncio.to_thread(store.conversation_updates, conversation_id, after)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, 404)

    @app.get("/api/conversations/{conversation_id}")
    async def conversation(conversation_id: str) -> dict:
        """The whole conversation (shopper, bot and staff messages), so a returning shopper sees where it stands."""
        try:
            transcript = await asyncio.to_thread(store.get_transcript, conversation_id)
            latest = await asyncio.to_thread(store.latest_ticket, conversation_id)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, 404)
        return {"conversation_id": conversation_id, "transcript": transcript, "ticket": latest}

    @app.get("/api/examples")
    async def examples() -> dict:
        """Questions an empty chat suggests, from the store's own FAQ (or its products when it has none)."""
        return {"examples": example_questions(bot.documents.values())}

    @app.get("/api/health")
    async def health() -> dict:
        """Readiness: the index loads and the answer backend is known."""
        try:
            report = await asyncio.to_thread(_health, bot)
        except Exception as exc:  # e.g. no index yet: not ready, with the reason
            return JSONResponse({"status": "error", "error": str(exc)}, 503)
        if storage is not None:
            report["storage"] = storage.as_health()
        return report

    @app.get("/widget.js", include_in_schema=False)
    async def widget() -> FileResponse:
        # short cache: stores pick up a fixed widget within minutes without a cache-busting URL
        return FileResponse(WIDGET, media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=300"})

    from .openai_api import create_router

    app.include_router(create_router(runner, settings, client=lambda request: client_address(request, proxies)))
    shared = knowledge.sync is not None
    app.include_router(create_webhook_router(settings, _live_catalog(bot, settings, knowledge),
                                             _live_orders(orders, settings, shared)))

    import gradio as gr

    staff = [(agent_app, "/agent"), (admin_app, "/admin")] if accounts is not None else []
    # mounted last, "/" last of all: it would otherwise catch every other route
    for blocks, path in [*staff, (gradio_app, "/")]:
        if blocks is not None:
            # no Gradio footer: shoppers need no API docs or settings page, and its links fail contrast checks
            app = gr.mount_gradio_app(app, blocks, path=path, css=getattr(blocks, "extra_css", None),
                                      js=getattr(blocks, "extra_js", None), head=getattr(blocks, "extra_head", None),
                                      footer_links=[])
    return app


def client_address(request: Request, proxies: TrustedProxies) -> str | None:
    """The shopper's address for per-address limits: the first of ``X-Forwarded-For`` when the immediate peer is
    a trusted proxy (``trusted_proxies``), else the peer's."""
    peer = request.client.host if request.client else None
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return proxies.client(peer, forwarded or None)


async def _chat_events(stream: AnswerStream):
    try:
        async for item in stream:
            if isinstance(item, Recorded):
                yield ServerSentEvent(json.dumps(answer_event(item)), event="answer")
            else:
                yield ServerSentEvent(json.dumps({"text": item}), event="token")
    except ChatbotError as exc:
        yield ServerSentEvent(json.dumps({"error": str(exc)}), event="error")
    except Exception:
        log.exception("answering failed mid-stream")
        yield ServerSentEvent(json.dumps({"error": SORRY}), event="error")
    finally:
        stream.cancel()  # a no-op when it finished; frees the slot early when the shopper left


def answer_event(recorded: Recorded) -> dict:
    """The result JSON of DESIGN.md plus what a chat client needs: ids, source links, hand-off, ticket."""
    answer = recorded.answer
    result = answer.to_result(None if recorded.message_id is None else str(recorded.message_id))
    result.update(
        conversation_id=recorded.conversation_id,
        message_id=recorded.message_id,
        citations=[{"doc_id": c.doc_id, "chunk_id": c.chunk_id, "title": c.title, "score": round(c.score, 4),
                    "url": c.url, "excerpt": c.excerpt} for c in answer.citations],
        handoff=answer.handoff,
        reason=answer.reason,
        origin=answer.origin,
        notices=answer.notices,
        product_id=answer.product_id,
        products=answer.products,
    )
    if recorded.ticket_id is not None:
        result.update(ticket_id=recorded.ticket_id, ticket_ref=ticket_ref(recorded.ticket_id))
    return result


def _live_catalog(bot: Any, settings: Any, knowledge: KnowledgeRefresher):
    """The ``LiveCatalog`` factory for the webhooks: built on the first delivery, with the bot's embedder; after
    each change the bot answers from the new index, and no cached answer outlives it. With shared knowledge, each
    change reaches the other replicas and the deliveries applied are kept in the database."""
    built, lock = [], threading.Lock()  # one LiveCatalog, so one lock orders every delivery

    def changed() -> None:
        knowledge.changed_here()
        bot.cache.clear()

    def get() -> LiveCatalog:
        with lock:
            if not built:
                deliveries = None
                if knowledge.sync is not None:
                    from chatbot.data.deliveries import WebhookDeliveries

                    deliveries = WebhookDeliveries(settings.database_url, "catalog")
                built.append(LiveCatalog(settings.knowledge_dir, settings.index_dir, bot.embedder,
                                         Chunker(settings.chunk_size, settings.chunk_overlap), on_change=changed,
                                         max_file_bytes=settings.max_file_bytes, deliveries=deliveries,
                                         changing=knowledge.changing))
            return built[0]

    return get


def _live_orders(orders: Any, settings: Any, shared: bool = False):
    """The ``LiveOrders`` factory for the order webhooks: built on the first delivery, on ``orders`` or else on an
    ``OrderStore`` of the app's database; the deliveries applied are kept beside the catalog's (in the database,
    when ``shared`` by replicas)."""
    built, lock = [], threading.Lock()

    def get() -> LiveOrders:
        with lock:
            if not built:
                from chatbot.data.orders import OrderStore

                store = orders if orders is not None else OrderStore(settings.database_url)
                if shared:
                    from chatbot.data.deliveries import WebhookDeliveries

                    deliveries = WebhookDeliveries(settings.database_url, "orders")
                else:
                    deliveries = Path(settings.index_dir) / "order-webhook-deliveries.json"
                built.append(LiveOrders(store, deliveries))
            return built[0]

    return get


def _health(bot: Any) -> dict:
    index = bot.retriever.index
    generator = bot.generator  # None after a failed load: answers are extractive then, and health says so
    health = {"status": "ok", "documents": len(index.documents), "chunks": len(index.chunks),
              "generator": generator.name if generator is not None else "extractive",
              "knowledge_version": getattr(bot, "knowledge_version", 0)}  # the shared version it answers from
    status = getattr(bot, "generator_health", None)
    if status is not None:  # the model's own state: answers go on (from the sources) whatever it is
        details = status()
        health.update(generator_state=details.get("state"), generator_pid=details.get("pid"),
                      generator_details=details)
    return health


def _jsonable(errors: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]
