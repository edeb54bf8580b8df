"""Calibrate the answer/abstain thresholds: how retrieval signals separate answerable questions from the rest.

Retrieval only, no language model, so it runs on every question. For each
question (scoped to its product, as the chatbot does) it records the two
signals the pipeline decides with:

- relevance: ``Hit.relevance`` of the top hit (cosine of the question to the
  chunk, with the product name in when the product has a catalog entry);
  the pipeline abstains below ``Settings.min_relevance``;
- evidence: the best sentence score from
  ``chatbot.answer.extractive.gather_evidence(question, hits, embedder, passages=3,
  per_passage=2)`` (max over all evidence scores: cosine + word-overlap and
  source-kind bonuses); the pipeline abstains below ``Settings.min_evidence``.

It also records hit@1 of retrieval (the first retrieved document is a gold
one) and whether the question names something none of the top passages
mention (``grounding.unmatched_names``, which also makes the pipeline abstain).

Then it sweeps a threshold over each signal, and a small grid over both
(answer when relevance >= t1 and evidence >= t2), and prints the trade-off:
share answered, answer/abstain accuracy (answering is right exactly when the
question is answerable), precision of answering (answerable among answered),
recall of answerable questions, and hit@1 among answered answerable
questions. It prints the best thresholds by accuracy next to the current
defaults (``Settings.min_relevance``, ``Settings.min_evidence``; "pipeline rule"
is both plus the unmatched-name check), and how the thresholds that are best
on one set do on the other. Hand-off requests are not modelled (the pipeline
routes them before retrieval).

Question sets: hetPQA (``evidence_ranking/dev.csv`` converted, all 509
questions, one index over all documents) and the demo store (``knowledge/``
with ``eval/demo_questions.jsonl``). About 2 minutes on 2 CPU cores (the
embedder runs on one torch thread unless ``--threads`` says otherwise). Run:

    .venv/bin/python benchmarks/abstention.py [--data datasets/hetpqa/evidence_ranking/dev.csv] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.answer.extractive import gather_evidence  # noqa: E402
from chatbot.answer.grounding import unmatched_names  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.converse.chatbot import Chatbot, make_embedder  # noqa: E402
from chatbot.evaluate.metrics import read_questions  # noqa: E402
from chatbot.ingest.chunking import Chunker  # noqa: E402
from chatbot.ingest.datasets.hetpqa import convert  # noqa: E402
from chatbot.ingest.indexer import update_index  # noqa: E402
from chatbot.retrieve.hybrid import Filters  # noqa: E402

DEFAULT_DATA = ROOT / "datasets" / "hetpqa" / "evidence_ranking" / "dev.csv"
DEMO_DOCS = ROOT / "knowledge"
DEMO_QUESTIONS = ROOT / "eval" / "demo_questions.jsonl"


def collect(paths: list[Path], questions: list[dict], index_dir: Path, embedder, settings: Settings) -> dict:
    """Index ``paths`` and record each question's signals; returns arrays and timings."""
    started = time.perf_counter()
    update_index(paths, index_dir, embedder, Chunker(settings.chunk_size, settings.chunk_overlap), rebuild=True)
    build_s = time.perf_counter() - started
    bot = Chatbot(Settings.load(index_dir=str(index_dir), generator="extractive", faq_match=2,
                                answer_cache_size=0), embedder=embedder)
    retriever = bot.retriever
    rows = []
    started = time.perf_counter()
    for q in questions:
        hits = retriever.search(q["question"], filters=Filters(product_id=q.get("product_id") or None))
        top = hits[: settings.top_k]
        evidence = gather_evidence(q["question"], top, embedder, passages=3, per_passage=2)
        retrieved = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        rows.append({
            "id": q["id"], "answerable": bool(q["answerable"]),
            "relevance": top[0].relevance if top else 0.0,
            "evidence": max((x for ev in evidence for x in ev.scores), default=0.0),
            "unknown_names": sorted(unmatched_names(q["question"],
                                                    [h.chunk.embed_text for h in top[: settings.max_passages]])),
            "hit@1": bool(retrieved) and retrieved[0] in set(q["gold_doc_ids"]),
        })
    query_s = time.perf_counter() - started
    return {"rows": rows, "build_s": build_s, "query_ms": query_s * 1000 / max(1, len(rows)),
            "answerable": np.array([r["answerable"] for r in rows]),
            "relevance": np.array([r["relevance"] for r in rows]),
            "evidence": np.array([r["evidence"] for r in rows]),
            "names_ok": np.array([not r["unknown_names"] for r in rows]),
            "hit1": np.array([r["hit@1"] for r in rows])}


def metrics(answer: np.ndarray, data: dict) -> dict[str, float | None]:
    gold, hit1 = data["answerable"], data["hit1"]
    answered_right = answer & gold
    n = len(gold)
    return {
        "answered": float(answer.mean()) if n else None,
        "accuracy": float((answer == gold).mean()) if n else None,
        "precision": float(answered_right.sum() / answer.sum()) if answer.sum() else None,
        "recall": float(answered_right.sum() / gold.sum()) if gold.sum() else None,
        "hit@1": float((answered_right & hit1).sum() / answered_right.sum()) if answered_right.sum() else None,
    }


