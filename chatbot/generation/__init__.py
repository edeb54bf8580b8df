"""Answer generators by name: llama.cpp, transformers, openai (OpenAI-compatible HTTP) and extractive.

``make_generator`` builds the one named in settings. Backends register in
``BACKENDS`` the same way an outside backend would: a name and a factory
taking Settings. Building is cheap; models load on first use, and
``load_or_fallback`` falls back to the extractive composer, with a log line
saying why, when a model cannot be loaded.
"""

from __future__ import annotations

import logging
from typing import Callable

from ..config import Settings
from ..errors import ConfigError
from .base import GenerationOptions, Generator, Messages, Prompt

log = logging.getLogger(__name__)


def _llamacpp(s: Settings) -> Generator:
    from .llamacpp import LlamaCppGenerator

    return LlamaCppGenerator(s.model, context_window=s.context_window, n_threads=s.n_threads)


def _transformers(s: Settings) -> Generator:
    from .hf import TransformersGenerator

    return TransformersGenerator(s.model or "gpt2", gguf_file=s.gguf_file, context_window=s.context_window,
                                 device=s.device)


def _openai(s: Settings) -> Generator:
    from .openai_compat import OpenAICompatGenerator

    return OpenAICompatGenerator(s.openai_base_url, s.model, api_key_env=s.openai_api_key_env,
                                 context_window=s.context_window)


BACKENDS: dict[str, Callable[[Settings], Generator]] = {
    "llama.cpp": _llamacpp,
    "transformers": _transformers,
    "openai": _openai,
}
EXTRACTIVE = "extractive"  # no language model: the pipeline quotes the best supporting sentences
NAMES = (*BACKENDS, EXTRACTIVE)


def make_generator(settings: Settings) -> Generator | None:
    """The configured generator (not yet loaded), or None for extractive answers."""
    name = settings.generator
    if name == EXTRACTIVE:
        return None
    if name not in BACKENDS:
        raise ConfigError(f"unknown generator {name!r}; choose one of {', '.join(NAMES)} (CHATBOT_GENERATOR)")
    return BACKENDS[name](settings)


def load_or_fallback(generator: Generator | None) -> Generator | None:
    """Load the model now; on failure log why and return None, so answers fall back to extractive."""
    if generator is None:
        return None
    try:
        generator.count_tokens("warm up")  # forces the lazy load
        return generator
    except Exception as exc:  # a missing file or package must not stop the shop's chat
        log.warning("generator %s could not be loaded (%s); answering extractively instead", generator.name, exc)
        return None


__all__ = ["BACKENDS", "NAMES", "EXTRACTIVE", "GenerationOptions", "Generator", "Messages", "Prompt",
           "make_generator", "load_or_fallback"]
