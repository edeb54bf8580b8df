"""``python -m chatbot train``: fit the judge on labelled pairs, choose its threshold, calibrate, report, save.

Steps: embed every question and passage once with the app's embedder (the slow part, shown with a progress
bar), build the pair features, fit the two-layer network (seeded: the same data and seed give the same
weights), then, on the calibration part only, fit the curve from "best passage's probability" to "the answer
is right" (isotonic) and the answer/abstain threshold that gets most questions right. The test parts are
only reported: pair accuracy and ROC AUC, and per question hit@1, decision accuracy against always
answering, and the expected calibration error of the confidence.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

import numpy as np

from ..evaluation import expected_calibration_error
from .data import Claim, Pair
from .features import attribute_name, pair_features
from .support import NAMES as SUPPORT_FEATURES
from .support import support_features
from .model import FORMAT, SCALARS, Judge, calibration_group, forward

log = logging.getLogger(__name__)
HIDDEN = 64  # 32-256 hidden units and 2-16 epochs were tried; 64 and 4 did best on the calibration part


def embed_texts(texts: list[str], embedder, progress: bool = True, batch: int = 256) -> dict[str, np.ndarray]:
    """Each distinct text's vector, embedded in batches under a progress bar."""
    from tqdm import tqdm

    unique = list(dict.fromkeys(texts))
    vectors: dict[str, np.ndarray] = {}
    for start in tqdm(range(0, len(unique), batch), desc="embedding", unit="batch", disable=not progress):
        part = unique[start: start + batch]
        for text, vector in zip(part, embedder.embed(part)):
            vectors[text] = vector
    return vectors


def texts_of(pairs: list[Pair]) -> list[str]:
    """Every text the pairs' features need embedded: questions, passages, attribute names."""
    names = [attribute_name(p.passage, p.source) for p in pairs]
    return [t for p in pairs for t in (p.question, p.embed_text)] + [n for n in names if n]


def features_of(pairs: list[Pair], vectors: dict[str, np.ndarray]) -> np.ndarray:
    rows = [pair_features(p.question, vectors[p.question], [p.passage], vectors[p.embed_text][None, :], [p.source],
                          vectors) for p in pairs]
    return np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)


def fit_network(x: np.ndarray, y: np.ndarray, seed: int, epochs: int = 4, progress: bool = True) -> dict:
    """The network's weights (numpy) after ``epochs`` of AdamW on binary cross-entropy."""
    import torch
    from tqdm import tqdm

    torch.manual_seed(seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-4
    inputs = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    targets = torch.from_numpy(y.astype(np.float32))
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], HIDDEN), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(HIDDEN, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    order = torch.Generator().manual_seed(seed)
    for _ in tqdm(range(epochs), desc="training", unit="epoch", disable=not progress):
        model.train()
        for batch in torch.randperm(len(inputs), generator=order).split(256):
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[batch]).squeeze(1), targets[batch])
            loss.backward()
            optimizer.step()
    first, last = model[0], model[3]
    w1 = first.weight.detach().numpy().T.copy()
    w1[x.std(axis=0) < 1e-6] = 0.0  # a feature constant in training taught nothing: it must not sway answers
    return {"w1": w1, "b1": first.bias.detach().numpy().copy(),
            "w2": last.weight.detach().numpy().T.copy(), "b2": last.bias.detach().numpy().copy(),
            "mean": mean.astype(np.float32), "scale": scale.astype(np.float32)}


