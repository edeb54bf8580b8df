import json
import shutil

import pytest
from conftest import KNOWLEDGE, HashingEmbedder

from chatbot.common.errors import ChatbotError, IndexMismatchError
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index
from chatbot.ingest.store import KnowledgeIndex


def make_store(root):
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "returns.md").write_text("# Returns\n\n## Window\nReturn within 30 days.\n\n## Refunds\n"
                                                  "Refunds in 5-7 business days.\n")
    (root / "policies" / "shipping.md").write_text("# Shipping\nFree shipping over $50.\n")
    (root / "faq.jsonl").write_text(json.dumps({"question": "Do you ship to Canada?", "answer": "Yes."}) + "\n")
    return root


def index(paths, folder, embedder, **kw):
    return update_index(paths, folder, embedder, Chunker(), **kw)


def test_first_build_embeds_everything(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    report = index([store], tmp_path / "idx", fake_embedder)
    assert report.saved and report.embedded == report.chunks == 4 and report.documents == 3


def test_unchanged_folder_embeds_nothing_and_saves_nothing(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    index([store], tmp_path / "idx", fake_embedder)
    before = fake_embedder.texts_embedded
    report = index([store], tmp_path / "idx", fake_embedder)
    assert report.embedded == 0 and report.reused == 4 and not report.saved
    assert fake_embedder.texts_embedded == before
    assert (tmp_path / "idx" / "CURRENT").read_text() == "gen-000001"


def test_editing_one_file_re_embeds_only_its_changed_chunks(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    index([store], tmp_path / "idx", fake_embedder)
    returns = store / "policies" / "returns.md"
    returns.write_text(returns.read_text().replace("5-7", "3-5"))
    fake_embedder.calls.clear()
    report = index([store], tmp_path / "idx", fake_embedder)
    assert report.saved and report.embedded == 1 and report.reused == 3
    assert fake_embedder.calls == [["Returns > Refunds\nRefunds in 3-5 business days."]]
    loaded = KnowledgeIndex.load(tmp_path / "idx")
    assert "3-5" in loaded.documents["policies/returns.md"].text


def test_deleted_file_removes_its_documents_and_chunks(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    index([store], tmp_path / "idx", fake_embedder)
    (store / "policies" / "shipping.md").unlink()
    report = index([store], tmp_path / "idx", fake_embedder)
    assert report.removed_documents == 1 and report.embedded == 0
    loaded = KnowledgeIndex.load(tmp_path / "idx")
    assert "policies/shipping.md" not in loaded.documents
    assert all(c.doc_id != "policies/shipping.md" for c in loaded.chunks)


def test_a_file_that_breaks_keeps_its_indexed_documents(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    index([store], tmp_path / "idx", fake_embedder)
    (store / "policies" / "shipping.md").write_bytes(b"\x00\x01binary garbage")
    (store / "faq.jsonl").write_text("{broken json\n")
    report = index([store], tmp_path / "idx", fake_embedder)
    assert {p.path.split(":")[0].rsplit("/", 1)[-1] for p in report.problems} == {"shipping.md", "faq.jsonl"}
    loaded = KnowledgeIndex.load(tmp_path / "idx")
    assert "Free shipping over $50." in loaded.documents["policies/shipping.md"].text
    assert "faq:do-you-ship-to-canada" in loaded.documents


def test_indexing_another_folder_keeps_the_first(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "hours.md").write_text("# Hours\nOpen 9 to 6.")
    index([store], tmp_path / "idx", fake_embedder)
    report = index([extra], tmp_path / "idx", fake_embedder)
    assert report.embedded == 1 and report.documents == 4
    rebuilt = index([extra], tmp_path / "idx", fake_embedder, rebuild=True)
    assert rebuilt.documents == 1


def test_other_embedder_is_refused_unless_rebuilding(tmp_path, fake_embedder):
    store = make_store(tmp_path / "k")
    index([store], tmp_path / "idx", fake_embedder)
    other = HashingEmbedder(dimension=32, name="other-model")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        index([store], tmp_path / "idx", other)
    assert index([store], tmp_path / "idx", other, rebuild=True).embedded == 4


def test_nothing_loadable_is_an_error_naming_the_problem(tmp_path, fake_embedder):
    bad = tmp_path / "bad.md"
    bad.write_text("")
    with pytest.raises(ChatbotError, match="bad.md: file is empty"):
        index([bad], tmp_path / "idx", fake_embedder)


def test_progress_is_reported(tmp_path, fake_embedder):
    seen = []
    index([make_store(tmp_path / "k")], tmp_path / "idx", fake_embedder,
          progress=lambda message, fraction: seen.append((message, fraction)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("embedding") for m, _ in seen)


def test_demo_store_incremental_with_the_real_embedder(tmp_path, real_embedder):
    store = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, store)
    first = index([store], tmp_path / "idx", real_embedder)
    assert first.embedded == first.chunks > 300
    again = index([store], tmp_path / "idx", real_embedder)
    assert again.embedded == 0 and not again.saved
    warranty = store / "policies" / "warranty.md"
    doc_chunks = [c for c in KnowledgeIndex.load(tmp_path / "idx").chunks if c.doc_id == "policies/warranty.md"]
    warranty.write_text(warranty.read_text() + "\n\n## Extended care\nExtended care plans are not offered.\n")
    edited = index([store], tmp_path / "idx", real_embedder)
    assert edited.saved and edited.embedded == 1  # only the new section; the rest of the file is unchanged
    assert edited.reused == first.chunks and edited.chunks == first.chunks + 1
    assert len(doc_chunks) >= 3
