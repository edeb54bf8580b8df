"""The embedder on ONNX Runtime gives PyTorch's vectors, and falls back to PyTorch whenever it can't."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from chatbot.common.errors import ConfigError
from chatbot.ingest.embedding import SentenceTransformerEmbedder, _bundled_path
from chatbot.ingest.onnx_encoder import onnx_encoder

TEXTS = ["Is the blue hoodie in stock in size L?", "do u ship 2 canada??", "", "Café crème — ¿tienen envío?",
         "Returns are accepted within 30 days of delivery. " * 60,  # past the 256-token limit: truncated alike
         "price", "What's the difference between the Harbor Buds and the Harbor Buds Pro for running?"]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:  # an empty shared cache: this module makes the export
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        onnx = SentenceTransformerEmbedder(model_dir=str(folder))
        torch = SentenceTransformerEmbedder(runtime="torch")
        onnx.embed(["load"])
        yield onnx, torch, folder


def test_onnx_vectors_are_pytorchs(both):
    onnx, torch, _ = both
    assert onnx._onnx is not None, "the bundled MiniLM should run on ONNX Runtime"
    got, expected = onnx.embed(TEXTS), torch.embed(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # one text at a time (the chat's case) gives the batch's vectors
    assert np.abs(onnx.embed([TEXTS[1]])[0] - got[1]).max() < 1e-5


def test_the_export_is_made_once_and_reused(both, caplog):
    _, _, folder = both
    [exported] = folder.glob("embedder-*.onnx")
    before = exported.stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="chatbot.ingest.onnx_encoder"):
        again = SentenceTransformerEmbedder(model_dir=str(folder))
        again.embed(["x"])
    assert again._onnx is not None and exported.stat().st_mtime_ns == before
    assert "exported the embedder" not in caplog.text and "ONNX Runtime" in caplog.text


def test_another_data_folder_finds_the_export_in_the_shared_cache(both, tmp_path):
    _, _, folder = both
    [exported] = folder.glob("embedder-*.onnx")
    other = SentenceTransformerEmbedder(model_dir=str(tmp_path / "models"))
    other.embed(["x"])
    assert other._onnx is not None and not (tmp_path / "models").exists()  # nothing exported again
    assert exported.stat().st_nlink == 2  # the cache's link to the first export


def test_a_damaged_export_is_made_again(both):
    onnx, _, folder = both
    [exported] = folder.glob("embedder-*.onnx")
    exported.write_bytes(b"not a model")  # a disk that filled up mid-write
    encoder = onnx_encoder(onnx._load(), folder, batch_size=8)
    assert encoder is not None and exported.stat().st_size > 1_000_000
    assert np.abs(encoder.encode(TEXTS[:2]) - onnx.embed(TEXTS[:2])).max() < 1e-5


def test_a_model_with_other_pooling_stays_on_pytorch(tmp_path, caplog):
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(_bundled_path())
    cls_pooled = SentenceTransformer(modules=[transformer, models.Pooling(384, pooling_mode="cls")], device="cpu")
    with caplog.at_level(logging.INFO, logger="chatbot.ingest.onnx_encoder"):
        assert onnx_encoder(cls_pooled, tmp_path, batch_size=8) is None
    assert "pooling is 'cls'" in caplog.text and not list(tmp_path.glob("*.onnx"))


def test_an_unknown_runtime_is_refused_with_the_setting_to_fix():
    with pytest.raises(ConfigError, match="CHATBOT_EMBED_RUNTIME"):
        SentenceTransformerEmbedder(runtime="tensorrt")