def by_question(pairs: list[Pair], probabilities: np.ndarray) -> list[dict]:
    """Per question: its best passage's probability, whether that passage answers, whether any does."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        groups[pair.group].append(i)
    out = []
    for members in groups.values():
        best = max(members, key=lambda i: probabilities[i])
        out.append({"p": float(probabilities[best]), "right": bool(pairs[best].label),
                    "answerable": any(pairs[i].label for i in members),
                    "group": calibration_group(pairs[best].source)})
    return out


def decision_accuracy(questions: list[dict], threshold: float, key: str = "confidence") -> float:
    """Share of questions ending right: answered from an answering passage, or abstained when none answers."""
    good = sum((q[key] >= threshold and q["right"]) or (q[key] < threshold and not q["answerable"])
               for q in questions)
    return good / len(questions) if questions else 0.0


def choose_threshold(questions: list[dict], key: str = "confidence") -> tuple[float, list[tuple]]:
    """The threshold on ``key`` with the best decision accuracy, and the trade-off curve: (threshold, decision
    accuracy, share of answerable questions abstained, share of unanswerable questions answered)."""
    curve = []
    answerable = [q for q in questions if q["answerable"]] or [{}]
    unanswerable = [q for q in questions if not q["answerable"]] or [{}]
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        curve.append((float(t), round(decision_accuracy(questions, t, key), 4),
                      round(sum(q.get(key, 1) < t for q in answerable) / len(answerable), 4),
                      round(sum(q.get(key, 0) >= t for q in unanswerable) / len(unanswerable), 4)))
    best = max(curve, key=lambda row: (row[1], -abs(row[0] - 0.5)))
    return best[0], curve


def fit_calibration(questions: list[dict]) -> dict[str, dict[str, list[float]]]:
    """Per calibration group (attribute, text): the curve from the best passage's probability to the chance the
    answer is right. Platt scaling (a logistic fit on the probability's logit: two numbers, steady on the
    hundred-odd prose questions the calibration part has), tabulated at 101 points."""
    from sklearn.linear_model import LogisticRegression

    curves = {}
    grid = np.linspace(0.0, 1.0, 101)
    for group in ("attribute", "text"):
        members = [q for q in questions if q["group"] == group] or questions
        right = np.array([q["right"] for q in members], dtype=int)
        if right.min() == right.max():  # all right or all wrong: nothing to fit, say the rate
            curves[group] = {"x": [0.0, 1.0], "y": [float(right.mean())] * 2}
            continue
        fit = LogisticRegression(C=100.0).fit(_logit(np.array([q["p"] for q in members]))[:, None], right)
        ys = fit.predict_proba(_logit(grid)[:, None])[:, 1]
        curves[group] = {"x": [round(float(x), 3) for x in grid], "y": [round(float(y), 5) for y in ys]}
    return curves


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def report(judge: Judge, pairs: list[Pair], probabilities: np.ndarray) -> dict:
    """Held-out figures of one part: pairs (accuracy, AUC) and questions (hit@1, decisions, calibration)."""
    from sklearn.metrics import roc_auc_score

    labels = np.array([p.label for p in pairs])
    questions = by_question(pairs, probabilities)
    for q in questions:
        q["confidence"] = judge.confidence(q["p"], q["group"])
    answerable = [q for q in questions if q["answerable"]]
    return {
        "pairs": len(pairs), "questions": len(questions),
        "pair_accuracy": round(float(((probabilities >= 0.5) == labels).mean()), 4),
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 4) if 0 < labels.sum() < len(labels) else None,
        "hit@1": round(sum(q["right"] for q in answerable) / max(len(answerable), 1), 4),
        "decision_accuracy": round(decision_accuracy(questions, judge.threshold), 4),
        "always_answer_accuracy": round(decision_accuracy(questions, -1.0), 4),
        "ece": round(expected_calibration_error([q["confidence"] for q in questions],
                                                [q["right"] for q in questions]), 4),
    }


def train(parts: dict[str, list[Pair]], embedder, out: str | Path, seed: int = 13, epochs: int = 4,
          progress: bool = True, say: Callable[[str], None] = print, support: list[Claim] | None = None) -> dict:
    """Fit, calibrate and save the judge to ``out``; returns the meta written (with the held-out report)."""
    started = time.perf_counter()
    if not parts.get("train") or not parts.get("calibration"):
        raise ValueError("the judge needs training and calibration pairs; check the datasets folder")
    every = [p for pairs in parts.values() for p in pairs]
    vectors = embed_texts(texts_of(every), embedder, progress)
    train_x = features_of(parts["train"], vectors)
    train_y = np.array([p.label for p in parts["train"]])
    say(f"training on {len(train_y)} pairs ({int(train_y.sum())} answering) from "
        f"{len({p.group for p in parts['train']})} questions")
    weights = fit_network(train_x, train_y, seed, epochs, progress)
    held = by_question(parts["calibration"], forward(weights, features_of(parts["calibration"], vectors)))
    curves = fit_calibration(held)
    judge = Judge(weights, embedder.name, embedder.dimension, 0.5,
                  {group: (curve["x"], curve["y"]) for group, curve in curves.items()}, {})
    for q in held:
        q["confidence"] = judge.confidence(q["p"], q["group"])
    judge.threshold, curve = choose_threshold(held)
    meta = {"format": FORMAT, "scalars": SCALARS, "embedder": embedder.name, "dimension": embedder.dimension,
            "hidden": HIDDEN, "seed": seed, "epochs": epochs, "threshold": judge.threshold, "calibration": curves,
            "tradeoff_on_calibration": curve, "pairs": {name: len(pairs) for name, pairs in parts.items()}}
    meta["held_out"] = {name: report(judge, pairs, forward(weights, features_of(pairs, vectors)))
                        for name, pairs in parts.items() if name.startswith("test") and pairs}
    if support:
        say(f"training the support head on {len(support)} answer sentences")
        meta["support"] = fit_support(support, embedder, seed, progress)
    meta["training_seconds"] = round(time.perf_counter() - started, 1)
    save(out, weights, meta)
    return meta


def fit_support(examples: list[Claim], embedder, seed: int = 13, progress: bool = True) -> dict:
    """The support head's coefficients (a logistic regression over ``support_features``) and its training fit."""
    from sklearn.linear_model import LogisticRegression

    split = {c.passage: [s for s in re.split(r"(?<=[.!?])\s+", c.passage) if s.strip()] or [c.passage]
             for c in examples}
    vectors = embed_texts([c.sentence for c in examples] + [s for parts in split.values() for s in parts],
                          embedder, progress)
    x = np.stack([support_features(c.sentence, vectors[c.sentence], split[c.passage],
                                   np.stack([vectors[s] for s in split[c.passage]])) for c in examples])
    y = np.array([c.label for c in examples])
    model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000, random_state=seed).fit(x, y)
    predicted = model.predict(x)
    by_kind = {kind: round(float((predicted[[c.kind == kind for c in examples]] ==
                                  y[[c.kind == kind for c in examples]]).mean()), 4)
               for kind in sorted({c.kind for c in examples})}
    return {"coefficients": [round(float(c), 6) for c in model.coef_[0]], "threshold": 0.5,
            "features": list(SUPPORT_FEATURES), "claims": len(examples), "training_accuracy_by_kind": by_kind}


def save(out: str | Path, weights: dict[str, np.ndarray], meta: dict) -> None:
    """Write the folder atomically enough: weights first, then meta.json (which marks it complete)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / "weights.npz", **weights)
    (folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
