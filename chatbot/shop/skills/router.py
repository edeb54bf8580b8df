"""Which skill a message asks for, from its meaning: a classifier over the sentence embeddings.

Trained on ``router_examples.jsonl`` (shopper messages written for the demo store's kind of shop, each
labelled with one skill, with held-out ``test`` splits) with scikit-learn's logistic regression over the
embedding retrieval already computes, joined with TF-IDF word and character n-grams of the message: the
embedding carries the meaning, the n-grams the telling words and their misspellings ("instock?", "recomend").
Cross-validation on the train split alone chose that mix (0.92 against 0.88 for the embedding alone). The
fitted model is kept beside the index, keyed by the embedder and the examples, so a restart does not re-embed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from chatbot.common.errors import ConfigError
from chatbot.ingest.embedding import Embedder

log = logging.getLogger(__name__)

EXAMPLES = Path(__file__).with_name("router_examples.jsonl")
TEST_SPLITS = ("test", "test2")  # test2: written apart from the train split, never seen while writing it
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


def _word_grams(vocabulary: dict | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, vocabulary=vocabulary)


def _char_grams(vocabulary: dict | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, vocabulary=vocabulary)


@dataclass
class _Model:
    weights: np.ndarray  # labels x (embedding + word grams + char grams)
    bias: np.ndarray
    words: TfidfVectorizer
    chars: TfidfVectorizer

    def features(self, texts: list[str], vectors: np.ndarray):
        return hstack([csr_matrix(np.asarray(vectors, dtype=np.float32)), self.words.transform(texts),
                       self.chars.transform(texts)]).tocsr()

    def scores(self, text: str, vector: np.ndarray) -> np.ndarray:
        """The labels' scores for one message: what ``features(...) @ weights.T`` gives, without building a
        sparse matrix (scikit-learn's per-call overhead was most of the routing time)."""
        scores = self.weights[:, : len(vector)] @ np.asarray(vector, dtype=np.float32) + self.bias
        offset = len(vector)
        for grams in (self.words, self.chars):
            counts: dict[int, int] = {}
            for gram in grams.build_analyzer()(text):
                column = grams.vocabulary_.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if counts:
                columns = np.fromiter(counts, dtype=np.int64)
                values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * grams.idf_[columns]
                values /= np.linalg.norm(values)  # TfidfVectorizer's sublinear tf, idf, then l2 norm
                scores = scores + self.weights[:, offset + columns] @ values.astype(np.float32)
            offset += len(grams.vocabulary_)
        return scores

    def save(self, path: Path) -> None:
        np.savez(path, weights=self.weights, bias=self.bias,
                 **{f"{name}_{part}": value for name, grams in (("words", self.words), ("chars", self.chars))
                    for part, value in (("terms", np.array(sorted(grams.vocabulary_, key=grams.vocabulary_.get))),
                                        ("idf", grams.idf_))})

    @classmethod
    def load(cls, path: Path) -> "_Model":
        with np.load(path) as saved:
            grams = []
            for name, make in (("words", _word_grams), ("chars", _char_grams)):
                vectorizer = make({str(term): i for i, term in enumerate(saved[f"{name}_terms"])})
                vectorizer.idf_ = saved[f"{name}_idf"]
                grams.append(vectorizer)
            return cls(saved["weights"], saved["bias"], *grams)


class Router:
    def __init__(self, embedder: Embedder, cache_dir: str | Path | None = None, examples: Path = EXAMPLES):
        self.embedder = embedder
        self._examples = examples
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._fitted: _Model | None = None

    def route(self, text: str, vector: np.ndarray) -> Route:
        """The skill for a message, given its (normalised) embedding."""
        scores = self._model().scores(text, vector)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        return Route(LABELS[best], float(probabilities[best]))

    def route_text(self, text: str) -> Route:
        return self.route(text, self.embedder.embed([text])[0])

    def held_out_accuracy(self, splits: tuple[str, ...] = TEST_SPLITS) -> tuple[float, int]:
        """Accuracy on held-out splits of the examples (never trained on), and their size."""
        test = [r for r in read_examples(self._examples) if r["split"] in splits]
        vectors = self.embedder.embed([r["text"] for r in test])
        right = sum(self.route(r["text"], v).skill == r["label"] for v, r in zip(vectors, test))
        return right / len(test), len(test)

    def _model(self) -> _Model:
        if self._fitted is None:
            self._fitted = self._load() or self._fit()
        return self._fitted

    def _key(self) -> str:
        digest = hashlib.sha256(self._examples.read_bytes() + self.embedder.name.encode()).hexdigest()[:16]
        return f"router-v2-{digest}.npz"

    def _load(self) -> _Model | None:
        if self._cache_dir is None or not (path := self._cache_dir / self._key()).exists():
            return None
        try:
            return _Model.load(path)
        except (OSError, ValueError, KeyError):
            return None

    def _fit(self) -> _Model:
        from sklearn.linear_model import LogisticRegression

        train = [r for r in read_examples(self._examples) if r["split"] == "train"]
        texts = [r["text"] for r in train]
        unfitted = _Model(np.empty(0), np.empty(0), _word_grams().fit(texts), _char_grams().fit(texts))
        features = unfitted.features(texts, self.embedder.embed(texts))
        labels = [LABELS.index(r["label"]) for r in train]
        # C and the feature mix were chosen by 5-fold cross-validation on the train split alone
        fitted = LogisticRegression(C=16.0, class_weight="balanced", max_iter=5000, random_state=0)
        fitted.fit(features, labels)
        model = _Model(fitted.coef_.astype(np.float32), fitted.intercept_.astype(np.float32),
                       unfitted.words, unfitted.chars)
        if self._cache_dir is not None:
            try:
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                model.save(self._cache_dir / self._key())
            except OSError as exc:  # a read-only index folder: fit again next start, nothing lost
                log.warning("could not keep the router's weights in %s: %s", self._cache_dir, exc)
        return model
