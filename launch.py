"""Start the app on a store's knowledge: sync the index with the knowledge folder, then serve.

    python launch.py [--knowledge knowledge/] [--port 7860]

This is the Hugging Face Spaces entry point too (``app_file: launch.py``).
Indexing is incremental, so a restart with unchanged files embeds nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from chatbot.chunking import Chunker
from chatbot.config import Settings
from chatbot.indexer import update_index
from chatbot.pipeline import Chatbot, make_embedder

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", default=os.environ.get("CHATBOT_KNOWLEDGE", str(ROOT / "knowledge")))
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home from a store's server

    settings = Settings.load()
    embedder = make_embedder(settings)
    report = update_index([args.knowledge], settings.index_dir, embedder,
                          Chunker(settings.chunk_size, settings.chunk_overlap), max_file_bytes=settings.max_file_bytes)
    logging.info("index %s: %s", settings.index_dir, report.summary())
    for problem in report.problems:
        logging.warning("%s", problem)
    bot = Chatbot(settings, embedder=embedder)
    bot.warm_up()

    from ui.app import create_app

    create_app(bot).launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
