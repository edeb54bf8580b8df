"""Run the language model in supervised worker processes, so nothing it does can take the app down.

``SupervisedGenerator`` is a Generator like the others, but the model lives
in ``workers`` child processes (``chatbot.answer.generation.worker``), each with its
share of the CPU threads and one generation at a time; a question takes the
next free worker. When a worker dies (a native crash, ``kill -9``, memory
over its limit) or a generation passes its deadline (the worker is killed),
the caller gets ``GeneratorUnavailable`` and answers from the sources, and
the worker restarts with exponential backoff. A worker that reports a
setting that cannot work (a corrupt GGUF file) is not restarted: the state
is ``failed`` and the error says what to fix. ``health()`` reports the state
(``ready``, ``restarting``, ``failed``) and the worker pids.

Why child processes and not llama-cpp-python's own OpenAI-compatible server:
that server serialises requests behind one lock per model, so it would need
one server (a whole web stack) per worker anyway; a pipe needs no port, the
worker's tokenizer answers token counts for exact prompt packing, and a dead
worker is seen at once as the end of its pipe.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from typing import Any, Iterator

from chatbot.answer.generation.base import GenerationOptions, Prompt
from chatbot.common.errors import ChatbotError, ConfigError, GeneratorUnavailable

log = logging.getLogger(__name__)

_DIED = object()  # put on a request's queue when its worker went away


class _Request:
    def __init__(self, rid: int):
        self.id = rid
        self.replies: queue.Queue = queue.Queue()


class WorkerProcess:
    """One worker child: start, read its replies, restart with backoff after it dies."""

    def __init__(self, config: dict, number: int, start_timeout_s: float, on_change: threading.Condition):
        self.config = config
        self.number = number
        self.start_timeout_s = start_timeout_s
        self.state = "starting"  # starting | ready | restarting | failed | stopped
        self.error = ""
        self.info: dict = {}
        self.restarts = 0
        self.busy: _Request | None = None
        self.busy_since = 0.0  # time.monotonic() when the current generation was handed to this worker
        self._proc: subprocess.Popen | None = None
        self._changed = on_change  # the pool's condition: notified whenever state or busy changes
        self._write_lock = threading.Lock()
        self._counts: dict[int, _Request] = {}
        self._failures_in_a_row = 0
        self._ready_at = 0.0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self.state == "ready" else None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "chatbot.answer.generation.worker", json.dumps(self.config)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                      text=True, encoding="utf-8", bufsize=1)
        threading.Thread(target=self._read, args=(self._proc,), name=f"generator-worker-{self.number}",
                         daemon=True).start()

    def wait_started(self) -> None:
        """Block until this worker is ready or has failed (or the start timeout passes)."""
        deadline = time.monotonic() + self.start_timeout_s
        with self._changed:
            while self.state == "starting" and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())

    def send(self, message: dict) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise GeneratorUnavailable("the model worker is not running")
        try:
            with self._write_lock:
                proc.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
                proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise GeneratorUnavailable(f"the model worker went away ({exc})") from None

    def count(self, request: _Request, text: str) -> None:
        self._counts[request.id] = request
        self.send({"op": "count", "id": request.id, "text": text})

    def kill(self) -> None:
        """Stop a stuck worker the only sure way; its reader sees the pipe close and restarts it."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        with self._changed:
            self.state = "stopped"
            self._changed.notify_all()
        self.kill()

    # ---- the reader thread: one per process lifetime
    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                reply = json.loads(line)
            except ValueError:
                log.warning("model worker %d wrote a line that is not JSON: %r", self.number, line[:200])
                continue
            self._dispatch(reply)
        code = proc.wait()
        self._died(proc, code)

    def _dispatch(self, reply: dict) -> None:
        event = reply.get("event")
        if event == "ready":
            with self._changed:
                self.state, self.info, self.error = "ready", reply, ""
                self._ready_at = time.monotonic()
                self._changed.notify_all()
            log.info("model worker %d ready: pid %s, %s", self.number, reply.get("pid"), reply.get("name"))
            return
        if event == "fatal":
            with self._changed:
                self.state, self.error = "failed", reply.get("error", "the model could not be loaded")
                self._changed.notify_all()
            return
        rid = reply.get("id")
        if event == "count" or (event == "error" and rid in self._counts):
            request = self._counts.pop(rid, None)
            if request is not None:
                request.replies.put(reply)
            return
        busy = self.busy
        if busy is None or busy.id != rid:
            return  # a late reply to a generation that was abandoned
        busy.replies.put(reply)
        if event in ("done", "error"):
            with self._changed:
                self.busy = None
                self._changed.notify_all()

    def _died(self, proc: subprocess.Popen, code: int) -> None:
        waiting = [r for r in [self.busy, *self._counts.values()] if r is not None]
        self._counts.clear()
        with self._changed:
            self.busy = None
            if self.state in ("failed", "stopped"):
                self._changed.notify_all()
                pending = None
            else:
                healthy_for = time.monotonic() - self._ready_at if self._ready_at else 0.0
                self._failures_in_a_row = 0 if healthy_for > 60 else self._failures_in_a_row + 1
                self.state = "restarting"
                self.restarts += 1
                pending = min(30.0, 0.25 * 2 ** max(0, self._failures_in_a_row - 1))
                self._changed.notify_all()
        for request in waiting:
            request.replies.put(_DIED)
        if pending is None:
            return
        log.warning("model worker %d (pid %d) ended with %s; restarting in %.2f s", self.number, proc.pid,
                    _describe_exit(code), pending)
        timer = threading.Timer(pending, self._restart)
        timer.daemon = True
        timer.start()

    def _restart(self) -> None:
        with self._changed:
            if self.state != "restarting":
                return
        try:
            self.start()
        except OSError as exc:
            log.error("model worker %d could not be restarted: %s", self.number, exc)
            with self._changed:
                self.state, self.error = "failed", str(exc)
                self._changed.notify_all()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class SupervisedGenerator:
    """A Generator whose model runs in ``workers`` supervised child processes (see the module docstring)."""

    def __init__(self, config: dict, name: str, workers: int = 1, deadline_s: float = 20.0,
                 wait_s: float = 30.0, start_timeout_s: float = 120.0, queue_per_worker: int = 1):
        if workers <= 0:
            raise ConfigError(f"generator_workers={workers} must be 1 or more for a supervised model")
        self.name = name
        self.style = "chat"
        self.deadline_s = deadline_s  # a generation running longer is stuck: its worker is killed
        self.wait_s = wait_s  # the longest wait for a free worker when the caller set no deadline
        self.queue_per_worker = queue_per_worker  # callers with a start_by that may wait, per worker
        self._changed = threading.Condition()
        self._workers = [WorkerProcess(config, i, start_timeout_s, self._changed) for i in range(workers)]
        self._ids = itertools.count(1)
        self._started = False
        self._closed = False
        self._waiting = 0  # questions waiting for a free worker
        self._start_lock = threading.Lock()
        self.last_stats: dict = {}  # prompt caching figures of the latest generation
        self.totals: dict[str, int] = {}  # the same, added up: generations, prompt tokens, reused, generated

    # ---- lifecycle
    def start(self) -> None:
        """Start the workers and wait for them; ConfigError when the model cannot be loaded at all."""
        with self._start_lock:
            if not self._started:
                for worker in self._workers:
                    worker.start()
                self._started = True
                threading.Thread(target=self._watch, name="generator-watchdog", daemon=True).start()
        for worker in self._workers:
            worker.wait_started()
        ready = [w for w in self._workers if w.state == "ready"]
        if not ready:
            errors = sorted({w.error for w in self._workers if w.error}) or ["the model worker did not start in time"]
            raise ConfigError("; ".join(errors))
        first = ready[0].info
        self.name = first.get("name", self.name)
        self.style = first.get("style", self.style)

    def close(self) -> None:
        self._closed = True
        for worker in self._workers:
            worker.stop()

    def _watch(self) -> None:
        """Kill a worker whose generation has run past ``deadline_s`` (a hang), even when nobody waits on it."""
        while not self._closed:
            time.sleep(min(0.25, self.deadline_s / 4))
            now = time.monotonic()
            for worker in self._workers:
                if worker.busy is not None and worker.state == "ready" and now - worker.busy_since > self.deadline_s:
                    log.warning("%s: a generation passed its %.1f s deadline; stopping model worker %d",
                                self.name, self.deadline_s, worker.number)
                    worker.busy_since = now  # one kill per hang; the reader restarts the worker
                    worker.kill()

    def health(self) -> dict[str, Any]:
        """``state``: ready (a worker can answer), restarting (none can yet) or failed; pids of live workers."""
        states = [w.state for w in self._workers]
        state = ("ready" if "ready" in states else "failed" if all(s == "failed" for s in states)
                 else "restarting" if self._started else "starting")
        pids = [w.pid for w in self._workers if w.pid is not None]
        return {"state": state, "pid": pids[0] if pids else None, "pids": pids, "name": self.name,
                "workers": len(self._workers), "busy": sum(w.busy is not None for w in self._workers),
                "restarts": sum(w.restarts for w in self._workers), "totals": dict(self.totals),
                "error": next((w.error for w in self._workers if w.error), "")}

    # ---- the Generator contract
    @property
    def context_window(self) -> int:
        self._ensure_started()
        return int(next(w.info for w in self._workers if w.info).get("context_window", 2048))

    def count_tokens(self, text: str) -> int:
        self._ensure_started()
        worker = self._any_ready()
        request = _Request(next(self._ids))
        worker.count(request, text)
        reply = self._next_reply(request, 30.0, worker)
        if reply.get("event") != "count":
            raise ChatbotError(f"{self.name} could not count tokens: {reply.get('error')}")
        return int(reply["tokens"])

    def stream(self, prompt: Prompt, options: GenerationOptions) -> Iterator[str]:
        """Pieces from a free worker, waiting for one until ``options.start_by``; a generation running past
        ``deadline_s`` is stuck and its worker killed. Both end in GeneratorUnavailable."""
        self._ensure_started()
        worker, request = self._take_worker(options.start_by)
        options_json = {**asdict(options), "stop": list(options.stop), "start_by": None}
        finished = False
        try:
            worker.send({"op": "stream", "id": request.id, "prompt": prompt, "options": options_json})
            stuck_at = time.monotonic() + self.deadline_s
            while True:
                reply = self._next_reply(request, stuck_at - time.monotonic(), worker)
                event = reply.get("event")
                if event == "piece":
                    yield reply["text"]
                elif event == "done":
                    finished = True
                    self._count(reply.get("stats") or {})
                    return
                else:
                    finished = True
                    message = reply.get("error", "unknown error")
                    if reply.get("chatbot_error"):
                        raise ChatbotError(message)
                    raise GeneratorUnavailable(f"{self.name} failed: {message}")
        finally:
            if not finished and worker.busy is request:
                try:  # the caller stopped early: the worker stops after its next piece
                    worker.send({"op": "cancel", "id": request.id})
                except GeneratorUnavailable:
                    pass

    # ---- helpers
    def _count(self, stats: dict) -> None:
        self.last_stats = stats
        with self._changed:
            for key in ("prompt_tokens", "prompt_tokens_reused", "generated_tokens"):
                self.totals[key] = self.totals.get(key, 0) + int(stats.get(key, 0))
            self.totals["generations"] = self.totals.get("generations", 0) + 1

    def _ensure_started(self) -> None:
        if not self._started:
            self.start()

    def _any_ready(self) -> WorkerProcess:
        with self._changed:
            ready = self._changed.wait_for(lambda: [w for w in self._workers if w.state == "ready"], self.wait_s)
        if not ready:
            raise GeneratorUnavailable(f"{self.name} is {self.health()['state']}; no model worker is ready")
        return min(ready, key=lambda w: w.busy is not None)

    def _take_worker(self, start_by: float | None = None) -> tuple[WorkerProcess, _Request]:
        """The first idle ready worker, marked busy; waits until ``start_by`` (or ``wait_s``) for one.

        With a ``start_by``, at most ``queue_per_worker`` questions per worker wait: the others would only wait
        out their time and still be quoted, so they are told at once (and the model's work is never thrown away).
        """
        request = _Request(next(self._ids))
        wait = self.wait_s if start_by is None else min(self.wait_s, start_by - time.monotonic())
        def idle_or_hopeless():
            idle = [w for w in self._workers if w.state == "ready" and w.busy is None]
            return idle or all(w.state in ("failed", "stopped") for w in self._workers)

        with self._changed:
            full = start_by is not None and self._waiting >= self.queue_per_worker * len(self._workers)
            self._waiting += 1
            try:
                idle = idle_or_hopeless() if full else self._changed.wait_for(idle_or_hopeless, max(0.0, wait))
            finally:
                self._waiting -= 1
            if not isinstance(idle, list):
                state = self.health()["state"]
                reason = "busy" if state == "ready" else state
                raise GeneratorUnavailable(f"{self.name} is {reason}; answering from the sources instead")
            worker = idle[0]
            worker.busy, worker.busy_since = request, time.monotonic()
        return worker, request

    def _next_reply(self, request: _Request, timeout: float, worker: WorkerProcess) -> dict:
        """The worker's next reply for ``request``; after ``timeout`` the worker is stuck and killed."""
        try:
            reply = request.replies.get(timeout=max(0.0, timeout))
        except queue.Empty:
            log.warning("%s passed its %.1f s deadline; stopping model worker %d", self.name, self.deadline_s,
                        worker.number)
            worker.kill()
            raise GeneratorUnavailable(f"{self.name} took longer than {self.deadline_s:.0f} s "
                                       "(CHATBOT_GENERATION_DEADLINE_S); answering from the sources instead") from None
        if reply is _DIED:
            raise GeneratorUnavailable(f"the {self.name} worker stopped mid-answer; answering from the sources")
        return reply
