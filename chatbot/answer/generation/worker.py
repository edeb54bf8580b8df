"""The generator worker: a child process that runs one language model and speaks JSON lines.

    python -m chatbot.answer.generation.worker '{"generator": "llama.cpp", "model": "", ...settings}'

The model runs here, not in the server, so a native crash, a hang or runaway
memory use in llama.cpp kills only this process; ``supervisor`` restarts it.
The process builds the configured backend in-process (the same classes the
CLI uses), reports ``ready`` (or ``fatal`` for a setting that cannot work,
such as a corrupt GGUF file), then serves requests from stdin:

    {"op": "stream", "id": 1, "prompt": ..., "options": {...}}  -> piece* then done | error
    {"op": "count", "id": 2, "text": "..."}                     -> count (answered at once, even mid-generation)
    {"op": "cancel", "id": 1}                                   -> the generation stops after its next piece

Every reply is one JSON object per line on stdout; anything else a native
library prints goes to stderr. One generation runs at a time: the pool runs
several workers for concurrency. Prompt building and checking are done in
the parent; this module only generates.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
from dataclasses import fields
from typing import Any, TextIO

from chatbot.answer.generation.base import GenerationOptions
from chatbot.common.errors import ChatbotError

log = logging.getLogger("chatbot.answer.generation.worker")


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space, so runaway memory use ends this process and not the machine."""
    if megabytes > 0:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Worker:
    """Reads requests, generates one answer at a time, writes replies. ``out`` is the protocol channel."""

    def __init__(self, generator: Any, out: TextIO):
        self.generator = generator
        self._out = out
        self._write_lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._cancelled: set[int] = set()

    def send(self, **reply: Any) -> None:
        line = json.dumps(reply, ensure_ascii=False)
        with self._write_lock:
            self._out.write(line + "\n")
            self._out.flush()

    def read_requests(self, lines: TextIO) -> None:
        """Stdin reader (its own thread): counts and cancels are handled at once, generations queued."""
        for line in lines:
            try:
                request = json.loads(line)
                op, rid = request["op"], request.get("id")
            except (ValueError, KeyError, TypeError):
                log.warning("worker ignored a malformed request line: %r", line[:200])
                continue
            if op == "count":
                try:
                    self.send(id=rid, event="count", tokens=self.generator.count_tokens(request.get("text", "")))
                except Exception as exc:
                    self.send(id=rid, event="error", error=str(exc), type=type(exc).__name__)
            elif op == "cancel":
                self._cancelled.add(rid)
            elif op == "stream":
                self._jobs.put(request)
        self._jobs.put(None)  # the parent closed our stdin: finish and exit

    def serve(self) -> None:
        while (request := self._jobs.get()) is not None:
            self._generate(request)

    def _generate(self, request: dict) -> None:
        rid = request["id"]
        known = {f.name for f in fields(GenerationOptions)}
        raw = {k: v for k, v in (request.get("options") or {}).items() if k in known}
        if "stop" in raw:
            raw["stop"] = tuple(raw["stop"])
        pieces = None
        try:
            pieces = self.generator.stream(request["prompt"], GenerationOptions(**raw))
            for piece in pieces:
                if rid in self._cancelled:
                    break
                self.send(id=rid, event="piece", text=piece)
            self.send(id=rid, event="done", stats=getattr(self.generator, "last_stats", {}) or {})
        except Exception as exc:  # reported to the waiting caller; the worker stays up for the next one
            self.send(id=rid, event="error", error=str(exc), type=type(exc).__name__,
                      chatbot_error=isinstance(exc, ChatbotError))
        finally:
            if pieces is not None and hasattr(pieces, "close"):
                pieces.close()
            self._cancelled.discard(rid)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s worker: %(message)s")
    # the protocol gets its own copy of stdout; fd 1 then points at stderr, so whatever a native
    # library prints cannot corrupt the JSON lines the parent reads
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    config = json.loads(argv[0]) if argv else {}
    limit_memory(int(config.pop("worker_memory_mb", 0) or 0))
    # the app's own work (retrieval, cached, FAQ and quoted answers, HTTP) comes before the model's
    os.nice(int(config.pop("worker_nice", 0) or 0))
    from chatbot.answer.generation import make_in_process_generator
    from chatbot.config import Settings

    worker = None
    try:
        generator = make_in_process_generator(Settings.load({}, **config))
        if generator is None:
            raise ChatbotError("the extractive generator has no model to run in a worker")
        generator.count_tokens("warm up")  # loads the model now, so a bad file is reported as fatal
        worker = Worker(generator, out)
    except Exception as exc:
        json.dump({"event": "fatal", "error": str(exc), "type": type(exc).__name__}, out)
        out.write("\n")
        out.flush()
        return 3
    worker.send(event="ready", pid=os.getpid(), name=generator.name, style=generator.style,
                context_window=generator.context_window, info=getattr(generator, "build_info", ""))
    threading.Thread(target=worker.read_requests, args=(sys.stdin,), name="requests", daemon=True).start()
    worker.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
