"""Many shoppers at once through the HTTP API, the way the app is used: this project against the baseline.

Each system is the real app (``launch.py``, the default bundled model, the demo
store) started as its own server process, then loaded through ``POST /api/chat``
from this process:

- ``distinct``: 20 shoppers at once, each asking 3 different questions in turn
  (each waits for its answer, then asks the next): 60 questions, none repeated.
- ``mix``: the same, but half the questions are drawn from the 20 most common
  store questions (``load_questions.json``), as shoppers type them.
- ``open loop``: questions of the realistic mix arrive at a steady rate
  (Poisson arrivals) for ``--rate-seconds``; rates go up until p95 passes 3 s.

Every scenario starts a fresh server, so no cache carries over. Systems:

- ``baseline``: the configuration before this work: the model (as shipped,
  Q4_1) in the app's process behind one lock, no answer cache, no FAQ matching,
  4 answers at once and 16 waiting.
- ``workers1`` / ``workers2``: this project with 1 worker process (2 threads)
  or 2 worker processes (1 thread each), as configured by default otherwise.
- ``workers2-patient``: 2 workers, but every question waits for the model
  however long it takes, which shows what the model alone can write.

    .venv/bin/python benchmarks/load.py [--systems baseline,workers1,workers2] [--json out.json]

With ``--replicas N`` each system runs as N app processes sharing one database
(a throwaway PostgreSQL from ``tests/pg_server.py``, each replica with its own
data folder), and the shoppers' requests go to them in turn, as a round-robin
load balancer sends them. ``--generator openai`` answers through one
``python -m llama_cpp.server`` on the bundled model, shared by every replica
(``--model-threads`` threads), instead of each app's own model workers:

    .venv/bin/python benchmarks/load.py --systems workers2 --replicas 2 --generator openai --rates ""

Prints a table per scenario and the ratios to the baseline. Stops every
server it started. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = json.loads((Path(__file__).with_name("load_questions.json")).read_text(encoding="utf-8"))
SYSTEMS = {
    "baseline": {"CHATBOT_GENERATOR_WORKERS": "0", "CHATBOT_ANSWER_CACHE_SIZE": "0", "CHATBOT_FAQ_MATCH": "2",
                 "CHATBOT_BUNDLED_MODEL_FORMAT": "Q4_1", "CHATBOT_MAX_CONCURRENT": "4", "CHATBOT_MAX_QUEUE": "16"},
    "workers1": {"CHATBOT_GENERATOR_WORKERS": "1"},
    "workers2": {"CHATBOT_GENERATOR_WORKERS": "2"},
    # every question waits for the model: what the model alone can write, and how long that takes
    "workers2-patient": {"CHATBOT_GENERATOR_WORKERS": "2", "CHATBOT_MODEL_WAIT_S": "300",
                         "CHATBOT_MODEL_QUEUE_PER_WORKER": "1000"},
}
P95_TARGET_S = 3.0


@dataclass
class Outcome:
    latency_s: float
    ttft_s: float | None
    status: str  # ok | busy | error
    origin: str = ""
    error: str = ""  # for an error: the HTTP status, the stream's error event or the client's exception


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self) -> dict:
        ok = [o for o in self.outcomes if o.status == "ok"]
        lat = sorted(o.latency_s for o in ok)
        origins: dict[str, int] = {}
        for o in ok:
            origins[o.origin] = origins.get(o.origin, 0) + 1
        return {"requests": len(self.outcomes), "answered": len(ok),
                "busy": sum(o.status == "busy" for o in self.outcomes),
                "errors": sum(o.status == "error" for o in self.outcomes),
                "p50_s": _pct(lat, 50), "p95_s": _pct(lat, 95), "max_s": lat[-1] if lat else None,
                "answers_per_s": len(ok) / self.wall_s if self.wall_s else 0.0, "wall_s": self.wall_s,
                "origins": origins,
                "error_details": sorted({o.error for o in self.outcomes if o.status == "error"})}


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    k = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


# ---- one server per scenario
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen | None, log) -> None:
    """Stop a server process (terminate, then kill after 20 s) and close its log."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    log.close()


