"""What one core serves: the app's answers, the shared model server's answers, and the share that needs the model.

1. The app (everything but the model): the realistic mix of ``benchmarks/load.py`` (20 shoppers x 3
   questions, half from the 20 most common store questions) is sent one at a time through ``POST /api/chat``
   to the real app (uvicorn in this process, SQLite conversation store, the demo store, default settings:
   answer cache, FAQ answers and shopper skills on, torch on one thread). A recording generator counts the
   questions that reach the model and keeps their real prompts (the app's own packing, ``openai`` style);
   those are then quoted from the sources. The process's CPU time per message is the app's cost.
2. The model server: ``python -m chatbot model-server --threads N`` gets those prompts, ``--concurrency``
   requests at once, as replicas send them (greedy, the app's ``max_new_tokens``). For each level: answers/s,
   prompt and generated tokens/s, latency p50/p95, and the server's CPU time per answer (from /proc).

CPU time per answer is the figure to size with: on a machine shared with other work it stays what an
answer costs, where answers/s falls with whatever else runs. One model-server thread (the default) measures
one core without llama.cpp's threads spinning while they wait for each other.

    .venv/bin/python benchmarks/model_server.py [--threads 1] [--concurrency 1,2,4] [--requests 12] [--json out.json]

Traffic goes to 127.0.0.1 only. Stops the server it started.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
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


def app_cost_and_share(seed: int) -> tuple[dict, list]:
    """Phase 1: the app's CPU time per message, the share of messages reaching the model, and their prompts."""
    import threading

    import httpx
    import torch
    import uvicorn

    from chatbot.converse.chatbot import Chatbot, make_embedder
    from chatbot.data.storage import ConversationStore
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index
    from ui.server import create_server

    torch.set_num_threads(1)  # one message on one core: CPU time is then that core's time
    workdir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    settings = Settings(index_dir=str(workdir / "index"), database_url=f"sqlite:///{workdir / 'chat.sqlite3'}")
    embedder = make_embedder(settings)
    update_index([ROOT / "knowledge"], settings.index_dir, embedder, Chunker(settings.chunk_size,
                                                                               settings.chunk_overlap))
    recorder = RecordingGenerator()
    bot = Chatbot(replace(settings, generator="openai"), embedder=embedder, generator=recorder)
    bot.warm_up()
    store = ConversationStore(settings.database_url)
    server = uvicorn.Server(uvicorn.Config(create_server(bot, store, settings), host="127.0.0.1", port=0,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    plan = [q for session in closed_loop_questions(True, 20, 3, seed) for q in session]
    origins: dict[str, int] = {}
    reached = 0
    with httpx.Client(timeout=120) as client:
        client.post(f"{url}/api/chat", json={"message": "Hello, warm up?"}).read()
        cpu, wall = time.process_time(), time.perf_counter()
        for question in plan:
            before = len(recorder.prompts)
            body = client.post(f"{url}/api/chat", json={"message": question}).text
            answer = json.loads(body.rsplit("event: answer", 1)[1].split("data:", 1)[1].strip().split("\n")[0])
            reached += len(recorder.prompts) > before
            origins[answer["origin"]] = origins.get(answer["origin"], 0) + 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server.should_exit = True
    thread.join(10)
    store.close()
    n = len(plan)
    return {"messages": n, "reached_model": reached, "share_reaching_model": round(reached / n, 3),
            "origins": dict(sorted(origins.items())), "cpu_ms_per_message": round(1000 * cpu / n, 1),
            "wall_ms_per_message": round(1000 * wall / n, 1),
            "messages_per_core_second": round(n / cpu, 2)}, recorder.prompts


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(url: str, prompts: list, concurrency: int, requests: int, max_tokens: int, pid: int) -> dict:
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key="not-needed", timeout=600, max_retries=0)

    def one(i: int) -> tuple[float, int, int]:
        started = time.perf_counter()
        reply = client.chat.completions.create(model="smollm2", messages=prompts[i % len(prompts)],
                                               temperature=0, max_tokens=max_tokens)
        return time.perf_counter() - started, reply.usage.prompt_tokens, reply.usage.completion_tokens

    started, cpu = time.perf_counter(), cpu_seconds(pid)
    with ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(one, range(requests)))
    wall, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    latencies = sorted(d[0] for d in done)
    return {"concurrency": concurrency, "requests": requests, "wall_s": round(wall, 2),
            "answers_per_s": round(requests / wall, 3), "server_cpu_s_per_answer": round(cpu / requests, 3),
            "prompt_tokens_mean": round(statistics.mean(d[1] for d in done), 1),
            "generated_tokens_mean": round(statistics.mean(d[2] for d in done), 1),
            "generated_tokens_per_s": round(sum(d[2] for d in done) / wall, 1),
            "prompt_tokens_per_s": round(sum(d[1] for d in done) / wall, 1),
            "latency_p50_s": round(latencies[len(latencies) // 2], 2),
            "latency_p95_s": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,2,4", help="requests at once, comma-separated levels")
    parser.add_argument("--requests", type=int, default=12, help="requests per level")
    parser.add_argument("--threads", type=int, default=1, help="model server threads (default 1: one core)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` still stops the model server it started

    app, prompts = app_cost_and_share(args.seed)
    print(f"app: {app['cpu_ms_per_message']} ms CPU a message ({app['messages_per_core_second']} messages per "
          f"core-second); reaching the model: {app['reached_model']} of {app['messages']} "
          f"({app['share_reaching_model']:.0%}); answered by: {app['origins']}", flush=True)
    if not prompts:
        raise SystemExit("no question reached the model: nothing to send to the server")
    max_tokens = Settings().max_new_tokens
    log = Path(tempfile.mkdtemp(prefix="bench-model-server-")) / "server.log"
    server = _model_server_class()(log, threads=args.threads)
    levels = []
    try:
        server.start()
        load(server.url, prompts, 1, 2, max_tokens, server.proc.pid)  # warm up: pages, the system prompt's tokens
        print("concurrency  answers/s  CPU s/answer  gen tok/s  prompt tok/s  p50 s  p95 s  (prompt / generated)")
        for level in (int(x) for x in args.concurrency.split(",")):
            row = load(server.url, prompts, level, max(args.requests, level), max_tokens, server.proc.pid)
            levels.append(row)
            print(f"{level:11d}  {row['answers_per_s']:9.2f}  {row['server_cpu_s_per_answer']:12.3f}  "
                  f"{row['generated_tokens_per_s']:9.1f}  {row['prompt_tokens_per_s']:12.1f}  "
                  f"{row['latency_p50_s']:5.2f}  {row['latency_p95_s']:5.2f}  "
                  f"({row['prompt_tokens_mean']:.0f} / {row['generated_tokens_mean']:.0f})", flush=True)
    finally:
        server.stop()
    result = {"machine": {"cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                          "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
              "app": app,
              "model_server": {"model": "bundled SmolLM2-135M-Instruct (Q8_0), python -m chatbot model-server",
                               "threads": args.threads, "max_tokens": max_tokens, "prompts": len(prompts),
                               "levels": levels}}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
