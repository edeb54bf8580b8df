"""``python -m chatbot model-server``: the shared model server (``chatbot.answer.generation.model_server``).

Kept apart from ``chatbot.cli`` so the model server's process never imports torch, the embedder or the app:
it holds the language model and nothing else.
"""

from __future__ import annotations

import argparse
import logging
import sys

from chatbot.common.errors import ChatbotError
from chatbot.config import Settings
from chatbot.data.folder import prepare_data_folder


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chatbot model-server",
        description="Serve the app's language model over the OpenAI API (llama.cpp's server) for app replicas "
                    "started with CHATBOT_GENERATOR=openai and CHATBOT_OPENAI_BASE_URL=http://HOST:PORT/v1. It "
                    "serves CHATBOT_MODEL, else the bundled SmolLM2 (as CHATBOT_BUNDLED_MODEL_FORMAT), with "
                    "n_ctx = CHATBOT_CONTEXT_WINDOW; a request needs $OPENAI_API_KEY when that is set.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface, as in "
                                                            "a container)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for reading prompts and writing answers (default 0: every core this "
                             "process may use; it writes one answer at a time)")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        from chatbot.answer.generation.model_server import serve

        settings, _ = prepare_data_folder(Settings.load())  # the converted model lives in the same data folder
        serve(settings, args.host, args.port, args.threads)
    except ChatbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
