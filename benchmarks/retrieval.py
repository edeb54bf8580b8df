"""Retrieval benchmark on hetPQA: BM25 alone vs the LangChain tutorial pipeline vs this project.

All three run side by side in one process on the same documents, questions
and product filter, with the same bundled MiniLM embedder where one is used.
Prints hit@1, hit@5, MRR@10 (answerable questions; a hit is a gold doc id in
the top results), index build time, query latency, and ratios to this
project. Run:

    .venv/bin/python benchmarks/retrieval.py [--data datasets/hetpqa/evidence_ranking/dev.csv]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.config import Settings  # noqa: E402
from chatbot.converse.chatbot import Chatbot, make_embedder  # noqa: E402
from chatbot.evaluate.metrics import read_questions  # noqa: E402
from chatbot.ingest.chunking import Chunker  # noqa: E402
from chatbot.ingest.datasets.hetpqa import convert  # noqa: E402
from chatbot.ingest.embedding import _bundled_path  # noqa: E402
from chatbot.ingest.indexer import update_index  # noqa: E402
from chatbot.retrieve.lexical import LexicalIndex  # noqa: E402

DEFAULT_DATA = ROOT / "datasets" / "hetpqa" / "evidence_ranking" / "dev.csv"


def bm25_only(docs: list[dict]):
    """Baseline (a): BM25 over whole documents, filtered to the question's product."""
    lexical = LexicalIndex([f"{d['title']}\n{d['text']}" for d in docs])
    products = np.array([d.get("product_id") or "" for d in docs], dtype=object)

    def search(question: str, product_id: str | None) -> list[str]:
        scores = lexical.scores(question)
        if product_id:
            scores = np.where((products == product_id) | (products == ""), scores, -1.0)
        order = np.argsort(-scores, kind="stable")
        return [docs[i]["id"] for i in order[:10] if scores[i] >= 0]

    return search


def langchain_tutorial(docs: list[dict]):
    """Baseline (b): RecursiveCharacterTextSplitter 1000/200, HuggingFaceEmbeddings, langchain FAISS."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    pieces = splitter.split_documents([
        Document(page_content=d["text"], metadata={"doc_id": d["id"], "product_id": d.get("product_id")})
        for d in docs])
    embeddings = HuggingFaceEmbeddings(model_name=_bundled_path(), encode_kwargs={"normalize_embeddings": True})
    store = FAISS.from_documents(pieces, embeddings)
    fetch_k = len(pieces)  # filter over every vector, so the baseline is not hobbled by its default fetch_k=20

    def search(question: str, product_id: str | None) -> list[str]:
        found = store.similarity_search(question, k=30, filter={"product_id": product_id} if product_id else None,
                                        fetch_k=fetch_k)
        return list(dict.fromkeys(d.metadata["doc_id"] for d in found))[:10]

    return search


def this_project(docs_path: Path, index_dir: Path):
    settings = Settings.load(index_dir=str(index_dir))
    embedder = make_embedder(settings)
    update_index([docs_path], index_dir, embedder, Chunker(settings.chunk_size, settings.chunk_overlap))
    bot = Chatbot(settings, embedder=embedder)
    bot.warm_up()
    return lambda question, product_id: bot.ask(question, product_id=product_id).retrieved[:10]


def score(questions: list[dict], search) -> dict:
    ranks, latencies = [], []
    for q in questions:
        started = time.perf_counter()
        retrieved = search(q["question"], q.get("product_id"))
        latencies.append((time.perf_counter() - started) * 1000)
        if q["answerable"]:
            gold = set(q["gold_doc_ids"])
            ranks.append(next((i + 1 for i, d in enumerate(retrieved[:10]) if d in gold), None))
    n = len(ranks)
    return {"hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(bool(r) and r <= 5 for r in ranks) / n,
            "mrr@10": sum(1 / r for r in ranks if r) / n,
            "query_ms_p50": float(np.percentile(latencies, 50)), "query_ms_p95": float(np.percentile(latencies, 95))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="hetPQA evidence_ranking/dev.csv")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        docs_path, questions_path = convert(args.data, tmp)
        docs = [json.loads(line) for line in docs_path.read_text().splitlines()]
        questions = read_questions(questions_path)[: args.limit]
        systems = {
            "bm25": lambda: bm25_only(docs),
            "langchain": lambda: langchain_tutorial(docs),
            "this project": lambda: this_project(docs_path, Path(tmp) / "index"),
        }
        results = {}
        for name, build in systems.items():
            started = time.perf_counter()
            search = build()
            build_s = time.perf_counter() - started
            results[name] = {"build_s": build_s, **score(questions, search)}
    ours = results["this project"]
    print(f"hetPQA evidence ranking: {len(docs)} documents, {len(questions)} questions "
          f"({sum(q['answerable'] for q in questions)} answerable)\n")
    header = f"{'system':<14}{'hit@1':>8}{'hit@5':>8}{'MRR@10':>8}{'build s':>9}{'p50 ms':>8}{'p95 ms':>8}"
    print(header)
    for name, r in results.items():
        print(f"{name:<14}{r['hit@1']:>8.3f}{r['hit@5']:>8.3f}{r['mrr@10']:>8.3f}{r['build_s']:>9.1f}"
              f"{r['query_ms_p50']:>8.1f}{r['query_ms_p95']:>8.1f}")
    print("\nratios, this project / baseline (quality: higher is better; time: lower is better)")
    for name, r in results.items():
        if name == "this project":
            continue
        print(f"  vs {name:<11} hit@1 x{ours['hit@1'] / r['hit@1']:.3f}  MRR@10 x{ours['mrr@10'] / r['mrr@10']:.3f}  "
              f"build x{ours['build_s'] / r['build_s']:.2f}  p50 x{ours['query_ms_p50'] / r['query_ms_p50']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
