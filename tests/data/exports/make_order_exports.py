"""Write the orders exports the order import tests read, in each platform's exact column layout.

    python tests/data/exports/make_order_exports.py

gives ``shopify_orders.csv`` (Shopify's orders export: every column, one row per line item, the order's own fields
on its first row) and ``woocommerce_orders.csv`` (the Advanced Order Export For WooCommerce plugin's CSV with its
default fields, products as rows, the order's fields repeated on each) for the outdoor store "Fern & Fjord". The
same script always writes the same bytes. Besides ordinary orders in every state, the files hold the oddities a
real export has, written out below so tests can name them: an email typed with capitals and a space, a ZIP with
Shopify's leading apostrophe, offsets from -0400 to +0530, a store prefix in an order number ("#FJ1008"), an Id a
spreadsheet rounded, a quantity written "two", a date that is no date, a row without its Name, an email that is
no email; in WooCommerce's, statuses as labels ("On hold") and as slugs ("wc-completed"), local times without an
offset, and a status WooCommerce does not have.
"""

from __future__ import annotations

import csv
from pathlib import Path

from chatbot.ingest.platforms.order_exports import SHOPIFY_ORDER_COLUMNS

HERE = Path(__file__).resolve().parent

SHOPIFY_COLUMNS = SHOPIFY_ORDER_COLUMNS

WOO_COLUMNS = [
    "Order Number", "Order Status", "Order Date", "Customer Note", "First Name (Billing)", "Last Name (Billing)",
    "Company (Billing)", "Address 2 (Billing)", "City (Billing)", "State Code (Billing)", "Zip (Billing)",
    "Country Code (Billing)", "Email (Billing)", "Phone (Billing)", "First Name (Shipping)", "Last Name (Shipping)",
    "Address 1 (Shipping)", "Address 2 (Shipping)", "City (Shipping)", "State Code (Shipping)", "Zip (Shipping)",
    "Country Code (Shipping)", "Item #", "SKU", "Name", "Quantity", "Item Cost", "Coupon Code", "Discount Amount",
    "Discount Amount Tax", "Shipping Method Title", "Payment Method Title", "Cart Discount Amount",
    "Order Subtotal Amount", "Order Shipping Amount", "Order Refund Amount", "Order Total Amount",
    "Order Total Tax Amount",
]


def shopify_order(name: str, created: str, items: list[tuple], **fields) -> list[dict]:
    """An order's rows as Shopify writes them: its own fields on the first row, then one row per line item.
    ``items``: (quantity, name, price, sku, fulfillment status)."""
    rows, who = [], fields.pop("who", "Sam Doe")
    for k, (quantity, title, price, sku, status) in enumerate(items):
        row = dict.fromkeys(SHOPIFY_COLUMNS, "")
        row.update({"Name": name, "Email": fields.get("Email", ""), "Created at": created,
                    "Lineitem quantity": quantity, "Lineitem name": title, "Lineitem price": price,
                    "Lineitem sku": sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                    "Lineitem fulfillment status": status, "Vendor": "Fern & Fjord", "Lineitem discount": "0.00"})
        if k == 0:
            row.update({"Accepts Marketing": "no", "Currency": "USD", "Billing Name": who,
                        "Billing Street": "12 Birch Road", "Shipping Street": "12 Birch Road",
                        "Shipping Name": who, "Payment Method": "Shopify Payments",
                        "Outstanding Balance": "0.00", "Risk Level": "Low", "Source": "web", **fields})
        rows.append(row)
    return rows


