"""Write the demo store's orders as Shopify exports them, and their shipments as Shopify's webhooks send them.

    python demo/make_orders.py

gives ``demo/orders_export.csv`` (Shopify's orders export: every column, one row per line item, the order's own
fields on its first row, times in the store's zone, America/New_York) and ``demo/fulfillments.jsonl`` (one
``fulfillments/update`` body a line: carrier, tracking number and link, shipment status; Shopify's orders export
has no tracking columns). ``launch.py`` imports both into the database when the app starts on the demo store
with no orders yet (``python -m chatbot orders import demo/orders_export.csv demo/fulfillments.jsonl`` does the
same by hand). They are outside ``knowledge/`` on purpose: orders are never indexed.

Harbor & Pine's 200 orders of its own products (``knowledge/catalog/products.jsonl``, the SKU is the product id),
placed over the 120 days before ``REFERENCE``, which stands for "now" in them: every time is computed from it,
never from the day the script runs, so the same script always writes the same bytes. Shipping follows
``knowledge/policies/shipping-and-delivery.md``: standard $5.99 (3-5 business days, free from $50 after discounts
in the contiguous US, not to Alaska and Hawaii), expedited $14.99 (1-2 days), Canada $19.99 (7-10 days); orders
placed before 2pm Eastern on a business day ship that day, and cards are charged when the order ships.

Every state a shopper may ask about is there: unpaid (pending), authorized or paid but not shipped, partly
shipped, shipped with tracking (in transit, out for delivery), delivered (inside and past the 30-day return
window), cancelled within the hour, refunded in full (a damaged item) and in part (one item returned, less the
$6.95 label), final-sale items (engraved, personalised, clearance), several orders per customer, Canadian,
Alaskan and Hawaiian addresses, a WELCOME10 discount, and emails typed with capitals at checkout.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from chatbot.ingest.platforms.order_exports import SHOPIFY_ORDER_COLUMNS

HERE = Path(__file__).resolve().parent
CATALOG = HERE.parent / "knowledge" / "catalog" / "products.jsonl"
STORE = ZoneInfo("America/New_York")
REFERENCE = datetime(2026, 12, 7, 12, 0, tzinfo=STORE)  # "now" for the demo's orders
SEED = 22
ORDERS = 200

COLUMNS = SHOPIFY_ORDER_COLUMNS

# (city, province code, province name, zip, country, sales tax rate) — invented addresses in real places
PLACES = [
    ("Portland", "ME", "Maine", "04101", "US", 0.055), ("Boston", "MA", "Massachusetts", "02134", "US", 0.0625),
    ("Providence", "RI", "Rhode Island", "02903", "US", 0.07), ("Burlington", "VT", "Vermont", "05401", "US", 0.06),
    ("Brooklyn", "NY", "New York", "11215", "US", 0.08875), ("Princeton", "NJ", "New Jersey", "08540", "US", 0.06625),
    ("Philadelphia", "PA", "Pennsylvania", "19103", "US", 0.06), ("Baltimore", "MD", "Maryland", "21201", "US", 0.06),
    ("Asheville", "NC", "North Carolina", "28801", "US", 0.07), ("Savannah", "GA", "Georgia", "31401", "US", 0.07),
    ("Tampa", "FL", "Florida", "33602", "US", 0.075), ("Nashville", "TN", "Tennessee", "37203", "US", 0.0925),
    ("Columbus", "OH", "Ohio", "43215", "US", 0.075), ("Ann Arbor", "MI", "Michigan", "48104", "US", 0.06),
    ("Madison", "WI", "Wisconsin", "53703", "US", 0.055), ("Chicago", "IL", "Illinois", "60614", "US", 0.1025),
    ("Minneapolis", "MN", "Minnesota", "55401", "US", 0.08025), ("Austin", "TX", "Texas", "78701", "US", 0.0825),
    ("Denver", "CO", "Colorado", "80202", "US", 0.0881), ("Boise", "ID", "Idaho", "83702", "US", 0.06),
    ("Portland", "OR", "Oregon", "97205", "US", 0.0), ("Seattle", "WA", "Washington", "98103", "US", 0.1035),
    ("Oakland", "CA", "California", "94612", "US", 0.1025), ("San Diego", "CA", "California", "92101", "US", 0.0775),
    ("Anchorage", "AK", "Alaska", "99501", "US", 0.0), ("Honolulu", "HI", "Hawaii", "96813", "US", 0.045),
    ("Halifax", "NS", "Nova Scotia", "B3H 1Y6", "CA", 0.0), ("Toronto", "ON", "Ontario", "M5V 2T6", "CA", 0.0),
    ("Vancouver", "BC", "British Columbia", "V6B 1A1", "CA", 0.0), ("Montreal", "QC", "Quebec", "H2X 1Y4", "CA", 0.0),
]
FIRST = ["Maya", "Noah", "Priya", "Liam", "Sofia", "Ethan", "Aisha", "Lucas", "Hannah", "Mateo", "Grace", "Omar",
         "Chloe", "Jonah", "Elena", "Caleb", "Zoe", "Ravi", "Nora", "Felix", "Ivy", "Samuel", "Leah", "Diego", "Ruth",
         "Theo", "Amara", "Owen", "Lena", "Miles", "Clara", "Jasper", "Imani", "Eli", "Rosa"]
LAST = ["Chen", "Okafor", "Patel", "Murphy", "Rossi", "Nguyen", "Haddad", "Silva", "Becker", "Lopez", "Kim", "Farouk",
        "Dubois", "Walsh", "Novak", "Reyes", "Larsen", "Iyer", "Brennan", "Fischer", "Moreau", "Adeyemi", "Cohen",
        "Vargas", "Lindqvist"]
STREETS = ["Harbor Lane", "Pine Street", "Elm Avenue", "Maple Court", "Bayview Road", "Cedar Way", "Lighthouse Drive",
           "Orchard Street", "Willow Place", "Granite Road"]
DOMAINS = ["example.com", "example.net", "example.org"]

STANDARD, FREE, EXPEDITED, CANADA = ("Standard Shipping", 5.99, 3, 5), ("Free Standard Shipping", 0.0, 3, 5), \
    ("Expedited Shipping", 14.99, 1, 2), ("Canada Flat Rate", 19.99, 7, 10)
CARRIERS = {"Standard Shipping": "USPS", "Free Standard Shipping": "USPS", "Expedited Shipping": "UPS",
            "Canada Flat Rate": "Canada Post"}
RETURN_LABEL = 6.95


def money(value: float) -> str:
    return f"{value:.2f}"


def shopify_time(moment: datetime | None) -> str:
    """As Shopify's export writes it: the store's local time with its offset, "2026-12-02 14:03:11 -0500"."""
    return "" if moment is None else moment.astimezone(STORE).strftime("%Y-%m-%d %H:%M:%S %z")


def iso(moment: datetime) -> str:
    """As Shopify's webhooks write it: "2026-12-02T14:03:11-05:00"."""
    return moment.astimezone(STORE).isoformat(timespec="seconds")


