"""Answer generators by name: llama.cpp, transformers, openai (OpenAI-compatible HTTP) and extractive.

``make_generator`` builds the one named in settings. Backends register in
``BACKENDS`` the same way an outside backend would: a name and a factory
taking Settings. Backends in ``ISOLATED`` (the ones that run a model on this
machine) run in supervised worker processes (``supervisor``) unless
``generator_workers`` is 0, so a crash in native code cannot take the app
down. Building is cheap; models load on first use, and ``load_or_fallback``
falls back to the extractive composer, with a log line saying why, when a
model cannot be loaded.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from chatbot.answer.generation.base import GenerationOptions, Generator, Messages, Prompt
from chatbot.common.errors import ConfigError
from chatbot.config import Settings

log = logging.getLogger(__name__)


def _llamacpp(s: Settings) -> Generator:
    from chatbot.answer.generation.llamacpp import LlamaCppGenerator

    return LlamaCppGenerator(s.model, context_window=s.context_window, n_threads=s.n_threads,
                             bundled_format=s.bundled_model_format, model_dir=s.model_dir)


def _transformers(s: Settings) -> Generator:
    from chatbot.answer.generation.hf import TransformersGenerator

    return TransformersGenerator(s.model or "gpt2", gguf_file=s.gguf_file, context_window=s.context_window,
                                 device=s.device)


def _openai(s: Settings) -> Generator:
    from chatbot.answer.generation.openai_compat import OpenAICompatGenerator

    return OpenAICompatGenerator(s.openai_base_url, s.model, api_key_env=s.openai_api_key_env,
                                 context_window=s.context_window, timeout=s.generation_deadline_s,
                                 first_token_s=s.openai_first_token_s)


BACKENDS: dict[str, Callable[[Settings], Generator]] = {
    "llama.cpp": _llamacpp,
    "transformers": _transformers,
    "openai": _openai,
}
EXTRACTIVE = "extractive"  # no language model: the pipeline quotes the best supporting sentences
NAMES = (*BACKENDS, EXTRACTIVE)
ISOLATED = ("llama.cpp", "transformers")  # models that run on this machine: in worker processes by default
# the settings a worker process needs to build its model (the rest stay in the app)
_WORKER_SETTINGS = ("generator", "model", "gguf_file", "context_window", "device", "openai_base_url",
                    "openai_api_key_env", "bundled_model_format", "model_dir")


def make_in_process_generator(settings: Settings) -> Generator | None:
    """The configured backend in this very process (not yet loaded), or None for extractive answers."""
    name = settings.generator
    if name == EXTRACTIVE:
        return None
    if name not in BACKENDS:
        raise ConfigError(f"unknown generator {name!r}; choose one of {', '.join(NAMES)} (CHATBOT_GENERATOR)")
    return BACKENDS[name](settings)


def make_generator(settings: Settings) -> Generator | None:
    """The configured generator (not yet loaded), or None for extractive answers.

    Local models run in ``generator_workers`` supervised processes; 0 runs them in this process.
    """
    generator = make_in_process_generator(settings)
    if generator is None or settings.generator not in ISOLATED or settings.generator_workers == 0:
        return generator
    from chatbot.answer.generation.supervisor import SupervisedGenerator

    workers = settings.generator_workers
    config = {k: getattr(settings, k) for k in _WORKER_SETTINGS}
    # threads are split between the workers, so together they use each core once
    config["n_threads"] = settings.n_threads or max(1, (os.cpu_count() or 1) // workers)
    config["worker_memory_mb"] = worker_memory_mb(settings)
    config["worker_nice"] = settings.worker_nice
    return SupervisedGenerator(config, generator.name, workers=workers, deadline_s=settings.generation_deadline_s,
                               queue_per_worker=settings.model_queue_per_worker)


def worker_memory_mb(settings: Settings) -> int:
    """The address-space cap of a worker: the setting, or for a GGUF file 3x its size plus 2 GiB."""
    if settings.worker_memory_mb or settings.generator != "llama.cpp":
        return settings.worker_memory_mb  # torch reserves address space freely: no automatic cap for it
    try:
        from chatbot.answer.generation.llamacpp import bundled_smollm2_path

        path = Path(settings.model or bundled_smollm2_path())
        size_mb = path.stat().st_size // 2**20
    except (ConfigError, OSError):
        size_mb = 0  # the worker reports the missing file itself
    return 3 * size_mb + 2048


def load_or_fallback(generator: Generator | None) -> Generator | None:
    """Load the model now; on failure log why and return None, so answers fall back to extractive."""
    if generator is None:
        return None
    try:
        generator.count_tokens("warm up")  # forces the lazy load
        return generator
    except Exception as exc:  # a missing or corrupt file or package must not stop the shop's chat
        log.warning("generator %s could not be loaded (%s); answering extractively instead", generator.name, exc)
        return None


__all__ = ["BACKENDS", "NAMES", "EXTRACTIVE", "GenerationOptions", "Generator", "Messages", "Prompt",
           "make_generator", "make_in_process_generator", "load_or_fallback"]
