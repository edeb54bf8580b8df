"""Generator backend for any OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama, OpenAI).

It talks to ``{base_url}/chat/completions`` through the official ``openai``
client and streams the reply. The server owns the model and its tokenizer, so
``count_tokens`` here is only an estimate (about 4 characters per token);
leave headroom in ``context_window``. Starting or choosing a server is not
done here.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Iterator

from chatbot.answer.generation.base import GenerationOptions, Prompt
from chatbot.common.errors import ChatbotError, ConfigError

log = logging.getLogger(__name__)

_INSTALL = 'pip install "openai>=1.40"'


class OpenAICompatGenerator:
    """Chat backend over HTTP; ``model`` is the served model's name (empty = "default")."""

    style = "chat"

    def __init__(self, base_url: str = "", model: str = "", api_key_env: str = "OPENAI_API_KEY",
                 context_window: int = 2048, timeout: float = 60.0, max_retries: int = 1):
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL", "")
        if not self.base_url:
            raise ConfigError("the openai generator needs a server: set CHATBOT_OPENAI_BASE_URL "
                              "(e.g. http://localhost:8000/v1) or OPENAI_BASE_URL")
        if context_window <= 0:
            raise ConfigError(f"context_window={context_window} must be greater than 0")
        self.model = model or "default"  # single-model servers (llama.cpp, vLLM) accept any name
        self.name = f"openai:{self.model}"
        self.api_key_env = api_key_env
        self._window = context_window
        self._timeout, self._max_retries = timeout, max_retries
        self._client = None
        self._lock = threading.Lock()

    def _connect(self):
        with self._lock:
            if self._client is None:
                try:
                    from openai import OpenAI
                except ImportError:
                    raise ConfigError(f"the openai generator needs the openai package: run `{_INSTALL}`") from None
                # local servers ignore the key, but the client refuses to start without one
                api_key = os.environ.get(self.api_key_env) or "not-needed"
                self._client = OpenAI(base_url=self.base_url, api_key=api_key,
                                      timeout=self._timeout, max_retries=self._max_retries)
        return self._client

    @property
    def context_window(self) -> int:
        return self._window

    def count_tokens(self, text: str) -> int:
        """An estimate: the server's tokenizer is not available here. Errs high for English prose."""
        return max(1, len(text) // 4 + 1)

    def stream(self, prompt: Prompt, options: GenerationOptions) -> Iterator[str]:
        import openai

        client = self._connect()
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        kwargs = {"temperature": options.temperature, "top_p": options.top_p, "max_tokens": options.max_new_tokens}
        # unset values are left out rather than sent as null, which some servers reject
        if options.seed is not None:
            kwargs["seed"] = options.seed
        if options.stop:
            kwargs["stop"] = list(options.stop)
        try:
            chunks = client.chat.completions.create(model=self.model, messages=messages, stream=True, **kwargs)
            for chunk in chunks:
                # some servers end with a usage-only chunk that has no choices
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    yield piece
        except openai.APIConnectionError as exc:  # also covers timeouts
            raise ChatbotError(f"the OpenAI-compatible server at {self.base_url} is unreachable ({exc}); "
                               "start it, or fix CHATBOT_OPENAI_BASE_URL") from None
        except openai.APIStatusError as exc:
            raise ChatbotError(f"the server at {self.base_url} refused the request for model {self.model!r}: "
                               f"HTTP {exc.status_code} {exc.message}") from None
