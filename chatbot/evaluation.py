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

from .errors import InputError


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
    }
    for stage in ("retrieve", "generate", "total"):
        values = [r["latency_ms"][stage] for r in results]
        summary[f"latency_ms_{stage}"] = _percentiles(values)
    return summary


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 2), "p95": round(float(np.percentile(arr, 95)), 2),
            "max": round(float(arr.max()), 2)}
