"""Schema migrations on a real SQLite file and a real PostgreSQL database (each test taking ``database`` runs on
both): a new database, a store's database made before migrations (kept row for row), two processes upgrading at
once, a database from a newer version, a revision that fails, and adding a table as one revision file."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import ROOT, json_value
from legacy_schema import legacy_metadata
from test_storage import answer

from chatbot.common.errors import ConfigError
from chatbot.data import migrations
from chatbot.data.accounts import Account, AccountStore, hash_password
from chatbot.data.database import open_database
from chatbot.data.schema import metadata
from chatbot.data.storage import ConversationStore

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 11, 2, 9, 30)
C1, C2, M1, M2, M3, T1, T2 = (f"{n:032x}" for n in range(1, 8))
CITED = [{"doc_id": "policies/shipping.md", "title": "Shipping", "url": "https://shop.example/shipping",
          "excerpt": "We ship to Canada in 5-8 days."}]
CARD = {"id": "HP-1001", "name": "Tidepool Marble Run", "price": 34.99, "reviews": 2, "rating": 4.5}
HEAD = migrations.head()  # the newest revision; a scratch revision in these tests comes after it
NEXT = f"{int(HEAD) + 1:04d}"
TABLES = ("conversations", "messages", "feedback", "tickets", "staff_messages", "agent_replies", "audit_log")


def schema_differences(url: str) -> list:
    """What schema.py has that the database lacks, or the other way round (Alembic's autogenerate comparison)."""
    engine = open_database(url)
    try:
        with engine.connect() as db:
            return compare_metadata(MigrationContext.configure(db, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()


def make_legacy_store(url: str, products: bool, accounts: bool) -> None:
    """A store's database as the app made it before migrations (``metadata.create_all``), with a bit of everything:
    two conversations, answers with sources and cards, feedback, an open and a closed ticket with what staff said,
    an agent reply, the audit log, and (``accounts``) staff accounts with a live session."""
    tables = legacy_metadata(products=products, accounts=accounts)
    engine = open_database(url)
    tables.create_all(engine)
    t = tables.tables
    minute = timedelta(minutes=1)
    with engine.begin() as db:
        db.execute(t["conversations"].insert(), [{"id": C1, "channel": "widget", "created_at": T0},
                                                 {"id": C2, "channel": "chat", "created_at": T0 + minute}])
        cards = {"products": [CARD]} if products else {}
        db.execute(t["messages"].insert(), [
            {"id": M1, "conversation_id": C1, "question": "Do you ship to Canada?", "answer": "Yes, in 5-8 days [1].",
             "abstained": False, "handoff": False, "reason": None, "confidence": 0.82, "citations": CITED,
             "product_id": "HP-1001", "created_at": T0, **cards},
            {"id": M2, "conversation_id": C1, "question": "Where is order 4410?", "answer": "A person will help.",
             "abstained": True, "handoff": True, "reason": "order", "confidence": 0.0, "citations": [],
             "product_id": None, "created_at": T0 + minute, **({"products": None} if products else {})},
            {"id": M3, "conversation_id": C2, "question": "Gift wrap?", "answer": "I couldn't find that.",
             "abstained": True, "handoff": False, "reason": "not_in_sources", "confidence": 0.1, "citations": [],
             "product_id": None, "created_at": T0 + minute, **({"products": None} if products else {})}])
        db.execute(t["feedback"].insert().values(message_id=M1, rating=1, comment="helpful", created_at=T0 + minute))
        db.execute(t["tickets"].insert(), [
            {"id": T1, "conversation_id": C1, "reason": "order", "status": "open", "open_for": C1,
             "created_at": T0 + minute},
            {"id": T2, "conversation_id": C2, "reason": "asked_for_person", "status": "closed", "open_for": None,
             "created_at": T0 + minute}])
        db.execute(t["staff_messages"].insert(), [
            {"id": f"{11:032x}", "conversation_id": C1, "ticket_id": T1, "author": "ana", "kind": "joined",
             "text": "Ana from our team has joined the chat.", "dedupe": None, "created_at": T0 + 2 * minute},
            {"id": f"{12:032x}", "conversation_id": C1, "ticket_id": T1, "author": "ana", "kind": "reply",
             "text": "It left our warehouse today.", "dedupe": "d" * 64, "created_at": T0 + 3 * minute}])
        db.execute(t["agent_replies"].insert().values(
            id=f"{13:032x}", ticket_id=T1, customer_message="Where is order 4410?", draft_text="It ships today.",
            final_text="It left our warehouse today.", sent=True, created_at=T0 + 3 * minute))
        db.execute(t["audit_log"].insert().values(actor="lee", action="upload", detail="Policy: returns.md",
                                                  created_at=T0))
        if accounts:
            db.execute(t["users"].insert(), [
                {"name": "ana", "role": "agent", "password_hash": hash_password(PASSWORD), "failures": 0,
                 "locked_until": None, "created_at": T0},
                {"name": "lee", "role": "admin", "password_hash": hash_password(PASSWORD), "failures": 2,
                 "locked_until": None, "created_at": T0}])
            db.execute(t["sessions"].insert().values(
                token_hash=hashlib.sha256(b"legacy-token").hexdigest(), user_name="ana",
                expires_at=datetime(2099, 1, 1), created_at=T0))
    engine.dispose()


def inspect(url: str, what: str, *args):
    engine = sa.create_engine(url)
    try:
        return getattr(sa.inspect(engine), what)(*args)
    finally:
        engine.dispose()


def counts(database, tables) -> dict[str, int]:
    return {name: database.rows(f"SELECT count(*) AS n FROM {name}")[0]["n"] for name in tables}


def test_a_new_database_is_made_at_the_newest_revision_and_matches_the_schema(database):
    store = ConversationStore(database.url)
    try:
        assert migrations.current(store._engine) == migrations.head()
    finally:
        store.close()
    differences = schema_differences(database.url)
    assert differences == [], (f"chatbot/data/schema.py and the migrations differ: {differences}; write the "
                               "revision that makes them agree: python -m chatbot db revision \"what changed\"")
    assert database.rows("SELECT version_num FROM alembic_version") == [{"version_num": HEAD}]


@pytest.mark.parametrize("made", ["today", "before_products"])
def test_a_database_made_before_migrations_is_adopted_keeping_every_row(database, made):
    """``today``: created by main's schema as it was when migrations began; ``before_products``: older still, its
    messages without ``products`` and no staff accounts yet. Both upgrade in place with every row intact."""
    with_products = with_accounts = made == "today"
    make_legacy_store(database.url, products=with_products, accounts=with_accounts)
    before = counts(database, TABLES + (("users", "sessions") if with_accounts else ()))
    assert "alembic_version" not in inspect(database.url, "get_table_names")

    store, accounts = ConversationStore(database.url), AccountStore(database.url, sleep=lambda s: None)
    try:
        assert migrations.current(store._engine) == migrations.head()
        assert counts(database, before) == before  # not a row lost or added
        transcript = store.get_transcript(C1)
        assert [(t["role"], t["text"]) for t in transcript] == [
            ("user", "Do you ship to Canada?"), ("assistant", "Yes, in 5-8 days [1]."),
            ("user", "Where is order 4410?"), ("assistant", "A person will help."),
            ("agent", "Ana from our team has joined the chat."), ("agent", "It left our warehouse today.")]
        assert transcript[1]["citations"] == CITED
        assert transcript[1]["products"] == ([CARD] if with_products else [])
        assert transcript[0]["created_at"] == "2026-11-02T09:30:00+00:00"
        assert store.feedback_for(M1) == [{"rating": 1, "comment": "helpful",
                                           "created_at": "2026-11-02T09:31:00+00:00"}]
        assert store.ticket_for(C1) == {"id": T1, "assigned_to": "ana"}
        assert [(t["id"], t["status"]) for t in store.list_tickets("all")] == [(T2, "closed"), (T1, "open")]
        assert [m["kind"] for m in store.conversation_updates(C1)["messages"]] == ["joined", "reply"]
        assert [r["final_text"] for r in store.export_agent_replies()] == ["It left our warehouse today."]
        assert [a["detail"] for a in store.audit_log()] == ["Policy: returns.md"]
        if with_accounts:
            assert accounts.session("legacy-token") == Account("ana", "agent")  # still signed in
            assert accounts.sign_in("lee", PASSWORD)[1] == Account("lee", "admin")
        assert [a.name for a in accounts.list()] == (["ana", "lee"] if with_accounts else [])

        # and the store goes on where it was: new rows after the old ones, the old ticket's rules still kept
        old_seq = max(r["seq"] for r in database.rows("SELECT seq FROM messages"))
        long_id = "the-trailhead-merino-tee-" * 8  # 200 characters: VARCHAR(128) before revision 0003
        carded = answer("The Tidepool Marble Run [1].", product_id=long_id)
        carded.products = [CARD]
        store.record_turn(C1, "And a marble run?", carded)
        new = database.rows(f"SELECT seq, product_id, products FROM messages WHERE seq > {old_seq}")
        assert [(r["product_id"], json_value(r["products"])) for r in new] == [(long_id, [CARD])]
        assert store.open_ticket(C1, "again") == T1  # one open ticket per conversation, as before
        assert store.open_ticket(C2, "back") not in (T1, T2)
        assert store.send_staff_reply(T1, "ana", "It left our warehouse today.")[1] is True  # the shopper wrote since
    finally:
        store.close()
        accounts.close()
    assert schema_differences(database.url) == []
    assert migrations.upgrade_url(database.url) == (HEAD, HEAD)  # a restart: nothing more to do


OPEN_AT = """
import sys, time
from chatbot.data.storage import ConversationStore
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
ConversationStore(sys.argv[1]).close()
"""


def test_processes_starting_together_upgrade_once(database):
    """Four processes open a new database at the same moment (as workers starting together would): the database's
    lock makes one upgrade it and the others find it done."""
    at = time.time() + 2.0  # after every process has imported the app
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = [subprocess.Popen([sys.executable, "-c", OPEN_AT, database.url, str(at)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [process.communicate(timeout=120) + (process.returncode,) for process in started]
    assert [code for *_, code in results] == [0, 0, 0, 0], [err for _, err, _ in results]
    assert database.rows("SELECT version_num FROM alembic_version") == [{"version_num": HEAD}]
    assert "messages" in inspect(database.url, "get_table_names")


def test_a_database_a_newer_version_upgraded_is_refused_and_left_alone(database):
    store = ConversationStore(database.url)
    conversation, _ = store.record_turn(None, "hi", answer())
    store.close()
    engine = open_database(database.url)
    with engine.begin() as db:
        db.execute(sa.text("UPDATE alembic_version SET version_num = '0042'"))
    engine.dispose()
    with pytest.raises(ConfigError, match="revision '0042', which this version of the app does not know.*newer"):
        ConversationStore(database.url)
    assert database.rows("SELECT version_num FROM alembic_version") == [{"version_num": "0042"}]
    assert database.rows("SELECT id FROM conversations") == [{"id": conversation}]


@pytest.fixture
def scratch_migrations(tmp_path, monkeypatch):
    """A copy of the migrations folder that a test may add revisions to; the real one is never written."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.HERE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "HERE", folder)
    monkeypatch.setattr(migrations, "VERSIONS", folder / "versions")
    migrations._scripts.cache_clear()
    yield folder
    migrations._scripts.cache_clear()


FAILING = f'''
import sqlalchemy as sa
from alembic import op

revision = "{NEXT}"
down_revision = "{HEAD}"
branch_labels = depends_on = None


def upgrade():
    op.create_table("gift_cards", sa.Column("code", sa.String(16), primary_key=True))
    op.add_column("messages", sa.Column("gift_card", sa.String(16)))
    op.execute("INSERT INTO no_such_table VALUES (1)")  # fails after changing two things


def downgrade():
    pass
'''


def test_a_revision_that_fails_changes_nothing(database, scratch_migrations):
    """Every missing revision runs in one transaction: one that fails undoes the ones before it too."""
    ConversationStore(database.url).close()  # at the newest revision
    empty = database.another()
    (scratch_migrations / "versions" / f"{NEXT}_gift_cards.py").write_text(FAILING)
    migrations._scripts.cache_clear()
    for url, was in ((database.url, HEAD), (empty.url, "(none)")):
        with pytest.raises(ConfigError, match=f"from revision {re.escape(was)} to head failed, and nothing was "
                                              "changed.*no_such_table"):
            ConversationStore(url)
    assert "gift_card" not in {c["name"] for c in inspect(database.url, "get_columns", "messages")}
    assert "gift_cards" not in inspect(database.url, "get_table_names")
    assert database.rows("SELECT version_num FROM alembic_version") == [{"version_num": HEAD}]
    assert inspect(empty.url, "get_table_names") == []  # not even the tables of the revisions before


def test_adding_a_table_is_one_revision_file(database, scratch_migrations):
    """What a change to the schema takes: the table in schema.py, then `db revision` writes the file that makes
    every database match; a store opened afterwards has the table, and schema and database agree."""
    gift_cards = sa.Table("gift_cards", metadata, sa.Column("code", sa.String(16), primary_key=True),
                          sa.Column("balance_cents", sa.Integer, nullable=False),
                          sa.Column("created_at", sa.DateTime, nullable=False, index=True))
    try:
        written = migrations.new_revision("add gift cards")
        assert written.parent == scratch_migrations / "versions" and written.name == f"{NEXT}_add_gift_cards.py"
        text = written.read_text()
        assert f"revision = '{NEXT}'" in text and f"down_revision = '{HEAD}'" in text
        assert "op.create_table('gift_cards'" in text and "op.drop_table('gift_cards')" in text
        assert "messages" not in text  # nothing else
        store = ConversationStore(database.url)
        store.close()
        assert "gift_cards" in inspect(database.url, "get_table_names")
        assert migrations.current_url(database.url) == migrations.head()
        assert schema_differences(database.url) == []
    finally:
        metadata.remove(gift_cards)
