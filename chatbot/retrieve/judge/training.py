"""``python -m chatbot train``: fit the judge on labelled pairs, choose its threshold, calibrate, report, save.

Steps: embed every question and passage once with the app's embedder (the slow part, shown with a progress
bar), build the pair features, fit the two-layer network (seeded: the same data and seed give the same
weights), fit the decision head (``decision.py``) on out-of-fold probabilities of the training questions,
then, on the calibration part only, choose the answer/abstain margin that gets most questions right. The
test parts are only reported: pair accuracy and ROC AUC, and per question hit@1, decision accuracy against
always answering, and the expected calibration error of the confidence.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Callable

import numpy as np

from chatbot.answer.framing import STORE_PAGES
from chatbot.evaluate.metrics import expected_calibration_error
from chatbot.retrieve.judge.data import ANSWER_GENERATION, Claim, Pair
from chatbot.retrieve.judge.decision import (
    DecisionHead,
    StoreCurve,
    fit_decision,
    fit_store_curve,
    question_features,
    verdict,
)
from chatbot.retrieve.judge.features import attribute_name, pair_features
from chatbot.retrieve.judge.model import FORMAT, SCALARS, forward
from chatbot.retrieve.judge.support import NAMES as SUPPORT_FEATURES
from chatbot.retrieve.judge.support import support_features

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


def cross_fitted(x: np.ndarray, y: np.ndarray, groups: list[str], seed: int, epochs: int,
                 folds: int = 5) -> np.ndarray:
    """Out-of-fold probabilities: each question's pairs scored by a network trained without that question (the
    questions are cut into ``folds`` by a hash of their group). The decision head learns from these, as it
    will meet the first stage's probabilities on questions that stage never saw."""
    fold = np.array([zlib.crc32(g.encode("utf-8")) % folds for g in groups])
    out = np.zeros(len(y), dtype=np.float32)
    for k in range(folds):
        held = fold == k
        if held.any() and (~held).any():
            out[held] = forward(fit_network(x[~held], y[~held], seed, epochs, progress=False), x[held])
    return out


def by_question(pairs: list[Pair], probabilities: np.ndarray, features: np.ndarray) -> list[dict]:
    """Per question (a group of pairs, each distinct passage once): its decision row, its best passage's
    probability and kind, whether that passage answers, whether any does, and its ``decision.OUTCOMES``."""
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    for i, pair in enumerate(pairs):
        groups[pair.group].setdefault(pair.passage, i)  # store pairs are repeated in training: count each once
    out = []
    for members in groups.values():
        rows = list(members.values())
        best = rows[int(np.argmax(probabilities[rows]))]
        right, answerable = bool(pairs[best].label), any(pairs[i].label for i in rows)
        out.append({"row": question_features(probabilities[rows], features[rows]), "right": right,
                    "answerable": answerable, "size": len(rows), "p": float(probabilities[best]),
                    "source": pairs[best].source,
                    "outcome": "right" if right else "wrong" if answerable else "unanswerable"})
    return out


def decide(head: DecisionHead, store: StoreCurve, questions: list[dict], by_curve: bool = False) -> None:
    """Put the judge's confidence and decision on each question, routed as ``Judge.verdict`` routes them
    (``by_curve``: every question by the store curve, to choose its threshold)."""
    for q in questions:
        q["confidence"], q["answers"] = (store.verdict(q["p"]) if by_curve else
                                         verdict(head, store, q["p"], q["source"], q["row"]))


def decision_accuracy(questions: list[dict], always: bool = False) -> float:
    """Share of questions ending right: answered from an answering passage, or abstained when none answers."""
    good = sum(q["right"] if (always or q["answers"]) else not q["answerable"] for q in questions)
    return good / len(questions) if questions else 0.0


def tradeoff(questions: list[dict], values, apply: Callable[[float], None]) -> tuple[float, list[tuple]]:
    """For each setting in ``values`` (``apply`` sets it and decides): (value, decision accuracy, share of
    answerable questions abstained, share of unanswerable questions answered); returns the best value (ties:
    the one nearest the middle of the range) and the curve."""
    curve = []
    values = [round(float(v), 4) + 0.0 for v in values]
    answerable = [q for q in questions if q["answerable"]]
    unanswerable = [q for q in questions if not q["answerable"]]
    for value in values:
        apply(value)
        curve.append((value, round(decision_accuracy(questions), 4),
                      round(sum(not q["answers"] for q in answerable) / max(len(answerable), 1), 4),
                      round(sum(q["answers"] for q in unanswerable) / max(len(unanswerable), 1), 4)))
    middle = (values[0] + values[-1]) / 2
    best = max(curve, key=lambda row: (row[1], -abs(row[0] - middle)))
    apply(best[0])
    return best[0], curve


