"""The order desk under a store's load: order answers through the chat API, a 10,000-order import, order webhooks.

    .venv/bin/python benchmarks/orders.py [--sessions 8] [--orders-each 6] [--import-orders 10000] [--webhooks 300]

1. **Order answers.** Starts the real app (``launch.py``, default settings, the demo store, which imports the
   demo's 200 orders at start) as its own process. ``--sessions`` shoppers at once each work through
   ``--orders-each`` demo orders, one conversation per order: they prove it ("Where is my order #1043? My email is
   ...", or the shipping ZIP for every other one), then ask what was in it, whether they can return it and whether
   anything was refunded, each through ``POST /api/chat`` with the conversation's id. Every shopper proves
   different orders, read from ``demo/orders_export.csv``. The baseline, on the same server in the same run: the
   same shoppers asking ordinary catalog questions about the demo's products ("How much is the ...?", "What do
   reviewers say about the ...?"), as many. Records p50/p95, answers/s, errors and which responder answered.
2. **Import.** Writes a 10,000-order Shopify orders export with the demo's own generator (``demo/make_orders.py``,
   Shopify's column layout from ``order_exports.SHOPIFY_ORDER_COLUMNS``) and times ``python -m chatbot orders
   import`` on it as its own process into a new SQLite database, then the same file again (nothing changes); the
   baseline is the demo's 200-order export. Wall time, orders/s, peak RSS.
3. **Webhooks.** ``--webhooks`` signed Shopify ``orders/create`` deliveries of new orders (written by the same
   generator), then an ``orders/updated`` and a ``fulfillments/create`` for each, posted one at a time to
   ``/api/webhooks/shopify`` with ``X-Shopify-Hmac-Sha256``, as Shopify sends them: to the demo store, then, once
   the 10,000-order export is imported into the running app's database, another batch to that bigger store.
   Baseline: the second batch sent again with its ``X-Shopify-Webhook-Id`` (checked and answered "duplicate",
   nothing written). p50/p95.

Targets (issue 22): order answers p50 under 100 ms with 8 shoppers on 2 cores; the 10,000-order import under
30 s; webhooks p95 under 50 ms. Writes ``benchmarks/results/orders.json`` and prints a table with the ratios.
Everything goes to a temporary folder; the server is stopped at the end. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import hashlib
import hmac
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Server, _pct  # noqa: E402 - the same server start-up as the load benchmark

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_orders", ROOT / "demo" / "make_orders.py")
make_orders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_orders)  # the demo's order generator: Shopify's layout, every state

DEMO_EXPORT = ROOT / "demo" / "orders_export.csv"
CATALOG = ROOT / "knowledge" / "catalog" / "products.jsonl"
SECRET = "benchmark-shopify-secret"
P50_TARGET_S, IMPORT_TARGET_S, WEBHOOK_P95_TARGET_S = 0.100, 30.0, 0.050
FOLLOW_UPS = ("What was in it?", "Can I still return it?", "Was anything refunded?")


# ---- 1. order answers and catalog answers through POST /api/chat
def demo_orders() -> list[dict]:
    """The demo's orders as a shopper knows them: number, email, shipping ZIP (as on the order)."""
    orders: dict[str, dict] = {}
    with DEMO_EXPORT.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):  # an order's first row holds its own fields, the address among them
            orders.setdefault(row["Name"], {"name": row["Name"], "email": row["Email"],
                                            "zip": row["Shipping Zip"].lstrip("'")})
    return list(orders.values())


def order_conversations(sessions: int, per_shopper: int, seed: int) -> list[list[list[str]]]:
    """For each shopper, one conversation per order: the proof with the first question, then the follow-ups."""
    rng = random.Random(seed)
    orders = rng.sample(demo_orders(), sessions * per_shopper)  # every shopper proves different orders
    plans = []
    for s in range(sessions):
        conversations = []
        for n, o in enumerate(orders[s * per_shopper:(s + 1) * per_shopper]):
            proof = f"My email is {o['email']}" if n % 2 == 0 else f"The ZIP code is {o['zip']}"
            conversations.append([f"Where is my order {o['name']}? {proof}.", *FOLLOW_UPS])
        plans.append(conversations)
    return plans


def catalog_conversations(sessions: int, per_shopper: int, seed: int) -> list[list[list[str]]]:
    """As many catalog questions, in the same shape: one conversation per product, a price then a review summary
    question, twice (different products)."""
    rng = random.Random(seed)
    products = [json.loads(line)["name"] for line in CATALOG.read_text(encoding="utf-8").splitlines() if line.strip()]
    plans = []
    for _ in range(sessions):
        conversations = []
        for _ in range(per_shopper):
            a, b = rng.sample(products, 2)
            conversations.append([f"How much is the {a}?", f"What do reviewers say about the {a}?",
                                  f"How much is the {b}?", f"What do reviewers say about the {b}?"])
        plans.append(conversations)
    return plans