def best_threshold(values: np.ndarray, data: dict, grid: np.ndarray) -> dict[str, Any]:
    """The threshold with the highest accuracy, and the range of thresholds that reach it."""
    accs = np.array([metrics(values >= t, data)["accuracy"] for t in grid])
    top = accs.max()
    best = np.flatnonzero(np.isclose(accs, top))
    # the widest contiguous run of best thresholds; its middle is the most robust choice
    runs, start = [], best[0]
    for a, b in zip(best, best[1:]):
        if b != a + 1:
            runs.append((start, a))
            start = b
    runs.append((start, best[-1]))
    lo, hi = max(runs, key=lambda r: r[1] - r[0])
    t = float(grid[(lo + hi) // 2])
    return {"threshold": round(t, 3), "range": [round(float(grid[lo]), 3), round(float(grid[hi]), 3)],
            **metrics(values >= t, data)}


def best_pair(data: dict, grid1: np.ndarray, grid2: np.ndarray) -> tuple[dict, list[dict]]:
    table = []
    for t1 in grid1:
        for t2 in grid2:
            table.append({"relevance": round(float(t1), 3), "evidence": round(float(t2), 3),
                          **metrics((data["relevance"] >= t1) & (data["evidence"] >= t2), data)})
    ranked = sorted(table, key=lambda r: (-r["accuracy"], -(r["recall"] or 0)))
    return ranked[0], ranked


def _collapse(ranked: list[dict]) -> list[dict]:
    """Merge grid rows with the same t1 and the same figures into one row with a t2 range."""
    groups: dict[tuple, dict] = {}
    for r in ranked:
        key = (r["relevance"], *(r[k] for k, _ in COLUMNS))
        g = groups.setdefault(key, {**r, "t2": []})
        g["t2"].append(r["evidence"])
    out = []
    for g in groups.values():
        lo, hi = min(g["t2"]), max(g["t2"])
        g["label"] = f"{g['relevance']:.3f}/" + (f"{lo:.3f}" if lo == hi else f"{lo:.3f}-{hi:.3f}")
        out.append(g)
    return out


def _fmt(value: float | None, width: int = 8, digits: int = 3) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


COLUMNS = (("answered", 9), ("accuracy", 9), ("precision", 10), ("recall", 8), ("hit@1", 8))


def _row(label: str, m: dict, mark: str = "", width: int = 14) -> str:
    return f"{label:>{width}}" + "".join(_fmt(m[key], w) for key, w in COLUMNS) + (f"  {mark}" if mark else "")


def _header(label: str = "threshold", width: int = 14) -> str:
    return f"{label:>{width}}" + "".join(f"{key:>{w}}" for key, w in COLUMNS)


def analyse(name: str, data: dict, settings: Settings, step: float) -> dict[str, Any]:
    gold = data["answerable"]
    n = len(gold)
    defaults = {"min_relevance": settings.min_relevance, "min_evidence": settings.min_evidence}
    print(f"\n=== {name}: {n} questions ({int(gold.sum())} answerable, {n - int(gold.sum())} not); index built in "
          f"{data['build_s']:.1f} s; {data['query_ms']:.0f} ms per question (retrieval + evidence) ===")
    for signal in ("relevance", "evidence"):
        v = data[signal]
        print(f"  {signal}: answerable mean {v[gold].mean():.3f} (p10 {np.percentile(v[gold], 10):.3f}); "
              f"unanswerable mean {v[~gold].mean() if (~gold).any() else float('nan'):.3f} "
              f"(p90 {np.percentile(v[~gold], 90) if (~gold).any() else float('nan'):.3f})")
    always = metrics(np.ones(n, dtype=bool), data)
    print(f"  always answer: accuracy {always['accuracy']:.3f}; retrieval hit@1 over answerable {always['hit@1']:.3f}")
    out: dict[str, Any] = {"questions": n, "answerable": int(gold.sum()), "build_s": data["build_s"],
                           "query_ms": data["query_ms"], "always_answer": always, "defaults": defaults}
    fine = np.round(np.arange(0.0, 1.5 + 1e-9, 0.005), 3)
    for signal, default in (("relevance", settings.min_relevance), ("evidence", settings.min_evidence)):
        v = data[signal]
        lo = np.floor(np.percentile(v, 1) / step) * step
        hi = np.ceil(np.percentile(v, 99) / step) * step
        grid = np.round(np.arange(lo, hi + 1e-9, step), 3)
        best = best_threshold(v, data, fine)
        at_default = metrics(v >= default, data)
        print(f"\n  answer when {signal} >= threshold")
        print("  " + _header())
        curve = []
        shown = sorted(set(grid.tolist()) | {round(default, 3), best["threshold"]})
        for t in shown:
            m = metrics(v >= t, data)
            curve.append({"threshold": t, **m})
            mark = " ".join(x for x, on in (("<- default", np.isclose(t, default)),
                                            ("<- best", np.isclose(t, best["threshold"]))) if on)
            print("  " + _row(f"{t:.3f}", m, mark))
        print(f"  best accuracy {best['accuracy']:.3f} at {signal} >= {best['threshold']:.3f} (same accuracy for "
              f"{best['range'][0]:.3f}..{best['range'][1]:.3f}); default {default:.3f}: accuracy "
              f"{at_default['accuracy']:.3f}, answered {at_default['answered']:.3f}, "
              f"recall {_fmt(at_default['recall'], 0)}")
        out[signal] = {"curve": curve, "best": best, "at_default": at_default}
    grid1 = np.round(np.arange(0.10, 0.601, 0.025), 3)
    grid2 = np.round(np.arange(0.20, 0.801, 0.025), 3)
    best, ranked = best_pair(data, grid1, grid2)
    both_default = metrics((data["relevance"] >= settings.min_relevance) & (data["evidence"] >= settings.min_evidence),
                           data)
    rule = metrics((data["relevance"] >= settings.min_relevance) & (data["evidence"] >= settings.min_evidence)
                   & data["names_ok"], data)
    print(f"\n  answer when relevance >= t1 and evidence >= t2 (grid t1 {grid1[0]:.2f}..{grid1[-1]:.2f}, "
          f"t2 {grid2[0]:.2f}..{grid2[-1]:.2f}, step 0.025): the 10 most accurate (t2 ranges give the same result)")
    print("  " + _header("t1/t2", 18))
    for r in _collapse(ranked)[:10]:
        print("  " + _row(r["label"], r, width=18))
    print("  " + _row(f"{settings.min_relevance:.3f}/{settings.min_evidence:.3f}", both_default, "<- defaults",
                      width=18))
    print("  " + _row("pipeline rule", rule, "<- defaults + unmatched-name check", width=18))
    out["both"] = {"best": best, "top10": ranked[:10], "at_default": both_default, "pipeline_rule": rule}
    return out


def transfer(name_from: str, res_from: dict, name_to: str, data_to: dict, settings: Settings) -> dict:
    """How the thresholds that are best on one set do on the other."""
    r_t = res_from["relevance"]["best"]["threshold"]
    e_t = res_from["evidence"]["best"]["threshold"]
    b = res_from["both"]["best"]
    found = {
        f"relevance >= {r_t:.3f}": metrics(data_to["relevance"] >= r_t, data_to),
        f"evidence >= {e_t:.3f}": metrics(data_to["evidence"] >= e_t, data_to),
        f"both {b['relevance']:.3f}/{b['evidence']:.3f}":
            metrics((data_to["relevance"] >= b["relevance"]) & (data_to["evidence"] >= b["evidence"]), data_to),
        f"defaults {settings.min_relevance:.3f}/{settings.min_evidence:.3f}":
            metrics((data_to["relevance"] >= settings.min_relevance)
                    & (data_to["evidence"] >= settings.min_evidence), data_to),
    }
    print(f"\n  thresholds best on {name_from}, applied to {name_to}")
    print("  " + _header("rule", 26))
    for label, m in found.items():
        print("  " + _row(label, m, width=26))
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="hetPQA evidence_ranking/dev.csv")
    parser.add_argument("--sets", default="hetpqa,demo", help="comma-separated: hetpqa, demo")
    parser.add_argument("--limit", type=int, help="only the first N questions of each set (for a quick run)")
    parser.add_argument("--step", type=float, default=0.05, help="threshold step of the printed curves")
    parser.add_argument("--json", help="also write the curves, best thresholds and per-question signals here")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for the embedder (default 1: single-query embedding gains little "
                             "from more, and one thread does not stall when other processes are busy); "
                             "0 = torch's default")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = Settings.load()
    embedder = make_embedder(settings)
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    print(f"Abstention calibration: current defaults min_relevance={settings.min_relevance}, "
          f"min_evidence={settings.min_evidence}; evidence = max gather_evidence score (passages=3, per_passage=2)")
    results: dict[str, Any] = {}
    data: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-abstention-") as tmp:
        if "hetpqa" in wanted:
            docs_path, questions_path = convert(args.data, Path(tmp) / "hetpqa")
            questions = read_questions(questions_path)[: args.limit]
            data["hetPQA"] = collect([docs_path], questions, Path(tmp) / "index-hetpqa", embedder, settings)
        if "demo" in wanted:
            questions = read_questions(DEMO_QUESTIONS)[: args.limit]
            data["demo store"] = collect([DEMO_DOCS], questions, Path(tmp) / "index-demo", embedder, settings)
    print(f"machine load average (1 min) while collecting: {os.getloadavg()[0]:.2f} (timings only; the curves do "
          "not depend on it)")
    for name, d in data.items():
        results[name] = analyse(name, d, settings, args.step)
    names = list(data)
    if len(names) == 2:
        for a, b in (names, names[::-1]):
            results[a]["transfer_to_" + b] = transfer(a, results[a], b, data[b], settings)
    if args.json:
        payload = {name: {**results[name], "questions_signals": data[name]["rows"]} for name in results}
        Path(args.json).write_text(json.dumps(payload, indent=2, default=float))
    return results


if __name__ == "__main__":
    main()
