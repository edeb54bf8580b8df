"""The shared model server's throughput, and the share of shoppers' questions that reach it (for sizing).

1. The share: the realistic mix of ``benchmarks/load.py`` (20 shoppers x 3 questions, half from the 20 most
   common store questions) goes through one Chatbot on the demo store with the default settings (answer
   cache, FAQ answers, shopper skills on). A recording generator counts the questions that reach the model and
   keeps their real prompts (the app's own packing of passages, ``openai`` style).
2. The throughput: ``python -m chatbot model-server`` (llama.cpp's server on the bundled model, every core)
   gets those prompts, ``--concurrency`` requests at once, as app replicas send them (greedy, the app's
   ``max_new_tokens``). For each level: answers/s, prompt and generated tokens/s, latency p50/p95.

    .venv/bin/python benchmarks/model_server.py [--concurrency 1,2,4,8] [--requests 16] [--json out.json]

Traffic goes to 127.0.0.1 only. Stops the server it started.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from load import closed_loop_questions  # noqa: E402

from chatbot.config import Settings  # noqa: E402


def _model_server_class():
    """tests/model_server.py's ModelServer (start, wait until it answers, stop), by path: this file has its name."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tests_model_server", ROOT / "tests" / "model_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ModelServer


class RecordingGenerator:
    """Takes the prompt the app would send to the model server and says nothing (the answer is then quoted)."""

    style = "chat"
    name = "recording"
    context_window = 2048

    def __init__(self):
        self.prompts: list = []

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4 + 1)  # the openai generator's own estimate: the same packing

    def stream(self, prompt, options):
        self.prompts.append(prompt)
        return iter(())


def questions_reaching_the_model(seed: int) -> tuple[dict, list]:
    from chatbot.converse.chatbot import Chatbot, make_embedder
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index

    settings = Settings(index_dir=tempfile.mkdtemp(prefix="bench-index-"))
    embedder = make_embedder(settings)
    update_index([ROOT / "knowledge"], settings.index_dir, embedder, Chunker(settings.chunk_size,
                                                                               settings.chunk_overlap))
    recorder = RecordingGenerator()
    bot = Chatbot(replace(settings, generator="openai"), embedder=embedder, generator=recorder)
    bot.warm_up()
    plan = closed_loop_questions(True, 20, 3, seed)
    origins: dict[str, int] = {}
    reached = 0
    for question in (q for session in plan for q in session):
        before = len(recorder.prompts)
        answer = bot.ask(question)
        reached += len(recorder.prompts) > before
        origins[answer.origin] = origins.get(answer.origin, 0) + 1
    total = sum(origins.values())
    return {"questions": total, "reached_model": reached, "share": round(reached / total, 3),
            "origins": dict(sorted(origins.items()))}, recorder.prompts


def load(url: str, prompts: list, concurrency: int, requests: int, max_tokens: int) -> dict:
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key="not-needed", timeout=600, max_retries=0)

    def one(i: int) -> tuple[float, int, int]:
        started = time.perf_counter()
        reply = client.chat.completions.create(model="smollm2", messages=prompts[i % len(prompts)],
                                               temperature=0, max_tokens=max_tokens)
        return time.perf_counter() - started, reply.usage.prompt_tokens, reply.usage.completion_tokens

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    latencies = sorted(d[0] for d in done)
    return {"concurrency": concurrency, "requests": requests, "wall_s": round(wall, 2),
            "answers_per_s": round(requests / wall, 3),
            "prompt_tokens_mean": round(statistics.mean(d[1] for d in done), 1),
            "generated_tokens_mean": round(statistics.mean(d[2] for d in done), 1),
            "generated_tokens_per_s": round(sum(d[2] for d in done) / wall, 1),
            "prompt_tokens_per_s": round(sum(d[1] for d in done) / wall, 1),
            "latency_p50_s": round(latencies[len(latencies) // 2], 2),
            "latency_p95_s": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,2,4,8", help="requests at once, comma-separated levels")
    parser.add_argument("--requests", type=int, default=16, help="requests per level")
    parser.add_argument("--threads", type=int, default=0, help="model server threads (default: every core)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    share, prompts = questions_reaching_the_model(args.seed)
    print(f"questions reaching the model: {share['reached_model']} of {share['questions']} ({share['share']:.0%}); "
          f"answered by: {share['origins']}", flush=True)
    if not prompts:
        raise SystemExit("no question reached the model: nothing to send to the server")
    max_tokens = Settings().max_new_tokens
    log = Path(tempfile.mkdtemp(prefix="bench-model-server-")) / "server.log"
    server = _model_server_class()(log, threads=args.threads or len(os.sched_getaffinity(0)))
    levels = []
    try:
        server.start()
        load(server.url, prompts, 1, 2, max_tokens)  # warm up: the model's pages and the system prompt's tokens
        print("concurrency  answers/s  gen tok/s  prompt tok/s  p50 s  p95 s  (mean prompt / generated tokens)")
        for level in (int(x) for x in args.concurrency.split(",")):
            row = load(server.url, prompts, level, max(args.requests, level), max_tokens)
            levels.append(row)
            print(f"{level:11d}  {row['answers_per_s']:9.2f}  {row['generated_tokens_per_s']:9.1f}  "
                  f"{row['prompt_tokens_per_s']:12.1f}  {row['latency_p50_s']:5.2f}  {row['latency_p95_s']:5.2f}  "
                  f"({row['prompt_tokens_mean']:.0f} / {row['generated_tokens_mean']:.0f})", flush=True)
    finally:
        server.stop()
    result = {"machine": {"cpus": os.cpu_count(), "threads": server.threads, "cpu": platform.processor() or
                          platform.machine(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
              "model": "bundled SmolLM2-135M-Instruct (Q8_0) on llama-cpp-python's server", "max_tokens": max_tokens,
              "share_reaching_model": share, "levels": levels}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
