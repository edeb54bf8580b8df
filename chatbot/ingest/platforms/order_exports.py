"""Read a store's orders as the platforms export them, and put them in the database.

Formats (recognised by the header row, ``detect.ORDER_FORMATS``; the file name does not matter):

- **Shopify orders export** (Orders > Export, "CSV for Excel, Numbers, or other spreadsheet programs"): one row
  per line item, the rows of an order sharing its ``Name`` ("#1043"); the order's own fields (Financial Status,
  totals, Shipping Method, Shipping Zip, Id, ...) are on its first row. Times carry the store's offset
  ("2026-12-02 14:03:11 -0500") and are stored in UTC.
- **WooCommerce orders export**: WooCommerce has no order export of its own; this reads the free *Advanced Order
  Export For WooCommerce* plugin's CSV with its default fields and products as rows: ``Order Number``, ``Order
  Status`` ("Processing" or "wc-processing"), ``Order Date`` (the site's local time, without an offset: read
  in the zone given, UTC unless told), ``Email (Billing)``, ``Zip (Shipping)``, ``Country Code (Shipping)``,
  ``Shipping Method Title``, ``Order Subtotal Amount``, ``Order Shipping Amount``, ``Order Refund Amount``,
  ``Order Total Amount``, ``Order Total Tax Amount``, and per product row ``Item #``, ``SKU``, ``Name``,
  ``Quantity``, ``Item Cost``. ``Paid Date``, ``Completed Date``, ``Order Id`` and ``Currency`` are read when
  ticked.
- **Webhook payloads, one JSON object a line** (``.jsonl``): Shopify's ``fulfillments/create``/``update`` bodies
  (the tracking an orders export lacks) or ``orders/*`` bodies, as ``webhook_orders`` reads them.

The CSV goes through ``table.read_table``, so Excel's re-saves (Windows-1252, a byte-order mark, semicolons) read
the same. Names, street addresses, phone numbers, notes and payment details are never read. A row that cannot be
read is reported with its line and the reason while the rest import; a file in another format (a products
export, a WooCommerce file given as Shopify's) is one error naming the columns expected, and nothing of it is
imported. ``store_orders`` then writes the orders with ``OrderStore.put_many`` (one transaction per file).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any

from chatbot.common.errors import LoadError
from chatbot.data.order_records import (
    SHOPIFY,
    WOOCOMMERCE,
    Fulfillment,
    LineItem,
    NoTimezone,
    Order,
    latest,
    normal_email,
    normal_zip,
    order_number_key,
    parse_time,
    to_cents,
)
from chatbot.data.orders import OrderStore
from chatbot.ingest.platforms.detect import ORDER_FORMATS, Format, detect, explain_unknown
from chatbot.ingest.platforms.table import Row, Table, read_table
from chatbot.ingest.platforms.values import BadValue, parse_price, yes
from chatbot.ingest.platforms.webhook_orders import (
    WOO_STATUSES,
    BadPayload,
    shopify_fulfillment,
    shopify_order,
    woo_status,
)

FINANCIAL = ("pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided",
             "expired")
FULFILLMENT = ("unfulfilled", "partial", "fulfilled", "restocked", "scheduled", "on_hold")


# Shopify's orders export header, every column in the order Shopify writes them (the demo's and the tests' orders
# files are written with it)
SHOPIFY_ORDER_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip", "Billing Province",
    "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
    "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone",
    "Notes", "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source",
    "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value",
    "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties",
    "Billing Province Name", "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
]


@dataclass
class OrdersResult:
    format: str  # what the file was recognised as, in words
    orders: list[Order] = field(default_factory=list)
    fulfillments: list[tuple[str | None, Fulfillment, int]] = field(default_factory=list)  # (order id, it, line)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong and the fix)
    notes: list[str] = field(default_factory=list)  # about the whole file
    stored: Counter = field(default_factory=Counter)  # what storing did: created, updated, unchanged, outdated

    @property
    def items(self) -> int:
        return sum(len(o.items) for o in self.orders)

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def counts(self) -> str:
        parts = []
        if self.orders or not self.fulfillments:
            parts += [_plural(len(self.orders), "order"), _plural(self.items, "line item")]
        if self.fulfillments:
            parts.append(_plural(len(self.fulfillments), "shipment"))
        lines = {line for line, _ in self.problems}
        if lines:
            parts.append(_plural(len(lines), "row") + " with problems")
        return ", ".join(parts)

    def summary(self, limit: int = 20) -> str:
        """"Shopify orders export: 203 orders, 412 line items, 2 rows with problems", the store's outcome, then one
        line per problem (the first ``limit``) and the notes about the whole file."""
        text = f"{self.format}: {self.counts()}"
        if self.stored:
            text += "\n  stored: " + ", ".join(f"{n} {what}" for what, n in sorted(self.stored.items()))
        shown = sorted(self.problems)[:limit]
        text += "".join(f"\n  line {line}: {message}" for line, message in shown)
        if len(self.problems) > limit:
            text += f"\n  ... and {len(self.problems) - limit} more"
        text += "".join(f"\n  note: {note}" for note in self.notes)
        return text


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# ---- files


def read_orders(path: str | Path, platform: str | None = None, zone: Any = timezone.utc) -> OrdersResult:
    """Read one orders file; LoadError (naming the columns expected) when it is no orders format, or not
    ``platform``'s ("shopify", "woocommerce"). ``zone`` is the store's time zone, for times written without one."""
    path = Path(path)
    if path.suffix.lower() in (".jsonl", ".json"):
        return read_payloads(path, platform)
    table = read_table(path)
    fmt = detect(table.columns, ORDER_FORMATS)
    if fmt is None:
        other = detect(table.columns)
        if other is not None:
            raise LoadError(f"is a {other.label}, not an orders export. {_expected(platform)}; import "
                            f"{other.kind} with `python -m chatbot import {path.name}`")
        raise LoadError(explain_unknown(table.columns, among=_formats(platform)))
    if platform and not fmt.name.startswith(platform):
        raise LoadError(f"is a {fmt.label}, not a {_LABEL[platform]} one. {_expected(platform)}; import it "
                        f"without --as, or as --as {fmt.name.split('_')[0]}")
    result = (read_shopify_orders if fmt.name == "shopify_orders" else read_woocommerce_orders)(table, zone)
    result.problems[:0] = table.problems
    return result


_LABEL = {SHOPIFY: "Shopify orders export", WOOCOMMERCE: "WooCommerce orders export"}


def _formats(platform: str | None) -> tuple[Format, ...]:
    return tuple(f for f in ORDER_FORMATS if not platform or f.name.startswith(platform))


def _expected(platform: str | None) -> str:
    """"A Shopify orders export has the columns 'Name', 'Created at', 'Lineitem name' (...)"."""
    text = "; ".join(f"a {f.label} has the columns {', '.join(repr(c) for c in f.required)} (from {f.where})"
                     for f in _formats(platform))
    return text[0].upper() + text[1:]


def read_payloads(path: Path, platform: str | None = None) -> OrdersResult:
    """Shopify webhook bodies, one JSON object a line: fulfillments (with ``order_id``) and orders."""
    if platform not in (None, SHOPIFY):
        raise LoadError(f"holds webhook bodies, which are read as Shopify's; import it without --as {platform}")
    result = OrdersResult("Shopify webhook bodies")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError("is not UTF-8 text; save the webhook bodies as UTF-8 JSON, one a line") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            payload = json.loads(line)
            if not isinstance(payload, dict):
                raise BadPayload("it is not a JSON object")
            if "order_id" in payload:
                order_id, fulfillment = shopify_fulfillment(payload)
                result.fulfillments.append((order_id, fulfillment, number))
            elif "line_items" in payload and "financial_status" in payload:
                order = shopify_order(payload)
                order.line = number
                result.orders.append(order)
            else:
                raise BadPayload("it is neither a fulfillment (it has no 'order_id') nor an order (no 'line_items' "
                                 "and 'financial_status')")
        except ValueError as exc:  # json.JSONDecodeError and BadPayload are ValueErrors
            result.problem(number, f"is not a Shopify webhook body ({exc}); it was skipped")
    if not result.orders and not result.fulfillments and not result.problems:
        raise LoadError("is empty; write one webhook body (a JSON object) a line")
    return result


def store_orders(result: OrdersResult, store: OrderStore) -> OrdersResult:
    """Write what ``result`` holds into ``store``; counts what happened in ``result.stored`` and reports orders
    whose number another stored order already has."""
    for order, outcome in zip(result.orders, store.put_many(result.orders)):
        if outcome == "conflict":
            result.problem(order.line or 0, f"order {order.name} has Id {order.platform_id}, but another stored order "
                                            "already has that number; it was not stored")
        else:
            result.stored[outcome] += 1
    shipments = [(order_id, fulfillment) for order_id, fulfillment, _line in result.fulfillments]
    for outcome in store.put_fulfillments(SHOPIFY, shipments):
        result.stored[f"shipments {outcome}"] += 1
    return result


def import_orders(path: str | Path, store: OrderStore, platform: str | None = None,
                  zone: Any = timezone.utc) -> OrdersResult:
    """Read ``path`` and store it. Raises LoadError, naming the file, when it is in no orders format or nothing
    at all could be read from it (nothing is stored then)."""
    path = Path(path)
    try:
        result = read_orders(path, platform, zone)
    except LoadError as exc:
        raise LoadError(f"{path}: {exc}") from None
    if not result.orders and not result.fulfillments:
        first = "; ".join(f"line {line}: {why}" for line, why in sorted(result.problems)[:3])
        raise LoadError(f"{path}: nothing could be imported ({result.counts()})" + (f": {first}" if first else ""))
    return store_orders(result, store)


DEMO = Path(__file__).resolve().parents[3] / "demo"
DEMO_FILES = ("orders_export.csv", "fulfillments.jsonl")


def import_demo_orders(store: OrderStore, folder: Path = DEMO) -> list[OrdersResult] | None:
    """The demo store's orders (``demo/``), when the orders table is empty; None when it was not."""
    if store.count():
        return None
    return [import_orders(folder / name, store) for name in DEMO_FILES if (folder / name).exists()]


