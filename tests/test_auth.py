"""Roles over HTTP on a real server with the real Gradio apps: shoppers and strangers never reach staff pages.

Every agent and admin route (the pages, their Gradio config and API calls)
is tried anonymously, with an agent's session and with an admin's.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import httpx
import pytest
from conftest import STAFF_PASSWORD, scratch_database_url, serving, whole_site

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.data.accounts import AccountStore
from chatbot.data.storage import ConversationStore
from ui.app import create_admin_app, create_agent_app
from ui.server import create_server

PASSWORD = STAFF_PASSWORD
HTML = {"accept": "text/html,application/xhtml+xml"}
# what the Gradio front end of each staff app fetches: the page, its config, its API info, a queued call
STAFF_ROUTES = ["/", "/config", "/gradio_api/info", "/gradio_api/queue/join", "/gradio_api/upload"]


@pytest.fixture(scope="module")
def site(demo_index_dir, real_embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("auth")
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive",
                        database_url=scratch_database_url(folder, "db.sqlite3"))
    bot = Chatbot(settings, embedder=real_embedder)
    with whole_site(bot, settings) as (url, _, accounts):
        yield url, accounts


@contextmanager
def signed_in(url: str, name: str):
    """An HTTP client holding ``name``'s session cookie, as a browser would after signing in."""
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post("/signin", data={"name": name, "password": PASSWORD, "next": "/agent/"})
        assert response.status_code == 303 and "chatbot_session" in response.cookies
        yield client


@pytest.mark.parametrize("prefix", ["/agent", "/admin"])
@pytest.mark.parametrize("route", STAFF_ROUTES)
def test_anonymous_requests_get_401_and_browsers_the_sign_in_page(site, prefix, route):
    url, _ = site
    with httpx.Client(base_url=url, timeout=30) as client:
        posted = route.endswith(("join", "upload"))
        response = client.post(prefix + route, json={}) if posted else client.get(prefix + route)
        assert response.status_code == 401 and "sign in" in response.json()["error"]
        page = client.get(prefix + "/", headers=HTML)
        assert page.status_code == 303 and page.headers["location"] == f"/signin?next={prefix}/"


@pytest.mark.parametrize("route", STAFF_ROUTES)
def test_an_agent_reaches_the_agent_window_but_not_the_admin(site, route):
    url, _ = site
    with signed_in(url, "ana") as client:
        if route == "/config":
            assert client.get("/agent/config").status_code == 200
        assert client.get("/admin" + route).status_code == 403
        assert "signed in as agent" in client.get("/admin/config").json()["error"]


def test_an_admin_reaches_both(site):
    url, _ = site
    with signed_in(url, "lee") as client:
        assert client.get("/agent/", headers=HTML).status_code == 200
        assert client.get("/admin/", headers=HTML).status_code == 200
        assert "ticket-queue" in client.get("/agent/config").text


def test_the_shopper_page_holds_no_staff_controls(site):
    url, _ = site
    with httpx.Client(base_url=url, timeout=30) as client:
        config = client.get("/config").text
        assert "shopper-chat" in config
        for staff_only in ("ticket-queue", "draft-replies", "admin-reindex", "refresh-dashboard", "Agent assist"):
            assert staff_only not in config


def test_signing_out_ends_the_session(site):
    url, _ = site
    with signed_in(url, "ana") as client:
        token = client.cookies["chatbot_session"]
        assert client.get("/agent/config").status_code == 200
        client.get("/signout")
        assert client.get("/agent/config").status_code == 401
    # the old cookie, kept by someone, is dead on the server too
    with httpx.Client(base_url=url, timeout=30, cookies={"chatbot_session": token}) as stale:
        assert stale.get("/agent/config").status_code == 401


def test_wrong_passwords_are_refused_then_locked(site):
    url, accounts = site
    accounts.add("sam", "agent", PASSWORD)
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(accounts.max_failures - 1):
            response = client.post("/signin", data={"name": "sam", "password": "guess"})
            assert response.status_code == 401 and "wrong name or password" in response.text
            # the name typed stays in the form, the password does not, and the cursor waits in the password box
            assert 'name="name" value="sam"' in response.text and "guess" not in response.text
            assert re.search(r'id="password"[^>]*autofocus', response.text)
        locked = client.post("/signin", data={"name": "sam", "password": "guess"})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0 and "locked" in locked.text
        assert client.post("/signin", data={"name": "sam", "password": PASSWORD}).status_code == 429


def test_sign_in_never_redirects_off_site(site):
    url, _ = site
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post("/signin", data={"name": "ana", "password": PASSWORD,
                                                "next": "https://evil.example/agent/"})
        assert response.headers["location"] == "/agent/"


def test_with_no_accounts_the_sign_in_page_says_how_to_make_one(demo_index_dir, real_embedder):
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive")
    bot = Chatbot(settings, embedder=real_embedder)
    store, accounts = ConversationStore(scratch_database_url()), AccountStore(scratch_database_url())
    app = create_server(bot, store, settings, agent_app=create_agent_app(bot, store, settings), accounts=accounts)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        page = client.get("/signin")
        assert "python -m chatbot users add NAME --role admin" in page.text
        assert client.get("/agent/config").status_code == 401


def test_without_accounts_the_staff_apps_are_not_served_at_all(demo_index_dir, real_embedder):
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive")
    bot = Chatbot(settings, embedder=real_embedder)
    store = ConversationStore(scratch_database_url())
    app = create_server(bot, store, settings, agent_app=create_agent_app(bot, store, settings),
                        admin_app=create_admin_app(bot, store, settings))
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/agent/config").status_code == 404 and client.get("/admin/config").status_code == 404
