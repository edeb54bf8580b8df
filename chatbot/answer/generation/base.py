"""The Generator contract: one streaming method, many backends.

A backend turns a prompt into text pieces as the model produces them. Chat
models take a list of ``{"role", "content"}`` messages; completion models
(GPT-2 family) take one text prompt. ``style`` says which one a backend
wants, and ``count_tokens`` / ``context_window`` let the prompt builder pack
passages into the model's budget. Backends load their model on first use.
Prompt building, verification and deciding what to say are done elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal, Protocol, Union

Messages = list[dict[str, str]]
Prompt = Union[Messages, str]


@dataclass(frozen=True)
class GenerationOptions:
    max_new_tokens: int = 160  # answers are short; stopping early also stops small models drifting
    temperature: float = 0.0  # 0 = greedy decoding, the default for grounded answers
    top_p: float = 0.95  # used only when temperature > 0
    seed: int | None = None  # fixes sampling, so agent drafts are reproducible
    stop: tuple[str, ...] = ()  # strings that end generation (not included in the output)
    start_by: float | None = None  # time.monotonic() by which generation must start (a free model), else
    #                                GeneratorUnavailable; None = wait. Backends without a queue ignore it


class Generator(Protocol):
    name: str  # backend name plus model, for logs and results, e.g. "llama.cpp:SmolLM2-135M-Instruct.Q4_1.gguf"
    style: Literal["chat", "completion"]  # chat: stream() takes Messages; completion: a str

    @property
    def context_window(self) -> int:
        """Tokens the model can attend to, prompt and answer together."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in this model's tokenizer (an estimate where none is available)."""
        ...

    def stream(self, prompt: Prompt, options: GenerationOptions) -> Iterator[str]:
        """Yield text pieces as they are generated."""
        ...