class Server:
    """One ``launch.py``; with ``database_url`` it shares that database (a replica), else it has its own SQLite."""

    def __init__(self, name: str, env: dict[str, str], index_dir: Path, workdir: Path, args: tuple[str, ...] = (),
                 database_url: str | None = None):
        self.name, self.env, self.index_dir, self.workdir = name, env, index_dir, workdir
        self.args = args  # more arguments for launch.py (``--knowledge DIR``)
        self.database_url = database_url
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> "Server":
        self.start()
        self.wait()
        return self

    def start(self) -> None:
        port = _free_port()
        db = self.database_url or f"sqlite:///{self.workdir / f'{self.name}-{port}.sqlite3'}"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
               "CHATBOT_INDEX_DIR": str(self.index_dir), "CHATBOT_DATABASE_URL": db, **self.env}
        if self.database_url:  # a replica: its own uploads beside its own index
            env["CHATBOT_UPLOADS_DIR"] = str(self.index_dir.parent / "uploads")
        self.log = open(self.workdir / f"{self.name}-{port}.log", "w")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "launch.py"), "--port", str(port), *self.args],
                                     cwd=ROOT,
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log.name}")
            try:
                health = httpx.get(f"{self.url}/api/health", timeout=2).json()
                if health.get("generator_state") in ("ready", None) and health.get("status") == "ok":
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} server did not start; see {self.log.name}")

    def __exit__(self, *exc) -> None:
        stop(self.proc, self.log)


class Replicas:
    """``count`` app replicas on one database, each with its own index folder (the first builds it, the others
    start from a copy); ``urls`` are theirs, for the client to take in turn."""

    def __init__(self, name: str, env: dict[str, str], index_dir: Path, workdir: Path, count: int,
                 database_url: str):
        self.servers = [Server(f"{name}-r{i + 1}", env, index_dir if i == 0 else workdir / f"replica-{i + 1}" / "index",
                               workdir, database_url=database_url) for i in range(count)]
        self.urls: list[str] = []

    def __enter__(self) -> "Replicas":
        first = self.servers[0]
        if not (first.index_dir / "CURRENT").exists():  # the first replica indexes; the others copy its index
            with first:
                pass
        for server in self.servers[1:]:
            shutil.rmtree(server.index_dir, ignore_errors=True)
            shutil.copytree(first.index_dir, server.index_dir)
        try:
            for server in self.servers:
                server.start()
            for server in self.servers:
                server.wait()
        except BaseException:
            self.__exit__()
            raise
        self.urls = [server.url for server in self.servers]
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            if server.proc is not None:
                server.__exit__()


class ModelServer:
    """``python -m llama_cpp.server`` on the bundled model, the one model every replica asks (``--generator
    openai``); ``env`` points an app at it."""

    def __init__(self, workdir: Path, threads: int):
        self.workdir, self.threads = workdir, threads

    def __enter__(self) -> "ModelServer":
        sys.path.insert(0, str(ROOT))
        from chatbot.answer.generation.llamacpp import bundled_smollm2_path

        port = _free_port()
        self.log = open(self.workdir / "model-server.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", bundled_smollm2_path(),
                                      "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
                                      "--n_threads", str(self.threads)], stdout=self.log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 180
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the model server exited; see {self.log.name}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the model server did not start; see {self.log.name}")
            time.sleep(0.5)
        self.env = {"CHATBOT_GENERATOR": "openai", "CHATBOT_OPENAI_BASE_URL": url, "OPENAI_API_KEY": "unused",
                    "CHATBOT_GENERATOR_WORKERS": "0"}
        return self

    def __exit__(self, *exc) -> None:
        stop(self.proc, self.log)