def shopify_rows() -> list[dict]:
    rows = []
    rows += shopify_order(  # paid and shipped; the email as the shopper typed it; Shopify's apostrophe on the ZIP
        "#1001", "2026-12-02 14:03:11 -0500",
        [(1, "Trailhead Daypack 24L - Moss", "89.00", "FF-DP24-MOSS", "fulfilled"),
         (2, "Merino Hiking Socks", "18.50", "FF-SOCK-M", "fulfilled")],
        Email=" Maya.Chen@Example.COM ", who="Maya Chen", **{
            "Financial Status": "paid", "Paid at": "2026-12-02 14:03:15 -0500", "Fulfillment Status": "fulfilled",
            "Fulfilled at": "2026-12-03 09:12:40 -0500", "Subtotal": "126.00", "Shipping": "0.00", "Taxes": "7.88",
            "Total": "133.88", "Discount Amount": "0.00", "Shipping Method": "Free Standard Shipping",
            "Shipping City": "Boston", "Shipping Zip": "'02134", "Shipping Province": "MA",
            "Shipping Country": "US", "Refunded Amount": "0.00", "Id": "5512340000001"})
    rows += shopify_order(  # unpaid; written in summer time (-0400); a Canadian postcode
        "#1002", "2026-07-15 09:30:00 -0400", [(1, "Café Enamel Mug", "16.00", "FF-MUG-1", "pending")],
        Email="noah.okafor@example.net", **{
            "Financial Status": "pending", "Fulfillment Status": "unfulfilled", "Subtotal": "16.00",
            "Shipping": "19.99", "Taxes": "0.00", "Total": "35.99", "Shipping Method": "Canada Flat Rate",
            "Shipping City": "Ottawa", "Shipping Zip": "K1A 0B1", "Shipping Province": "ON", "Shipping Country": "CA",
            "Refunded Amount": "0.00", "Id": "5512340000002"})
    rows += shopify_order(  # cancelled within the hour, by a store that wrote its times at +0530
        "#1003", "2026-12-03 10:05:00 +0530", [(1, "Camp Lantern", "38.00", "FF-LNT", "pending")],
        Email="priya.patel@example.org", **{
            "Financial Status": "voided", "Fulfillment Status": "unfulfilled", "Subtotal": "38.00",
            "Shipping": "5.99", "Taxes": "2.28", "Total": "46.27", "Shipping Method": "Standard Shipping",
            "Cancelled at": "2026-12-03 10:40:00 +0530", "Shipping Zip": "10001", "Shipping Country": "US",
            "Refunded Amount": "0.00", "Id": "5512340000003"})
    rows += shopify_order(  # partly shipped, part refunded; one line item's quantity written in words
        "#1004", "2026-11-20 18:45:00 -0500",
        [(1, "Trekking Poles (Pair)", "64.00", "FF-POLE", "fulfilled"),
         (1, "Rain Shell Jacket - Navy, M", "149.00", "FF-SHELL-NAVY-M", "pending"),
         ("two", "Bandana", "9.00", "FF-BAND", "pending")],
        Email="maya.chen@example.com", who="Maya Chen", **{
            "Financial Status": "partially_refunded", "Paid at": "2026-11-21 09:00:00 -0500",
            "Fulfillment Status": "partial", "Subtotal": "231.00", "Shipping": "14.99", "Taxes": "14.44",
            "Total": "260.43", "Shipping Method": "Expedited Shipping", "Shipping Zip": "02134-1234",
            "Shipping Country": "US", "Refunded Amount": "12.50", "Id": "5512340000004"})
    rows += shopify_order(  # a date that is no date: the order cannot be placed in time
        "#1005", "yesterday", [(1, "Camp Lantern", "38.00", "FF-LNT", "pending")],
        Email="liam.murphy@example.com", **{"Financial Status": "paid", "Total": "38.00", "Id": "5512340000005"})
    orphan = dict.fromkeys(SHOPIFY_COLUMNS, "")
    orphan.update({"Lineitem quantity": "1", "Lineitem name": "Merino Hiking Socks", "Lineitem price": "18.50"})
    rows.append(orphan)  # a line item row whose Name was deleted
    rows += shopify_order(  # the Id a spreadsheet rounded to 5.51234E+12
        "#1006", "2026-10-01 08:00:00 -0400", [(1, "Merino Hiking Socks", "18.50", "FF-SOCK-M", "fulfilled")],
        Email="sofia.rossi@example.com", **{
            "Financial Status": "paid", "Fulfillment Status": "fulfilled", "Subtotal": "18.50", "Shipping": "5.99",
            "Taxes": "1.11", "Total": "25.60", "Shipping Method": "Standard Shipping", "Shipping Zip": "97205",
            "Shipping Country": "US", "Refunded Amount": "0.00", "Id": "5.51234E+12"})
    rows += shopify_order(  # an email that is no email
        "#1007", "2026-12-01 12:00:00 -0500", [(1, "Camp Lantern", "38.00", "FF-LNT", "fulfilled")],
        Email="ethan at example dot com", **{
            "Financial Status": "refunded", "Fulfillment Status": "fulfilled", "Subtotal": "38.00",
            "Shipping": "5.99", "Taxes": "0.00", "Total": "43.99", "Shipping Zip": "73301", "Shipping Country": "US",
            "Refunded Amount": "43.99", "Id": "5512340000007"})
    rows += shopify_order(  # the store's own prefix in its order numbers; times in UTC
        "#FJ1008", "2026-12-04 16:20:00 +0000", [(3, "Merino Hiking Socks", "18.50", "FF-SOCK-M", "pending")],
        Email="maya.chen@example.com", who="Maya Chen", **{
            "Financial Status": "authorized", "Fulfillment Status": "unfulfilled", "Subtotal": "55.50",
            "Shipping": "0.00", "Taxes": "3.47", "Total": "58.97", "Shipping Method": "Free Standard Shipping",
            "Shipping Zip": "'02134", "Shipping Country": "US", "Refunded Amount": "0.00", "Id": "5512340000008"})
    return rows


