"""Read a Shopify products export (Products > Export, "CSV for Excel, Numbers, or other spreadsheet programs").

Shopify writes one row per variant, plus rows that only add an image, all sharing the product's ``Handle``; the
product's own fields (title, description, options' names) are on its first row. Drafts and archived products,
products not published to the online store and $0.00 placeholders are left out and counted. Cost per item,
barcodes, inventory trackers, SEO fields and private metafields are never copied. Metafield columns
("Age range (product.metafields.custom.age_range)") become attributes under their own name.
"""

from __future__ import annotations

import re

from chatbot.ingest.platforms.catalog_record import (
    attribute_key,
    catalog_record,
    is_private,
    options_of,
    public_tags,
)
from chatbot.ingest.platforms.result import ImportResult
from chatbot.ingest.platforms.table import Row, Table, column_key
from chatbot.ingest.platforms.values import (
    BadValue,
    html_to_text,
    parse_price,
    parse_stock,
    yes,
)

_METAFIELD = re.compile(r"^(.+?)\s*\((?:product|variant)\.metafields\.([\w-]+)\.([\w-]+)\)$", re.I)
_LEFT_OUT = {"draft": "drafts", "archived": "archived"}


def read_shopify(table: Table) -> ImportResult:
    result = ImportResult("Shopify products export")
    metafields = _metafield_columns(table.columns)
    for handle, rows in _products(table, result):
        record = _product(handle, rows, metafields, result)
        if record is not None:
            result.products.append(record)
    return result


def _products(table: Table, result: ImportResult):
    """``(handle, rows)`` per product in file order; rows without a Handle and repeated handles reported."""
    groups: dict[str, list[Row]] = {}
    current, skipping = None, False
    for row in table.rows:
        handle = row.get("handle")
        if not handle:
            result.problem(row.line, "has no Handle; every row of a product needs the product's Handle (copy it "
                                     "from the product's first row)")
            continue
        if handle != current:
            current, skipping = handle, False
            if handle in groups and row.get("title"):
                first = groups[handle][0]
                result.problem(row.line, f"Handle '{handle}' is already used by the product on line {first.line} "
                                         f"('{first.get('title')}'); this second product was skipped, give each "
                                         "product its own Handle")
                skipping = True
                continue
        if not skipping:
            groups.setdefault(handle, []).append(row)
    return groups.items()


def _product(handle: str, rows: list[Row], metafields: dict[str, str], result: ImportResult):
    first = rows[0]
    title = next((r.get("title") for r in rows if r.get("title")), "")
    if not title:
        result.problem(first.line, f"product '{handle}' has no Title; write the product's name in the Title column "
                                   "of its first row")
        return None
    status = first.get("status").lower()
    if status in _LEFT_OUT:
        result.skipped[_LEFT_OUT[status]] += 1
        return None
    if first.get("published") and not yes(first.get("published")):
        result.skipped["unpublished"] += 1
        return None
    description, had_script = html_to_text(first.get("body (html)"))
    if had_script:
        result.problem(first.line, f"the description of '{handle}' has a <script>; it was removed and is never "
                                   "shown, but take it out of the product's description in Shopify")
    names = [first.get(f"option{i} name") for i in (1, 2, 3)]
    variants = [v for v in (_variant(r, names, handle, result) for r in rows) if v is not None]
    if variants and all(v["price"] == 0 for v in variants):
        result.skipped["$0.00 placeholders"] += 1
        return None
    variants = [v for v in variants if v["price"] != 0]
    if not variants:
        result.problem(first.line, f"product '{handle}' has no variant with a price, so it was left out; fill in "
                                   "Variant Price")
        return None
    attributes = {"brand": first.get("vendor"), "product_type": first.get("type"),
                  "category_path": first.get("product category"),
                  "tags": ", ".join(public_tags(first.get("tags")))}
    for column, key in metafields.items():
        value = first.get(column)
        if value:
            attributes[key] = value if value.lower() not in ("true", "false") else value.lower() == "true"
    category = first.get("type") or (first.get("product category").split(">")[-1].strip() or None)
    return catalog_record(handle, title, category=category, description=description, attributes=attributes,
                          options=options_of(variants, [n for n in names if n]), variants=variants,
                          source="shopify")


def _variant(row: Row, names: list[str], handle: str, result: ImportResult):
    """One variant row as a variant record; None for a row that only adds an image."""
    values = [row.get(f"option{i} value") for i in (1, 2, 3)]
    if not any(values) and not row.get("variant price") and not row.get("variant sku"):
        return None
    options = {n: v for n, v in zip(names, values) if n and v and not (n == "Title" and v == "Default Title")}
    try:
        price = result.noted(row.line, parse_price(row.get("variant price"), "Variant Price"))
        compare_at = result.noted(row.line, parse_price(row.get("variant compare at price"),
                                                        "Variant Compare At Price"))
        stock = result.noted(row.line, parse_stock(row.get("variant inventory qty"), "Variant Inventory Qty"))
    except BadValue as exc:
        result.problem(row.line, f"{exc}; this variant of '{handle}' was left out")
        return None
    if price is None:
        result.problem(row.line, f"a variant of '{handle}' has no Variant Price, so it was left out; fill in the "
                                 "price")
        return None
    tracked = row.get("variant inventory tracker") and stock is not None
    available = None if not tracked else stock > 0 or row.get("variant inventory policy").lower() == "continue"
    variant = {"sku": row.get("variant sku") or None, "options": options, "price": price,
               "compare_at_price": compare_at if compare_at and compare_at > price else None,
               "stock": stock if tracked else None, "available": available}
    return {k: v for k, v in variant.items() if v is not None or k in ("options", "price")}


def _metafield_columns(columns: list[str]) -> dict[str, str]:
    """Public metafield columns: normalised column -> attribute key ("age_range"). Private-looking ones (an
    ``internal`` namespace, a "Supplier notes" label) are dropped."""
    found = {}
    for column in columns:
        m = _METAFIELD.match(column.strip())
        if m and not any(is_private(part) for part in m.groups()):
            found[column_key(column)] = attribute_key(m.group(3))
    return found