async def ask(client: httpx.AsyncClient, url: str, message: str, conversation: str | None) -> dict:
    started = time.perf_counter()
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    outcome = {"status": "error", "origin": "", "conversation": conversation}
    try:
        async with client.stream("POST", f"{url}/api/chat", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                outcome["status"] = "busy" if response.status_code == 503 else "error"
            else:
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "answer":
                        answer = json.loads(line[5:])
                        outcome.update(status="ok", origin=answer.get("origin", ""),
                                       conversation=answer.get("conversation_id") or conversation)
    except httpx.HTTPError:
        pass
    outcome["latency_s"] = time.perf_counter() - started
    return outcome


async def chat_load(url: str, plans: list[list[list[str]]]) -> dict:
    """Each shopper (a plan) works through its conversations in turn, waiting for each answer; all at once."""
    outcomes: list[dict] = []

    async def shopper(conversations):
        async with httpx.AsyncClient(timeout=120) as client:
            for messages in conversations:
                conversation = None
                for message in messages:
                    outcome = await ask(client, url, message, conversation)
                    conversation = outcome["conversation"]
                    outcomes.append(outcome)

    started = time.perf_counter()
    await asyncio.gather(*(shopper(p) for p in plans))
    wall = time.perf_counter() - started
    ok = sorted(o["latency_s"] for o in outcomes if o["status"] == "ok")
    origins: dict[str, int] = {}
    for o in outcomes:
        origins[o["origin"] or o["status"]] = origins.get(o["origin"] or o["status"], 0) + 1
    return {"requests": len(outcomes), "answered": len(ok), "errors": sum(o["status"] == "error" for o in outcomes),
            "busy": sum(o["status"] == "busy" for o in outcomes), "p50_s": _pct(ok, 50), "p95_s": _pct(ok, 95),
            "max_s": ok[-1] if ok else None, "answers_per_s": len(ok) / wall, "wall_s": wall, "origins": origins}


# ---- 2. the import, as its own process
def write_export(path: Path, count: int, seed: int) -> Path:
    """``count`` orders from the demo's generator, in Shopify's orders export layout; numbers from #21001 and ids
    clear of the demo's, so the file also imports beside the demo's orders (the webhooks' store)."""
    orders = make_orders.build(random.Random(seed), count)
    for o in orders:
        o["number"] += 20_000
        o["id"] += 2 * 10**9
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, make_orders.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(make_orders.rows(orders))
    return path


def timed_import(files: list[Path], database: Path, workdir: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "CHATBOT_DATA_DIR": str(workdir / "data"),
           "CHATBOT_DATABASE_URL": f"sqlite:///{database}"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "chatbot", "orders", "import", *map(str, files)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"orders import exited {os.waitstatus_to_exitcode(status)}:\n{out[-3000:]}")
    found = re.search(r"(\d[\d,]*) orders", out)  # "10,000 orders"
    orders = int(found.group(1).replace(",", "")) if found else 0
    own = re.search(r"in ([\d.]+) s", out)  # the import's own time, without starting Python and the package
    return {"wall_s": wall, "import_s": float(own.group(1)) if own else None, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024, "orders": orders, "orders_per_s": orders / wall,
            "output": out[:1500]}


# ---- 3. signed Shopify webhooks
def webhook_deliveries(count: int, seed: int, offset: int = 0) -> list[tuple[str, dict]]:
    """(topic, body): ``count`` new orders as ``orders/create``, then each one ``orders/updated`` (an hour later,
    paid) and, for orders that shipped, ``fulfillments/create``. Ids and numbers clear of the demo's and the
    export's, and of another batch's (``offset``)."""
    orders = make_orders.build(random.Random(seed), max(count, 41))[:count]
    for o in orders:
        o["number"] += 100_000 + 1_000 * offset
        o["id"] += 10**9 + offset * 10**8
        for shipment in o["fulfillments"]:
            shipment["id"] += 10**9 + offset * 10**8
        for item in o["items"]:
            item["line_id"] += 10**9 + offset * 10**8
    creates = [("orders/create", shopify_order(o, updated=o["placed"])) for o in orders]
    updates = [("orders/updated", {**shopify_order(o, updated=o["placed"] + timedelta(hours=1)),
                                   "financial_status": "paid"}) for o in orders]
    shipped = [("fulfillments/create", body) for body in make_orders.fulfillment_bodies(orders)]
    return creates + updates + shipped


def shopify_order(o: dict, updated) -> dict:
    """A generated order as Shopify's REST order JSON (the ``orders/*`` webhook body)."""
    person, place = o["person"], o["person"]["place"]
    address = {"first_name": person["name"].split()[0], "last_name": person["name"].split()[-1],
               "address1": person["street"], "city": place[0], "zip": place[3], "province_code": place[1],
               "country_code": place[4]}
    money = make_orders.money
    return {
        "id": o["id"], "admin_graphql_api_id": f"gid://shopify/Order/{o['id']}", "name": f"#{o['number']}",
        "order_number": o["number"], "email": person["email"], "contact_email": person["email"],
        "created_at": make_orders.iso(o["placed"]), "updated_at": make_orders.iso(updated),
        "processed_at": make_orders.iso(o["placed"]), "cancelled_at": None, "currency": "USD",
        "financial_status": "authorized", "fulfillment_status": None, "subtotal_price": money(o["subtotal"]),
        "total_discounts": money(o["discount"]), "total_tax": money(o["tax"]), "total_price": money(o["total"]),
        "discount_codes": ([{"code": o["code"], "amount": money(o["discount"]), "type": "percentage"}]
                           if o["code"] else []),
        "total_shipping_price_set": {"shop_money": {"amount": money(o["method"][1]), "currency_code": "USD"}},
        "customer": {"email": person["email"], "first_name": address["first_name"], "last_name": address["last_name"]},
        "billing_address": address, "shipping_address": address,
        "line_items": [{"id": i["line_id"], "title": i["product"]["name"], "name": i["product"]["name"],
                        "quantity": i["quantity"], "price": money(i["product"]["price"]), "sku": i["product"]["id"],
                        "vendor": "Harbor & Pine", "requires_shipping": True, "taxable": True,
                        "fulfillment_status": None} for i in o["items"]],
        "shipping_lines": [{"title": o["method"][0], "price": money(o["method"][1]), "source": "shopify"}],
        "refunds": [], "fulfillments": []}


async def post_webhooks(url: str, deliveries: list[tuple[str, dict, str]]) -> dict:
    """Each delivery signed and posted in turn, as one shop's webhooks arrive; latency and outcomes."""
    latencies, outcomes = [], {}
    async with httpx.AsyncClient(timeout=60) as client:
        for topic, payload, delivery in deliveries:
            body = json.dumps(payload).encode()
            signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
            headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
                       "X-Shopify-Shop-Domain": "harbor-and-pine.myshopify.com", "X-Shopify-API-Version": "2026-10",
                       "X-Shopify-Webhook-Id": delivery, "X-Shopify-Hmac-Sha256": signature}
            started = time.perf_counter()
            response = await client.post(f"{url}/api/webhooks/shopify", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            outcome = response.json().get("outcome", f"HTTP {response.status_code}") if response.status_code == 200 \
                else f"HTTP {response.status_code}"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    latencies.sort()
    return {"deliveries": len(latencies), "p50_s": _pct(latencies, 50), "p95_s": _pct(latencies, 95),
            "max_s": latencies[-1], "outcomes": outcomes}


# ---- the benchmark
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8, help="shoppers at once")
    parser.add_argument("--orders-each", type=int, default=6, help="orders each shopper proves and asks about")
    parser.add_argument("--import-orders", type=int, default=10_000)
    parser.add_argument("--webhooks", type=int, default=300, help="new orders sent as webhooks (x2-3 deliveries)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "orders.json"))
    args = parser.parse_args(argv)
    if args.sessions * args.orders_each > len(demo_orders()):
        parser.error(f"--sessions x --orders-each must be at most the demo's {len(demo_orders())} orders")

    workdir = Path(tempfile.mkdtemp(prefix="orders-bench-"))
    results: dict = {"cores": os.cpu_count(), "sessions": args.sessions}
    try:
        # 2. import (first: no server running beside it)
        started = time.perf_counter()
        big = write_export(workdir / "orders_export_10000.csv", args.import_orders, args.seed)
        results["generate_s"] = time.perf_counter() - started
        results["export_mb"] = big.stat().st_size / 2**20
        print(f"wrote {args.import_orders} orders ({results['export_mb']:.1f} MB) in {results['generate_s']:.1f} s",
              flush=True)
        results["import"] = {
            "demo (200 orders)": timed_import([DEMO_EXPORT], workdir / "demo.sqlite3", workdir),
            f"{args.import_orders} orders": timed_import([big], workdir / "big.sqlite3", workdir),
            f"{args.import_orders} orders again": timed_import([big], workdir / "big.sqlite3", workdir)}
        for name, r in results["import"].items():
            print(f"import {name:22} {r['wall_s']:6.1f} s  {r['orders_per_s']:7.0f} orders/s  "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB  {r['output'].splitlines()[1:2]}", flush=True)

        with Server("orders", {"CHATBOT_SHOPIFY_WEBHOOK_SECRET": SECRET}, workdir / "index", workdir) as server:
            # 1. order answers beside catalog answers, on one server; one round each first (nothing still loading)
            warm = asyncio.run(chat_load(server.url, [c[:1] for c in catalog_conversations(args.sessions, 1, 1)]))
            warm_orders = asyncio.run(chat_load(server.url, [[["Where is my order?"]]] * args.sessions))
            results["warm_up"] = {"catalog": warm["origins"], "orders": warm_orders["origins"]}
            orders_plan = order_conversations(args.sessions, args.orders_each, args.seed)
            catalog_plan = catalog_conversations(args.sessions, args.orders_each, args.seed)
            results["chat"] = {"order answers": asyncio.run(chat_load(server.url, orders_plan)),
                               "catalog answers": asyncio.run(chat_load(server.url, catalog_plan))}
            for name, s in results["chat"].items():
                print(f"{name:15} p50 {s['p50_s'] * 1000:.0f} ms  p95 {s['p95_s'] * 1000:.0f} ms  "
                      f"{s['answers_per_s']:.1f} answers/s  errors {s['errors']}  origins {s['origins']}", flush=True)

            # 3. webhooks: new deliveries to the demo store, then to a store of 10,000 more orders (the export
            # imported into the running server's database), then the same deliveries again (duplicates)
            small = [(t, p, str(uuid.uuid4())) for t, p in webhook_deliveries(args.webhooks, args.seed + 1)]
            results["webhooks"] = {"new, demo store (200 orders)": asyncio.run(post_webhooks(server.url, small))}
            port = server.url.rsplit(":", 1)[1]
            live = timed_import([big], workdir / f"orders-{port}.sqlite3", workdir)  # load.Server's database
            results["import"][f"{args.import_orders} orders into the running app"] = live
            big_store = f"new, store of {200 + args.webhooks + live['orders']:,} orders"
            deliveries = [(t, p, str(uuid.uuid4())) for t, p in webhook_deliveries(args.webhooks, args.seed + 2, 1)]
            results["webhooks"][big_store] = asyncio.run(post_webhooks(server.url, deliveries))
            results["webhooks"]["re-sent (duplicates)"] = asyncio.run(post_webhooks(server.url, deliveries))
            for name, s in results["webhooks"].items():
                print(f"webhooks {name:20} p50 {s['p50_s'] * 1000:.1f} ms  p95 {s['p95_s'] * 1000:.1f} ms  "
                      f"{s['outcomes']}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    print_table(results)
    return 0


def print_table(results: dict) -> None:
    cores, chat = results["cores"], results["chat"]
    base = chat["catalog answers"]
    print(f"| {results['sessions']} shoppers, {cores} cores | answers | p50 (ms) | p95 (ms) | answers/s | errors | "
          f"p50 ratio | p95 ratio | p50 under {P50_TARGET_S * 1000:.0f} ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, s in chat.items():
        print(f"| {name} | {s['answered']} | {s['p50_s'] * 1000:.0f} | {s['p95_s'] * 1000:.0f} | "
              f"{s['answers_per_s']:.1f} | {s['errors']} | x{s['p50_s'] / base['p50_s']:.2f} | "
              f"x{s['p95_s'] / base['p95_s']:.2f} | {'yes' if s['p50_s'] < P50_TARGET_S else 'NO'} |")
    print()
    imports = results["import"]
    demo = next(iter(imports.values()))
    print(f"| import, {cores} cores | orders | wall (s) | of it importing (s) | orders/s | peak RSS (MB) | "
          f"orders/s ratio | under {IMPORT_TARGET_S:.0f} s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in imports.items():
        print(f"| {name} | {r['orders']} | {r['wall_s']:.1f} | {r['import_s']} | {r['orders_per_s']:.0f} | "
              f"{r['peak_rss_mb']:.0f} | "
              f"x{r['orders_per_s'] / demo['orders_per_s']:.2f} | {'yes' if r['wall_s'] < IMPORT_TARGET_S else 'NO'} |")
    print()
    hooks = results["webhooks"]
    base = hooks["re-sent (duplicates)"]
    print(f"| Shopify webhooks | deliveries | p50 (ms) | p95 (ms) | p95 ratio | outcomes | "
          f"p95 under {WEBHOOK_P95_TARGET_S * 1000:.0f} ms |")
    print("|---|---|---|---|---|---|---|")
    for name, s in hooks.items():
        print(f"| {name} | {s['deliveries']} | {s['p50_s'] * 1000:.1f} | {s['p95_s'] * 1000:.1f} | "
              f"x{s['p95_s'] / base['p95_s']:.2f} | {s['outcomes']} | "
              f"{'yes' if s['p95_s'] < WEBHOOK_P95_TARGET_S else 'NO'} |")


if __name__ == "__main__":
    sys.exit(main())
