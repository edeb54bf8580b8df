"""Recognise a store export by its header row, or say which columns were expected and which came closest.

Each format is named by the columns its exporter always writes (``required``) and a wider set it usually writes
(``typical``). A header holding every required column of a format, and more of its typical columns than of any
other's, is that format. The project's own catalog (``id, name, category, price, ...``) is not a platform
format: ``detect`` returns None for it and the record loaders read it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from chatbot.ingest.platforms.table import column_key


@dataclass(frozen=True)
class Format:
    name: str  # the key the readers are registered under
    label: str  # in words, for messages
    kind: str  # "products" or "reviews"
    required: tuple[str, ...]  # as the exporter writes them
    typical: tuple[str, ...]
    where: str  # how the store owner gets this file, for messages


FORMATS = (
    Format("shopify", "Shopify products export", "products", ("Handle", "Title"),
           ("Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
            "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price", "Variant Compare At Price",
            "Variant Inventory Qty", "Image Src", "Status"),
           "Shopify admin > Products > Export > CSV for Excel, Numbers, or other spreadsheet programs"),
    Format("woocommerce", "WooCommerce products export", "products", ("Type", "Name", "Regular price"),
           ("ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog", "Short description",
            "Description", "In stock?", "Stock", "Sale price", "Regular price", "Categories", "Tags", "Parent"),
           "WordPress admin > Products > Export"),
    Format("judgeme", "Judge.me reviews export", "reviews", ("rating", "body", "product_handle", "reviewer_name"),
           ("title", "body", "rating", "review_date", "source", "curated", "reviewer_name", "reviewer_email",
            "product_id", "product_handle", "reply", "picture_urls"),
           "Judge.me > Reviews > Export reviews"),
    Format("shopify_reviews", "Shopify Product Reviews export", "reviews",
           ("product_handle", "state", "rating", "body", "author"),
           ("product_handle", "state", "rating", "title", "author", "email", "location", "body", "reply",
            "created_at", "replied_at"),
           "Shopify admin > Apps > Product Reviews > Export"),
)
BY_NAME = {f.name: f for f in FORMATS}

# orders exports (``order_exports``): never indexed, read into the database by ``python -m chatbot orders import``
ORDER_FORMATS = (
    Format("shopify_orders", "Shopify orders export", "orders", ("Name", "Created at", "Lineitem name"),
           ("Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Currency",
            "Subtotal", "Shipping", "Taxes", "Total", "Shipping Method", "Created at", "Lineitem quantity",
            "Lineitem name", "Lineitem price", "Lineitem sku", "Shipping Zip", "Cancelled at", "Refunded Amount",
            "Id"),
           "Shopify admin > Orders > Export > All orders > CSV for Excel, Numbers, or other spreadsheet programs"),
    Format("woocommerce_orders", "WooCommerce orders export", "orders", ("Order Number", "Order Status",
                                                                         "Order Date"),
           ("Order Number", "Order Status", "Order Date", "Email (Billing)", "Zip (Shipping)",
            "Country Code (Shipping)", "Item #", "SKU", "Name", "Quantity", "Item Cost", "Shipping Method Title",
            "Order Subtotal Amount", "Order Shipping Amount", "Order Refund Amount", "Order Total Amount",
            "Order Total Tax Amount"),
           "WordPress admin > WooCommerce > Export Orders (the Advanced Order Export For WooCommerce plugin), "
           "format CSV, with a row for each product"),
)


def detect(columns: list[str], formats: tuple[Format, ...] = FORMATS) -> Format | None:
    """The export format this header belongs to, or None (the project's own records, or nothing known)."""
    keys = {column_key(c) for c in columns}
    fitting = [f for f in formats if all(column_key(c) in keys for c in f.required)]
    if not fitting:
        return None
    return max(fitting, key=lambda f: sum(column_key(c) in keys for c in f.typical))


def closest(columns: list[str]) -> Format:
    """The format this header is most like (most typical columns present), for error messages."""
    keys = {column_key(c) for c in columns}
    return max(FORMATS, key=lambda f: (sum(column_key(c) in keys for c in f.typical) / len(f.typical)))


def explain_unknown(columns: list[str], expected: str | None = None,
                    among: tuple[Format, ...] = FORMATS) -> str:
    """Why a header is no known format: the columns found, the nearest format's missing columns and, for each,
    the closest column the file has. ``expected`` ("products"/"reviews") limits the formats considered, ``among``
    names them (``ORDER_FORMATS`` for orders)."""
    orders = detect(columns, ORDER_FORMATS) if among is FORMATS else None
    if orders is not None:  # never read into the catalog or the index
        return (f"it is a {orders.label}: orders go to the database, never the knowledge folder or the index; "
                "import it with `python -m chatbot orders import FILE`")
    formats = [f for f in among if expected in (None, f.kind)]
    keys = [column_key(c) for c in columns if c.strip()]
    best = max(formats, key=lambda f: sum(column_key(c) in keys for c in f.typical) / len(f.typical))
    missing = [c for c in best.required if column_key(c) not in keys]
    hints = []
    for column in missing:
        near = difflib.get_close_matches(column_key(column), keys, n=1, cutoff=0.4)
        by_name = {column_key(c): c for c in columns}
        hints.append(f"'{column}'" + (f" (closest found: '{by_name[near[0]]}')" if near else " (nothing close)"))
    shown = ", ".join(f"'{c}'" for c in columns[:8] if c.strip()) + (", ..." if len(columns) > 8 else "")
    names = ", ".join(f.label for f in formats)
    own = ", or the project's own catalog with id, name, category, price" if among is FORMATS else ""
    return (f"its header row ({shown}) matches none of the formats this bot reads ({names}{own}). The nearest "
            f"is a {best.label}, which needs "
            f"{', '.join(hints)}; export the file again from {best.where} and use it unedited")
