"""An OpenAI-compatible face: ``POST /v1/chat/completions`` (streamed or not) and ``GET /v1/models``.

Any tool that speaks the OpenAI chat API (the official SDK, LangChain, chat
front-ends) can use the store bot with ``base_url=http://HOST:PORT/v1``.
The last user message is the question and the earlier user/assistant
messages are its history; system messages are ignored, because the bot's
behaviour comes from the store's documents, not from a caller's prompt.

Each answer belongs to a conversation, whose id comes back in the
``X-Conversation-Id`` header and a non-standard ``conversation_id`` field.
A client that sends it back (the header, or ``conversation_id`` in the body:
``extra_headers`` / ``extra_body`` in the SDK) continues that conversation,
so an order proved in one request is known in the next. Only ids the server
issued count: an unknown one starts a new conversation with a new id. The
messages a client sends prove nothing (history is context for follow-ups,
never proof of an order), and OpenAI's ``user`` field (the caller's own name
for its end user, often guessable) is not a conversation id.
The answer text ends with its numbered sources, and a non-standard
``sources`` field carries them as data. Sampling parameters (temperature,
max_tokens, n, tools...) are accepted and ignored. Token ``usage`` is not
reported: the bot does not count tokens for the extractive backend.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict

from chatbot.common.errors import ChatbotError
from chatbot.common.types import Answer

from .turns import SORRY, AnswerStream, Busy, Recorded, TurnRequest, TurnRunner

log = logging.getLogger(__name__)

MODEL_ID = "store-chatbot"
CONVERSATION_HEADER = "X-Conversation-Id"


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls...: accepted, unused

    role: str
    content: str | list[dict[str, Any]] | None = None


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # OpenAI clients send many sampling options; none apply here

    model: str = MODEL_ID
    messages: list[Message]
    stream: bool = False
    conversation_id: str | None = None  # non-standard: from an earlier answer, to continue its conversation


def create_router(runner: TurnRunner, settings: Any,
                  client: Callable[[Request], str | None] = lambda request: None) -> APIRouter:
    """``client(request)``: the caller's address, for the per-address limit on order checks."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

    @router.get("/models")
    async def models() -> dict:
        """The one model this server offers."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0,
                                            "owned_by": settings.store_name}]}

    @router.post("/chat/completions", responses={200: {"content": {"application/json": {}, "text/event-stream": {}}}})
    async def chat_completions(body: CompletionRequest, request: Request):
        """OpenAI chat completions: a `chat.completion`, or `chat.completion.chunk` events then `data: [DONE]`.
        Send the `X-Conversation-Id` header (or `conversation_id`) of an earlier answer to continue it."""
        try:
            question, history = _split(body.messages)
        except ValueError as exc:
            return _error(str(exc), "invalid_request_error", 400)
        given = request.headers.get(CONVERSATION_HEADER) or body.conversation_id
        conversation = await asyncio.to_thread(runner.conversation, (given or "").strip()[:64] or None, "api")
        try:
            stream = await runner.start(TurnRequest(question, conversation, history=history, channel="api",
                                                    client=client(request)))
        except Busy as exc:
            return _error(str(exc), "server_busy", 503)
        headers = {CONVERSATION_HEADER: conversation} if conversation else {}
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        try:
            await stream.ready()  # refused input is a 400 even when streaming, as with OpenAI
            if body.stream:
                return StreamingResponse(_chunks(stream, completion_id), media_type="text/event-stream",
                                         headers={"Cache-Control": "no-cache", **headers})
            recorded = await stream.collect()
        except ChatbotError as exc:
            return _error(str(exc), "invalid_request_error", 400)
        except Exception:
            log.exception("answering failed")
            return _error(SORRY, "server_error", 500)
        return JSONResponse({
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": MODEL_ID,
            "system_fingerprint": None,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": _with_sources(recorded.answer),
                                                 "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": None, "sources": _sources(recorded), "conversation_id": recorded.conversation_id},
            headers={CONVERSATION_HEADER: recorded.conversation_id} if recorded.conversation_id else headers)

    return router


def _split(messages: list[Message]) -> tuple[str, list[dict]]:
    """(last user message, the user/assistant turns before it)."""
    if not messages or messages[-1].role != "user":
        raise ValueError("the last message must have role 'user': it is the shopper's question")
    turns = [{"role": m.role, "content": _text(m.content)} for m in messages if m.role in ("user", "assistant")]
    return turns[-1]["content"], turns[:-1]


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):  # content parts: keep the text ones
        return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return content or ""


async def _chunks(stream: AnswerStream, completion_id: str):
    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for item in stream:
            if isinstance(item, Recorded):
                # the pieces already sent spell answer.text; what remains is the sources list
                if item.answer.citations:
                    yield chunk({"content": _sources_text(item.answer)})
                yield chunk({}, "stop", sources=_sources(item), conversation_id=item.conversation_id)
            else:
                yield chunk({"content": item})
    except ChatbotError as exc:  # the OpenAI SDK raises APIError on an "error" event
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'invalid_request_error'}})}\n\n"
    except Exception:
        log.exception("answering failed mid-stream")
        yield f"data: {json.dumps({'error': {'message': SORRY, 'type': 'server_error'}})}\n\n"
    finally:
        stream.cancel()
    yield "data: [DONE]\n\n"


def _with_sources(answer: Answer) -> str:
    return answer.text + (_sources_text(answer) if answer.citations else "")


def _sources_text(answer: Answer) -> str:
    """Plain text, numbered like the answer's [n] markers, so any chat front-end shows it legibly."""
    lines = [f"[{i}] {c.title}" + (f" - {c.url}" if c.url else "") for i, c in enumerate(answer.citations, 1)]
    return "\n\nSources:\n" + "\n".join(lines)


def _sources(recorded: Recorded) -> list[dict]:
    return [{"title": c.title, "doc_id": c.doc_id, "url": c.url, "excerpt": c.excerpt}
            for c in recorded.answer.citations]


def _error(message: str, kind: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status)
