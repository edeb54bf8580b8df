"""``eval-orders``: the order responder's acceptance set, checked against the demo store's orders at run time.

Every conversation of ``eval/order_conversations.jsonl`` runs through the real Chatbot, with the demo's orders
imported into a fresh temporary database and the clock fixed at the demo's "now" (2026-12-07 noon Eastern). Each
has a check computed from the stored order (its tracking number, dates from the store's rules, item names,
amounts, each item's return window; or, for privacy cases, that nothing of the order shows), never a stored
answer. The report gives the pass rate overall and by kind, and the privacy cases apart: all of them must pass.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from chatbot.data.order_proofs import OrderProofs
from chatbot.data.orders import OrderStore
from chatbot.data.storage import ConversationStore
from chatbot.orders.answers import money, returns_of
from chatbot.orders.dates import expected_arrival, local, say_date, ship_day, transit_days
from chatbot.orders.desk import ASK_BOTH, NOT_FOUND, for_bot
from chatbot.orders.identity import Asker, sign_email, signed_in_email

REFERENCE = datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo("America/New_York"))
ORDER_CONVERSATIONS = Path(__file__).resolve().parents[2] / "eval" / "order_conversations.jsonl"
SECRET = "eval-orders-identity-secret"


def read_conversations(path: str | Path = ORDER_CONVERSATIONS) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_order_eval(bot, rows: list[dict], demo: Path | None = None) -> dict:
    """Run every conversation; ``{"overall", "by_kind", "privacy", "failures"}``. ``bot.orders`` is replaced for
    the run (and put back)."""
    from chatbot.ingest.platforms.order_exports import import_demo_orders

    kept, settings = bot.orders, bot.settings
    bot.settings = replace(settings, identity_secret=SECRET)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'orders.sqlite3'}"
        orders, store = OrderStore(url), ConversationStore(url)
        import_demo_orders(orders, *([demo] if demo else []))
        bot.orders = desk = for_bot(bot, orders, OrderProofs(url), tickets=store, clock=lambda: REFERENCE)
        results = []
        try:
            for row in rows:
                ok, why, said = _run(bot, desk, orders, store, row)
                results.append({"id": row["id"], "kind": row["kind"], "privacy": row["privacy"], "ok": ok,
                                "why": why, "said": said})
        finally:
            bot.orders, bot.settings = kept, settings
            orders.close()
            store.close()
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r["ok"])
    privacy = [r["ok"] for r in results if r["privacy"]]
    return {"overall": {"conversations": len(results), "passed": sum(r["ok"] for r in results),
                        "pass_rate": round(sum(r["ok"] for r in results) / max(1, len(results)), 4)},
            "by_kind": {k: {"conversations": len(v), "pass_rate": round(sum(v) / len(v), 4)}
                        for k, v in sorted(by_kind.items())},
            "privacy": {"conversations": len(privacy), "passed": sum(privacy), "all_pass": all(privacy)},
            "failures": [r for r in results if not r["ok"]]}


def _run(bot, desk, orders, store, row: dict) -> tuple[bool, str, list[str]]:
    conversation = store.start_conversation("api")
    said, answers = [], []
    for turn in row["turns"]:
        if turn.get("new_conversation"):
            conversation = store.start_conversation("api")
        client = turn.get("client") or f"eval-{row['id']}"
        email = turn.get("customer_email")
        signature = sign_email(SECRET if turn.get("signed") else "not-the-secret", email) if email else None
        asker = Asker(conversation, client, signed_in_email(bot.settings.identity_secret, email, signature))
        answer = bot.ask(turn["say"], asker=asker)
        answers.append(answer)
        said.append(answer.text)
    order = orders.find(row["order"], email=_email_of(orders, row["order"]))
    try:
        ok, why = _check(row, order, answers, desk, store, conversation)
    except Exception as exc:  # a check that cannot run is a failure, named
        ok, why = False, f"check failed: {exc!r}"
    return ok, why, said


def _email_of(orders, name: str) -> str | None:
    import sqlalchemy as sa

    from chatbot.data.order_records import order_number_key
    from chatbot.data.schema import orders as table

    with orders._engine.connect() as db:
        return db.execute(sa.select(table.c.email).where(table.c.number_key == order_number_key(name))).scalar()


def _leaks(text: str, order, citations, allowed: set[str] = frozenset()) -> str:
    """What of ``order`` shows in an answer that must show nothing of it ("" when nothing)."""
    for item in order.items:
        if item.name in text and item.name not in allowed:
            return f"names the item {item.name!r}"
    for f in order.fulfillments:
        if f.tracking_number and f.tracking_number in text:
            return "shows the tracking number"
    if order.email and order.email in text.lower():
        return "shows the email"
    if any(c.doc_id == f"order:{order.name}" for c in citations):
        return "cites the order"
    return ""


def _check(row: dict, order, answers: list, desk, store, conversation: str) -> tuple[bool, str]:
    kind, last = row["check"]["type"], answers[-1]
    text = last.text
    rules = desk.rules()
    today, zone = rules.today, rules.zone
    if order is None:
        return False, f"order {row['order']} is not in the demo data"
    cites_order = any(c.doc_id == f"order:{order.name}" for c in last.citations)
    if kind in ("not_found", "locked", "asks_for_proof", "private"):
        allowed = {i.name for a in answers for c in a.citations if c.doc_id.startswith("order:")
                   and c.doc_id != f"order:{order.name}" for i in _items_of(desk, c.doc_id[6:])}
        for a in answers:
            leak = _leaks(a.text, order, a.citations, allowed)
            if leak:
                return False, leak
        if kind == "not_found":
            bad = [a.text for a in answers if a.text != NOT_FOUND]
            return (not bad), f"said {bad[0][:80]!r} instead of the not-found reply" if bad else ""
        if kind == "locked":
            return last.reason == "order_lockout" and last.handoff, f"last reason {last.reason}"
        if kind == "asks_for_proof":
            return text == ASK_BOTH, f"said {text[:80]!r}"
        return True, ""
    if kind == "cancelled":
        return cites_order and "cancelled" in text, "no cancellation said"
    if kind == "status":
        if not cites_order:
            return False, "does not cite the order"
        if order.cancelled:
            return "cancelled" in text, "cancellation not said"
        if not order.fulfillments:
            day = say_date(ship_day(order.placed_at, zone, rules.cutoff_hour, rules.closed), today,
                           weekday=True)
            return day in text, f"ship day {day!r} missing"
        if all(f.shipment_status == "delivered" for f in order.fulfillments):
            when = say_date(local(order.fulfillments[-1].updated_at, zone).date(), today)
            return f"delivered on {when}" in text, f"delivery day {when!r} missing"
        return all(f.tracking_number in text for f in order.fulfillments), "tracking number missing"
    if kind == "tracking":
        return all(f.tracking_number in text and (f.tracking_url or "") in text for f in order.fulfillments), \
            "tracking number or link missing"
    if kind == "expected_date":
        transit = transit_days(order.shipping_method, rules.delivery_days)
        if not order.fulfillments:
            _, high = expected_arrival(ship_day(order.placed_at, zone, rules.cutoff_hour, rules.closed), transit,
                                      rules.closed)
        else:
            if order.fulfillments[0].shipment_status == "out_for_delivery":
                return "out for delivery" in text, "out for delivery not said"
            _, high = expected_arrival(local(order.fulfillments[0].shipped_at, zone).date(), transit, rules.closed)
        day = say_date(high, today, weekday=True)
        return day.split(" (")[-1].rstrip(")") in text, f"expected day {day!r} missing"
    if kind == "items":
        missing = [i.name for i in order.items if i.name not in text]
        if missing:
            return False, f"items missing: {missing}"
        return money(order.total_cents) in text, f"total {money(order.total_cents)} missing"
    if kind == "refunds":
        if order.refunded_cents:
            return money(order.refunded_cents) in text, f"refund {money(order.refunded_cents)} missing"
        return "Nothing has been refunded" in text, "no refund statement"
    if kind == "eligibility":
        for r in returns_of(order, rules, desk.final_sale):
            if r.eligible and say_date(r.closes, today) not in text:
                return False, f"{r.item.name}: closing day {say_date(r.closes, today)} missing"
            if r.why == "final_sale" and f"{r.item.name} is final sale" not in text:
                return False, f"{r.item.name}: final sale not said"
            if r.why == "closed" and f"closed on {say_date(r.closes, today)}" not in text:
                return False, f"{r.item.name}: closed window not said"
        return cites_order or not order.items, "does not cite the order"
    tickets = [t for t in store.list_tickets("all") if t["conversation_id"] == conversation]
    if kind == "start_return":
        eligible = [r for r in returns_of(order, rules, desk.final_sale) if r.eligible]
        if eligible:
            return (last.reason == "order_request" and len(tickets) == 1 and order.name in tickets[0]["reason"]
                    and tickets[0]["ref"] in text), f"no request filed ({last.reason})"
        return not tickets, "a request was filed for an order with nothing to return"
    if kind == "cancel":
        if not order.fulfillments and not order.cancelled:
            return (last.reason == "order_request" and len(tickets) == 1 and order.name in tickets[0]["reason"]), \
                f"no cancellation request filed ({last.reason})"
        return not tickets and "already shipped" in answers[0].text, "a shipped order was offered a cancellation"
    if kind == "signed_in":
        newest = desk.orders.for_email(order.email)[0]
        return newest.name in text, f"the customer's newest order {newest.name} is not listed"
    return False, f"unknown check {kind!r}"


def _items_of(desk, name: str):
    email = _email_of(desk.orders, name)
    order = desk.orders.find(name, email=email) if email else None
    return order.items if order else []


def format_report(report: dict, failures: bool = False) -> str:
    o, p = report["overall"], report["privacy"]
    lines = [f"order conversations: {o['passed']}/{o['conversations']} passed ({o['pass_rate']:.1%})",
             f"privacy cases: {p['passed']}/{p['conversations']} passed" + ("" if p["all_pass"] else "  <- MUST ALL PASS"),
             "by kind:"]
    lines += [f"  {k:20s} {v['pass_rate']:.1%} of {v['conversations']}" for k, v in report["by_kind"].items()]
    if failures:
        for f in report["failures"]:
            lines.append(f"- {f['id']} ({f['kind']}): {f['why']}\n    last answer: {f['said'][-1][:300]!r}")
    return "\n".join(lines)