def woo_order(number: str, status: str, date: str, email: str, zip_code: str, items: list[tuple],
              **amounts) -> list[dict]:
    """An order's product rows, the order's fields repeated on each (the plugin's default).
    ``items``: (item id, sku, name, quantity, cost)."""
    rows = []
    for item_id, sku, name, quantity, cost in items:
        row = dict.fromkeys(WOO_COLUMNS, "")
        row.update({"Order Number": number, "Order Status": status, "Order Date": date,
                    "First Name (Billing)": "Jonah", "Last Name (Billing)": "Walsh", "City (Billing)": "Denver",
                    "State Code (Billing)": "CO", "Zip (Billing)": zip_code, "Country Code (Billing)": "US",
                    "Email (Billing)": email, "Phone (Billing)": "555-0100", "First Name (Shipping)": "Jonah",
                    "Last Name (Shipping)": "Walsh", "Address 1 (Shipping)": "4 Aspen Court",
                    "City (Shipping)": "Denver",
                    "State Code (Shipping)": "CO", "Zip (Shipping)": zip_code, "Country Code (Shipping)": "US",
                    "Item #": item_id, "SKU": sku, "Name": name, "Quantity": quantity, "Item Cost": cost,
                    "Payment Method Title": "Credit card", **amounts})
        rows.append(row)
    return rows


def woo_rows() -> list[dict]:
    rows = []
    rows += woo_order("2041", "Processing", "2026-12-02 14:03", "Jonah.Walsh@Example.org", "80202",
                      [("311", "FF-DP24-MOSS", "Trailhead Daypack 24L - Moss", "1", "89.00"),
                       ("312", "FF-SOCK-M", "Merino Hiking Socks", "2", "18.50")],
                      **{"Shipping Method Title": "Free shipping", "Order Subtotal Amount": "126.00",
                         "Order Shipping Amount": "0.00", "Order Refund Amount": "0.00",
                         "Order Total Amount": "136.30", "Order Total Tax Amount": "10.30"})
    rows += woo_order("2042", "wc-completed", "2026-11-28 09:15", "jonah.walsh@example.org", "80202",
                      [("313", "FF-LNT", "Camp Lantern", "1", "38.00")],
                      **{"Shipping Method Title": "Flat rate", "Order Subtotal Amount": "38.00",
                         "Order Shipping Amount": "5.99", "Order Refund Amount": "0.00",
                         "Order Total Amount": "47.10", "Order Total Tax Amount": "3.11"})
    rows += woo_order("2043", "Cancelled", "2026-11-29 20:00", "amara.adeyemi@example.com", "60614",
                      [("314", "FF-MUG-1", "Café Enamel Mug", "1", "16.00")],
                      **{"Order Subtotal Amount": "16.00", "Order Total Amount": "21.99",
                         "Order Shipping Amount": "5.99"})
    rows += woo_order("2044", "Refunded", "2026-11-10 11:00", "amara.adeyemi@example.com", "60614",
                      [("315", "FF-POLE", "Trekking Poles (Pair)", "1", "64.00")],
                      **{"Order Subtotal Amount": "64.00", "Order Shipping Amount": "0.00",
                         "Order Refund Amount": "64.00", "Order Total Amount": "64.00"})
    rows += woo_order("2045", "Completed", "2026-11-12 16:30", "eli.novak@example.net", "98103",
                      [("316", "FF-SOCK-M", "Merino Hiking Socks", "2", "18.50"),
                       ("317", "FF-BAND", "Bandana", "1", "9.00")],
                      **{"Order Subtotal Amount": "46.00", "Order Shipping Amount": "5.99",
                         "Order Refund Amount": "9.00", "Order Total Amount": "51.99"})
    rows += woo_order("2046", "On hold", "2026-12-05 07:45", "eli.novak@example.net", "98103",
                      [("318", "FF-LNT", "Camp Lantern", "2", "38.00")],
                      **{"Order Subtotal Amount": "76.00", "Order Total Amount": "76.00"})
    rows += woo_order("2047", "Shipped-ish", "2026-12-05 08:00", "eli.novak@example.net", "98103",
                      [("319", "FF-LNT", "Camp Lantern", "1", "38.00")], **{"Order Total Amount": "38.00"})
    return rows


def write(name: str, columns: list[str], rows: list[dict]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write("shopify_orders.csv", SHOPIFY_COLUMNS, shopify_rows())
    write("woocommerce_orders.csv", WOO_COLUMNS, woo_rows())
