"""Shared fixtures: the real bundled embedder, a tiny deterministic fake for unit tests, the demo index, and the
databases: ``database`` runs a test once on SQLite and once on PostgreSQL (one throwaway server per run)."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from pg_server import PostgresServer, PostgresUnavailable

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the Hub
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
HETPQA = ROOT / "datasets" / "hetpqa"  # the repo's copy of hetPQA, with its LICENSE


class HashingEmbedder:
    """Deterministic bag-of-words vectors: isolates units from the real model. Counts what it embeds."""

    def __init__(self, dimension: int = 64, name: str = "test/hashing-64"):
        self.name = name
        self._dimension = dimension
        self.texts_embedded = 0
        self.calls: list[list[str]] = []

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts):
        texts = list(texts)
        self.calls.append(texts)
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def screenshot_path(name: str) -> Path:
    """Where a browser test saves its screenshot: docs/ when UPDATE_SCREENSHOTS=1, else a scratch folder,
    so a test run leaves the repository's pictures alone."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        return ROOT / "docs" / name
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "store-chatbot-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from chatbot.ingest.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def shared_model_dir(tmp_path_factory) -> str:
    """A ``model_dir`` for bots that must not write into the repository's data/models: the shop router is fitted
    into it by the first such bot and loaded by the others (fitting is deterministic: the same weights)."""
    return str(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def demo_index_dir(tmp_path_factory, real_embedder) -> Path:
    """The demo store in knowledge/, indexed once with the real embedder."""
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index

    folder = tmp_path_factory.mktemp("demo-index")
    update_index([KNOWLEDGE], folder, real_embedder, Chunker())
    return folder


def index_demo_copy(knowledge: Path, index_dir: Path, demo_index_dir: Path, embedder):
    """Index ``knowledge``, a copy of the demo store with files added or edited (none removed), into the new
    folder ``index_dir``: the same index a build from nothing makes, but only text the session's demo index
    lacks is embedded (its vectors are reused by chunk id, as any re-index does). Returns the IndexReport."""
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index

    shutil.copytree(demo_index_dir, index_dir)
    return update_index([knowledge], index_dir, embedder, Chunker())


@contextmanager
def serving(app, sock: socket.socket | None = None):
    """A real uvicorn server for ``app`` on a loopback socket (a free port unless given), in a background thread.

    Yields its base URL. Pass ``sock`` when the port must be known before the app is built (CORS origins).
    """
    import uvicorn

    own = sock is None
    if own:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1,
                                           proxy_headers=False))  # as launch.py runs it
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        if own:
            sock.close()