# ---- clients
class RoundRobin:
    """The replicas' URLs, taken in turn, as a round-robin load balancer spreads requests."""

    def __init__(self, urls: str | list[str]):
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.turn = 0

    def next(self) -> str:
        self.turn += 1
        return self.urls[(self.turn - 1) % len(self.urls)]


async def ask(client: httpx.AsyncClient, url: "str | RoundRobin", question: str) -> Outcome:
    url = url.next() if isinstance(url, RoundRobin) else url
    started = time.perf_counter()
    ttft = None
    try:
        async with client.stream("POST", f"{url}/api/chat", json={"message": question}) as response:
            if response.status_code == 503:
                await response.aread()
                return Outcome(time.perf_counter() - started, None, "busy")
            if response.status_code != 200:
                body = await response.aread()
                return Outcome(time.perf_counter() - started, None, "error",
                               error=f"HTTP {response.status_code}: {body[:200].decode(errors='replace')}")
            event, origin, answered = "", "", False
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                    if event == "token" and ttft is None:
                        ttft = time.perf_counter() - started
                elif line.startswith("data:") and event == "answer":
                    result = json.loads(line[5:])
                    origin, answered = result.get("origin", ""), True
                    if result.get("reason") == "model_unavailable":  # quoted because the model was busy or down
                        origin = "quoted (model busy)"
                elif event == "error":
                    return Outcome(time.perf_counter() - started, ttft, "error", error=f"error event: {line[:200]}")
            if answered:
                return Outcome(time.perf_counter() - started, ttft, "ok", origin)
            return Outcome(time.perf_counter() - started, ttft, "error", error="the stream ended without an answer")
    except httpx.HTTPError as exc:
        return Outcome(time.perf_counter() - started, ttft, "error", error=f"{type(exc).__name__}: {exc}")


def closed_loop_questions(mix: bool, sessions: int, per_session: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    distinct = list(QUESTIONS["distinct"])
    rng.shuffle(distinct)
    plan = []
    for s in range(sessions):
        questions = []
        for q in range(per_session):
            if mix and rng.random() < 0.5:
                questions.append(rng.choice(QUESTIONS["common"]))
            else:
                questions.append(distinct.pop() if distinct else rng.choice(QUESTIONS["distinct"]))
        plan.append(questions)
    return plan


async def closed_loop(url: "str | list[str]", plan: list[list[str]]) -> Run:
    run = Run()
    url = RoundRobin(url)

    async def shopper(client, questions):
        for question in questions:
            run.outcomes.append(await ask(client, url, question))

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=200)) as client:
        await asyncio.gather(*(shopper(client, qs) for qs in plan))
    run.wall_s = time.perf_counter() - started
    return run


async def open_loop(url: "str | list[str]", rate: float, seconds: float, seed: int) -> Run:
    url = RoundRobin(url)
    rng = random.Random(seed)
    run = Run()
    distinct = list(QUESTIONS["distinct"])
    rng.shuffle(distinct)
    tasks = []
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=500)) as client:
        at = 0.0
        while at < seconds:
            delay = started + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            common = rng.random() < 0.5 or not distinct
            question = rng.choice(QUESTIONS["common"]) if common else distinct.pop()

            async def one(q=question):
                run.outcomes.append(await ask(client, url, q))

            tasks.append(asyncio.create_task(one()))
            at += rng.expovariate(rate)
        await asyncio.gather(*tasks)
    run.wall_s = time.perf_counter() - started
    return run


