"""The judge's second stage: from every candidate's probability, how likely the answer is right, and whether to give it.

The first stage scores each (question, passage) pair on its own. Whether to answer is a question about the
whole list: a best passage at 0.6 with nothing near it reads differently from three passages at 0.6, and a
compatibility question answered by a review differs from a size question answered by an attribute. This head
is a three-way logistic regression over a few numbers of the list (the best and second-best probabilities,
their gap, the best cosines) and the best passage's lexical, kind and question-shape features. It says how
likely the best passage answers (``right``), another passage answers (``wrong``), or none does
(``unanswerable``). ``right`` is the answer's confidence; the bot answers when ``right`` beats
``unanswerable`` by the margin chosen on held-out questions (answering right and abstaining on an
unanswerable question both end well; a wrong passage ends badly either way).

It is trained on out-of-fold probabilities (``training.cross_fitted``): the first stage's probabilities on
questions it was trained on would be too sure.

The public data has product lists only (reviews, attributes, descriptions, community answers). When the best
passage is the store's own prose (a policy, FAQ or help page), the list is of a kind the head never saw, so
the best probability decides alone (``StoreCurve``), as it did before the head: through a Platt curve and a
threshold fitted on held-out questions whose best passage is prose, the store's own among them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chatbot.answer.framing import STORE_PAGES
from chatbot.retrieve.judge.features import SCALARS

OUTCOMES = ("right", "wrong", "unanswerable")
LIST_FEATURES = 7  # before the best passage's scalar features


def _logit(p: float) -> float:
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def question_features(probabilities: np.ndarray, features: np.ndarray) -> np.ndarray:
    """One row for a question: list numbers, then the best passage's scalar features (cosine, shared words,
    kind, question shape). ``features`` are the pair features (``pair_features``), one row per passage."""
    if len(probabilities) == 0:
        return np.concatenate([[0.0, 0.0, 0.0, _logit(0.0), _logit(0.0), 0.0, 0.0], np.zeros(SCALARS)]).astype(
            np.float32)
    order = np.argsort(-probabilities, kind="stable")
    best = int(order[0])
    p1 = float(probabilities[best])
    p2 = float(probabilities[order[1]]) if len(order) > 1 else 0.0
    scalars = features[:, -SCALARS:]
    cosines = scalars[:, 0]
    head = [p1, p2, p1 - p2, _logit(p1), _logit(p2), float(cosines.max()), float(cosines[best])]
    return np.concatenate([head, scalars[best]]).astype(np.float32)


@dataclass
class DecisionHead:
    """Three-way logistic regression over ``question_features``; ``margin`` is chosen on held-out questions."""

    mean: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray  # (3, features), rows in OUTCOMES order
    intercepts: np.ndarray  # (3,)
    margin: float = 0.0

    def chances(self, row: np.ndarray) -> dict[str, float]:
        """P(right), P(wrong), P(unanswerable) for one question's row."""
        x = (np.nan_to_num(np.asarray(row, dtype=np.float64)) - self.mean) / self.scale
        logits = self.coefficients @ x + self.intercepts
        exp = np.exp(logits - logits.max())
        return dict(zip(OUTCOMES, (exp / exp.sum()).tolist()))

    def answers(self, chances: dict[str, float]) -> bool:
        """Answer when the best passage is likelier to answer than no passage is, by at least ``margin``."""
        return chances["right"] - chances["unanswerable"] >= self.margin

    def verdict(self, row: np.ndarray) -> tuple[float, bool]:
        """(confidence: the chance the best passage answers, whether to answer) for one question's row."""
        chances = self.chances(row)
        return chances["right"], self.answers(chances)

    def to_meta(self) -> dict:
        return {"outcomes": list(OUTCOMES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coefficients": self.coefficients.tolist(), "intercepts": self.intercepts.tolist(),
                "margin": self.margin}

    @classmethod
    def from_meta(cls, meta: dict | None) -> "DecisionHead | None":
        if not meta or meta.get("outcomes") != list(OUTCOMES):
            return None
        head = cls(np.array(meta["mean"]), np.array(meta["scale"]), np.array(meta["coefficients"]),
                   np.array(meta["intercepts"]), float(meta.get("margin", 0.0)))
        width = LIST_FEATURES + SCALARS
        if head.coefficients.shape != (3, width) or head.mean.shape != (width,) or head.scale.shape != (width,):
            return None
        return head


def fit_decision(rows: np.ndarray, outcomes: list[str], strength: float = 0.01, seed: int = 13) -> DecisionHead:
    """Fit the head on question rows and their outcomes. ``strength`` is the inverse L2 penalty: 0.01 did best
    of 0.01-1 on the calibration part (hetPQA and semiPQA questions); the rows are a thousand-odd questions."""
    from sklearn.linear_model import LogisticRegression

    mean = rows.mean(axis=0)
    scale = rows.std(axis=0) + 1e-6
    y = np.array([OUTCOMES.index(o) for o in outcomes])
    coefficients = np.zeros((3, rows.shape[1]))
    intercepts = np.full(3, -30.0)  # an outcome never seen in training gets no chance
    if len(set(y.tolist())) == 1:  # a tiny sample with one outcome: that outcome, whatever the list
        intercepts[y[0]] = 0.0
        return DecisionHead(mean, scale, coefficients, intercepts)
    model = LogisticRegression(C=strength, max_iter=5000, random_state=seed).fit((rows - mean) / scale, y)
    if len(model.classes_) == 2:  # two classes: sklearn keeps one row, the second class's odds over the first
        intercepts[model.classes_[0]] = 0.0
        coefficients[model.classes_[1]], intercepts[model.classes_[1]] = model.coef_[0], model.intercept_[0]
    else:
        coefficients[model.classes_], intercepts[model.classes_] = model.coef_, model.intercept_
    return DecisionHead(mean, scale, coefficients, intercepts)


@dataclass
class StoreCurve:
    """Best probability -> chance the answer is right (a Platt curve tabulated at 101 points), and the confidence
    to answer at: for lists whose best passage is the store's own prose."""

    xs: list[float]
    ys: list[float]
    threshold: float

    def confidence(self, probability: float) -> float:
        return float(np.interp(probability, self.xs, self.ys))

    def verdict(self, probability: float) -> tuple[float, bool]:
        """(confidence, whether to answer) for a list whose best passage has this probability."""
        confidence = self.confidence(probability)
        return confidence, confidence >= self.threshold

    def to_meta(self) -> dict:
        return {"x": self.xs, "y": self.ys, "threshold": self.threshold}

    @classmethod
    def from_meta(cls, meta: dict | None) -> "StoreCurve | None":
        if not meta or len(meta.get("x") or []) != len(meta.get("y") or []) or len(meta["x"]) < 2:
            return None
        return cls(list(meta["x"]), list(meta["y"]), float(meta.get("threshold", 0.5)))


def fit_store_curve(probabilities: list[float], right: list[bool]) -> StoreCurve:
    """Platt scaling (a logistic fit on the probability's logit: two numbers, steady on the hundred-odd prose
    questions of the calibration part); the threshold is chosen afterwards (``training.tradeoff``)."""
    from sklearn.linear_model import LogisticRegression

    grid = np.linspace(0.0, 1.0, 101)
    labels = np.array(right, dtype=int)
    if len(labels) == 0 or labels.min() == labels.max():  # nothing to fit: the rate, or chance
        rate = float(labels.mean()) if len(labels) else 0.5
        return StoreCurve([0.0, 1.0], [rate, rate], 0.5)
    logit = np.vectorize(_logit)
    fit = LogisticRegression(C=100.0).fit(logit(np.array(probabilities))[:, None], labels)
    ys = fit.predict_proba(logit(grid)[:, None])[:, 1]
    return StoreCurve([round(float(x), 3) for x in grid], [round(float(y), 5) for y in ys], 0.5)


def verdict(head: DecisionHead, store: StoreCurve, best_probability: float, best_source: str,
            row: np.ndarray) -> tuple[float, bool]:
    """(confidence, whether to answer) for one question: by the store curve when its best passage is the
    store's own prose, else by the head. ``Judge.verdict`` and training both decide through this."""
    return store.verdict(best_probability) if best_source in STORE_PAGES else head.verdict(row)