def business_days_after(start: datetime, days: int) -> datetime:
    moment = start
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def ship_time(placed: datetime, rng: random.Random) -> datetime:
    """Before 2pm Eastern on a business day: shipped that afternoon; else the next business day's afternoon."""
    local = placed.astimezone(STORE)
    day = local if local.weekday() < 5 and local.hour < 14 else business_days_after(local, 1)
    return day.replace(hour=rng.randint(15, 17), minute=rng.randint(0, 59), second=rng.randint(0, 59))


def tracking(carrier: str, rng: random.Random) -> tuple[str, str]:
    if carrier == "UPS":
        number = "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXY") for _ in range(6)) + "03" + \
                 "".join(rng.choice("0123456789") for _ in range(8))
        return number, f"https://www.ups.com/track?tracknum={number}"
    if carrier == "Canada Post":
        number = "".join(rng.choice("0123456789") for _ in range(16))
        return number, f"https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}"
    number = "9400" + "".join(rng.choice("0123456789") for _ in range(18))
    return number, f"https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"


def customers(rng: random.Random) -> list[dict]:
    people = []
    for i in range(64):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        place = PLACES[(i * 11) % len(PLACES)]
        email = f"{first}.{last}{'' if i < 35 else i}@{DOMAINS[i % 3]}".lower()
        if i % 9 == 4:
            email = f"{first}.{last}@{DOMAINS[i % 3]}".replace("example", "Example")  # typed with capitals
        people.append({"name": f"{first} {last}", "email": email, "place": place,
                       "street": f"{rng.randint(2, 980)} {STREETS[i % len(STREETS)]}",
                       "weight": rng.choice([1, 1, 1, 2, 3, 6])})  # a few shop often
    return people


