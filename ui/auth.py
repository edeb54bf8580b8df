"""Sign-in for the agent window and the store admin: a sign-in page, a session cookie, and a guard.

``RoleGuard`` sits in front of every request. Paths under ``/agent`` need an
agent or admin session, paths under ``/admin`` an admin session; that covers
the pages and every API call their Gradio apps make (tickets, transcripts,
drafts, replies, uploads, the dashboard). A browser without a session is
sent to ``/signin``; any other caller gets 401, and a session of the wrong
role 403. The shopper chat (``/``), the widget and ``/api/chat`` stay open.
Accounts and sessions themselves live in ``chatbot.data.accounts``.
"""

from __future__ import annotations

import asyncio
import html
import json
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chatbot.data.accounts import AccountStore, SignInError

COOKIE = "chatbot_session"
PROTECTED = {"/agent": "agent", "/admin": "admin"}  # path prefix -> the role it needs
NO_ACCOUNTS = ("No agent or admin account exists yet. On the server, create one with "
               "<code>python -m chatbot users add NAME --role admin</code> (or <code>--role agent</code>).")


def required_role(path: str) -> str | None:
    for prefix, role in PROTECTED.items():
        if path == prefix or path.startswith(prefix + "/"):
            return role
    return None


def _cookie(scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, token = part.strip().partition("=")
                if name == COOKIE:
                    return token
    return None


class RoleGuard:
    """ASGI middleware: only signed-in agents reach ``/agent``, only admins ``/admin`` (HTTP and websockets)."""

    def __init__(self, app, accounts: AccountStore):
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope, receive, send):
        role = required_role(scope.get("path", "")) if scope["type"] in ("http", "websocket") else None
        if role is None:
            return await self.app(scope, receive, send)
        account = await asyncio.to_thread(self.accounts.session, _cookie(scope))
        if account is not None and account.may(role):
            scope.setdefault("state", {})["account"] = account
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 4401 if account is None else 4403})
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        browser = scope.get("method") == "GET" and "text/html" in headers.get("accept", "")
        if account is None and browser:
            target = scope["path"] + (f"?{scope['query_string'].decode()}" if scope.get("query_string") else "")
            return await _respond(send, 303, b"", [(b"location", f"/signin?next={quote(target)}".encode())])
        status, message = ((401, f"sign in as {'an' if role == 'agent' else 'the'} {role} at /signin")
                           if account is None else (403, f"this page needs the {role} role; "
                                                         f"{account.name} is signed in as {account.role}"))
        if browser:  # signed in, wrong role: say so, and how to switch
            body = (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Not allowed</title><main>'
                    f"<h1>Not allowed</h1><p>{html.escape(message)}.</p><p><a href=\"/agent/\">Agent window</a> · "
                    f'<a href="/signout">Sign out and sign in as someone else</a></p></main></html>').encode()
            return await _respond(send, status, body, [(b"content-type", b"text/html; charset=utf-8")])
        body = json.dumps({"error": message}).encode()
        await _respond(send, status, body, [(b"content-type", b"application/json")])


async def _respond(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def signed_in_name(request, accounts: AccountStore) -> str:
    """The name of the account whose session cookie came with a Gradio event's request ("unknown" if none)."""
    cookies = getattr(request, "cookies", None) or {}
    account = accounts.session(cookies.get(COOKIE)) if cookies else None
    return account.name if account else "unknown"


def _safe_next(target: str | None) -> str:
    """Only our own agent or admin pages: a sign-in link must not bounce anyone to another site."""
    path = urlsplit(target or "").path
    return target if target and required_role(path) and not urlsplit(target).netloc else "/agent/"


def signin_page(store_name: str, message: str = "", next_url: str = "/agent/", any_accounts: bool = True,
                name: str = "") -> str:
    """The sign-in form; after a failed try it keeps the ``name`` typed and puts the cursor on the password."""
    notice = f'<p role="alert" class="error">{html.escape(message)}</p>' if message else ""
    focus_name, focus_password = ("", " autofocus") if name else (" autofocus", "")
    setup = f'<p class="setup">{NO_ACCOUNTS}</p>' if not any_accounts else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · {html.escape(store_name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}}
label{{display:block;margin-top:1rem}}input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}
button{{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem}}.error{{color:#a40000}}</style></head>
<body><main><h1>{html.escape(store_name)} · staff sign-in</h1>
<p>For support agents and the store's admins. Shoppers can <a href="/">chat with us here</a>.</p>
{setup}{notice}
<form method="post" action="/signin">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label for="name">Name</label><input id="name" name="name" value="{html.escape(name)}" autocomplete="username"
 required{focus_name}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{focus_password}>
<button type="submit">Sign in</button></form></main></body></html>"""


def create_auth_router(accounts: AccountStore, store_name: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/signin", response_class=HTMLResponse)
    async def signin_form(next: str | None = None) -> HTMLResponse:
        any_accounts = await asyncio.to_thread(accounts.any)
        return HTMLResponse(signin_page(store_name, next_url=_safe_next(next), any_accounts=any_accounts))

    @router.post("/signin")
    async def signin(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("")):
        target = _safe_next(next)
        try:
            token, _ = await asyncio.to_thread(accounts.sign_in, name, password)
        except SignInError as exc:
            any_accounts = await asyncio.to_thread(accounts.any)
            headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else None
            return HTMLResponse(signin_page(store_name, str(exc), target, any_accounts, name=name[:200]),
                                status_code=429 if exc.retry_after_s else 401, headers=headers)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, token, max_age=int(accounts.session_hours * 3600), httponly=True,
                            samesite="lax", secure=request.url.scheme == "https", path="/")
        return response

    @router.api_route("/signout", methods=["GET", "POST"])
    async def signout(request: Request):
        await asyncio.to_thread(accounts.sign_out, request.cookies.get(COOKIE))
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return router