def loopback_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def store_page(sock: socket.socket, widget_url: str, attributes: str = ""):
    """A store's page on its own origin: nothing but the widget's script tag (with ``attributes`` added to it,
    e.g. a signed-in customer's ``data-customer-email`` and ``data-customer-hash``)."""
    page = (f'<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>Store page</title></head><body><main><h1>Harbor &amp; Pine</h1><p>Our products.</p></main>'
            f'<script src="{widget_url}" data-store-name="Harbor &amp; Pine" {attributes} defer></script>'
            f'</body></html>').encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(sock.getsockname(), Page, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_activate()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.shutdown()
        server.server_close()


STAFF_PASSWORD = "correct horse battery staple"


def agent_opens_ticket(page, url: str, ref: str, name: str = "ana", password: str = STAFF_PASSWORD) -> None:
    """As an agent's browser does: open the agent window, sign in on the form it sends you to, wait for the
    queue, and pick the ticket whose reference is ``ref``."""
    page.goto(url + "/agent/")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_function("() => document.querySelector('#queue-summary')?.innerText.includes('open')",
                           timeout=30_000)
    page.locator("#ticket-queue input").click()
    page.get_by_role("option").filter(has_text=ref).click()


@contextmanager
def whole_site(bot, settings):
    """The server as launch.py builds it (shopper chat, agent window, admin, sign-in), on a real socket.

    Yields ``(url, store, accounts)``; the accounts hold agent ``ana`` and admin ``lee``, both with
    ``STAFF_PASSWORD``, and sign-in does not sleep between wrong passwords.
    """
    from chatbot.data.accounts import AccountStore
    from chatbot.data.storage import ConversationStore
    from ui.app import create_admin_app, create_agent_app, create_app
    from ui.server import create_server

    store = ConversationStore(settings.database_url, public_contact=settings.support_contact)
    accounts = AccountStore(settings.database_url, sleep=lambda seconds: None)
    accounts.add("ana", "agent", STAFF_PASSWORD)
    accounts.add("lee", "admin", STAFF_PASSWORD)
    app = create_server(bot, store, settings, gradio_app=create_app(bot, store, settings),
                        agent_app=create_agent_app(bot, store, settings, accounts),
                        admin_app=create_admin_app(bot, store, settings, accounts), accounts=accounts)
    try:
        with serving(app) as url:
            yield url, store, accounts
    finally:
        store.close()
        accounts.close()


TEST_DATABASE = os.environ.get("CHATBOT_TEST_DATABASE", "sqlite")  # "postgresql": every store on PostgreSQL
_server: PostgresServer | None = None
_server_error: PostgresUnavailable | None = None


def session_postgres() -> PostgresServer:
    """The run's one throwaway PostgreSQL server (``pg_server.py``), started on first use and stopped when the
    run ends; raises ``PostgresUnavailable`` (each time) when it cannot start."""
    global _server, _server_error
    if _server is None and _server_error is None:
        server = None
        try:
            server = PostgresServer()
            _server = server.start()
        except PostgresUnavailable as exc:
            if server is not None:
                server.stop()
            _server_error = exc
    if _server_error is not None:
        raise _server_error
    return _server


def pytest_sessionfinish(session, exitstatus):
    if _server is not None:
        _server.stop()


def _need_postgres() -> PostgresServer:
    """``session_postgres()``, or the test skipped (failed with ``CHATBOT_TEST_POSTGRES=required`` or the
    ``CHATBOT_TEST_DATABASE=postgresql`` switch) when there is no server."""
    try:
        return session_postgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CHATBOT_TEST_POSTGRES") == "required" or TEST_DATABASE == "postgresql":
            pytest.fail(f"PostgreSQL is required (CHATBOT_TEST_POSTGRES=required or "
                        f"CHATBOT_TEST_DATABASE=postgresql): {exc}")
        pytest.skip(f"no PostgreSQL server for the tests: {exc}")


def scratch_database_url(folder: Path | None = None, filename: str = "chat.sqlite3") -> str:
    """A fresh database for a test's stores or servers: ``sqlite:///FOLDER/FILENAME`` by default (an in-memory
    ``sqlite://`` without a folder), or with ``CHATBOT_TEST_DATABASE=postgresql`` a new database of its own on
    the run's throwaway PostgreSQL server.

    Tests whose point is SQLite itself (its files, its default path) keep their own ``sqlite:///`` URLs."""
    if TEST_DATABASE == "postgresql":
        return _need_postgres().new_database("scratch")
    return "sqlite://" if folder is None else f"sqlite:///{Path(folder) / filename}"


_folder_databases: dict[Path, str] = {}


def scratch_database_env(data_folder: Path) -> dict[str, str]:
    """Environment for a launch.py or CLI subprocess that would use ``data_folder``'s default SQLite file:
    nothing by default (so it still does), or with ``CHATBOT_TEST_DATABASE=postgresql`` a
    ``CHATBOT_DATABASE_URL`` on the run's PostgreSQL server, the same database for the same folder all run (as
    the folder's file would be)."""
    if TEST_DATABASE != "postgresql":
        return {}
    folder = Path(data_folder).resolve()
    if folder not in _folder_databases:
        _folder_databases[folder] = _need_postgres().new_database("folder")
    return {"CHATBOT_DATABASE_URL": _folder_databases[folder]}


@pytest.fixture(scope="session")
def postgres():
    """The run's one throwaway PostgreSQL server (``session_postgres``), stopped and removed at the end.

    Without PostgreSQL installed the tests that need it are skipped, saying how to install it; with
    ``CHATBOT_TEST_POSTGRES=required`` (scripts/test.sh sets it) they fail instead."""
    return _need_postgres()


class Database:
    """A fresh database for one test: ``url`` for the stores, and the test's own look at what is stored."""

    def __init__(self, kind: str, url: str, path: Path | None = None, server: PostgresServer | None = None):
        self.kind, self.url, self.path, self.server = kind, url, path, server

    def another(self) -> Database:
        """A second fresh database of the same kind."""
        if self.kind == "sqlite":
            path = self.path.with_name(f"other-{self.path.name}")
            return Database("sqlite", f"sqlite:///{path}", path=path)
        return Database("postgresql", self.server.new_database(), server=self.server)

    def rows(self, sql: str) -> list[dict]:
        """The rows ``sql`` selects, read past the stores (``json_value`` and ``timestamp`` make a JSON or a
        timestamp column's values alike on both databases)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as db:
                return [dict(row._mapping) for row in db.execute(sa.text(sql))]
        finally:
            engine.dispose()

    def stored_bytes(self) -> bytes:
        """Everything the database holds, as bytes: SQLite's files (close the stores first, so the write-ahead
        log is in the main file) or every row of every PostgreSQL table as text."""
        if self.kind == "sqlite":
            return b"".join(p.read_bytes() for p in self.path.parent.iterdir() if p.name.startswith(self.path.name))
        tables = [r["table_name"] for r in self.rows("SELECT table_name FROM information_schema.tables "
                                                     "WHERE table_schema = 'public'")]
        return "\n".join(str(r) for t in tables for r in self.rows(f'SELECT t::text AS row FROM "{t}" t')).encode()


def json_value(value):
    """A JSON column's value as Python: SQLite gives the text, PostgreSQL the parsed value."""
    import json

    return json.loads(value) if isinstance(value, str) else value


def timestamp(value):
    """A timestamp column's value as a naive ``datetime``: SQLite gives the text, PostgreSQL the value."""
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Database:
    """A fresh, empty database: a SQLite file (in folders that do not exist yet) or a PostgreSQL database of
    its own on the shared server. Each test that takes it runs on both."""
    if request.param == "sqlite":
        path = tmp_path / "nested" / "folder" / "chat.sqlite3"
        return Database("sqlite", f"sqlite:///{path}", path=path)
    server = request.getfixturevalue("postgres")
    return Database("postgresql", server.new_database(), server=server)
