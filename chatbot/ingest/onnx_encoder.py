"""A sentence-transformers model's encoder run by ONNX Runtime: the same vectors for about half the CPU.

Embedding the shopper's message is the largest single cost of a catalog answer (the skills router reads its
vector), and PyTorch's eager mode spends much of a short sentence's forward pass on per-operation overhead.
ONNX Runtime runs the same graph with fused operations: on this project's 2-core machine one question took
about 10 ms of CPU against 25 ms, eight at once 29 ms against 50 ms.

The model's transformer is exported once with torch's own ONNX exporter into the model folder (``model_dir``,
named by a digest of its weights, so another model or a changed one gets its own file), and linked into this
user's cache, where another data folder on the machine finds it. Each load checks the
ONNX output against the PyTorch model on probe sentences, a long one included: a difference above
``TOLERANCE`` in any vector keeps PyTorch, as does a model that is not a plain transformer with mean pooling,
or a missing ``onnxruntime``/``onnx``. Every fallback is logged with its reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

log = logging.getLogger(__name__)

TOLERANCE = 1e-4  # largest allowed difference in any vector component against PyTorch (seen: about 2e-7)
_PROBES = ("Is the blue hoodie in stock in size L?", "do u ship to canada",
           " ".join(["Our returns policy covers unworn items with tags attached within 30 days."] * 40))


class OnnxSentenceEncoder:
    """``encode(texts)``: L2-normalised mean-pooled vectors, as ``SentenceTransformer.encode`` gives them."""

    def __init__(self, session: Any, tokenizer: Any, max_length: int, inputs: list[str], batch_size: int):
        self._session, self._tokenizer = session, tokenizer
        self._max_length, self._inputs, self._batch_size = max_length, inputs, batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # longest first in batches of similar length, as sentence-transformers does: less padding
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [self._batch([texts[i] for i in order[start:start + self._batch_size]])
                   for start in range(0, len(order), self._batch_size)]
        vectors = np.empty((len(texts), batches[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(batches)
        return vectors

    def _batch(self, texts: list[str]) -> np.ndarray:
        tokens = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_length,
                                 return_tensors="np")
        feed = {name: np.asarray(tokens[name], dtype=np.int64) for name in self._inputs}
        hidden = self._session.run(None, feed)[0]
        mask = np.asarray(tokens["attention_mask"], dtype=np.float32)[..., None]
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32)


def onnx_encoder(model: Any, folder: str | Path, batch_size: int) -> OnnxSentenceEncoder | None:
    """An ONNX Runtime encoder giving ``model``'s vectors, or None (logged) when it can't or they differ."""
    why = _unsupported(model)
    if why:
        log.info("embedder stays on PyTorch: %s", why)
        return None
    try:
        import onnxruntime as ort
    except ImportError:
        log.info("embedder stays on PyTorch: onnxruntime is not installed")
        return None
    transformer = model[0]
    inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids")
              if name in transformer.tokenizer("probe", return_tensors="np")]
    options = ort.SessionOptions()
    options.intra_op_num_threads = _torch_threads()  # as many as PyTorch would use
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads yield the CPU
    try:
        path = _exported(transformer, inputs, Path(folder))
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged file (a disk filled up mid-write): made again, once
            log.warning("the exported embedder %s can't be read (%s); exporting it again", path, exc)
            for copy in (path, _shared_cache() / path.name):
                copy.unlink(missing_ok=True)
            path = _exported(transformer, inputs, Path(folder))
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # an exporter or runtime that can't handle this model: PyTorch still can
        log.warning("embedder stays on PyTorch: exporting it to ONNX failed (%s)", exc)
        return None
    encoder = OnnxSentenceEncoder(session, transformer.tokenizer, int(transformer.max_seq_length), inputs,
                                  batch_size)
    expected = model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    difference = float(np.abs(encoder.encode(list(_PROBES)) - expected).max())
    if difference > TOLERANCE:
        log.warning("embedder stays on PyTorch: its ONNX copy differs by %.2g (more than %.0e)", difference,
                    TOLERANCE)
        return None
    log.info("embedder runs on ONNX Runtime (%s; largest difference from PyTorch %.1g)", path.name, difference)
    return encoder


def _unsupported(model: Any) -> str:
    """Why this model's vectors can't be made by the plain transformer + mean pooling graph ("" when they can)."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return f"its modules are {kinds}, not a transformer with pooling"
    pooling = model[1].get_config_dict() if hasattr(model[1], "get_config_dict") else {}
    mode = pooling.get("pooling_mode") or ("mean" if pooling.get("pooling_mode_mean_tokens") else None)
    if mode != "mean":
        return f"its pooling is {mode!r}, not mean"
    if str(getattr(model, "device", "cpu")) != "cpu":
        return "it runs on a GPU"
    return ""


def _exported(transformer: Any, inputs: list[str], folder: Path) -> Path:
    """The ONNX file for this transformer's weights, exported now when the folder has none."""
    import torch

    network = transformer.auto_model
    digest = hashlib.sha256(type(network).__name__.encode())
    for name, tensor in sorted(network.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes()[:65536])
    name = f"embedder-{digest.hexdigest()[:16]}.onnx"
    for known in (folder / name, _shared_cache() / name):
        if known.exists():
            return known
    path = folder / name
    folder.mkdir(parents=True, exist_ok=True)

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *tensors):
            return self.inner(**dict(zip(inputs, tensors))).last_hidden_state

    sample = transformer.tokenizer(["an example", "a longer example sentence"], padding=True, return_tensors="pt")
    # written beside its final name, then renamed: a second process never reads half a file
    handle, partial = tempfile.mkstemp(suffix=".onnx.part", dir=folder)
    os.close(handle)
    try:
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shape checks; the probes check the result
            torch.onnx.export(_Hidden(network.eval()), tuple(sample[name] for name in inputs), partial,
                              dynamo=False, input_names=inputs, output_names=["hidden"], opset_version=17,
                              dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*inputs, "hidden"]})
        os.chmod(partial, 0o644)  # mkstemp makes it private; the file is a model anyone running the app reads
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    log.info("exported the embedder to %s", path)
    _share(path)
    return path


def _shared_cache() -> Path:
    """This user's cache of exported embedders (``$XDG_CACHE_HOME/store-chatbot``): another data folder on the
    same machine (a second store, a test run) finds the export there instead of making it again."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "store-chatbot"


def _share(path: Path) -> None:
    """A link (or copy) of a new export in the shared cache; a cache that can't be written is skipped."""
    target = _shared_cache() / path.name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            try:
                os.link(path, target)
            except OSError:  # another file system
                import shutil

                shutil.copyfile(path, target)
    except OSError as exc:
        log.info("the embedder export stays in %s only (%s)", path.parent, exc)


def _torch_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())