# ---- Shopify


def read_shopify_orders(table: Table, zone: Any = timezone.utc) -> OrdersResult:
    result = OrdersResult("Shopify orders export")
    groups: dict[str, list[Row]] = {}
    for row in table.rows:
        key = order_number_key(row.get("name"))
        if not key:
            result.problem(row.line, "has no Name (the order number, like #1043); every row of an order needs it, "
                                     "copy it from the order's first row")
            continue
        groups.setdefault(key, []).append(row)  # an order's rows may be apart when a spreadsheet sorted them
    for rows in groups.values():
        order = _shopify(rows, result, zone)
        if order is not None:
            result.orders.append(order)
    return result


def _shopify(rows: list[Row], result: OrdersResult, zone: Any) -> Order | None:
    first, name = rows[0], rows[0].get("name")
    cell = _cells(rows)
    left_out = f"order {name} was left out"
    placed = _time(cell("created at"), "Created at", first.line, result, zone, then=left_out)
    if placed is None:
        if not cell("created at"):
            result.problem(first.line, f"order {name} has no Created at, so it was left out; export the orders "
                                       "again without editing the dates")
        return None
    order = Order(SHOPIFY, name, placed_at=placed, source=result.format, line=first.line,
                  financial_status=_status(cell("financial status"), FINANCIAL, "Financial Status", first, result),
                  fulfillment_status=_status(cell("fulfillment status"), FULFILLMENT, "Fulfillment Status", first,
                                             result) or "unfulfilled",
                  currency=cell("currency") or None, shipping_method=cell("shipping method") or None,
                  shipping_zip=normal_zip(cell("shipping zip")), shipping_country=cell("shipping country") or None)
    order.email = _email(cell("email"), name, first.line, result)
    order.platform_id = _shopify_id(cell("id"), name, first.line, result)
    for attribute, column in (("paid_at", "Paid at"), ("fulfilled_at", "Fulfilled at"),
                              ("cancelled_at", "Cancelled at")):
        setattr(order, attribute, _time(cell(column.lower()), column, first.line, result, zone))
    for attribute, column in (("subtotal_cents", "Subtotal"), ("shipping_cents", "Shipping"), ("tax_cents", "Taxes"),
                              ("discount_cents", "Discount Amount"), ("total_cents", "Total"),
                              ("refunded_cents", "Refunded Amount")):
        setattr(order, attribute, _money(cell(column.lower()), column, first.line, result))
    for row in rows:
        item = _shopify_item(row, name, result)
        if item is not None:
            order.items.append(item)
    order.updated_at = latest(order.placed_at, order.paid_at, order.fulfilled_at, order.cancelled_at)
    return order


