"""Which web pages may call the bot: the origins a store lists, its own pages, and non-browser clients.

CORS alone only stops a foreign page from *reading* a response; the bot
would still answer (and spend CPU) for it. ``OriginGuard`` therefore refuses
a request outright with 403 when its ``Origin`` header names a site that is
neither listed in ``allowed_origins`` nor the server itself. Requests with
no ``Origin`` (curl, server-to-server, OpenAI SDKs) pass: browsers always
send the header on cross-site fetches, so only they can be told apart.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit


def parse_origins(raw: str) -> list[str]:
    """``"https://a.example, https://b.example/"`` -> normalised origins; ``"*"`` allows every site."""
    return [_normalise(o) if o.strip() != "*" else "*" for o in (raw or "").split(",") if o.strip()]


def _normalise(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


class OriginGuard:
    """Pure ASGI middleware (unlike BaseHTTPMiddleware it leaves streaming responses untouched)."""

    def __init__(self, app, allowed: list[str], prefixes: tuple[str, ...] = ("/api/",)):
        self.app = app
        self.allowed = set(allowed)
        self.prefixes = prefixes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            origin = headers.get("origin")
            if origin is not None and not self.permits(origin, headers.get("host", "")):
                await _refuse(send, origin)
                return
        await self.app(scope, receive, send)

    def permits(self, origin: str, host: str) -> bool:
        origin = _normalise(origin)
        if "*" in self.allowed or origin in self.allowed:
            return True
        # the server's own pages (Gradio app, /docs) are same-origin; the scheme is ignored because a
        # TLS-terminating proxy in front makes the browser's https look like http here
        return bool(host) and urlsplit(origin).netloc == host.lower()


async def _refuse(send, origin: str) -> None:
    body = json.dumps({"error": f"this chatbot does not answer requests from {origin}; "
                                "the store can add it to allowed_origins"}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
