import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import ROOT, HashingEmbedder

from chatbot.common.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from chatbot.common.types import Document
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.store import KnowledgeIndex


def small_index(embedder, texts=("Returns within 30 days.", "Free shipping over $50.")):
    docs = {f"d{i}": Document(id=f"d{i}", title=f"Doc {i}", text=t, kind="policy", meta={"n": i})
            for i, t in enumerate(texts)}
    chunks = Chunker().split(docs.values())
    return KnowledgeIndex(embedder.name, docs, chunks, embedder.embed([c.embed_text for c in chunks]))


def test_round_trip_keeps_documents_chunks_and_vectors(tmp_path, fake_embedder):
    index = small_index(fake_embedder)
    index.save(tmp_path)
    loaded = KnowledgeIndex.load(tmp_path, fake_embedder.name, fake_embedder.dimension)
    assert loaded.documents == index.documents
    assert [c.id for c in loaded.chunks] == [c.id for c in index.chunks]
    assert loaded.chunks[0].meta == {"n": 0}
    np.testing.assert_allclose(loaded.vectors(), index.vectors())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "gen-000001"]


def test_each_save_is_a_new_generation_and_old_ones_are_removed(tmp_path, fake_embedder):
    small_index(fake_embedder).save(tmp_path)
    small_index(fake_embedder, ("Changed text.",)).save(tmp_path)
    assert (tmp_path / "CURRENT").read_text() == "gen-000002"
    assert not (tmp_path / "gen-000001").exists()
    assert len(KnowledgeIndex.load(tmp_path).chunks) == 1


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexNotFoundError, match="python -m chatbot index"):
        KnowledgeIndex.load(tmp_path / "none")


def test_embedder_mismatch_names_both_models_and_the_fix(tmp_path, fake_embedder):
    small_index(fake_embedder).save(tmp_path)
    other = HashingEmbedder(dimension=32, name="bge-small")
    with pytest.raises(IndexMismatchError) as err:
        KnowledgeIndex.load(tmp_path, other.name, other.dimension)
    message = str(err.value)
    assert "test/hashing-64 (64 dims)" in message and "bge-small (32 dims)" in message and "--rebuild" in message


def test_damaged_files_are_reported_with_the_fix(tmp_path, fake_embedder):
    live = small_index(fake_embedder).save(tmp_path)
    (live / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="--rebuild"):
        KnowledgeIndex.load(tmp_path)
    (live / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="manifest"):
        KnowledgeIndex.load(tmp_path)


CRASHING_SAVE = textwrap.dedent("""
    import os, signal, sys
    sys.path[:0] = [{root!r}, {tests!r}]
    import chatbot.ingest.store as store
    from conftest import HashingEmbedder
    from test_store import small_index

    real_write = store._write_sqlite
    def write_then_die(path, documents, chunks):
        real_write(path, documents, chunks)   # half the new generation is on disk...
        os.kill(os.getpid(), signal.SIGKILL)  # ...when the process is killed
    store._write_sqlite = write_then_die
    small_index(HashingEmbedder(), ("A brand new text that must not appear.",)).save({folder!r})
""")


def test_killed_mid_save_leaves_the_previous_index_loadable(tmp_path, fake_embedder):
    small_index(fake_embedder).save(tmp_path)
    script = CRASHING_SAVE.format(root=str(ROOT), tests=str(ROOT / "tests"), folder=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert any(p.name.startswith(".staging-") for p in tmp_path.iterdir())  # the save really was under way
    loaded = KnowledgeIndex.load(tmp_path, fake_embedder.name, fake_embedder.dimension)
    assert sorted(d.text for d in loaded.documents.values()) == ["Free shipping over $50.", "Returns within 30 days."]
    # the next save cleans up the abandoned staging folder
    small_index(fake_embedder).save(tmp_path)
    assert not any(p.name.startswith(".staging-") for p in tmp_path.iterdir())
    assert os.listdir(tmp_path) and (tmp_path / "CURRENT").read_text() == "gen-000002"
