"""Start everything on one port: sync the index with the knowledge folder, then serve the app and the API.

    python launch.py [--knowledge knowledge/] [--host 127.0.0.1] [--port 7860]

Serves the shopper chat at ``/``, the agent window at ``/agent`` and the store
admin at ``/admin`` (both behind sign-in at ``/signin``), the HTTP API at
``/api/*``, the OpenAI-compatible API at ``/v1``, and the embeddable widget at
``/widget.js``. This is the Hugging Face Spaces entry
point too (``app_file: launch.py``): Spaces installs only requirements.txt,
not the project, so ``chatbot`` and ``ui`` are imported from beside this file.
Indexing is incremental, so a restart with unchanged files embeds nothing.

Everything the app writes goes to one data folder (``chatbot.data.folder``):
``/data`` on a Space with persistent storage, ``./data`` on a writable
checkout, else a temporary folder; the log and ``/api/health`` say whether it
survives a restart. With ``CHATBOT_DEMO_STAFF_PASSWORD`` set, the demo staff
accounts are made (``chatbot.data.demo_staff``). The database (SQLite in the
data folder, or ``CHATBOT_DATABASE_URL``, e.g. PostgreSQL) is brought to the
newest schema first, keeping what it holds (``chatbot.data.migrations``).
On the demo store, the demo's orders (``demo/``) are imported into the database
when it has none yet. Several replicas may share one database: the files another
replica uploaded or changed are written into this one's folders before it indexes,
and it re-indexes whenever the shared knowledge version moves
(``chatbot.converse.knowledge_watch``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # started as `python /elsewhere/launch.py` without the project installed
    sys.path.insert(0, str(ROOT))

from chatbot.config import Settings  # noqa: E402 (after the path above)
from chatbot.converse.chatbot import Chatbot, make_embedder  # noqa: E402
from chatbot.converse.knowledge_watch import KnowledgeRefresher  # noqa: E402
from chatbot.data.folder import prepare_data_folder  # noqa: E402
from chatbot.ingest.chunking import Chunker  # noqa: E402
from chatbot.ingest.indexer import update_index  # noqa: E402
from chatbot.ingest.knowledge_sync import KnowledgeSync  # noqa: E402
from chatbot.ingest.uploads import UploadFolder, knowledge_paths  # noqa: E402


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
    settings, folder = prepare_data_folder(settings)
    (logging.info if folder.persistent else logging.warning)("%s", folder.describe())
    upgrade_database(settings.database_url)  # before the minutes of indexing: a bad database fails at once
    sync = shared_knowledge(settings)  # what other replicas uploaded or changed, into this one's folders first
    embedder = make_embedder(settings)
    report = update_index(knowledge_paths(settings), settings.index_dir, embedder,
                          Chunker(settings.chunk_size, settings.chunk_overlap), max_file_bytes=settings.max_file_bytes)
    logging.info("index %s: %s", settings.index_dir, report.summary())
    UploadFolder(settings.uploads_dir).record_problems(report.problems)  # for the admin's list of uploads
    for problem in report.problems:
        logging.warning("%s", problem)
    bot = Chatbot(settings, embedder=embedder)
    bot.knowledge_version = sync.version
    bot.warm_up()
    refresher = KnowledgeRefresher(bot, settings, sync)
    refresher.watch()  # another replica's upload, re-index or catalog change: re-indexed here within seconds

    import uvicorn

    from chatbot.data.accounts import AccountStore
    from chatbot.data.demo_staff import ensure_demo_staff
    from chatbot.data.orders import OrderStore
    from chatbot.data.storage import ConversationStore
    from ui.app import create_admin_app, create_agent_app, create_app
    from ui.server import create_server
    from ui.shopper import STAFF_DEMO_OFF, STAFF_DEMO_READY

    store = ConversationStore(settings.database_url, public_contact=settings.support_contact)
    orders = OrderStore(settings.database_url)
    if Path(knowledge).resolve() == (ROOT / "knowledge").resolve():
        load_demo_orders(orders)
    from chatbot.data.order_proofs import OrderProofs
    from chatbot.orders.desk import for_bot

    bot.orders = for_bot(bot, orders, OrderProofs(settings.database_url), tickets=store)  # answers only with orders
    accounts = AccountStore(settings.database_url, session_hours=settings.session_hours)
    demo_staff = ensure_demo_staff(accounts, settings.demo_staff_password)
    if not accounts.any():
        logging.warning("no agent or admin account yet: create one with `python -m chatbot users add NAME --role "
                        "admin`, or set CHATBOT_DEMO_STAFF_PASSWORD for demo ones, to use /agent and /admin")
    # the shopper page tells a public demo's visitors how to reach the staff pages; a store's own site, never
    on_space = bool(os.environ.get("SPACE_ID"))  # set by Hugging Face Spaces
    staff_demo = STAFF_DEMO_READY if demo_staff else STAFF_DEMO_OFF if on_space else None
    server = create_server(bot, store, settings, gradio_app=create_app(bot, store, settings, staff_demo=staff_demo),
                           agent_app=create_agent_app(bot, store, settings, accounts),
                           admin_app=create_admin_app(bot, store, settings, accounts, refresher),
                           accounts=accounts, storage=folder, orders=orders, knowledge=refresher)
    logging.info("serving on http://%s:%d (shopper chat /, agents /agent, admin /admin, API /api, "
                 "OpenAI-compatible /v1, widget /widget.js)", args.host, args.port)
    # the shopper's address behind a proxy is the app's to decide (settings.trusted_proxies, chatbot.common.proxies):
    # uvicorn's own X-Forwarded-For handling would trust 127.0.0.1 whatever the setting says
    uvicorn.run(server, host=args.host, port=args.port, log_level="info", proxy_headers=False)


def load_demo_orders(orders) -> None:
    """The demo store's orders (demo/, never indexed) into an empty orders table; a table with orders is left
    as it is, so a restart imports nothing and a store's own orders are never mixed with the demo's."""
    from chatbot.common.errors import ChatbotError
    from chatbot.ingest.platforms.order_exports import import_demo_orders

    try:
        results = import_demo_orders(orders)
    except ChatbotError as exc:
        logging.warning("demo orders not imported: %s", exc)
        return
    except Exception as exc:  # replicas starting together: another one imported them at the same moment
        logging.warning("demo orders not imported here (%s); %d order(s) are in the database", exc, orders.count())
        return
    for result in results or []:
        logging.info("demo orders: %s", result.summary().replace("\n  ", "; "))


def shared_knowledge(settings) -> KnowledgeSync:
    """The knowledge every replica shares (in the database), with this replica's folders brought up to date."""
    from chatbot.data.knowledge_share import SharedKnowledge

    sync = KnowledgeSync(SharedKnowledge(settings.database_url),
                         {"knowledge": settings.knowledge_dir, "uploads": settings.uploads_dir})
    changed = sync.pull()
    logging.info("shared knowledge at version %d: %d file(s) written from the database", sync.version, len(changed))
    return sync


def upgrade_database(url: str) -> None:
    """Bring the database to the newest schema, keeping its rows (the stores would do it too, later), and log it.
    One that cannot be opened or upgraded stops the start with one line that names it and the fix."""
    from chatbot.common.errors import ConfigError
    from chatbot.data.database import shown
    from chatbot.data.migrations import upgrade_url

    try:
        before, after = upgrade_url(url)
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    if before == after:
        logging.info("database %s: at revision %s", shown(url), after)
    else:
        logging.info("database %s: upgraded from revision %s to %s", shown(url), before or "(none)", after)


if __name__ == "__main__":
    main()
