"""Command line: ``index``, ``ask`` and ``eval`` (contracts in DESIGN.md).

    python -m chatbot index PATH... [--index DIR] [--rebuild]
    python -m chatbot index --site https://shop.example [PATH...] [--index DIR]
    python -m chatbot import FILE... [--into KNOWLEDGE_DIR] [--as products|reviews]
    python -m chatbot orders import FILE... [--as shopify|woocommerce] [--timezone ZONE]
    python -m chatbot ask "QUESTION" [--product-id ID] [--index DIR] [--generator NAME] [--json] [--history FILE]
    python -m chatbot chat [--product-id ID] [--index DIR] [--generator NAME]
    python -m chatbot eval --docs DOCS.jsonl --questions Q.jsonl [--generator NAME] [--out RESULTS.jsonl]
    python -m chatbot eval-orders [--conversations FILE] [--index DIR] [--failures] [--json]
    python -m chatbot eval-shopper [--questions eval/shopper_questions.jsonl] [--index DIR] [--failures] [--typos]
        [--polarity [eval/polarity_questions.jsonl]]
    python -m chatbot eval-store eval/stores/NAME [--generator NAME] [--limit N] [--failures]
    python -m chatbot train [--out DIR] [--store] [--index DIR] [--seed N] [--sample N]
    python -m chatbot users add NAME --role agent|admin [--password-stdin] | users remove NAME | users list
    python -m chatbot db upgrade [--revision REV] | db current | db revision "MESSAGE" [--empty]
    python -m chatbot model-server [--host H] [--port P] [--threads N]   (chatbot.model_server_cli)

Errors from the core become one readable line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from chatbot.answer.generation import NAMES as GENERATORS
from chatbot.common.errors import ChatbotError
from chatbot.common.types import Answer
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot, make_embedder
from chatbot.data.accounts import ROLES, AccountStore
from chatbot.data.folder import prepare_data_folder
from chatbot.evaluate.metrics import read_questions, run_questions, summarize
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index

SHOPPER_QUESTIONS = Path(__file__).resolve().parents[1] / "eval" / "shopper_questions.jsonl"
POLARITY_QUESTIONS = SHOPPER_QUESTIONS.with_name("polarity_questions.jsonl")
DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chatbot", description="Grounded customer-service chatbot.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index from knowledge files and folders, and the "
                                     "store's website")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--site", action="append", default=[], metavar="URL",
                   help="the store's website: its pages (from sitemap.xml, else links from this page) are "
                        "indexed with their addresses; a re-run fetches only what changed (site_* settings "
                        "limit pages, bytes and time)")
    p.add_argument("--index", help="index folder (default: settings index_dir, 'index')")
    p.add_argument("--rebuild", action="store_true", help="start from empty instead of updating")
    p.add_argument("--strict", action="store_true", help="exit 1 if any file could not be loaded")
    p.add_argument("--share", action="store_true",
                   help="also share the files with every app replica through the database (database_url): each "
                        "writes them into its own folders and re-indexes within knowledge_poll_s. PATHs must be in "
                        "the knowledge folder (knowledge_dir) or the uploads folder (uploads_dir)")

    p = sub.add_parser("import", help="read a Shopify or WooCommerce products export, or a Judge.me or Shopify "
                                      "Product Reviews export, into the knowledge folder")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="CSVs as the platforms exported them (recognised by their header rows; products are "
                        "imported before reviews, so reviews join the products given with them)")
    p.add_argument("--into", default="knowledge", metavar="KNOWLEDGE_DIR",
                   help="knowledge folder: products go to catalog/FILE.jsonl, reviews to reviews/FILE.jsonl "
                        "(default: knowledge)")
    p.add_argument("--as", dest="expected", choices=("products", "reviews"),
                   help="what the file must be; another kind of export is refused")

    p = sub.add_parser("orders", help="the store's orders in the database (never indexed)")
    orders = p.add_subparsers(dest="action", required=True)
    imp = orders.add_parser("import", help="read Shopify or WooCommerce orders exports, or Shopify webhook bodies "
                                           "(one JSON object a line), into the database; importing again changes "
                                           "only what changed")
    imp.add_argument("files", nargs="+", metavar="FILE",
                     help="orders exports as the platforms wrote them (recognised by their header rows), or .jsonl "
                          "files of Shopify fulfillments/* or orders/* webhook bodies")
    imp.add_argument("--as", dest="platform", choices=("shopify", "woocommerce"),
                     help="the platform the files must come from; another platform's export is refused")
    imp.add_argument("--timezone", metavar="ZONE",
                     help="the store's time zone, e.g. America/New_York, for times written without one (WooCommerce "
                          "exports); default UTC")

    p = sub.add_parser("ask", help="answer one question from the index")
    p.add_argument("question")
    p.add_argument("--product-id", help="scope the answer to this product (plus store-wide documents)")
    p.add_argument("--index", help="index folder")
    p.add_argument("--generator", choices=GENERATORS, help="answer backend")
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.add_argument("--history", help="JSON file with the conversation so far: [{\"role\", \"content\"}, ...]")

    p = sub.add_parser("chat", help="talk to the bot in the terminal; follow-up questions keep their context")
    p.add_argument("--product-id", help="the product page the shopper is on")
    p.add_argument("--index", help="index folder")
    p.add_argument("--generator", choices=GENERATORS, help="answer backend")

    p = sub.add_parser("eval", help="index DOCS in a temporary folder and score answers to QUESTIONS")
    p.add_argument("--docs", required=True, help="documents JSONL")
    p.add_argument("--questions", required=True, help="questions JSONL")
    p.add_argument("--generator", choices=GENERATORS)
    p.add_argument("--out", help="write one result JSON per line here")
    p.add_argument("--limit", type=int, help="only the first N questions")

    p = sub.add_parser("eval-shopper", help="check answers to the shopper acceptance set against the catalog")
    p.add_argument("--questions", default=str(SHOPPER_QUESTIONS), help="acceptance set JSONL")
    p.add_argument("--index", help="index folder of the store the set is about (default: settings index_dir)")
    p.add_argument("--generator", choices=GENERATORS)
    p.add_argument("--failures", action="store_true", help="also list each failed message, its answer and why")
    p.add_argument("--typos", action="store_true",
                   help="also ask a misspelled copy of every message (keyboard, phonetic and chat typos, the same "
                        "each run) and report its pass rate beside the clean one")
    p.add_argument("--polarity", nargs="?", const=str(POLARITY_QUESTIONS), metavar="FILE",
                   help="also ask the yes/no policy questions whose answer turns on a condition and count answers "
                        "of the wrong polarity (default set: eval/polarity_questions.jsonl)")

    p = sub.add_parser("eval-orders", help="run the order acceptance set (eval/order_conversations.jsonl) on the "
                                           "demo store's orders at the demo's fixed 'now'")
    p.add_argument("--conversations", default=None, help="acceptance set JSONL (default: eval/order_conversations.jsonl)")
    p.add_argument("--index", help="index folder of the demo store (default: settings index_dir)")
    p.add_argument("--failures", action="store_true", help="also list each failed conversation and why")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("eval-store", help="import a store folder's platform exports and help pages (eval/stores/NAME) "
                                          "into a temporary index and score its shopper and help questions")
    p.add_argument("store", metavar="STORE_DIR",
                   help="store folder with store.toml, pages/, help_questions.jsonl and shopper_questions.jsonl, "
                        "e.g. eval/stores/fern-and-fjord")
    p.add_argument("--generator", choices=GENERATORS, default="extractive",
                   help="answer backend (default: extractive, no model: the checks read catalog answers, "
                        "retrieval and hand-offs, which no model writes, and a store takes one to two minutes on "
                        "2 cores)")
    p.add_argument("--limit", type=int, help="only the first N shopper questions, N help questions and N "
                                             "purchase questions")
    p.add_argument("--failures", action="store_true",
                   help="also list each failed shopper message, each help question whose page was not "
                        "retrieved first and each purchase question not handed off, with the answer")

    p = sub.add_parser("train", help="fine-tune the answer judge on product-QA data (and the store's own pairs)")
    p.add_argument("--out", help="folder for the judge (default: the judge setting's folder, "
                                    "chatbot/retrieve/judge/bundled)")
    p.add_argument("--store", action="store_true",
                   help="add the store's own pairs: FAQ questions and answers from the index, answers rated up")
    p.add_argument("--index", help="index folder for --store (default: settings index_dir)")
    p.add_argument("--datasets", default=str(DATASETS), help="folder holding hetpqa/ and semipqa/")
    p.add_argument("--seed", type=int, default=13, help="random seed (same data and seed, same judge)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--sample", type=int, help="only the first N questions of each file (a quick trial run)")

    p = sub.add_parser("users", help="agent and admin accounts for /agent and /admin")
    users = p.add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.add_parser("remove", help="delete an account and sign it out").add_argument("name")
    users.add_parser("list", help="list the accounts")

    p = sub.add_parser("db", help="the database (CHATBOT_DATABASE_URL): bring it up to date, show its revision, "
                                  "write a migration")
    db = p.add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="run the migrations it lacks, keeping its rows (the app does this at start-up)"
                  ).add_argument("--revision", default="head", help="stop at this revision (default: the newest)")
    db.add_parser("current", help="show the database's revision and whether it is the newest")
    rev = db.add_parser("revision", help="for developers: write the next migration into "
                                         "chatbot/data/migrations/versions from what chatbot/data/schema.py has "
                                         "that the newest revision lacks")
    rev.add_argument("message", help="what the revision does, e.g. \"add the orders table\"")
    rev.add_argument("--empty", action="store_true", help="a blank revision to write by hand")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        # one person at a terminal asks one question at a time: one model worker with every thread answers
        # sooner than several with a share each (unless CHATBOT_GENERATOR_WORKERS says otherwise)
        workers = None if "CHATBOT_GENERATOR_WORKERS" in os.environ else 1
        settings = Settings.load(index_dir=getattr(args, "index", None), generator=getattr(args, "generator", None),
                                 generator_workers=workers)
        settings, _ = prepare_data_folder(settings)  # the same index and database as launch.py uses
        commands = {"index": _index, "import": _import, "orders": _orders, "ask": _ask, "chat": _chat, "eval": _eval,
                    "eval-shopper": _eval_shopper, "eval-orders": _eval_orders, "eval-store": _eval_store,
                    "train": _train, "users": _users, "db": _db}
        return commands[args.command](args, settings)
    except ChatbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _index(args, settings: Settings) -> int:
    def progress(message: str, fraction: float) -> None:
        if args.verbose:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    if not args.paths and not args.site:
        raise ChatbotError("nothing to index: give knowledge files or folders (PATH...), or --site URL")
    embedder, chunker = make_embedder(settings), Chunker(settings.chunk_size, settings.chunk_overlap)
    reports = []
    if args.paths:
        reports.append(update_index(args.paths, settings.index_dir, embedder, chunker, rebuild=args.rebuild,
                                    max_file_bytes=settings.max_file_bytes, progress=progress,
                                    refuse_unreadable_catalogs=True))
    for url in args.site:
        from chatbot.ingest.site.indexing import SiteLimits, index_site

        reports.append(index_site(url, settings.index_dir, embedder, chunker, SiteLimits.from_settings(settings),
                                  rebuild=args.rebuild and not reports, progress=progress))
    for report in reports:
        for found in report.found:
            print(found)
        for problem in report.problems:
            print(f"warning: {problem}", file=sys.stderr)
        print(f"{settings.index_dir}: {report.summary()}")
    if args.share and args.paths:
        from chatbot.data.knowledge_share import SharedKnowledge
        from chatbot.ingest.knowledge_sync import KnowledgeSync, share_paths

        sync = KnowledgeSync(SharedKnowledge(settings.database_url),
                             {"knowledge": settings.knowledge_dir, "uploads": settings.uploads_dir})
        try:
            names = share_paths(sync, args.paths)
        finally:
            sync.shared.close()
        print(f"shared {len(names)} changed file(s) with the app replicas as knowledge version {sync.version}; "
              "each re-indexes within knowledge_poll_s")
    return 1 if args.strict and any(report.problems for report in reports) else 0


def _import(args, settings: Settings) -> int:
    from chatbot.ingest.loaders import load_paths
    from chatbot.ingest.platforms.importer import import_export

    into = Path(args.into)
    for path in sorted(args.files, key=_is_review_export):  # a stable sort: the order given, products first
        started = time.perf_counter()
        catalog = load_paths([into]).documents if into.exists() and _is_review_export(path) else []
        known = {d.product_id for d in catalog if d.kind == "product" and d.product_id}  # reviews join these
        result, written = import_export(path, into, known, expected=args.expected)
        print(f"{path}: {result.summary()}")
        records = len(result.products) or len(result.reviews)
        print(f"wrote {records} {'products' if result.products else 'reviews'} to {written} in "
              f"{time.perf_counter() - started:.1f} s")
    print(f"next: python -m chatbot index {into}")
    return 0


def _orders(args, settings: Settings) -> int:
    """``orders import``: each file's counts and problems; 2 when nothing at all could be read, 1 when a file
    could not be."""
    from datetime import timezone

    from chatbot.data.orders import OrderStore
    from chatbot.ingest.platforms.order_exports import import_orders

    zone = timezone.utc
    if args.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            zone = ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ChatbotError(f"--timezone {args.timezone!r} is not a time zone; give one like America/New_York "
                               "or Europe/Berlin") from None
    store = OrderStore(settings.database_url)
    read, failed = 0, 0
    try:
        for path in args.files:
            started = time.perf_counter()
            try:
                result = import_orders(path, store, args.platform, zone)
            except ChatbotError as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed += 1
                continue
            read += 1
            print(f"{path}: {result.summary()}")
            print(f"  in {time.perf_counter() - started:.1f} s")
        if read:
            print(f"{store.count():,} orders in the database")
    finally:
        store.close()
    return 2 if not read else 1 if failed else 0


def _is_review_export(path: str) -> bool:
    from chatbot.ingest.platforms.detect import detect
    from chatbot.ingest.platforms.table import read_header

    try:
        fmt = detect(read_header(Path(path)))
    except (OSError, ChatbotError):
        return False  # unreadable: the import says why
    return fmt is not None and fmt.kind == "reviews"


def _eval_orders(args, settings: Settings) -> int:
    from chatbot.evaluate.orders import ORDER_CONVERSATIONS, format_report, read_conversations, run_order_eval

    if args.index:
        settings = replace(settings, index_dir=args.index)
    rows = read_conversations(args.conversations or ORDER_CONVERSATIONS)
    bot = Chatbot(replace(settings, generator="extractive"))
    try:
        bot.warm_up()
        report = run_order_eval(bot, rows)
    finally:
        bot.close()
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "failures" or args.failures}, indent=2))
    else:
        print(format_report(report, args.failures))
    return 0 if report["privacy"]["all_pass"] else 1


def _eval_shopper(args, settings: Settings) -> int:
    from chatbot.evaluate.shopper import read_shopper_questions, run_shopper_eval
    from chatbot.shop.skills.router import TEST_SPLITS

    rows = read_shopper_questions(args.questions)
    bot = Chatbot(settings)
    try:
        bot.warm_up()
        report = run_shopper_eval(bot, rows)
        router = bot.shop.router
        report["router_held_out"] = {split: dict(zip(("accuracy", "messages"), router.held_out_accuracy((split,))))
                                     for split in TEST_SPLITS}
        if args.typos:  # the same questions misspelled as shoppers do: how much of the clean pass rate holds
            from chatbot.evaluate.typos import typo_rows

            bot.cache.clear()
            typos = run_shopper_eval(bot, typo_rows(rows))
            report["typos"] = {"questions": typos["questions"], "pass_rate": typos["pass_rate"],
                               "of_clean": round(typos["pass_rate"] / report["pass_rate"], 4)
                               if report["pass_rate"] else None,
                               **({"failures": typos["failures"]} if args.failures else {})}
        if args.polarity:  # "after placing an order" vs "3 hours after": a yes must not come out a no
            from chatbot.evaluate.polarity import read_polarity_questions, run_polarity_eval

            polarity = run_polarity_eval(bot, read_polarity_questions(args.polarity))
            misses = polarity.pop("misses")
            report["polarity"] = {**polarity, **({"misses": misses} if args.failures else {})}
    finally:
        bot.close()
    failures = report.pop("failures")
    if args.failures:
        report["failures"] = failures
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _eval_store(args, settings: Settings) -> int:
    from chatbot.evaluate.stores import read_manifest, run_store_eval

    manifest = read_manifest(args.store)
    report = run_store_eval(manifest, settings, limit=args.limit, failures=args.failures,
                            progress=lambda message: print(message, file=sys.stderr) if args.verbose else None)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _train(args, settings: Settings) -> int:
    from chatbot.ingest.store import KnowledgeIndex
    from chatbot.retrieve.judge.data import (
        answers_removed,
        claims,
        public_pairs,
        split_store_pairs,
        store_claims,
        store_pairs,
    )
    from chatbot.retrieve.judge.ranking import BUNDLED, judge_folder
    from chatbot.retrieve.judge.training import train

    out = Path(args.out) if args.out else judge_folder(settings.judge) or BUNDLED
    if not (Path(args.datasets) / "semipqa").is_dir() or not (Path(args.datasets) / "hetpqa").is_dir():
        raise ChatbotError(f"--datasets {args.datasets} has no hetpqa/ and semipqa/ folders; point it at the "
                           "repository's datasets/ folder")
    parts = public_pairs(args.datasets, args.seed, args.sample)
    embedder = make_embedder(settings)
    if args.store:
        index = KnowledgeIndex.load(settings.index_dir, embedder.name, embedder.dimension)
        own, held = split_store_pairs(store_pairs(index, args.seed, settings.database_url))
        # a few hundred store pairs among tens of thousands of public ones would barely count: repeated, they
        # are about a tenth of the training
        copies = max(1, round(0.1 * len(parts["train"]) / max(len(own), 1)))
        print(f"store pairs from {settings.index_dir}: {len(own)} for training (each used {copies} times), "
              f"{len(held)} for calibration")
        parts["train"] = parts["train"] + own * copies
        parts["calibration"] = parts["calibration"] + held + answers_removed(held)
    support = claims(args.datasets, args.seed, args.sample)
    if args.store:
        support += store_claims(index, args.seed)
    meta = train(parts, embedder, out, seed=args.seed, epochs=args.epochs, support=support)
    print(f"judge written to {out} in {meta['training_seconds']} s; it answers when P(right) - P(unanswerable) "
          f">= {meta['decision']['margin']}, or, when the best passage is the store's own prose, when its "
          f"confidence is at least {meta['store']['threshold']} (both chosen on the calibration part)")
    print("margin  decision-accuracy  abstains-on-answerable  answers-unanswerable  (calibration part)")
    for margin, accuracy, abstained, answered in meta["tradeoff_on_calibration"]:
        print(f"{margin:6.2f}  {accuracy:17.3f}  {abstained:22.3f}  {answered:20.3f}")
    print(json.dumps({"held_out": meta["held_out"]}, indent=2))
    return 0


def _ask(args, settings: Settings) -> int:
    """One question, one answer: no conversation is kept, so an order is answered only when the question itself
    proves it ("where is order 1043? ana@example.com"); ``chat`` remembers."""
    history = _read_history(args.history) if args.history else None
    bot = Chatbot(settings)
    _with_orders(bot, settings)
    try:
        if args.json:
            print(json.dumps(bot.ask(args.question, product_id=args.product_id, history=history).to_result(),
                             ensure_ascii=False, indent=2))
        else:
            _print_streamed(bot, args.question, args.product_id, history)
    finally:
        bot.close()
    return 0


def _chat(args, settings: Settings) -> int:
    """A terminal conversation: one conversation in the database for the session, so what a turn proves (an
    order's number with its email) holds for the next turns, and a request for staff is a ticket with the
    transcript, as in the web chat."""
    bot = Chatbot(settings)
    conversations = _with_orders(bot, settings)
    try:
        bot.warm_up()
        history: list[dict] = []
        conversation = conversations.start_conversation("cli") if conversations is not None else None
        asker = None
        if conversation is not None:
            from chatbot.orders.identity import Asker

            asker = Asker(conversation)
        print(f"Ask {settings.store_name} anything (an empty line or Ctrl-D ends the chat).")
        while True:
            try:
                message = input("> ").strip()
            except EOFError:
                break
            if not message:
                break
            answer = _print_streamed(bot, message, args.product_id, history, asker)
            history += [{"role": "user", "content": message},
                        {"role": "assistant", "content": answer.text, "product_id": answer.product_id}]
            if conversation is not None:
                conversations.record_turn(conversation, message, answer, channel="cli", product_id=args.product_id)
    finally:
        bot.close()
    return 0


def _with_orders(bot: Chatbot, settings: Settings):
    """The store's orders for the bot's order questions, from the database the app uses (as launch.py gives the
    app, without importing the demo's); returns the conversation store, or None when the database can't be
    opened (the bot then hands order questions to a person, as without orders)."""
    from chatbot.data.order_proofs import OrderProofs
    from chatbot.data.orders import OrderStore
    from chatbot.data.storage import ConversationStore
    from chatbot.orders.desk import for_bot

    try:
        conversations = ConversationStore(settings.database_url, public_contact=settings.support_contact)
        bot.orders = for_bot(bot, OrderStore(settings.database_url), OrderProofs(settings.database_url),
                             tickets=conversations)
    except Exception as exc:  # a database that can't be reached: the questions are still answered
        print(f"note: the store's orders are not available, so order questions go to a person ({exc})",
              file=sys.stderr)
        return None
    return conversations


def _print_streamed(bot: Chatbot, message: str, product_id: str | None, history, asker=None) -> Answer:
    """Print pieces as they come, then the numbered sources."""
    for event in bot.stream(message, product_id=product_id, history=history, asker=asker):
        if isinstance(event, Answer):
            answer = event
        else:
            print(event, end="", flush=True)
    print()
    for notice in answer.notices:
        print(f"note: {notice}", file=sys.stderr)
    for i, c in enumerate(answer.citations, start=1):
        print(f"  [{i}] {c.title} ({c.doc_id})" + (f" {c.url}" if c.url else ""))
    return answer


def _read_history(path: str) -> list[dict]:
    try:
        history = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ChatbotError(f"--history {path} is not a readable JSON file ({exc})") from None
    if not isinstance(history, list) or not all(isinstance(t, dict) and "role" in t and "content" in t
                                                for t in history):
        raise ChatbotError(f"--history {path} must be a JSON list of {{\"role\": ..., \"content\": ...}} objects")
    return history


def _eval(args, settings: Settings) -> int:
    questions = read_questions(args.questions)[: args.limit]
    with tempfile.TemporaryDirectory(prefix="chatbot-eval-") as tmp:
        settings = replace(settings, index_dir=tmp)
        embedder = make_embedder(settings)
        started = time.perf_counter()
        report = update_index([args.docs], tmp, embedder, Chunker(settings.chunk_size, settings.chunk_overlap))
        build_s = time.perf_counter() - started
        for problem in report.problems:
            print(f"warning: {problem}", file=sys.stderr)
        bot = Chatbot(settings, embedder=embedder)
        out = open(args.out, "w", encoding="utf-8") if args.out else None
        results = []
        try:
            bot.warm_up()
            for result in run_questions(bot, questions):
                results.append(result)
                if out:
                    out.write(json.dumps(result, ensure_ascii=False) + "\n")
        finally:
            bot.close()
            if out:
                out.close()
    summary = summarize(questions, results)
    summary["index_build_s"] = round(build_s, 2)
    summary["documents"], summary["chunks"] = report.documents, report.chunks
    print(json.dumps(summary, indent=2))
    return 0


def _users(args, settings: Settings) -> int:
    accounts = AccountStore(settings.database_url)
    try:
        if args.action == "list":
            for account in accounts.list():
                print(f"{account.name}\t{account.role}")
            return 0
        if args.action == "remove":
            accounts.remove(args.name)
            print(f"removed {args.name}")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.name}: ")
            if getpass.getpass("again: ") != password:
                raise ChatbotError("the two passwords differ; nothing was saved")
        account = accounts.add(args.name, args.role, password)
        print(f"added {account.name} ({account.role}); sign in at /signin")
        return 0
    finally:
        accounts.close()


def _db(args, settings: Settings) -> int:
    from chatbot.data import migrations
    from chatbot.data.database import database_url, shown

    where, newest = shown(settings.database_url), migrations.head()
    if args.action == "upgrade":
        before, after = migrations.upgrade_url(settings.database_url, args.revision)
        if before == after:
            print(f"{where}: already at revision {after}{' (the newest)' if after == newest else ''}")
        else:
            print(f"{where}: upgraded from revision {before or '(none: empty, or made before migrations)'} to {after}")
        return 0
    if args.action == "current":
        file = database_url(settings.database_url)
        if file.get_backend_name() == "sqlite" and file.database and not file.database.startswith("file:") \
                and file.database != ":memory:" and not Path(file.database).exists():
            print(f"{where}: no database file yet; the app's start (or `python -m chatbot db upgrade`) makes it")
            return 0
        now = migrations.current_url(settings.database_url)
        if now == newest:
            print(f"{where}: at revision {now} (the newest)")
        elif now is None:
            print(f"{where}: no revision yet (empty, or made before migrations); `python -m chatbot db upgrade` or "
                  f"the app's start brings it to {newest}, keeping its rows")
        else:
            print(f"{where}: at revision {now}; {newest} is the newest: `python -m chatbot db upgrade` or the app's "
                  "start brings it there")
        return 0
    written = migrations.new_revision(args.message, empty=args.empty)
    print(f"wrote {written}: read it and correct it, then run the tests (tests/test_migrations.py checks it on "
          "SQLite and PostgreSQL)")
    return 0
