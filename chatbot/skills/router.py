"""Which skill a message asks for, from its meaning: a classifier over the sentence embeddings.

Trained on ``router_examples.jsonl`` (shopper messages written for the demo store's kind of shop, each
labelled with one skill, with a held-out ``test`` split) with scikit-learn's logistic regression over
the same embeddings retrieval uses, so routing costs one dot product per label. The fitted weights are
kept beside the index, keyed by the embedder and the examples, so a restart does not re-embed them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embedding import Embedder
from ..errors import ConfigError

log = logging.getLogger(__name__)

EXAMPLES = Path(__file__).with_name("router_examples.jsonl")
LABELS = ("policy", "catalog_search", "recommend", "attribute", "reviews", "compare", "availability", "order",
          "smalltalk", "off_topic")


@dataclass(frozen=True)
class Route:
    skill: str
    confidence: float  # the classifier's probability for that skill


def read_examples(path: Path = EXAMPLES) -> list[dict]:
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"router examples {path} cannot be read ({exc}); restore the file from the repository")
    unknown = {r.get("label") for r in rows} - set(LABELS)
    if unknown:
        raise ConfigError(f"router examples {path} use unknown labels {sorted(map(str, unknown))}; use {LABELS}")
    return rows


class Router:
    def __init__(self, embedder: Embedder, cache_dir: str | Path | None = None, examples: Path = EXAMPLES):
        self.embedder = embedder
        self._examples = examples
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._weights: np.ndarray | None = None
        self._bias: np.ndarray | None = None

    def route(self, vector: np.ndarray) -> Route:
        """The skill for a message's (normalised) embedding."""
        weights, bias = self._model()
        scores = weights @ np.asarray(vector, dtype=np.float32) + bias
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        return Route(LABELS[best], float(probabilities[best]))

    def route_text(self, text: str) -> Route:
        return self.route(self.embedder.embed([text])[0])

    def held_out_accuracy(self) -> tuple[float, int]:
        """Accuracy on the examples' ``test`` split (never trained on), and its size."""
        test = [r for r in read_examples(self._examples) if r["split"] == "test"]
        vectors = self.embedder.embed([r["text"] for r in test])
        right = sum(self.route(v).skill == r["label"] for v, r in zip(vectors, test))
        return right / len(test), len(test)

    def _model(self) -> tuple[np.ndarray, np.ndarray]:
        if self._weights is None:
            self._weights, self._bias = self._load() or self._fit()
        return self._weights, self._bias

    def _key(self) -> str:
        digest = hashlib.sha256(self._examples.read_bytes() + self.embedder.name.encode()).hexdigest()[:16]
        return f"router-{digest}.npz"

    def _load(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self._cache_dir is None or not (path := self._cache_dir / self._key()).exists():
            return None
        try:
            with np.load(path) as saved:
                return saved["weights"], saved["bias"]
        except (OSError, ValueError, KeyError):
            return None

    def _fit(self) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        train = [r for r in read_examples(self._examples) if r["split"] == "train"]
        vectors = self.embedder.embed([r["text"] for r in train])
        labels = [LABELS.index(r["label"]) for r in train]
        # C and the class weights were chosen by 5-fold cross-validation on the train split alone
        model = LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000, random_state=0).fit(vectors, labels)
        weights, bias = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
        if self._cache_dir is not None:
            try:
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                np.savez(self._cache_dir / self._key(), weights=weights, bias=bias)
            except OSError as exc:  # a read-only index folder: fit again next start, nothing lost
                log.warning("could not keep the router's weights in %s: %s", self._cache_dir, exc)
        return weights, bias
