"""A replica takes new knowledge without a restart: another replica's upload reaches it through the database, and
while it loads the new index it keeps answering from the old one. Two bots on one SQLite database stand for two
replicas (the hashing embedder isolates this from the models; tests/test_replicas.py runs the real thing)."""

from __future__ import annotations

import json
import threading
import time

from conftest import scratch_database_url

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.converse.knowledge_watch import KnowledgeRefresher
from chatbot.data.knowledge_share import SharedKnowledge
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index
from chatbot.ingest.knowledge_sync import KnowledgeSync
from chatbot.ingest.uploads import UploadFolder


def replica(root, url, embedder, poll_s=0.2):
    knowledge = root / "knowledge"
    (knowledge / "policies").mkdir(parents=True)
    (knowledge / "policies" / "returns.md").write_text("# Returns\n\nReturns are accepted within 30 days.\n")
    settings = Settings(knowledge_dir=str(knowledge), uploads_dir=str(root / "uploads"), index_dir=str(root / "index"),
                        database_url=url, generator="extractive", judge="off", shop_skills=False,
                        knowledge_poll_s=poll_s)
    update_index([knowledge], settings.index_dir, embedder, Chunker())
    bot = Chatbot(settings, embedder=embedder)
    sync = KnowledgeSync(SharedKnowledge(url), {"knowledge": knowledge, "uploads": settings.uploads_dir})
    return bot, KnowledgeRefresher(bot, settings, sync), settings


def test_an_upload_on_one_replica_is_indexed_by_the_other_without_a_restart(tmp_path, fake_embedder):
    url = scratch_database_url(tmp_path, "shared.sqlite3")
    bot_a, refresher_a, settings_a = replica(tmp_path / "a", url, fake_embedder)
    bot_b, refresher_b, _ = replica(tmp_path / "b", url, fake_embedder)
    assert "uploaded/policies/gift-wrap.md" not in bot_b.documents
    refresher_b.watch()
    try:
        source = tmp_path / "gift-wrap.md"
        source.write_text("# Gift wrap\n\nGift wrapping costs $4.50 per order.\n")
        folder = UploadFolder(settings_a.uploads_dir)
        with refresher_a.changing() as change:  # as the admin page on A does it
            change.touch(folder.root / folder.add(source, "policies"))
        refresher_a.refresh()
        assert "uploaded/policies/gift-wrap.md" in bot_a.documents and bot_a.knowledge_version == 1
        embedded = fake_embedder.texts_embedded
        deadline = time.monotonic() + 10
        while bot_b.knowledge_version < 1:
            assert time.monotonic() < deadline, "B did not take A's upload"
            time.sleep(0.05)
        assert "uploaded/policies/gift-wrap.md" in bot_b.documents
        assert fake_embedder.texts_embedded - embedded == 1  # B embedded the one new chunk, nothing else
        hits = bot_b.retriever.search("gift wrapping cost", k=1)
        assert hits[0].chunk.doc_id == "uploaded/policies/gift-wrap.md"
    finally:
        refresher_b.stop()


def test_while_the_new_index_loads_questions_are_answered_from_the_old_one(tmp_path, fake_embedder):
    bot, _, settings = replica(tmp_path / "a", scratch_database_url(tmp_path, "db.sqlite3"), fake_embedder)
    old = bot.retriever
    loading, release = threading.Event(), threading.Event()
    load = bot._load_index

    def slow_load():  # a big index takes a while to read
        loading.set()
        release.wait(10)
        return load()

    bot._load_index = slow_load
    reload = threading.Thread(target=bot.reload_index, args=(7,))
    reload.start()
    assert loading.wait(10)
    started = time.monotonic()
    assert bot.retriever is old and bot.retriever.search("returns", k=1)  # at once, from the old index
    assert time.monotonic() - started < 1 and bot.knowledge_version == 0
    release.set()
    reload.join(10)
    assert bot.retriever is not old and bot.knowledge_version == 7


def test_a_catalog_webhook_on_one_replica_reaches_the_other_and_its_retry_there_is_a_duplicate(tmp_path,
                                                                                             fake_embedder):
    from chatbot.data.deliveries import WebhookDeliveries
    from chatbot.ingest.live_catalog import LiveCatalog

    url = scratch_database_url(tmp_path, "shared.sqlite3")
    catalogs = []
    for name in ("a", "b"):
        bot, refresher, settings = replica(tmp_path / name, url, fake_embedder)
        catalogs.append((bot, refresher, LiveCatalog(
            settings.knowledge_dir, settings.index_dir, fake_embedder, Chunker(), on_change=refresher.changed_here,
            deliveries=WebhookDeliveries(url, "catalog"), changing=refresher.changing)))
    (bot_a, _, live_a), (bot_b, refresher_b, live_b) = catalogs
    lantern = {"id": "fjord-lantern", "platform_id": "shopify:7006", "name": "Fjord Lantern", "price": 33.0,
               "category": "Outdoor", "description": "A rechargeable camping lantern."}
    assert live_a.apply("delivery-1", lambda: live_a.put_product("shopify:7006", lantern)) == "created"
    assert "product:fjord-lantern" in bot_a.documents and bot_a.knowledge_version == 1
    # the platform's retry of the same delivery reaches B: acknowledged, not applied twice
    assert live_b.apply("delivery-1", lambda: live_b.put_product("shopify:7006", lantern)) == "duplicate"
    refresher_b.refresh()  # what B's watcher does within knowledge_poll_s
    assert "product:fjord-lantern" in bot_b.documents and bot_b.knowledge_version == 1
    # the next change on B starts from A's file: both products are there, once each
    kettle = {**lantern, "id": "harbor-kettle", "platform_id": "shopify:7007", "name": "Harbor Kettle"}
    assert live_b.apply("delivery-2", lambda: live_b.put_product("shopify:7007", kettle)) == "created"
    lines = (tmp_path / "b" / "knowledge" / "catalog" / "shopify-live.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["fjord-lantern", "harbor-kettle"]
