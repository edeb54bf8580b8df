"""The knowledge app replicas share through the database, and the webhook deliveries they apply once, on SQLite and
PostgreSQL: each replica is a ``KnowledgeSync`` over its own folders."""

from __future__ import annotations

import threading

import pytest

from chatbot.data.deliveries import WebhookDeliveries
from chatbot.data.knowledge_share import SharedKnowledge
from chatbot.ingest.knowledge_sync import KnowledgeSync


def replica(database, folder):
    """One replica's view: its own knowledge and uploads folders, the shared database."""
    (folder / "knowledge").mkdir(parents=True)
    return KnowledgeSync(SharedKnowledge(database.url),
                         {"knowledge": folder / "knowledge", "uploads": folder / "uploads"})


def test_an_upload_and_a_removal_on_one_replica_reach_another(database, tmp_path):
    a, b = replica(database, tmp_path / "a"), replica(database, tmp_path / "b")
    upload = tmp_path / "a" / "uploads" / "uploaded" / "policies" / "gift-wrap.md"
    with a.changing() as change:
        upload.parent.mkdir(parents=True)
        upload.write_text("# Gift wrap\nWe wrap any order for $4.", encoding="utf-8")
        change.touch(upload)
    assert a.version == 1 and a.shared.version() == 1
    written = b.pull()
    copy = tmp_path / "b" / "uploads" / "uploaded" / "policies" / "gift-wrap.md"
    assert written == [copy.resolve()] and copy.read_text(encoding="utf-8") == "# Gift wrap\nWe wrap any order for $4."
    assert b.version == 1 and b.pull() == []  # nothing new: nothing written

    with a.changing() as change:
        upload.unlink()
        change.touch(upload)
    assert b.pull() == [copy.resolve()] and not copy.exists() and b.version == 2


def test_a_change_starts_from_the_newest_copy_of_every_replica(database, tmp_path):
    # a catalog webhook reads, changes and writes a file: on B it must start from what A wrote, or A's change is lost
    a, b = replica(database, tmp_path / "a"), replica(database, tmp_path / "b")
    for folder in (a, b):
        (folder.roots["knowledge"] / "catalog.jsonl").write_text('{"id": "1"}\n', encoding="utf-8")
    with a.changing() as change:
        path = a.roots["knowledge"] / "catalog.jsonl"
        path.write_text(path.read_text(encoding="utf-8") + '{"id": "2"}\n', encoding="utf-8")
        change.touch(path)
    with b.changing() as change:  # B has not pulled: the change brings A's copy in first
        path = b.roots["knowledge"] / "catalog.jsonl"
        path.write_text(path.read_text(encoding="utf-8") + '{"id": "3"}\n', encoding="utf-8")
        change.touch(path)
    a.pull()
    assert (a.roots["knowledge"] / "catalog.jsonl").read_text(encoding="utf-8") == \
        '{"id": "1"}\n{"id": "2"}\n{"id": "3"}\n'
    assert a.version == b.version == 2


def test_concurrent_changes_on_two_replicas_take_turns_and_lose_nothing(database, tmp_path):
    a, b = replica(database, tmp_path / "a"), replica(database, tmp_path / "b")

    def add_lines(sync, tag):
        for n in range(5):
            with sync.changing() as change:
                path = sync.roots["knowledge"] / "log.txt"
                path.write_text((path.read_text() if path.exists() else "") + f"{tag}{n}\n")
                change.touch(path)

    threads = [threading.Thread(target=add_lines, args=(sync, tag)) for sync, tag in ((a, "a"), (b, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    a.pull()
    lines = (a.roots["knowledge"] / "log.txt").read_text().split()
    assert sorted(lines) == sorted([f"a{n}" for n in range(5)] + [f"b{n}" for n in range(5)])
    assert a.shared.version() == 10


def test_a_change_that_fails_shares_nothing_and_a_plain_reindex_raises_the_version(database, tmp_path):
    a, b = replica(database, tmp_path / "a"), replica(database, tmp_path / "b")
    path = a.roots["knowledge"] / "faq.md"
    with pytest.raises(RuntimeError):
        with a.changing() as change:
            path.write_text("half written")
            change.touch(path)
            raise RuntimeError("embedding failed")
    assert a.shared.version() == 0 and a.shared.files() == {} and a.version == 0
    with a.changing():  # the admin's Re-index: nothing changed, every replica re-indexes all the same
        pass
    assert b.shared.version() == 1 and b.pull() == [] and b.version == 1


def test_a_shared_name_never_writes_outside_the_replica_folders(database, tmp_path):
    a = replica(database, tmp_path / "a")
    assert a.path_of("uploads/../../escaped.md") is None
    assert a.path_of("elsewhere/x.md") is None
    assert a.path_of("knowledge/policies/returns.md") == (tmp_path / "a" / "knowledge" / "policies" /
                                                          "returns.md").resolve()
    with pytest.raises(Exception, match="none of the shared knowledge folders"):
        a.name_of(tmp_path / "outside.md")


def test_a_webhook_delivery_is_claimed_once_across_replicas(database):
    first, second = WebhookDeliveries(database.url, "catalog"), WebhookDeliveries(database.url, "catalog")
    orders = WebhookDeliveries(database.url, "orders")
    assert first.claim("d-1") and not second.claim("d-1")  # the platform's retry reached the other replica
    assert orders.claim("d-1")  # each log is its own set of ids
    second.release("d-1")  # applying failed: the next retry applies it
    assert first.claim("d-1")
    long_id = "x" * 400 + "\x00"  # from a request: stored by its hash, still once
    assert first.claim(long_id) and not second.claim(long_id)
    for log in (first, second, orders):
        log.close()


def test_index_share_sends_this_machines_edits_and_removals_to_every_replica(database, tmp_path):
    from chatbot.common.errors import InputError
    from chatbot.ingest.knowledge_sync import share_paths

    a, b = replica(database, tmp_path / "a"), replica(database, tmp_path / "b")
    knowledge = a.roots["knowledge"]
    (knowledge / "policies").mkdir()
    (knowledge / "policies" / "returns.md").write_text("Returns within 30 days.")
    (knowledge / "policies" / "shipping.md").write_text("We ship to Canada.")
    (knowledge / ".draft.md").write_text("not ready")  # hidden: the loaders skip it, so it is never shared
    assert share_paths(a, [knowledge]) == ["knowledge/policies/returns.md", "knowledge/policies/shipping.md"]
    b.pull()
    assert (b.roots["knowledge"] / "policies" / "returns.md").read_text() == "Returns within 30 days."
    assert not (b.roots["knowledge"] / ".draft.md").exists()

    (knowledge / "policies" / "returns.md").write_text("Returns within 45 days.")
    (knowledge / "policies" / "shipping.md").unlink()
    assert share_paths(a, [knowledge]) == ["knowledge/policies/returns.md", "knowledge/policies/shipping.md"]
    assert not (knowledge / "policies" / "shipping.md").exists()  # not brought back from the shared copy
    b.pull()
    assert (b.roots["knowledge"] / "policies" / "returns.md").read_text() == "Returns within 45 days."
    assert not (b.roots["knowledge"] / "policies" / "shipping.md").exists()
    assert share_paths(a, [knowledge]) == [] and b.shared.version() == 3  # unchanged: a re-index all the same
    with pytest.raises(InputError, match="none of the shared knowledge folders"):
        share_paths(a, [tmp_path])
