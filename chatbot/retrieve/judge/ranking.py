"""The judge applied to retrieved hits: rerank them by the probability that they answer, and say how sure to be.

The pipeline calls ``judge_hits`` on its top hits. Each hit's ``relevance`` becomes the judge's probability
(so later stages that weigh passages by relevance follow the judge), the hits are reordered best first
(ties keep the retrieval order), and the judge's second stage reads the whole list for the answer's
``confidence`` and the decision to answer or abstain. ``load_judge`` turns the ``judge`` setting into a
judge, or None with a warning.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from chatbot.answer.framing import source_type
from chatbot.common.types import Hit
from chatbot.retrieve.judge.model import Judge, JudgeUnavailable

log = logging.getLogger(__name__)
BUNDLED = Path(__file__).resolve().parent / "bundled"


def judge_folder(setting: str) -> Path | None:
    """The folder the ``judge`` setting names: the bundled judge, a path, or None for "off" / empty."""
    value = (setting or "").strip()
    if value.lower() in ("", "off", "none", "false", "0"):
        return None
    return BUNDLED if value == "bundled" else Path(value)


def load_judge(setting: str, embedder: str, dimension: int) -> Judge | None:
    """The configured judge, or None (with a warning naming the fix) when it is off, missing or mismatched."""
    folder = judge_folder(setting)
    if folder is None:
        return None
    try:
        return Judge.load(folder, embedder, dimension)
    except JudgeUnavailable as exc:
        log.warning("%s; answering without a judge (retrieval relevance decides) until then", exc)
        return None


def without_store_name(question: str, store_name: str) -> str:
    """The question as the judge should read it: the store's own name said as "the store". The public data
    never names a store, and a name shared by question and passage swayed the judge: "Who founded Harbor &
    Pine?" rated 0.65 against the privacy page ("what information Harbor & Pine collects"), "Who founded the
    store?" 0.00. A one-word name may be an everyday word ("Simple", "Gap"), so it counts only as written."""
    name = (store_name or "").strip()
    if len(name) < 3:
        return question
    flags = re.IGNORECASE if len(name.split()) > 1 else 0
    said = re.sub(r"(?<!\w)" + re.escape(name) + r"(?:'s)?(?!\w)", "the store", question, flags=flags)
    if said == question:
        return question
    return re.sub(r"\b(a|an|the|your|our) the store\b", r"\1 store", said, flags=re.IGNORECASE)


@dataclass
class Judged:
    hits: list[Hit]  # best first by the judge; relevance = its probability
    confidence: float  # the chance an answer resting on the best passage is right
    answers: bool  # whether to answer (else the bot says it doesn't know)

    @property
    def best(self) -> float:
        """The first passage's probability."""
        return self.hits[0].relevance if self.hits else 0.0


def judge_hits(judge: Judge, question: str, question_vector: np.ndarray, hits: list[Hit], index,
               embed=None, margin: float = 0.0) -> Judged:
    """Score ``hits`` against ``question`` and return them reranked, with the decision and the confidence.
    Passages within ``margin`` of the best probability count as tied and keep the retrieval's order: the
    judge then only moves a passage up when it is clearly better. Not when the best is an attribute, where
    the judge is far surer (held-out ROC AUC 0.97 on attributes, 0.81 on prose)."""
    if not hits:
        return Judged([], 0.0, False)
    vectors = index.vectors_of([h.chunk.id for h in hits])
    sources = [source_type(h.chunk) for h in hits]
    probabilities, features = judge.score(question, question_vector, [h.chunk.text for h in hits], vectors,
                                          sources, embed)
    top = float(probabilities.max())
    if sources[int(probabilities.argmax())] == "attribute":
        margin = 0.0
    tied = probabilities >= top - margin
    order = sorted(range(len(hits)), key=lambda i: (not tied[i], 0.0 if tied[i] else -float(probabilities[i]), i))
    reranked = [replace(hits[i], relevance=float(probabilities[i])) for i in order]
    confidence, answers = judge.verdict(probabilities, features, sources)
    return Judged(reranked, confidence, answers)