def _shopify_item(row: Row, order: str, result: OrdersResult) -> LineItem | None:
    name, quantity = row.get("lineitem name"), row.get("lineitem quantity")
    if not name and not quantity:
        return None
    if not name:
        result.problem(row.line, f"a line item of order {order} has no Lineitem name, so it was left out")
        return None
    count = _quantity(quantity, "Lineitem quantity", order, row, result)
    if count is None:
        return None
    return LineItem(name, count, price_cents=_money(row.get("lineitem price"), "Lineitem price", row.line, result),
                    sku=row.get("lineitem sku") or None,
                    fulfillment_status=(row.get("lineitem fulfillment status") or "").lower() or None,
                    requires_shipping=yes(row.get("lineitem requires shipping"))
                    if row.get("lineitem requires shipping") else None)


def _shopify_id(text: str, order: str, line: int, result: OrdersResult) -> str | None:
    if not text:
        return None
    if text.isdigit():
        return text
    if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", text, re.I):
        result.problem(line, f"Id of order {order} is {text!r}: a spreadsheet rounded the order's id, so the order "
                             "is matched by its Name; export the orders again and import the file unedited")
    else:
        result.problem(line, f"Id of order {order} is {text!r}, not Shopify's order id (digits only); the order is "
                             "matched by its Name")
    return None


