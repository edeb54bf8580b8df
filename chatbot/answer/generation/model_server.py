"""The shared model server: llama.cpp's OpenAI-compatible server on the model the app would load itself.

    python -m chatbot model-server [--host 127.0.0.1] [--port 8000] [--threads N]

Several app replicas (``CHATBOT_GENERATOR=openai``,
``CHATBOT_OPENAI_BASE_URL=http://HOST:PORT/v1``) then share one copy of the
model instead of each running its own on the same cores. It serves the file
the in-process backend uses: ``CHATBOT_MODEL`` when set, else the bundled
SmolLM2 converted once to ``CHATBOT_BUNDLED_MODEL_FORMAT`` (Q8_0) in
``CHATBOT_MODEL_DIR``, with the same refusal of a llama.cpp build that has
the AMX backend. The knobs, and why (docs/DEPLOY.md has the measured figures):

- ``interrupt_requests`` off: llama-cpp-python's server by default ends the
  answer it is streaming as soon as another request arrives (made for one
  person in a chat window); with many shoppers every answer would be cut
  short by the next shopper's question.
- One generation at a time: this server has one model context behind a lock,
  no parallel slots and no continuous batching; other requests wait in line,
  and the app's ``openai_first_token_s`` quotes the sources for a shopper
  whose turn would come too late. So ``threads`` is every core of the
  machine (decoding and prompt reading both), and more throughput means more
  model-server processes behind a balancer, or a server that batches
  (llama.cpp's C++ ``llama-server --parallel N``, or vLLM on a GPU), which
  speak the same API.
- ``n_ctx`` is the app's ``context_window``: the app packs each prompt to fit
  it, so the server must hold at least as much.
- ``logits_all`` off: the server computes the vocabulary's scores for the
  last token only, not for every prompt token (a chat answer needs no more).
- The API key is the environment variable the app sends (``openai_api_key_env``,
  ``OPENAI_API_KEY``): set, the server refuses requests without it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from chatbot.common.errors import ConfigError
from chatbot.config import Settings

log = logging.getLogger(__name__)


def served_model_path(settings: Settings) -> str:
    """The GGUF file to serve: ``settings.model``, else the bundled SmolLM2 in ``bundled_model_format``."""
    if settings.model:
        if not Path(settings.model).is_file():
            raise ConfigError(f"CHATBOT_MODEL={settings.model} is not a GGUF file; give the path of one, or leave it "
                              "empty to serve the bundled SmolLM2")
        return settings.model
    from chatbot.answer.generation.llamacpp import bundled_smollm2_path
    from chatbot.answer.generation.requantize import requantized

    return str(requantized(bundled_smollm2_path(), settings.bundled_model_format, settings.model_dir))


def default_threads() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count). A CPU quota
    (``docker --cpus``) is not seen here: give ``--threads`` with one."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def server_options(settings: Settings, host: str, port: int, threads: int = 0) -> tuple[dict, dict]:
    """The llama_cpp.server ``ServerSettings`` and ``ModelSettings`` fields (see the module docstring)."""
    if threads < 0:
        raise ConfigError(f"--threads {threads} must be 0 (every core) or more")
    if not 0 < port < 65536:
        raise ConfigError(f"--port {port} must be between 1 and 65535")
    threads = threads or default_threads()
    server = {"host": host, "port": port, "interrupt_requests": False,
              "api_key": os.environ.get(settings.openai_api_key_env) or None}
    model = {"model": served_model_path(settings), "model_alias": settings.model and Path(settings.model).name
             or "smollm2", "n_ctx": settings.context_window, "n_threads": threads, "n_threads_batch": threads,
             "logits_all": False, "use_mlock": False, "verbose": False}
    return server, model


def serve(settings: Settings, host: str, port: int, threads: int = 0) -> None:
    """Run the server in this process until it is stopped (Ctrl-C, SIGTERM)."""
    server, model = server_options(settings, host, port, threads)
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError:
        raise ConfigError('the model server needs llama.cpp\'s server: run `pip install '
                          '"llama-cpp-python[server]>=0.3.16,<0.4"`') from None
    from chatbot.answer.generation.llama_build import check_build

    check_build()  # refuses a build with the AMX backend, which crashes at the first generation
    app = create_app(server_settings=ServerSettings(**server), model_settings=[ModelSettings(**model)])
    print(f"model server: {model['model']} on http://{host}:{port}/v1 ({model['n_threads']} threads, "
          f"n_ctx {model['n_ctx']}, {'API key required' if server['api_key'] else 'no API key'}); point the app at "
          f"it with CHATBOT_GENERATOR=openai CHATBOT_OPENAI_BASE_URL=http://{host}:{port}/v1", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
