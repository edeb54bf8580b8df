"""Score a Chatbot on a questions file: retrieval hits, answer/abstain accuracy, latency.

Metrics follow the result-JSON contract: a retrieval hit is a gold doc id in
``retrieved``; hit@k and MRR@10 are over answerable questions only;
answer/abstain accuracy is over all questions (abstaining is right exactly
when the question is unanswerable). Building the index is the caller's job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from chatbot.common.errors import InputError


def jsonl_rows(path: str | Path):
    """(line number, parsed object) for each non-blank line; a line that is not JSON is an error naming it."""
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number} is not valid JSON ({exc.msg}); write one JSON object per line") from None


def read_questions(path: str | Path) -> list[dict[str, Any]]:
    """Questions JSONL (DESIGN.md contract); a malformed line is an error naming the line."""
    questions = []
    for number, q in jsonl_rows(path):
        if not isinstance(q, dict) or not str(q.get("question", "")).strip():
            raise InputError(f"{path}:{number} has no 'question' field")
        q.setdefault("id", f"line-{number}")
        q.setdefault("gold_doc_ids", [])
        q.setdefault("answerable", bool(q["gold_doc_ids"]))
        questions.append(q)
    if not questions:
        raise InputError(f"{path} holds no questions")
    return questions


def run_questions(bot, questions: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Ask each question (scoped to its product) and yield its result JSON."""
    for q in questions:
        answer = bot.ask(q["question"], product_id=q.get("product_id") or None)
        yield answer.to_result(question_id=q["id"])


def summarize(questions: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    """The metrics of one run: retrieval quality, answer/abstain accuracy, latency percentiles."""
    ranks = []
    for q, r in zip(questions, results):
        if not q["answerable"]:
            continue
        gold = set(q["gold_doc_ids"])
        rank = next((i + 1 for i, doc in enumerate(r["retrieved"][:10]) if doc in gold), None)
        ranks.append(rank)
    answerable = len(ranks)
    summary: dict[str, Any] = {
        "questions": len(results),
        "answerable": answerable,
        "hit@1": _share(sum(1 for r in ranks if r == 1), answerable),
        "hit@5": _share(sum(1 for r in ranks if r and r <= 5), answerable),
        "mrr@10": round(sum(1 / r for r in ranks if r) / answerable, 4) if answerable else None,
        "answer_abstain_accuracy": _share(
            sum(1 for q, r in zip(questions, results) if r["abstained"] != q["answerable"]), len(results)),
        "abstained": _share(sum(1 for r in results if r["abstained"]), len(results)),
        **decision_metrics(questions, results),
    }
    for stage in ("retrieve", "generate", "total"):
        values = [r["latency_ms"][stage] for r in results]
        summary[f"latency_ms_{stage}"] = _percentiles(values)
    return summary


def decision_metrics(questions: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    """How the answer-or-abstain decisions and the confidence hold up.

    A question ends right when it is answered with a gold first citation, or abstained on when nothing answers
    it. ``always_answer_accuracy`` is the same pipeline never abstaining (right when its best retrieved
    document is gold). The confidence is scored as the probability that the best retrieved document answers:
    its ROC AUC and expected calibration error (10 bins)."""
    right_top, decided = [], 0
    for q, r in zip(questions, results):
        gold = set(q["gold_doc_ids"])
        right_top.append(bool(q["answerable"] and r["retrieved"][:1] and r["retrieved"][0] in gold))
        first = r["citations"][0]["doc_id"] if r.get("citations") else None
        decided += (not r["abstained"] and q["answerable"] and first in gold) or (r["abstained"] and not q["answerable"])
    confidence = [float(r.get("confidence", 0.0)) for r in results]
    answerable = [r for q, r in zip(questions, results) if q["answerable"]]
    unanswerable = [r for q, r in zip(questions, results) if not q["answerable"]]
    return {
        "decision_accuracy": _share(decided, len(results)),
        "always_answer_accuracy": _share(sum(right_top), len(results)),
        "abstained_answerable": _share(sum(r["abstained"] for r in answerable), len(answerable)),
        "abstained_unanswerable": _share(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
        "confidence_auc": _auc(confidence, right_top),
        "confidence_ece": round(expected_calibration_error(confidence, right_top), 4) if results else None,
    }


def expected_calibration_error(confidences: list[float], right: list[bool], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by how many fall in each."""
    c, r = np.asarray(confidences, float), np.asarray(right, float)
    if not len(c):
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(c, edges[1:-1]), 0, bins - 1)
    return float(sum(abs(r[index == b].mean() - c[index == b].mean()) * (index == b).sum()
                     for b in range(bins) if (index == b).any()) / len(c))


def _auc(scores: list[float], labels: list[bool]) -> float | None:
    if not any(labels) or all(labels):
        return None
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(labels, scores)), 4)


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 2), "p95": round(float(np.percentile(arr, 95)), 2),
            "max": round(float(arr.max()), 2)}
