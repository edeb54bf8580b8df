"""The judge at answer time: the probability that a passage answers a question, and how sure to be.

A small two-layer network over ``features.pair_features`` whose weights sit in a folder (``weights.npz``
and ``meta.json``, written by ``python -m chatbot train``). Inference is a few numpy products, well under
a millisecond for ten passages; the vectors come from the index and the question's own embedding. The
folder records the embedder it was trained for: vectors of another embedder mean nothing to it, so such a
folder is refused with the fix. ``meta.json`` also holds the second stage (``decision.DecisionHead``): from
the whole candidate list, the chance the answer is right (the confidence) and whether to answer; and, for
lists led by the store's own pages, the curve and threshold that decide those (``decision.StoreCurve``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.common.errors import ConfigError
from chatbot.retrieve.judge.decision import DecisionHead, StoreCurve, question_features, verdict
from chatbot.retrieve.judge.features import SCALARS, attribute_name, pair_features
from chatbot.retrieve.judge.support import SupportHead

FORMAT = 2
MAX_PASSAGE_CHARS = 4000  # lexical features read this much of a passage; its vector already covers all of it


class JudgeUnavailable(ConfigError):
    """The judge folder is missing, unreadable or made for another embedder."""


@dataclass
class Judge:
    """Scores (question, passage) pairs, then decides from the whole list (``decision``)."""

    weights: dict[str, np.ndarray]
    embedder: str
    dimension: int
    decision: DecisionHead
    store: StoreCurve  # decides lists whose best passage is the store's own prose (policy, FAQ, help)
    meta: dict
    support: SupportHead | None = None  # the sentence-support head, when the folder has one

    @classmethod
    def load(cls, folder: str | Path, embedder: str, dimension: int) -> "Judge":
        """The judge in ``folder``, checked against the app's embedder; ``JudgeUnavailable`` says the fix."""
        folder = Path(folder)
        fix = f"run `python -m chatbot train --out {folder}` to train one for {embedder}"
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            with np.load(folder / "weights.npz") as stored:
                weights = {name: stored[name].astype(np.float32) for name in stored.files}
        except FileNotFoundError:
            raise JudgeUnavailable(f"no trained judge in {folder}; {fix}") from None
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            raise JudgeUnavailable(f"the judge in {folder} cannot be read ({exc}); {fix}") from None
        if meta.get("format") != FORMAT or meta.get("scalars") != SCALARS:
            raise JudgeUnavailable(f"the judge in {folder} was written by another version of the chatbot; {fix}")
        if meta.get("embedder") != embedder or meta.get("dimension") != dimension:
            raise JudgeUnavailable(f"the judge in {folder} was trained for the embedder {meta.get('embedder')} "
                                   f"({meta.get('dimension')} dimensions), not {embedder} ({dimension}); {fix}")
        missing = {"w1", "b1", "w2", "b2", "mean", "scale"} - set(weights)
        decision, store = DecisionHead.from_meta(meta.get("decision")), StoreCurve.from_meta(meta.get("store"))
        if missing or weights["w1"].shape[0] != 3 * dimension + SCALARS or decision is None or store is None:
            raise JudgeUnavailable(f"the judge in {folder} has incomplete weights; {fix}")
        return cls(weights, embedder, dimension, decision, store, meta, SupportHead.from_meta(meta.get("support")))

    def score(self, question: str, question_vector: np.ndarray, passages: list[str], passage_vectors: np.ndarray,
              sources: list[str], embed=None) -> tuple[np.ndarray, np.ndarray]:
        """P(passage answers question) for each passage, and the pair features it read (the decision reads them
        too); empty or odd text still gets a probability. ``embed`` (texts -> unit vectors, the app's cached
        embedder) embeds attribute names; without it they count 0."""
        if not passages:
            return np.zeros(0, dtype=np.float32), np.zeros((0, 3 * self.dimension + SCALARS), dtype=np.float32)
        passages = [(p or "")[:MAX_PASSAGE_CHARS] for p in passages]
        names = [n for n in dict.fromkeys(attribute_name(p, s) for p, s in zip(passages, sources)) if n]
        name_vectors = dict(zip(names, embed(names))) if names and embed is not None else {}
        features = pair_features(question or "", question_vector, passages, passage_vectors, sources, name_vectors)
        return forward(self.weights, features), features

    def probabilities(self, question: str, question_vector: np.ndarray, passages: list[str],
                      passage_vectors: np.ndarray, sources: list[str], embed=None) -> np.ndarray:
        """P(passage answers question) for each passage (``score`` without the features)."""
        return self.score(question, question_vector, passages, passage_vectors, sources, embed)[0]

    def verdict(self, probabilities: np.ndarray, features: np.ndarray, sources: list[str]) -> tuple[float, bool]:
        """From one question's scored list: the chance an answer from its best passage is right (the answer's
        confidence), and whether to answer at all. ``sources`` are the passages' kinds."""
        best = int(np.argmax(probabilities)) if len(probabilities) else None
        return verdict(self.decision, self.store, float(probabilities[best]) if best is not None else 0.0,
                       sources[best] if best is not None else "", question_features(probabilities, features))


def forward(weights: dict[str, np.ndarray], features: np.ndarray) -> np.ndarray:
    """The network: standardise, one ReLU layer, a logistic output."""
    x = (np.nan_to_num(features) - weights["mean"]) / weights["scale"]
    hidden = np.maximum(x @ weights["w1"] + weights["b1"], 0.0)
    logits = hidden @ weights["w2"] + weights["b2"]
    return (1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -30, 30)))).astype(np.float32)