# ---- WooCommerce (Advanced Order Export For WooCommerce, products as rows)

_WOO = {  # field -> the plugin's labels for it, the default first
    "number": ("Order Number",), "order id": ("Order Id",), "status": ("Order Status",), "date": ("Order Date",),
    "paid": ("Paid Date",), "completed": ("Completed Date",),
    "email": ("Email (Billing)", "Customer User Email"), "zip": ("Zip (Shipping)", "Zip (Billing)"),
    "country": ("Country Code (Shipping)", "Country Code (Billing)"),
    "method": ("Shipping Method Title", "Shipping Method"), "currency": ("Currency",),
    "subtotal": ("Order Subtotal Amount",), "shipping": ("Order Shipping Amount",),
    "tax": ("Order Total Tax Amount", "Order Tax Amount"), "discount": ("Cart Discount Amount",),
    "total": ("Order Total Amount",), "refund": ("Order Refund Amount",),
    "item id": ("Item #",), "sku": ("SKU",), "item": ("Name", "Product Name"), "quantity": ("Quantity",),
    "cost": ("Item Cost",),
}


def read_woocommerce_orders(table: Table, zone: Any = timezone.utc) -> OrdersResult:
    result = OrdersResult("WooCommerce orders export")
    columns = {f: next((label.lower() for label in labels if label.lower() in table.keys), None)
               for f, labels in _WOO.items()}
    if columns["item"] is None or columns["quantity"] is None:
        raise LoadError("has no product columns ('Name', 'Quantity'); export the orders again with the Products "
                        "fields ticked and set to rows (one row for each product)")
    groups: dict[str, list[Row]] = {}
    for row in table.rows:
        key = order_number_key(row.get(columns["number"]))
        if not key:
            result.problem(row.line, "has no Order Number; every product row of an order needs it (turn on the "
                                     "plugin's 'Fill order columns for products' setting)")
            continue
        groups.setdefault(key, []).append(row)
    for rows in groups.values():
        order = _woocommerce(rows, columns, result, zone)
        if order is not None:
            result.orders.append(order)
    return result


