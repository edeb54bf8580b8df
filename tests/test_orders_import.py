"""The store's orders from what the platforms export: Shopify's and WooCommerce's orders CSVs in their exact
layouts (``tests/data/exports/make_order_exports.py``), as Excel re-saves them, into a real SQLite database;
lookups by what a shopper knows; ``python -m chatbot orders import``; the demo store's orders (``demo/``)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from cli_runner import CliRun, run_cli
from conftest import KNOWLEDGE, ROOT, scratch_database_env, scratch_database_url

from chatbot.common.errors import LoadError
from chatbot.data.order_records import (
    normal_email,
    normal_zip,
    order_number,
    order_number_key,
    parse_time,
    to_cents,
    zips_match,
)
from chatbot.data.orders import OrderStore
from chatbot.ingest.platforms.order_exports import import_demo_orders, import_orders, read_orders

EXPORTS = ROOT / "tests" / "data" / "exports"
SHOPIFY = EXPORTS / "shopify_orders.csv"
WOO = EXPORTS / "woocommerce_orders.csv"
DEMO = ROOT / "demo"


@pytest.fixture
def store(tmp_path):
    store = OrderStore(scratch_database_url(tmp_path, "chat.sqlite3"))
    yield store
    store.close()


def line_of(path: Path, text: str) -> int:
    """The line of ``path`` holding ``text`` (the header is line 1)."""
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


def by_name(result) -> dict:
    return {o.name: o for o in result.orders}


def test_the_fixtures_are_what_the_script_writes(tmp_path):
    script = EXPORTS / "make_order_exports.py"
    before = {p.name: p.read_bytes() for p in (SHOPIFY, WOO)}
    subprocess.run([sys.executable, str(script)], check=True)
    assert {p.name: p.read_bytes() for p in (SHOPIFY, WOO)} == before


# ---- Shopify


def test_a_shopify_export_is_read_one_order_per_name_with_its_line_items():
    result = read_orders(SHOPIFY)
    assert result.format == "Shopify orders export"
    orders = by_name(result)
    assert sorted(orders) == ["#1001", "#1002", "#1003", "#1004", "#1006", "#1007", "#FJ1008"]
    first = orders["#1001"]
    assert first.platform == "shopify" and first.platform_id == "5512340000001"
    assert first.number == "1001" and first.email == "maya.chen@example.com"  # " Maya.Chen@Example.COM "
    assert (first.financial_status, first.fulfillment_status) == ("paid", "fulfilled")
    assert first.shipping_zip == "02134"  # Shopify's "'02134"
    assert first.shipping_method == "Free Standard Shipping" and first.shipping_country == "US"
    assert (first.subtotal_cents, first.shipping_cents, first.tax_cents, first.total_cents) == (12600, 0, 788, 13388)
    assert [(i.name, i.quantity, i.price_cents, i.sku, i.fulfillment_status) for i in first.items] == [
        ("Trailhead Daypack 24L - Moss", 1, 8900, "FF-DP24-MOSS", "fulfilled"),
        ("Merino Hiking Socks", 2, 1850, "FF-SOCK-M", "fulfilled")]
    partly = orders["#1004"]
    assert (partly.financial_status, partly.fulfillment_status, partly.refunded_cents) == \
        ("partially_refunded", "partial", 1250)
    assert orders["#1002"].shipping_zip == "K1A 0B1" and orders["#1002"].financial_status == "pending"
    assert orders["#1003"].cancelled and orders["#1003"].financial_status == "voided"
    assert result.counts() == "7 orders, 9 line items, 5 rows with problems"


def test_times_in_any_offset_shopify_writes_are_stored_in_utc():
    orders = by_name(read_orders(SHOPIFY))
    assert orders["#1001"].placed_at == datetime(2026, 12, 2, 19, 3, 11)  # 14:03:11 -0500
    assert orders["#1001"].paid_at == datetime(2026, 12, 2, 19, 3, 15)
    assert orders["#1002"].placed_at == datetime(2026, 7, 15, 13, 30)  # summer time, -0400
    assert orders["#1003"].placed_at == datetime(2026, 12, 3, 4, 35)  # 10:05 +0530
    assert orders["#1003"].cancelled_at == datetime(2026, 12, 3, 5, 10)
    assert orders["#FJ1008"].placed_at == datetime(2026, 12, 4, 16, 20)  # +0000
    assert all(o.placed_at.tzinfo is None for o in orders.values())  # naive UTC, like every stored time


@pytest.mark.parametrize("text, expected", [
    ("2026-12-02 14:03:11 -0500", datetime(2026, 12, 2, 19, 3, 11)),
    ("2026-12-02T14:03:11-05:00", datetime(2026, 12, 2, 19, 3, 11)),
    ("2026-12-02T14:03:11.250-05:00", datetime(2026, 12, 2, 19, 3, 11, 250000)),
    ("2026-12-02 23:30:00 -0800", datetime(2026, 12, 3, 7, 30)),  # the next day in UTC
    ("2026-12-02 01:00:00 +1300", datetime(2026, 12, 1, 12, 0)),  # the day before
    ("2026-12-02 14:03:11 +0545", datetime(2026, 12, 2, 8, 18, 11)),
    ("2026-12-02T19:03:11Z", datetime(2026, 12, 2, 19, 3, 11)),
    ("2026-12-02 19:03:11 UTC", datetime(2026, 12, 2, 19, 3, 11)),
])
def test_a_time_with_any_offset_is_read_as_utc(text, expected):
    assert parse_time(text, "Created at") == expected


def test_a_time_without_an_offset_is_read_in_the_zone_given_and_a_bad_one_is_refused():
    assert parse_time("2026-12-02 14:03", "Order Date") == datetime(2026, 12, 2, 14, 3)
    assert parse_time("2026-07-02 14:03", "Order Date", ZoneInfo("America/New_York")) == datetime(2026, 7, 2, 18, 3)
    for bad in ("yesterday", "12/02/2026 14:03", "2026-02-30 10:00:00 -0500", "2026-12-02 10:00:00 +2500"):
        with pytest.raises(ValueError, match="Created at"):
            parse_time(bad, "Created at")


def test_bad_rows_are_reported_with_their_lines_and_the_rest_import(store):
    result = import_orders(SHOPIFY, store)
    problems = dict(result.problems)
    assert "'two'" in problems[line_of(SHOPIFY, ",two,")] and "#1004" in problems[line_of(SHOPIFY, ",two,")]
    assert "'yesterday'" in problems[line_of(SHOPIFY, "yesterday")] and "left out" in problems[line_of(SHOPIFY,
                                                                                                      "yesterday")]
    assert "has no Name" in problems[line_of(SHOPIFY, ",,,,,,,,,,,,,,,,1,Merino")]
    assert "spreadsheet rounded" in problems[line_of(SHOPIFY, "5.51234E+12")]
    assert "not an email address" in problems[line_of(SHOPIFY, "ethan at example")]
    assert len(problems) == 5
    assert store.count() == 7 and result.stored == Counter(created=7)
    kept = store.find("1004", "maya.chen@example.com")
    assert [i.name for i in kept.items] == ["Trekking Poles (Pair)", "Rain Shell Jacket - Navy, M"]  # not "Bandana"
    assert store.find("1006", "sofia.rossi@example.com").platform_id is None  # matched by its Name instead
    assert store.find("1007", zip_code="73301").email is None
    summary = result.summary()
    assert summary.startswith("Shopify orders export: 7 orders, 9 line items, 5 rows with problems")
    assert f"line {line_of(SHOPIFY, ',two,')}: Lineitem quantity is 'two'" in summary


def snapshot(store: OrderStore) -> dict:
    with store._engine.connect() as db:
        return {table: [tuple(r) for r in db.execute(sa.text(f"SELECT * FROM {table} ORDER BY seq")).all()]
                for table in ("orders", "order_items", "fulfillments")}


def test_importing_the_same_file_again_changes_nothing(store):
    first = import_orders(SHOPIFY, store)
    before = snapshot(store)
    again = import_orders(SHOPIFY, store)
    assert again.stored == Counter(unchanged=7) and first.stored == Counter(created=7)
    assert snapshot(store) == before  # not a row rewritten: same ids, same times, same items


def test_an_order_is_matched_the_same_alone_or_in_a_big_import_by_its_id_then_its_number(store):
    """A webhook's single order reads only the stored rows with its id or number, an import all of them
    (``_Known``); either way an order is found by the platform's id, else by its number, and a number that
    another order of the platform holds is a conflict, stored nowhere."""
    from chatbot.data.order_records import LineItem, Order

    def order(number: int, platform_id: str | None, email: str = "ana@example.com") -> Order:
        return Order("shopify", f"#{number}", platform_id=platform_id, email=email, total_cents=number,
                     items=[LineItem("Tidepool Marble Run 120-Piece Set", 1, 3499, "HP-1001")])

    many = [order(5000 + n, str(900_000 + n)) for n in range(300)]  # more than a webhook's few: read whole
    assert Counter(store.put_many(many)) == {"created": 300}
    alone = [("an update by id", order(5007, "900007", "ana.new@example.com"), "updated"),
             ("by number, no id (an export without the Id column)", order(5008, None, "bo@example.com"), "updated"),
             ("a taken number under another id", order(5009, "123"), "conflict"),
             ("a new order", order(6000, "901000"), "created"),
             ("the same again", order(5010, "900010"), "unchanged")]
    for why, given, outcome in alone:
        assert store.put(given) == outcome, why
    assert store.get("shopify", "900007").email == "ana.new@example.com"
    assert store.get("shopify", "900008").email == "bo@example.com"  # kept the id the store had
    assert store.get("shopify", "123") is None and store.get("shopify", "900009").email == "ana@example.com"
    again = store.put_many([o for _, o, _ in alone] + many)  # the same, in one big import, then the first export
    assert again[:5] == ["unchanged", "unchanged", "conflict", "unchanged", "unchanged"]
    assert Counter(again[5:]) == {"unchanged": 298, "updated": 2}  # #5007 and #5008 as they first were
    assert store.get("shopify", "900008").email == "ana@example.com" and store.count() == 301


def test_a_later_export_updates_only_the_orders_that_changed(store, tmp_path):
    import_orders(SHOPIFY, store)
    later = tmp_path / "orders_export_2.csv"
    text = SHOPIFY.read_text("utf-8")
    later.write_text(text.replace("#FJ1008,maya.chen@example.com,authorized,,unfulfilled,",
                                  "#FJ1008,maya.chen@example.com,paid,2026-12-05 09:00:00 -0500,fulfilled,"), "utf-8")
    result = import_orders(later, store)
    assert result.stored == Counter(unchanged=6, updated=1)
    order = store.find("FJ1008", "maya.chen@example.com")
    assert (order.financial_status, order.fulfillment_status, order.paid_at) == \
        ("paid", "fulfilled", datetime(2026, 12, 5, 14, 0))


@pytest.mark.parametrize("variant", ["cp1252-semicolons", "bom", "cp1252-commas"])
def test_excel_saved_exports_read_the_same(tmp_path, variant):
    rows = list(csv.reader(io.StringIO(SHOPIFY.read_text("utf-8"))))
    out = io.StringIO()
    if variant == "cp1252-commas":  # a European Excel: semicolons and decimal commas
        rows = [[c.replace(".", ",") if c.replace(".", "").isdigit() and "." in c else c for c in r] for r in rows]
    csv.writer(out, delimiter=";" if variant != "bom" else ",", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "orders_export.csv"
    if variant == "bom":
        path.write_bytes(out.getvalue().encode("utf-8-sig"))
    else:
        path.write_bytes(out.getvalue().encode("cp1252"))  # "Café" as one byte, 0xE9
    resaved, original = read_orders(path), read_orders(SHOPIFY)
    assert [o.fingerprint() for o in resaved.orders] == [o.fingerprint() for o in original.orders]
    assert by_name(resaved)["#1002"].items[0].name == "Café Enamel Mug"
    assert by_name(resaved)["#1001"].total_cents == 13388
    if variant == "cp1252-commas":  # read, and said once per row so nothing is misread silently
        assert any("spreadsheet formatting" in why for _, why in resaved.problems)
    else:
        assert resaved.problems == original.problems


def test_webhook_bodies_one_a_line_import_orders_and_shipments_with_bad_lines_reported(store, tmp_path):
    order = {"id": 450789469, "name": "#1009", "email": "Liam.Murphy@example.com", "financial_status": "authorized",
             "fulfillment_status": None, "created_at": "2026-12-05T10:00:00-05:00",
             "updated_at": "2026-12-05T10:00:05-05:00", "total_price": "38.00", "currency": "USD",
             "line_items": [{"id": 1, "title": "Camp Lantern", "quantity": 1, "price": "38.00", "sku": "FF-LNT"}],
             "shipping_lines": [{"title": "Standard Shipping", "price": "5.99"}], "shipping_address": {"zip": "04101"}}
    paid = {**order, "financial_status": "paid", "updated_at": "2026-12-05T16:00:00-05:00"}
    shipment = {"id": 1022782888, "order_id": 450789469, "status": "success", "tracking_company": "USPS",
                "tracking_number": "9400100000000000000000", "created_at": "2026-12-05T16:00:00-05:00",
                "updated_at": "2026-12-05T16:00:00-05:00", "line_items": [{"id": 1, "quantity": 1}]}
    path = tmp_path / "bodies.jsonl"
    path.write_text("\n".join([json.dumps(order), json.dumps(paid), "{not json", json.dumps({"id": 3}),
                                json.dumps(shipment)]) + "\n", "utf-8")
    result = import_orders(path, store)
    assert result.stored == Counter({"created": 1, "updated": 1, "shipments created": 1})
    assert [line for line, _ in result.problems] == [3, 4]
    stored = store.find("1009", "liam.murphy@example.com")
    assert stored.financial_status == "paid" and stored.fulfillments[0].tracking_number == "9400100000000000000000"


# ---- WooCommerce


def test_a_woocommerce_export_is_read_with_its_statuses_in_shopifys_words():
    result = read_orders(WOO)
    assert result.format == "WooCommerce orders export"
    orders = by_name(result)
    assert sorted(orders) == ["#2041", "#2042", "#2043", "#2044", "#2045", "#2046"]
    states = {name: (o.platform_status, o.financial_status, o.fulfillment_status) for name, o in orders.items()}
    assert states == {"#2041": ("processing", "paid", "unfulfilled"), "#2042": ("completed", "paid", "fulfilled"),
                      "#2043": ("cancelled", "voided", "unfulfilled"), "#2044": ("refunded", "refunded", None),
                      "#2045": ("completed", "partially_refunded", "fulfilled"),
                      "#2046": ("on-hold", "pending", "unfulfilled")}
    first = orders["#2041"]
    assert first.platform == "woocommerce" and first.email == "jonah.walsh@example.org"
    assert first.shipping_zip == "80202" and first.shipping_method == "Free shipping"
    assert (first.subtotal_cents, first.tax_cents, first.total_cents) == (12600, 1030, 13630)
    assert [(i.platform_id, i.sku, i.name, i.quantity, i.price_cents) for i in first.items] == [
        ("311", "FF-DP24-MOSS", "Trailhead Daypack 24L - Moss", 1, 8900), ("312", "FF-SOCK-M", "Merino Hiking Socks", 2,
                                                                          1850)]
    assert orders["#2043"].cancelled and orders["#2045"].refunded_cents == 900
    (line, why), = result.problems
    assert line == line_of(WOO, "Shipped-ish") and "'Shipped-ish'" in why and "#2047" in why
    assert len(result.notes) == 1 and "without a time zone" in result.notes[0] and "--timezone" in result.notes[0]


def test_woocommerce_local_times_are_read_in_the_store_zone_given(store):
    result = import_orders(WOO, store, zone=ZoneInfo("America/Denver"))
    assert by_name(result)["#2041"].placed_at == datetime(2026, 12, 2, 21, 3)  # 14:03 MST
    assert "America/Denver" in result.notes[0]
    assert store.find("#2041", "JONAH.WALSH@example.org").placed_at == datetime(2026, 12, 2, 21, 3)


# ---- the wrong file


def test_a_products_export_given_as_orders_is_one_error_naming_the_columns_and_nothing_is_imported(store):
    with pytest.raises(LoadError) as caught:
        import_orders(EXPORTS / "shopify_products.csv", store)
    message = str(caught.value)
    assert message.startswith(f"{EXPORTS / 'shopify_products.csv'}: is a Shopify products export, not an orders")
    assert "'Name', 'Created at', 'Lineitem name'" in message and "'Order Number', 'Order Status'" in message
    assert "python -m chatbot import" in message
    assert store.count() == 0


def test_a_woocommerce_file_given_as_shopify_is_refused_naming_shopifys_columns(store):
    with pytest.raises(LoadError) as caught:
        import_orders(WOO, store, platform="shopify")
    message = str(caught.value)
    assert "is a WooCommerce orders export, not a Shopify orders export" in message
    assert "'Name', 'Created at', 'Lineitem name'" in message and "Order Status" not in message
    assert store.count() == 0
    with pytest.raises(LoadError, match="not a WooCommerce orders export"):
        import_orders(SHOPIFY, store, platform="woocommerce")


def test_a_csv_in_no_format_names_the_nearest_formats_missing_columns(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order,Customer Email,Created\n1043,a@example.com,2026-12-01\n", "utf-8")
    with pytest.raises(LoadError) as caught:
        import_orders(path, store)
    assert "matches none of the formats" in str(caught.value) and "catalog" not in str(caught.value)
    assert "'Created at' (closest found: 'Created')" in str(caught.value)
    assert store.count() == 0


def test_a_file_where_no_order_can_be_read_is_an_error_and_stores_nothing(store, tmp_path):
    path = tmp_path / "orders_export.csv"
    path.write_text("Name,Email,Created at,Lineitem quantity,Lineitem name\n#1,a@example.com,soon,1,Mug\n", "utf-8")
    with pytest.raises(LoadError, match="nothing could be imported .*line 2: Created at is 'soon'"):
        import_orders(path, store)
    assert store.count() == 0


def test_an_orders_export_is_never_read_into_the_catalog_or_the_index(tmp_path):
    from chatbot.ingest.loaders import load_paths
    from chatbot.ingest.platforms.importer import read_export

    with pytest.raises(LoadError, match="orders go to the database.*python -m chatbot orders import"):
        read_export(SHOPIFY)
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in (SHOPIFY, WOO, DEMO / "orders_export.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    loaded = load_paths([folder])
    assert loaded.documents == []
    assert len(loaded.problems) == 3 and all("orders go to the database" in p.reason for p in loaded.problems)


# ---- normal forms and lookups


@pytest.mark.parametrize("written, key", [("#1043", "1043"), (" #1043 ", "1043"), ("1043", "1043"),
                                          ("Order #1043", "1043"), ("order no. 1043", "1043"), ("# 1043", "1043"),
                                          ("#HP-1043", "HP1043"), ("hp 1043", "HP1043"), ("#FJ1008", "FJ1008")])
def test_order_numbers_are_compared_by_their_letters_and_digits(written, key):
    assert order_number_key(written) == key


def test_normal_forms_of_numbers_emails_postcodes_and_money():
    assert order_number("#1043") == "1043" and order_number(" HP-1043 ") == "HP-1043"
    assert normal_email("  Maya.Chen@Example.COM ") == "maya.chen@example.com"
    assert normal_email("<mailto:Maya@Example.com>") == "maya@example.com" and normal_email("") is None
    with pytest.raises(ValueError):
        normal_email("maya at example")
    assert normal_zip("'02134") == "02134" and normal_zip(" k1a  0b1 ") == "K1A 0B1"
    assert zips_match("K1A 0B1", "k1a0b1") and zips_match("02134", "2134") and zips_match("02134-1234", "02134")
    assert zips_match("02134", "021341234") and not zips_match("02134", "02135") and not zips_match("02134", "")
    assert zips_match("00501", "501")  # leading zeros a spreadsheet dropped
    assert [to_cents(v) for v in ("12.50", 12.5, "0.005", "-3.00", "1299", "", None)] == \
        [1250, 1250, 1, -300, 129900, None, None]


def test_an_order_is_found_by_its_number_with_the_email_or_the_postcode(store):
    import_orders(SHOPIFY, store)
    assert store.find("order # 1001", " MAYA.CHEN@example.com").name == "#1001"
    assert store.find("#1001", "maya.chen@example.com").items[1].quantity == 2
    assert store.find("fj-1008", "maya.chen@example.com").name == "#FJ1008"
    assert store.find("1008", "maya.chen@example.com").name == "#FJ1008"  # without the store's prefix
    assert store.find("1001", "noah.okafor@example.net") is None  # someone else's order
    assert store.find("1001") is None  # a number alone finds nothing
    assert store.find("1002", zip_code="k1a0b1").name == "#1002"
    assert store.find("1001", zip_code="2134").name == "#1001"  # the ZIP a spreadsheet shortened
    assert store.find("1004", zip_code="02134").name == "#1004"  # ZIP+4 against its first five digits
    assert store.find("1001", zip_code="90210") is None
    assert [o.name for o in store.for_email("Maya.Chen@example.com ")] == ["#FJ1008", "#1001", "#1004"]
    assert store.for_email("nobody@example.com") == [] and store.for_email("not an email") == []


# ---- the command line


def cli(*args, data_dir: Path) -> CliRun:
    return run_cli(*args, env={"CHATBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
                               **scratch_database_env(data_dir)})


def test_the_cli_says_what_it_found_and_fails_when_nothing_could_be_read(tmp_path):
    done = cli("orders", "import", str(SHOPIFY), str(DEMO / "fulfillments.jsonl"), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Shopify orders export: 7 orders, 9 line items, 5 rows with problems" in done.stdout
    assert f"line {line_of(SHOPIFY, ',two,')}: Lineitem quantity is 'two'" in done.stdout
    assert "stored: 7 created" in done.stdout and "170 shipments" in done.stdout
    assert "7 orders in the database" in done.stdout
    again = cli("orders", "import", str(SHOPIFY), data_dir=tmp_path)
    assert again.returncode == 0 and "stored: 7 unchanged" in again.stdout
    wrong = cli("orders", "import", str(EXPORTS / "shopify_products.csv"), data_dir=tmp_path)
    assert wrong.returncode != 0 and "'Name', 'Created at', 'Lineitem name'" in wrong.stderr
    zone = cli("orders", "import", str(WOO), "--timezone", "Mars/Olympus", data_dir=tmp_path)
    assert zone.returncode != 0 and "not a time zone" in zone.stderr


# ---- the demo store's orders


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = OrderStore(scratch_database_url(tmp_path_factory.mktemp("demo"), "chat.sqlite3"))
    results = import_demo_orders(store)
    yield store, results
    store.close()


def all_orders(store: OrderStore):
    with store._engine.connect() as db:
        emails = [r[0] for r in db.execute(sa.text("SELECT DISTINCT email FROM orders")).all()]
    return [o for email in emails for o in store.for_email(email, limit=1000)]


def test_the_demo_files_are_what_the_generator_writes(tmp_path):
    sys.path.insert(0, str(DEMO))
    try:
        import make_orders
    finally:
        sys.path.remove(str(DEMO))
    make_orders.main(tmp_path)
    for name in ("orders_export.csv", "fulfillments.jsonl"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
    assert not list(KNOWLEDGE.rglob("orders_export*")) and not list(KNOWLEDGE.rglob("fulfillments*"))  # not indexed


def test_the_demo_orders_import_whole_and_only_into_an_empty_table(demo, tmp_path):
    store, results = demo
    orders, shipments = results
    assert orders.counts() == "200 orders, 327 line items" and orders.stored == Counter(created=200)
    assert shipments.counts() == "170 shipments" and shipments.stored == Counter({"shipments created": 170})
    assert import_demo_orders(store) is None and store.count() == 200  # a restart imports nothing
    own = OrderStore(scratch_database_url(tmp_path, "own.sqlite3"))
    try:
        import_orders(SHOPIFY, own)
        assert import_demo_orders(own) is None and own.count() == 7  # a store's own orders are never mixed
    finally:
        own.close()


def test_launch_imports_the_demo_orders_on_the_demo_store_once(tmp_path, caplog):
    import launch

    store = OrderStore(scratch_database_url(tmp_path, "chat.sqlite3"))
    try:
        with caplog.at_level("INFO"):
            launch.load_demo_orders(store)
            launch.load_demo_orders(store)
        assert store.count() == 200
        logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("demo orders:")]
        assert logged == ["demo orders: Shopify orders export: 200 orders, 327 line items; stored: 200 created",
                          "demo orders: Shopify webhook bodies: 170 shipments; stored: 170 shipments created"]
    finally:
        store.close()


def test_the_demo_orders_cover_every_state_a_shopper_asks_about(demo):
    store, _ = demo
    reference = datetime(2026, 12, 7, 17, 0)  # make_orders.REFERENCE in UTC
    orders = all_orders(store)
    assert len(orders) == 200
    financial = Counter(o.financial_status for o in orders)
    assert {"pending", "authorized", "paid", "voided", "refunded", "partially_refunded"} <= set(financial)
    assert {"unfulfilled", "partial", "fulfilled"} <= {o.fulfillment_status for o in orders}
    assert any(o.financial_status == "paid" and o.fulfillment_status == "unfulfilled" for o in orders)
    cancelled = [o for o in orders if o.cancelled]
    assert len(cancelled) >= 5 and all(o.cancelled_at - o.placed_at < timedelta(hours=1) for o in cancelled)
    refunded = [o for o in orders if o.financial_status == "refunded"]
    assert refunded and all(o.refunded_cents == o.total_cents for o in refunded)
    partly = [o for o in orders if o.financial_status == "partially_refunded"]
    assert partly and all(0 < o.refunded_cents < o.total_cents for o in partly)
    shipped = [f for o in orders for f in o.fulfillments]
    assert all(f.tracking_company and f.tracking_number and f.tracking_url for f in shipped)
    assert {"USPS", "UPS", "Canada Post"} <= {f.tracking_company for f in shipped}
    assert {"in_transit", "delivered"} <= {f.shipment_status for f in shipped}
    partial = [o for o in orders if o.fulfillment_status == "partial"]
    assert partial and all(len(o.fulfillments[0].items) < len(o.items) for o in partial)
    delivered = [max(f.updated_at for f in o.fulfillments) for o in orders
                 if o.fulfillments and all(f.shipment_status == "delivered" for f in o.fulfillments)]
    assert sum(reference - d > timedelta(days=30) for d in delivered) >= 20  # past the return window
    assert sum(reference - d <= timedelta(days=30) for d in delivered) >= 10  # still inside it
    catalog = [json.loads(line) for line in (KNOWLEDGE / "catalog" / "products.jsonl").read_text("utf-8").splitlines()]
    final_sale = {p["id"] for p in catalog if (p.get("attributes") or {}).get("final_sale")}
    assert len({i.sku for o in orders for i in o.items} & final_sale) >= 3
    prices = {p["id"]: round(p["price"] * 100) for p in catalog}
    assert all(i.price_cents == prices[i.sku] for o in orders for i in o.items)  # the store's own products
    per_customer = Counter(o.email for o in orders)
    assert sum(n >= 3 for n in per_customer.values()) >= 10
    assert all(o.placed_at < reference for o in orders)
    assert any(o.shipping_country == "CA" for o in orders)


def test_the_demo_shipping_follows_the_stores_shipping_policy(demo):
    store, _ = demo
    policy = (KNOWLEDGE / "policies" / "shipping-and-delivery.md").read_text("utf-8")
    for price in ("$5.99", "$14.99", "$19.99", "$50"):
        assert price in policy  # the figures below are the policy's
    rates = {"Standard Shipping": 599, "Free Standard Shipping": 0, "Expedited Shipping": 1499,
             "Canada Flat Rate": 1999}
    for order in all_orders(store):
        assert order.shipping_cents == rates[order.shipping_method], order.name
        if order.shipping_method == "Canada Flat Rate":
            assert order.shipping_country == "CA"
        if order.shipping_method == "Free Standard Shipping":
            assert order.subtotal_cents - order.discount_cents >= 5000
        assert order.total_cents == order.subtotal_cents - order.discount_cents + order.shipping_cents + \
            order.tax_cents
        assert order.placed_at.tzinfo is None
