"""Opening the database: URLs, errors that name the database without its password, and a PostgreSQL server
restarted under a live store (the pool reconnects; nothing is re-created)."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa
from test_storage import answer

from chatbot.common.errors import ConfigError
from chatbot.data.accounts import AccountStore
from chatbot.data.database import open_database, shown
from chatbot.data.storage import ConversationStore


def closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: a connection is refused at once
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_restarted_server_costs_a_reconnect_not_an_error(postgres):
    store = ConversationStore(postgres.new_database())
    engine = store._engine
    replaced = []
    sa.event.listen(engine.pool, "invalidate", lambda *args: replaced.append(args))
    conversation, _ = store.record_turn(None, "Do you ship to Canada?", answer("Yes [1]."))
    bare = sa.create_engine(engine.url)  # the same pool without pre-ping: what the store would do without it
    with bare.connect() as db:
        db.execute(sa.text("SELECT 1"))
    try:
        postgres.pg_ctl("restart")  # every client connection is ended; the pooled ones are now dead
        store.record_turn(conversation, "How long does it take?", answer("5-8 days [1]."))
        assert [t["text"] for t in store.get_transcript(conversation)] == [
            "Do you ship to Canada?", "Yes [1].", "How long does it take?", "5-8 days [1]."]
        assert store._engine is engine and replaced  # the same store; its dead connection was found and replaced
        with pytest.raises(sa.exc.OperationalError), bare.connect() as db:
            db.execute(sa.text("SELECT 1"))
    finally:
        bare.dispose()
        store.close()


def test_an_unreachable_server_is_named_without_its_password():
    url = f"postgresql://shop:s3cret-Pa55@127.0.0.1:{closed_port()}/shop"
    with pytest.raises(ConfigError) as refused:
        ConversationStore(url)
    message = str(refused.value)
    assert "s3cret-Pa55" not in message
    assert f"cannot open the database postgresql+psycopg://shop:***@127.0.0.1:{url.split(':')[3]}" in message
    assert "check that the server is running" in message and "CHATBOT_DATABASE_URL" in message


def test_a_missing_database_on_a_running_server_is_named(postgres):
    url = postgres.url("no_such_store", password="hunter2-secret")
    with pytest.raises(ConfigError, match='cannot open the database .*no_such_store.*"no_such_store" does not exist'
                       ) as refused:
        AccountStore(url)
    assert "hunter2-secret" not in str(refused.value)


@pytest.mark.parametrize("url, needle", [
    ("not-a-url", "'not-a-url' cannot be used"),
    ("mysql+nosuchdriver://owner:topsecret@db.example/shop", "mysql+nosuchdriver://owner:***@db.example/shop"),
    ("postgresql+nosuchdriver://owner:topsecret@db.example/shop", "postgresql+nosuchdriver://owner:***@"),
])
def test_a_url_that_cannot_be_used_says_what_would_work(url, needle):
    with pytest.raises(ConfigError) as refused:
        ConversationStore(url)
    message = str(refused.value)
    assert needle in message and "topsecret" not in message
    assert "sqlite:///data/chatbot.sqlite3 or postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE" in message


def test_a_sqlite_database_whose_folder_cannot_be_made_says_so(tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(ConfigError, match="the folder .*taken.* cannot be made"):
        ConversationStore(f"sqlite:///{tmp_path / 'taken' / 'chat.sqlite3'}")


@pytest.mark.parametrize("given", ["postgresql://u:p@db.example/shop", "postgres://u:p@db.example/shop",
                                   "postgresql+psycopg://u:p@db.example/shop"])
def test_postgresql_urls_as_hosts_write_them_use_psycopg_with_a_checked_pool(given):
    engine = open_database(given)  # nothing is connected yet
    try:
        assert engine.url.drivername == "postgresql+psycopg" and engine.pool._pre_ping
        assert shown(engine.url) == "postgresql+psycopg://u:***@db.example/shop"
    finally:
        engine.dispose()
