"""Start everything on one port: sync the index with the knowledge folder, then serve the app and the API.

    python launch.py [--knowledge knowledge/] [--host 127.0.0.1] [--port 7860]

Serves the shopper chat at ``/``, the agent window at ``/agent`` and the store
admin at ``/admin`` (both behind sign-in at ``/signin``), the HTTP API at
``/api/*``, the OpenAI-compatible API at ``/v1``, and the embeddable widget at
``/widget.js``. This is the Hugging Face Spaces entry
point too (``app_file: launch.py``). Indexing is incremental, so a restart
with unchanged files embeds nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import replace
from pathlib import Path

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot, make_embedder
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index
from ui.admin import knowledge_paths

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", help="the store's documents (default: settings knowledge_dir)")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home from a store's server

    settings = Settings.load()
    knowledge = args.knowledge or settings.knowledge_dir
    if not Path(knowledge).is_absolute() and not Path(knowledge).exists():
        knowledge = str(ROOT / knowledge)  # started from another folder: use the demo store beside this file
    settings = replace(settings, knowledge_dir=knowledge)
    embedder = make_embedder(settings)
    report = update_index(knowledge_paths(settings), settings.index_dir, embedder,
                          Chunker(settings.chunk_size, settings.chunk_overlap), max_file_bytes=settings.max_file_bytes)
    logging.info("index %s: %s", settings.index_dir, report.summary())
    for problem in report.problems:
        logging.warning("%s", problem)
    bot = Chatbot(settings, embedder=embedder)
    bot.warm_up()

    import uvicorn

    from chatbot.data.accounts import AccountStore
    from chatbot.data.storage import ConversationStore
    from ui.app import create_admin_app, create_agent_app, create_app
    from ui.server import create_server

    store = ConversationStore(settings.database_url, public_contact=settings.support_contact)
    accounts = AccountStore(settings.database_url, session_hours=settings.session_hours)
    if not accounts.any():
        logging.warning("no agent or admin account yet: create one with "
                        "`python -m chatbot users add NAME --role admin` to use /agent and /admin")
    server = create_server(bot, store, settings, gradio_app=create_app(bot, store, settings),
                           agent_app=create_agent_app(bot, store, settings, accounts),
                           admin_app=create_admin_app(bot, store, settings, accounts), accounts=accounts)
    logging.info("serving on http://%s:%d (shopper chat /, agents /agent, admin /admin, API /api, "
                 "OpenAI-compatible /v1, widget /widget.js)", args.host, args.port)
    uvicorn.run(server, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
