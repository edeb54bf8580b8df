"""The answer judge, before and after, side by side in one run, on held-out product-QA questions.

Two held-out sets, neither trained nor tuned on (``chatbot/retrieve/judge/data.py`` says how the parts are kept apart):

- ``hetpqa``: the test part of hetPQA ``evidence_ranking`` (``chatbot.ingest.datasets.hetpqa.split_of``), 200 real
  Amazon shopper questions, each against its own labelled candidates (reviews, community answers,
  attributes, descriptions and bullets: the evidence-ranking protocol); ``hetpqa_by_product``: the same
  questions against all the candidates of their product, some of which answer but are labelled only for
  another question (so they count as misses);
- ``semipqa``: semiPQA ``attribute_ranking/testunseen`` (attribute types seen nowhere in training), 692
  questions against a product's attributes.

Each set becomes one index (documents and questions JSONL, as ``python -m chatbot eval`` reads them); every
question is asked through the real ``Chatbot`` (extractive answers, scoped to its product) twice: ``before``
with ``judge=off`` (retrieval relevance and sentence match decide, as before the judge) and ``after`` with the
bundled judge. Reported for each: hit@1, MRR@10, decision accuracy (answered with a gold first citation, or
abstained when nothing answers) next to always answering, ROC AUC of the confidence, the share of
abstentions on answerable and unanswerable questions, the confidence's expected calibration error, and the
judge's own time per question (scoring the top 10 passages, p50/p95, in process). The reliability diagram of
the ``after`` confidence is written as a table (and an SVG) beside the JSON. Training time comes from the
bundled judge's ``meta.json``.

    .venv/bin/python benchmarks/judge.py [--limit N] [--json benchmarks/results/judge.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.config import Settings  # noqa: E402
from chatbot.converse.chatbot import Chatbot, make_embedder  # noqa: E402
from chatbot.evaluate.metrics import read_questions, run_questions, summarize  # noqa: E402
from chatbot.ingest.chunking import Chunker  # noqa: E402
from chatbot.ingest.datasets import hetpqa, semipqa  # noqa: E402
from chatbot.ingest.indexer import update_index  # noqa: E402
from chatbot.retrieve.hybrid import Filters  # noqa: E402
from chatbot.retrieve.judge.ranking import BUNDLED, judge_hits  # noqa: E402

KEYS = ("hit@1", "mrr@10", "decision_accuracy", "always_answer_accuracy", "confidence_auc",
        "abstained_answerable", "abstained_unanswerable", "confidence_ece")


def build_sets(folder: Path, part: str = "test") -> dict[str, Path]:
    """The question sets of ``part``: "test" (reported, never tuned on) or "calibration" (where settings are
    chosen: hetPQA's calibration questions and semiPQA testseen)."""
    sets = {"hetpqa": folder / "hetpqa", "hetpqa_by_product": folder / "hetpqa_by_product",
            "semipqa": folder / "semipqa"}
    data = ROOT / "datasets/hetpqa/evidence_ranking/dev.csv"
    hetpqa.convert(data, sets["hetpqa"], split=part, per_question=True)
    hetpqa.convert(data, sets["hetpqa_by_product"], split=part)
    semi = "testunseen" if part == "test" else "testseen"
    semipqa.convert_ranking(ROOT / f"datasets/semipqa/attribute_ranking/{semi}.csv", sets["semipqa"])
    return sets


def judge_times(bot: Chatbot, questions: list[dict]) -> list[float]:
    """Milliseconds the judge takes per question on its top 10 passages (retrieval done beforehand)."""
    times = []
    for q in questions:
        vector = bot.phrases.embed([q["question"]])[0]
        hits = bot.retriever.search(q["question"], filters=Filters(product_id=q.get("product_id")), vector=vector)
        started = time.perf_counter()
        judge_hits(bot.judge, q["question"], vector, hits[:10], bot.retriever.index)
        times.append((time.perf_counter() - started) * 1000)
    return times


def reliability(results: list[dict], questions: list[dict], bins: int = 10) -> list[dict]:
    """Per confidence bin: how many questions, mean confidence, and how often the best passage was right."""
    rows = []
    conf = np.array([r["confidence"] for r in results])
    right = np.array([bool(q["answerable"] and r["retrieved"][:1] and r["retrieved"][0] in q["gold_doc_ids"])
                      for q, r in zip(questions, results)])
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        mask = (conf >= low) & ((conf < high) | (b == bins - 1))
        if mask.any():
            rows.append({"bin": f"{low:.1f}-{high:.1f}", "questions": int(mask.sum()),
                         "confidence": round(float(conf[mask].mean()), 3), "right": round(float(right[mask].mean()), 3)})
    return rows


def svg(diagrams: dict[str, list[dict]]) -> str:
    """A small reliability diagram per set: bars = share right per bin, the diagonal = perfect calibration."""
    width, height, pad = 260, 260, 30
    parts = []
    for n, (name, rows) in enumerate(diagrams.items()):
        x0 = n * (width + pad) + pad
        parts.append(f'<text x="{x0}" y="18" font-size="13">{name}: share right by confidence</text>')
        parts.append(f'<line x1="{x0}" y1="{pad + height}" x2="{x0 + width}" y2="{pad}" stroke="#999" '
                     'stroke-dasharray="4"/>')
        parts.append(f'<rect x="{x0}" y="{pad}" width="{width}" height="{height}" fill="none" stroke="#333"/>')
        for row in rows:
            low = float(row["bin"].split("-")[0])
            bar = row["right"] * height
            parts.append(f'<rect x="{x0 + low * width + 2}" y="{pad + height - bar}" width="{width / 10 - 4}" '
                         f'height="{bar}" fill="#3b7dd8"><title>{row}</title></rect>')
    total = len(diagrams) * (width + pad) + pad
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{height + 2 * pad}" '
            f'font-family="sans-serif">{"".join(parts)}</svg>\n')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N questions of each set")
    parser.add_argument("--json", default=str(ROOT / "benchmarks/results/judge.json"))
    parser.add_argument("--judge", default="bundled", help="the judge folder of the 'after' run")
    parser.add_argument("--part", choices=("test", "calibration"), default="test",
                        help="calibration: the questions settings may be chosen on (nothing is written)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    base = Settings.load(generator="extractive", shop_skills=False, answer_cache_size=0)
    embedder = make_embedder(base)
    folder = BUNDLED if args.judge == "bundled" else Path(args.judge)
    report: dict = {"training_seconds": json.loads((folder / "meta.json").read_text())["training_seconds"]}
    diagrams = {}
    with tempfile.TemporaryDirectory(prefix="judge-bench-") as tmp:
        for name, folder in build_sets(Path(tmp), args.part).items():
            questions = read_questions(folder / "questions.jsonl")[: args.limit]
            index_dir = Path(tmp) / f"index-{name}"
            update_index([folder / "documents.jsonl"], index_dir, embedder, Chunker())
            report[name] = {"questions": len(questions),
                            "unanswerable": sum(not q["answerable"] for q in questions)}
            for label, judge in (("before", "off"), ("after", args.judge)):
                bot = Chatbot(replace(base, index_dir=str(index_dir), judge=judge), embedder=embedder)
                bot.warm_up()
                results = list(run_questions(bot, questions))
                summary = summarize(questions, results)
                report[name][label] = {k: summary[k] for k in KEYS}
                report[name][label]["latency_ms_total_p50"] = summary["latency_ms_total"]["p50"]
                if judge != "off":
                    times = judge_times(bot, questions)
                    report[name]["judge_ms"] = {"p50": round(float(np.percentile(times, 50)), 2),
                                                "p95": round(float(np.percentile(times, 95)), 2)}
                    diagrams[name] = reliability(results, questions)
                bot.close()
            print(f"{name}: {report[name]['questions']} questions ({report[name]['unanswerable']} unanswerable)")
            print(f"  {'metric':26}{'before':>10}{'after':>10}")
            for key in KEYS:
                before, after = report[name]["before"][key], report[name]["after"][key]
                print(f"  {key:26}{before if before is not None else '-':>10}{after if after is not None else '-':>10}")
            print(f"  judge time per question (10 passages): {report[name]['judge_ms']} ms")
    report["reliability"] = diagrams
    if args.part != "test":
        return 0
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".svg").write_text(svg(diagrams), encoding="utf-8")
    print(f"training time of the bundled judge: {report['training_seconds']} s")
    print(f"wrote {out} and {out.with_suffix('.svg')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