def method_for(person: dict, subtotal_after_discount: float, rng: random.Random) -> tuple:
    _city, province, _name, _zip, country, _rate = person["place"]
    if country == "CA":
        return CANADA
    if rng.random() < 0.18 and province not in ("AK", "HI"):
        return EXPEDITED
    if subtotal_after_discount >= 50 and province not in ("AK", "HI"):
        return FREE
    return STANDARD


def build(rng: random.Random, count: int = ORDERS) -> list[dict]:
    """``count`` orders (the demo's 200 by default; ``benchmarks/orders.py`` writes 10,000 the same way)."""
    products = [json.loads(line) for line in CATALOG.read_text("utf-8").splitlines() if line.strip()]
    final_sale = [p for p in products if (p.get("attributes") or {}).get("final_sale")]
    people = customers(rng)
    weights = [p["weight"] for p in people]
    # placed times: 40 in the last ten days (what is not yet shipped or delivered), the rest over the 110 before
    ages = sorted([rng.uniform(0.02, 10.0) for _ in range(40)] + [rng.uniform(10.0, 120.0) for _ in range(count - 40)],
                  reverse=True)
    first_order: set[str] = set()
    orders = []
    for index, age in enumerate(ages):
        placed = (REFERENCE - timedelta(days=age)).replace(microsecond=0)
        person = rng.choices(people, weights)[0]
        count = rng.choice([1, 1, 1, 2, 2, 3])
        chosen = rng.sample(products, count)
        if index % 11 == 3:  # an engraved, personalised or clearance item now and then
            chosen[0] = final_sale[(index // 11) % len(final_sale)]
        items = [{"product": p, "quantity": rng.choice([1, 1, 1, 2]), "line_id": 14_055_100_000_000 + index * 10 + k}
                 for k, p in enumerate(chosen)]
        subtotal = round(sum(i["product"]["price"] * i["quantity"] for i in items), 2)
        code = "WELCOME10" if person["email"] not in first_order and rng.random() < 0.3 else ""
        first_order.add(person["email"])
        discount = round(subtotal * 0.10, 2) if code else 0.0
        method = method_for(person, subtotal - discount, rng)
        rate = person["place"][5]
        tax = round((subtotal - discount) * rate, 2)
        total = round(subtotal - discount + method[1] + tax, 2)
        order = {"number": 1001 + index, "id": 6_210_000_000_000 + index * 7_919, "placed": placed,
                 "person": person, "items": items, "subtotal": subtotal, "discount": discount, "code": code,
                 "method": method, "tax": tax, "rate": rate, "total": total,
                 "payment": rng.choice(["Shopify Payments"] * 6 + ["PayPal Express Checkout", "Gift Card"]),
                 "fulfillments": [], "refunded": 0.0, "cancelled": None}
        shipped = ship_time(placed, rng)
        transit = rng.randint(method[2], method[3])
        delivered = business_days_after(shipped, transit).replace(hour=rng.randint(10, 18),
                                                                 minute=rng.randint(0, 59))
        order.update(shipped=shipped, delivered=delivered)
        orders.append(order)
    _states(orders, rng)
    return orders


def _states(orders: list[dict], rng: random.Random) -> None:
    """Each order's state from its times against REFERENCE, then the exceptions: cancellations, unpaid orders,
    split shipments, returns and refunds."""
    for n, order in enumerate(orders):
        recent = order["shipped"] > REFERENCE
        if n % 19 == 7 or (recent and n % 5 == 1):  # cancelled within the hour: never charged
            order["cancelled"] = order["placed"] + timedelta(minutes=rng.randint(4, 55))
            order["state"] = "cancelled"
        elif recent:
            order["state"] = "pending" if n % 4 == 0 else "unshipped"
            if n % 3 == 0 and order["state"] == "unshipped":
                order["payment"] = "PayPal Express Checkout"  # paid at checkout, unlike a card
        elif len(order["items"]) > 1 and order["delivered"] > REFERENCE and n % 3 != 2:
            order["state"] = "partial"
        elif order["delivered"] > REFERENCE:
            order["state"] = "in_transit"
        elif n % 13 == 5:
            order["state"] = "refunded"
        elif n % 9 == 2:
            order["state"] = "partially_refunded"
        else:
            order["state"] = "delivered"
        _fulfil(order, rng)


def _fulfil(order: dict, rng: random.Random) -> None:
    state = order["state"]
    if state in ("cancelled", "pending", "unshipped"):
        return
    carrier = CARRIERS[order["method"][0]]
    shipped_items = order["items"][:1] if state == "partial" else order["items"]
    number, url = tracking(carrier, rng)
    status = "in_transit"
    if order["delivered"] <= REFERENCE:
        status = "delivered"
    elif order["delivered"].date() == REFERENCE.date():
        status = "out_for_delivery"
    order["fulfillments"].append({"id": 5_480_000_000 + order["number"] * 3, "items": shipped_items,
                                  "carrier": carrier, "number": number, "url": url, "created": order["shipped"],
                                  "updated": order["delivered"] if status == "delivered" else order["shipped"],
                                  "status": status})
    if state == "refunded":  # arrived damaged: everything back, return shipping free, shipping refunded
        order["refunded"] = order["total"]
    elif state == "partially_refunded":  # one item returned unused, the $6.95 label taken off
        item = order["items"][-1]
        value = item["product"]["price"] * (1 - (0.10 if order["code"] else 0)) * (1 + order["rate"])
        order["refunded"] = round(max(value - RETURN_LABEL, 0.0), 2)


def financial(order: dict) -> str:
    state = order["state"]
    if state == "cancelled":
        return "voided"
    if state == "pending":
        return "pending"
    if state == "unshipped":
        return "paid" if order["payment"] in ("Gift Card", "PayPal Express Checkout") else "authorized"
    return {"refunded": "refunded", "partially_refunded": "partially_refunded"}.get(state, "paid")


def rows(orders: list[dict]) -> list[dict]:
    out = []
    for order in orders:
        person, (city, province, province_name, zip_code, country, _rate) = order["person"], order["person"]["place"]
        state, fulfilled = order["state"], order["fulfillments"]
        shipped_ids = {i["line_id"] for f in fulfilled for i in f["items"]}
        status = {"partial": "partial"}.get(state, "fulfilled" if fulfilled else "unfulfilled")
        paid_at = fulfilled[0]["created"] if fulfilled else (order["placed"] if financial(order) == "paid" else None)
        name = f"#{order['number']}"
        for k, item in enumerate(order["items"]):
            product = item["product"]
            row = dict.fromkeys(COLUMNS, "")
            row.update({"Name": name, "Email": person["email"], "Created at": shopify_time(order["placed"]),
                        "Lineitem quantity": item["quantity"], "Lineitem name": product["name"],
                        "Lineitem price": money(product["price"]), "Lineitem sku": product["id"],
                        "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                        "Lineitem fulfillment status": "fulfilled" if item["line_id"] in shipped_ids else "pending",
                        "Vendor": "Harbor & Pine", "Lineitem discount": "0.00"})
            if k == 0:
                address = {"Name": person["name"], "Street": person["street"], "Address1": person["street"],
                           "City": city, "Zip": f"'{zip_code}" if zip_code[0] == "0" else zip_code,
                           "Province": province, "Country": country}
                row.update({f"Billing {key}": value for key, value in address.items()})
                row.update({f"Shipping {key}": value for key, value in address.items()})
                row.update({
                    "Financial Status": financial(order), "Paid at": shopify_time(paid_at),
                    "Fulfillment Status": status,
                    "Fulfilled at": shopify_time(fulfilled[-1]["created"]) if status == "fulfilled" else "",
                    "Accepts Marketing": "yes" if order["number"] % 3 == 0 else "no", "Currency": "USD",
                    "Subtotal": money(order["subtotal"]), "Shipping": money(order["method"][1]),
                    "Taxes": money(order["tax"]), "Total": money(order["total"]), "Discount Code": order["code"],
                    "Discount Amount": money(order["discount"]), "Shipping Method": order["method"][0],
                    "Cancelled at": shopify_time(order["cancelled"]), "Payment Method": order["payment"],
                    "Payment Reference": f"c{order['id']}.1", "Refunded Amount": money(order["refunded"]),
                    "Outstanding Balance": "0.00", "Id": order["id"], "Risk Level": "Low", "Source": "web",
                    "Tax 1 Name": f"{province} State Tax {order['rate'] * 100:g}%" if order["tax"] else "",
                    "Tax 1 Value": money(order["tax"]) if order["tax"] else "",
                    "Billing Province Name": province_name, "Shipping Province Name": province_name,
                    "Payment ID": f"c{order['id']}.1", "Payment References": f"c{order['id']}.1"})
            out.append(row)
    return out


def fulfillment_bodies(orders: list[dict]) -> list[dict]:
    """Each shipment's latest state, as Shopify's fulfillments/update body."""
    bodies = []
    for order in orders:
        for n, f in enumerate(order["fulfillments"], 1):
            bodies.append({
                "id": f["id"], "order_id": order["id"], "status": "success", "created_at": iso(f["created"]),
                "service": "manual", "updated_at": iso(f["updated"]), "tracking_company": f["carrier"],
                "shipment_status": f["status"], "location_id": 73_410_000_001, "email": order["person"]["email"],
                "line_items": [{"id": i["line_id"], "title": i["product"]["name"], "name": i["product"]["name"],
                                "quantity": i["quantity"], "sku": i["product"]["id"],
                                "price": money(i["product"]["price"]), "fulfillment_status": "fulfilled",
                                "requires_shipping": True}
                               for i in f["items"]],
                "tracking_number": f["number"], "tracking_numbers": [f["number"]], "tracking_url": f["url"],
                "tracking_urls": [f["url"]], "receipt": {}, "name": f"#{order['number']}.{n}",
                "admin_graphql_api_id": f"gid://shopify/Fulfillment/{f['id']}"})
    return bodies


def main(out: Path = HERE) -> None:
    orders = build(random.Random(SEED))
    with (out / "orders_export.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(orders))
    with (out / "fulfillments.jsonl").open("w", encoding="utf-8") as f:
        for body in fulfillment_bodies(orders):
            f.write(json.dumps(body) + "\n")
    states: dict[str, int] = {}
    for order in orders:
        states[order["state"]] = states.get(order["state"], 0) + 1
    print(f"{len(orders)} orders ({', '.join(f'{n} {s}' for s, n in sorted(states.items()))}), "
          f"{sum(len(o['items']) for o in orders)} line items, {sum(len(o['fulfillments']) for o in orders)} "
          f"shipments; reference time {REFERENCE.isoformat()} "
          f"({REFERENCE.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
