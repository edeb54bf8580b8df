"""Generator backend for any OpenAI-compatible chat server (vLLM, llama.cpp's server, Ollama, OpenAI).

It talks to ``{base_url}/chat/completions`` through the official ``openai``
client and streams the reply. The server owns the model and its tokenizer, so
``count_tokens`` here is only an estimate (about 4 characters per token);
leave headroom in ``context_window``. ``python -m chatbot model-server``
starts one on the bundled model (``model_server``).

The server is shared by every app replica and may be down, restarting, hung
or queueing: any of those ends in ``GeneratorUnavailable``, which the answer
pipeline turns into an answer quoted from the sources (``reason:
model_unavailable``), never an error for the shopper. Two clocks bound a
generation: for a shopper's question, its first chunk must come within
``first_token_s`` of the time the question may start the model
(``GenerationOptions.start_by``, after ``model_wait_s``), since a server
whose queue is long only makes shoppers wait (agent drafts, without a
``start_by``, wait for it); the whole of it within ``timeout``
(``generation_deadline_s``).
The HTTP stream is read in a helper thread so both clocks hold even while the
server sends nothing at all. Each next question tries the server again, so
answers come from the model as soon as it is back.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from typing import Callable, Iterator

from chatbot.answer.generation.base import GenerationOptions, Prompt
from chatbot.common.errors import ConfigError, GeneratorUnavailable

log = logging.getLogger(__name__)

_INSTALL = 'pip install "openai>=1.40"'


class OpenAICompatGenerator:
    """Chat backend over HTTP; ``model`` is the served model's name (empty = "default")."""

    style = "chat"

    def __init__(self, base_url: str = "", model: str = "", api_key_env: str = "OPENAI_API_KEY",
                 context_window: int = 2048, timeout: float = 60.0, max_retries: int = 0,
                 first_token_s: float | None = None, connect_timeout: float = 3.0):
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL", "")
        if not self.base_url:
            raise ConfigError("the openai generator needs a server: set CHATBOT_OPENAI_BASE_URL "
                              "(e.g. http://localhost:8000/v1) or OPENAI_BASE_URL")
        if context_window <= 0:
            raise ConfigError(f"context_window={context_window} must be greater than 0")
        if timeout <= 0 or (first_token_s is not None and first_token_s <= 0) or connect_timeout <= 0:
            raise ConfigError(f"the openai generator's timeouts must be greater than 0 seconds (timeout={timeout}, "
                              f"first_token_s={first_token_s}, connect_timeout={connect_timeout})")
        self.model = model or "default"  # single-model servers (llama.cpp, vLLM) accept any name
        self.name = f"openai:{self.model}"
        self.api_key_env = api_key_env
        self._window = context_window
        self._timeout, self._max_retries, self._connect_timeout = timeout, max_retries, connect_timeout
        self._first_token_s = first_token_s if first_token_s is not None else timeout
        self._client = None
        self._lock = threading.Lock()
        self._state = {"state": "ready", "error": "", "since": None}  # as the last request found the server

    def _connect(self):
        with self._lock:
            if self._client is None:
                try:
                    import httpx
                    from openai import OpenAI
                except ImportError:
                    raise ConfigError(f"the openai generator needs the openai package: run `{_INSTALL}`") from None
                # local servers ignore the key, but the client refuses to start without one
                api_key = os.environ.get(self.api_key_env) or "not-needed"
                self._client = OpenAI(base_url=self.base_url, api_key=api_key, max_retries=self._max_retries,
                                      timeout=httpx.Timeout(self._timeout, connect=self._connect_timeout))
        return self._client

    @property
    def context_window(self) -> int:
        return self._window

    def count_tokens(self, text: str) -> int:
        """An estimate: the server's tokenizer is not available here. Errs high for English prose."""
        return max(1, len(text) // 4 + 1)

    def health(self) -> dict:
        """For ``/api/health``: ``ready``, or ``unavailable`` with the error since the last request failed."""
        return {"name": self.name, "pid": None, "server": self.base_url, **self._state}

    def stream(self, prompt: Prompt, options: GenerationOptions) -> Iterator[str]:
        client = self._connect()
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        kwargs = {"temperature": options.temperature, "top_p": options.top_p, "max_tokens": options.max_new_tokens}
        # unset values are left out rather than sent as null, which some servers reject
        if options.seed is not None:
            kwargs["seed"] = options.seed
        if options.stop:
            kwargs["stop"] = list(options.stop)
        now = time.monotonic()
        end_by = now + self._timeout
        # a shopper's question (start_by set) waits for the first words only so long; an agent's draft waits
        first_by = end_by if options.start_by is None else min(end_by, max(now, options.start_by) +
                                                               self._first_token_s)
        relay = _Relay(lambda: client.chat.completions.create(model=self.model, messages=messages, stream=True,
                                                              **kwargs))
        started = False
        try:
            while True:
                kind, value = relay.next(until=end_by if started else first_by)
                if kind == "piece":
                    if not started:  # the server answers: health says so, even if the caller stops early
                        started, self._state = True, {"state": "ready", "error": "", "since": None}
                    if value:
                        yield value
                elif kind == "done":
                    return
                else:
                    raise self._unavailable(kind, value, started, options.start_by is not None)
        finally:
            relay.stop()  # the caller stopped early (enough said) or gave up: the server stops at its next chunk

    def _unavailable(self, kind: str, error: BaseException | None, started: bool,
                     shopper: bool) -> GeneratorUnavailable:
        """The error the pipeline answers from the sources for; the state /api/health shows until the next
        answer succeeds."""
        import openai

        where = f"the model server at {self.base_url}"
        if kind == "late" and started:
            message = f"{where} took longer than {self._timeout:g} s (CHATBOT_GENERATION_DEADLINE_S)"
        elif kind == "late" and shopper:
            message = (f"{where} sent nothing within {self._first_token_s:g} s after model_wait_s (busy or hung); "
                       "raise CHATBOT_OPENAI_FIRST_TOKEN_S, or add model servers")
        elif kind == "late":
            message = f"{where} sent nothing within {self._timeout:g} s (CHATBOT_GENERATION_DEADLINE_S)"
        elif isinstance(error, openai.APIConnectionError):  # refused, reset, DNS, connect or read timeout
            message = (f"{where} is unreachable ({error}); start it (python -m chatbot model-server), or fix "
                       "CHATBOT_OPENAI_BASE_URL")
        elif isinstance(error, openai.APIStatusError):
            message = (f"{where} refused the request for model {self.model!r}: HTTP {error.status_code} "
                       f"{error.message}")
        else:  # the connection broke mid-answer (the server was stopped), or a malformed stream
            message = f"{where} stopped mid-answer ({type(error).__name__}: {error})"
        if self._state["state"] != "unavailable":
            self._state = {"state": "unavailable", "error": message, "since": time.time()}
        else:
            self._state = {**self._state, "error": message}
        return GeneratorUnavailable(message + "; answering from the sources")


class _Relay:
    """Reads a streamed completion in a daemon thread and hands its pieces over a queue, so the reader can
    stop waiting at its own deadlines however long the server stays silent."""

    def __init__(self, open_stream: Callable):
        self._queue: queue.Queue = queue.Queue()
        self._stopped = threading.Event()
        threading.Thread(target=self._run, args=(open_stream,), daemon=True, name="openai-stream").start()

    def _run(self, open_stream: Callable) -> None:
        try:
            chunks = open_stream()
            try:
                for chunk in chunks:
                    if self._stopped.is_set():
                        return
                    # a role-only first chunk counts as started; some servers end with a usage-only chunk
                    self._queue.put(("piece", chunk.choices[0].delta.content if chunk.choices else None))
            finally:
                chunks.close()  # closing the connection is how the server learns to stop
            self._queue.put(("done", None))
        except Exception as exc:  # handed to the reader, which says what it means
            self._queue.put(("error", exc))

    def next(self, until: float) -> tuple[str, object]:
        """``("piece", text)``, ``("done", None)``, ``("error", exc)``, or ``("late", None)`` at ``until``."""
        try:
            return self._queue.get(timeout=max(0.0, until - time.monotonic()))
        except queue.Empty:
            return "late", None

    def stop(self) -> None:
        self._stopped.set()