# ---- the benchmark
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default="baseline,workers1,workers2")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--per-session", type=int, default=3)
    parser.add_argument("--rates", default="0.5,1,2,3,4,6", help="open-loop arrival rates to try, questions/s")
    parser.add_argument("--rate-seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write all figures here")
    parser.add_argument("--replicas", type=int, default=1,
                        help="app processes per system, sharing one PostgreSQL; requests go to them in turn")
    parser.add_argument("--generator", choices=["default", "openai"], default="default",
                        help="openai: one llama.cpp model server (the bundled model) for every replica")
    parser.add_argument("--model-threads", type=int, default=2, help="the model server's threads (--generator openai)")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error(f"--replicas {args.replicas}: give 1 or more app processes")
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    rates = [float(r) for r in args.rates.split(",") if r.strip()]  # --rates "" skips the open loop

    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    index_dir = workdir / "index"
    results: dict[str, dict] = {}
    stack = contextlib.ExitStack()
    try:
        model = stack.enter_context(ModelServer(workdir, args.model_threads)) if args.generator == "openai" else None
        database = None
        if args.replicas > 1 or model is not None:
            sys.path.insert(0, str(ROOT / "tests"))
            from pg_server import PostgresServer

            database = PostgresServer().start()
            stack.callback(database.stop)

        def system(name: str):
            """The system as the shoppers reach it: one server, or replicas on one fresh database."""
            env = {**SYSTEMS[name], **(model.env if model is not None else {})}
            if database is None:
                return Server(name, env, index_dir, workdir)
            return Replicas(name, env, index_dir, workdir, args.replicas, database.new_database("load"))

        def urls(running) -> list[str]:
            return running.urls if isinstance(running, Replicas) else [running.url]

        for name in names:
            results[name] = {}
            for scenario, mix in (("distinct", False), ("mix", True)):
                plan = closed_loop_questions(mix, args.sessions, args.per_session, args.seed)
                with system(name) as server:
                    results[name][scenario] = asyncio.run(closed_loop(urls(server), plan)).summary()
                print(f"{name:9} {scenario:8} {_line(results[name][scenario])}", flush=True)
            best = None
            for rate in rates:
                with system(name) as server:
                    summary = asyncio.run(open_loop(urls(server), rate, args.rate_seconds, args.seed)).summary()
                results[name][f"open {rate:g}/s"] = summary
                print(f"{name:9} open {rate:<4g}/s {_line(summary)}", flush=True)
                if summary["p95_s"] is None or summary["p95_s"] > P95_TARGET_S or summary["errors"] or summary["busy"]:
                    break
                best = rate
            results[name]["max_rate_p95_under_3s"] = best
    finally:
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print_table(results, names)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def _line(s: dict) -> str:
    f = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    return (f"n={s['requests']} answered={s['answered']} busy={s['busy']} errors={s['errors']} "
            f"p50={f(s['p50_s'])}s p95={f(s['p95_s'])}s answers/s={s['answers_per_s']:.2f} origins={s['origins']}"
            + (f" error details={s['error_details']}" if s.get("error_details") else ""))


def print_table(results: dict, names: list[str]) -> None:
    base = results.get("baseline")
    print("| system | scenario | p50 (s) | p95 (s) | answers/s | busy | errors | written by the model | "
          "quoted, model busy | from cache or FAQ | p95 ratio | answers/s ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        for scenario in ("distinct", "mix"):
            s = results[name][scenario]
            ratio_p95 = ratio_rate = ""
            if base and name != "baseline" and base[scenario]["p95_s"] and s["p95_s"]:
                ratio_p95 = f"x{s['p95_s'] / base[scenario]['p95_s']:.2f}"
                ratio_rate = f"x{s['answers_per_s'] / base[scenario]['answers_per_s']:.2f}"
            origins = s["origins"]
            print(f"| {name} | {scenario} | {s['p50_s']:.2f} | {s['p95_s']:.2f} | {s['answers_per_s']:.2f} | "
                  f"{s['busy']} | {s['errors']} | {origins.get('model', 0)} | {origins.get('quoted (model busy)', 0)} | "
                  f"{origins.get('cache', 0) + origins.get('faq', 0)} | {ratio_p95} | {ratio_rate} |")
    print()
    for name in names:
        print(f"{name}: highest open-loop rate with p95 under {P95_TARGET_S:.0f} s, no busy, no errors: "
              f"{results[name]['max_rate_p95_under_3s']} questions/s")


if __name__ == "__main__":
    sys.exit(main())