def _woocommerce(rows: list[Row], columns: dict[str, str | None], result: OrdersResult, zone: Any) -> Order | None:
    first = rows[0]
    every = _cells(rows)

    def cell(name: str) -> str:
        return every(columns[name]) if columns[name] else ""

    number = cell("number")
    name = number if number.startswith("#") else f"#{number}"
    status = woo_status(cell("status"))
    if status not in WOO_STATUSES:
        result.problem(first.line, f"order {name} has Order Status {cell('status')!r}, which WooCommerce does not "
                                   f"have ({', '.join(WOO_STATUSES)}), so it was left out; export the orders again "
                                   "unedited")
        return None
    placed = _time(cell("date"), "Order Date", first.line, result, zone, then=f"order {name} was left out")
    if placed is None:
        if not cell("date"):
            result.problem(first.line, f"order {name} has no Order Date, so it was left out")
        return None
    financial, fulfillment = WOO_STATUSES[status]
    order = Order(WOOCOMMERCE, name, platform_id=cell("order id") or None, platform_status=status,
                  financial_status=financial, fulfillment_status=fulfillment, placed_at=placed,
                  currency=cell("currency") or None, shipping_method=cell("method") or None,
                  shipping_zip=normal_zip(cell("zip")), shipping_country=cell("country") or None,
                  source=result.format, line=first.line)
    order.email = _email(cell("email"), name, first.line, result)
    order.paid_at = _time(cell("paid"), "Paid Date", first.line, result, zone)
    order.fulfilled_at = _time(cell("completed"), "Completed Date", first.line, result, zone)
    for attribute, key, column in (("subtotal_cents", "subtotal", "Order Subtotal Amount"),
                                   ("shipping_cents", "shipping", "Order Shipping Amount"),
                                   ("tax_cents", "tax", "Order Total Tax Amount"),
                                   ("discount_cents", "discount", "Cart Discount Amount"),
                                   ("total_cents", "total", "Order Total Amount"),
                                   ("refunded_cents", "refund", "Order Refund Amount")):
        setattr(order, attribute, _money(cell(key).lstrip("-"), column, first.line, result))
    if order.refunded_cents and financial == "paid":
        full = order.total_cents is not None and order.refunded_cents >= order.total_cents
        order.financial_status = "refunded" if full else "partially_refunded"
    for row in rows:
        item_name, quantity = row.get(columns["item"]), row.get(columns["quantity"])
        if not item_name and not quantity:
            continue
        if not item_name:
            result.problem(row.line, f"a product row of order {name} has no Name, so it was left out")
            continue
        count = _quantity(quantity, "Quantity", name, row, result)
        if count is None:
            continue
        order.items.append(LineItem(
            item_name, count, price_cents=_money(row.get(columns["cost"]) if columns["cost"] else "", "Item Cost",
                                                 row.line, result),
            sku=(row.get(columns["sku"]) if columns["sku"] else "") or None,
            platform_id=(row.get(columns["item id"]) if columns["item id"] else "") or None))
    order.updated_at = latest(order.placed_at, order.paid_at, order.fulfilled_at)
    return order


# ---- cells


def _cells(rows: list[Row]):
    """The first non-empty value of a column among an order's rows (its own fields are on its first row)."""
    return lambda column: next((r.get(column) for r in rows if r.get(column)), "")


def _time(text: str, column: str, line: int, result: OrdersResult, zone: Any, then: str = "it was left empty"):
    """The cell's time in UTC; a problem of ``line`` ending in ``then`` when it cannot be read, and one note for
    the file when times carry no offset."""
    try:
        return parse_time(text, column, zone, strict_zone=True)
    except NoTimezone as exc:
        if not any(note.startswith("times are written without") for note in result.notes):
            result.note(f"times are written without a time zone (the first: {column} {text!r} on line {line}); "
                        f"they were read as {getattr(zone, 'key', None) or zone} (give the store's with --timezone, "
                        "e.g. America/New_York)")
        return exc.value
    except ValueError as exc:
        result.problem(line, f"{exc}; {then}")
        return None


def _money(text: str, column: str, line: int, result: OrdersResult) -> int | None:
    try:
        value, note = parse_price(text, column)
    except BadValue as exc:
        result.problem(line, f"{exc}; it was left empty")
        return None
    if note:
        result.problem(line, note)
    return None if value is None else to_cents(repr(value))


def _quantity(text: str, column: str, order: str, row: Row, result: OrdersResult) -> int | None:
    raw = (text or "").strip()
    if re.fullmatch(r"\d+(\.0+)?", raw) and int(float(raw)) > 0:
        return int(float(raw))
    result.problem(row.line, f"{column} is {raw!r}, not a whole number of 1 or more; this line item of order "
                             f"{order} was left out")
    return None


def _email(text: str, order: str, line: int, result: OrdersResult) -> str | None:
    try:
        return normal_email(text)
    except ValueError as exc:
        result.problem(line, f"the email of order {order}: {exc}; the order was imported without one, so only its "
                             "shipping postcode finds it")
        return None


def _status(text: str, known: tuple[str, ...], column: str, row: Row, result: OrdersResult) -> str | None:
    value = re.sub(r"[\s-]+", "_", (text or "").strip().lower())
    if value and value not in known:
        result.problem(row.line, f"{column} is {text!r}, which Shopify does not write ({', '.join(known)}); it was "
                                 "kept as written")
    return value or None