def report(weights: dict, head: DecisionHead, store: StoreCurve, pairs: list[Pair], features: np.ndarray) -> dict:
    """Held-out figures of one part: pairs (accuracy, AUC) and questions (hit@1, decisions, calibration)."""
    from sklearn.metrics import roc_auc_score

    probabilities = forward(weights, features)
    labels = np.array([p.label for p in pairs])
    questions = by_question(pairs, probabilities, features)
    decide(head, store, questions)
    answerable = [q for q in questions if q["answerable"]]
    return {
        "pairs": len(pairs), "questions": len(questions),
        "pair_accuracy": round(float(((probabilities >= 0.5) == labels).mean()), 4),
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 4) if 0 < labels.sum() < len(labels) else None,
        "hit@1": round(sum(q["right"] for q in answerable) / max(len(answerable), 1), 4),
        "decision_accuracy": round(decision_accuracy(questions), 4),
        "always_answer_accuracy": round(decision_accuracy(questions, always=True), 4),
        "ece": round(expected_calibration_error([q["confidence"] for q in questions],
                                                [q["right"] for q in questions]), 4),
    }


def train(parts: dict[str, list[Pair]], embedder, out: str | Path, seed: int = 13, epochs: int = 4,
          progress: bool = True, say: Callable[[str], None] = print, support: list[Claim] | None = None) -> dict:
    """Fit the judge's two stages, choose how sure to be on the calibration part, save to ``out``; returns the
    meta written (with the held-out report)."""
    started = time.perf_counter()
    if not parts.get("train") or not parts.get("calibration"):
        raise ValueError("the judge needs training and calibration pairs; check the datasets folder")
    every = [p for pairs in parts.values() for p in pairs]
    vectors = embed_texts(texts_of(every), embedder, progress)
    features = {name: features_of(pairs, vectors) for name, pairs in parts.items()}
    train_y = np.array([p.label for p in parts["train"]])
    say(f"training on {len(train_y)} pairs ({int(train_y.sum())} answering) from "
        f"{len({p.group for p in parts['train']})} questions")
    weights = fit_network(features["train"], train_y, seed, epochs, progress)
    say("fitting the decision head on out-of-fold probabilities")
    out_of_fold = cross_fitted(features["train"], train_y, [p.group for p in parts["train"]], seed, epochs)
    keep = [i for i, p in enumerate(parts["train"]) if not p.group.startswith(ANSWER_GENERATION)]
    learned = [q for q in by_question([parts["train"][i] for i in keep], out_of_fold[keep], features["train"][keep])
               if q["size"] > 1]
    head = fit_decision(np.stack([q["row"] for q in learned]), [q["outcome"] for q in learned], seed=seed)
    held = by_question(parts["calibration"], forward(weights, features["calibration"]), features["calibration"])
    prose = [q for q in held if q["source"] != "attribute"]  # the store curve's stand-ins: prose-led questions
    listed = [q for q in held if q["source"] not in STORE_PAGES]  # the ones the head decides
    store = fit_store_curve([q["p"] for q in prose], [q["right"] for q in prose])

    def set_threshold(value: float) -> None:
        store.threshold = value
        decide(head, store, prose, by_curve=True)

    def set_margin(value: float) -> None:
        head.margin = value
        decide(head, store, listed)

    store.threshold, store_curve = tradeoff(prose, np.arange(0.05, 0.96, 0.05), set_threshold)
    head.margin, curve = tradeoff(listed, np.arange(-0.5, 0.51, 0.05), set_margin)
    meta = {"format": FORMAT, "scalars": SCALARS, "embedder": embedder.name, "dimension": embedder.dimension,
            "hidden": HIDDEN, "seed": seed, "epochs": epochs, "decision": head.to_meta(), "store": store.to_meta(),
            "tradeoff_on_calibration": curve, "store_tradeoff_on_calibration": store_curve,
            "pairs": {name: len(pairs) for name, pairs in parts.items()}, "decision_questions": len(learned)}
    meta["held_out"] = {name: report(weights, head, store, pairs, features[name])
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
