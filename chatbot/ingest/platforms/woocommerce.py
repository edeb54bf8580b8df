"""Read a WooCommerce products export (WordPress admin > Products > Export, WooCommerce's own CSV exporter).

WooCommerce writes one row per product and one per variation; a variation names its parent in ``Parent``
(``id:123`` or the parent's SKU) and picks one value of each of the parent's attributes. Drafts (Published -1),
private products (0), products hidden from the catalog, disabled variations and $0.00 placeholders are left
out and counted. A sale price counts only inside its dates; the regular price is kept as the price it is down
from. ``Meta:`` columns, purchase notes, tax and shipping classes are never copied.
"""

from __future__ import annotations

import re
from datetime import date

from chatbot.ingest.platforms.catalog_record import (
    attribute_key,
    catalog_record,
    options_of,
    public_tags,
)
from chatbot.ingest.platforms.result import ImportResult
from chatbot.ingest.platforms.table import Row, Table
from chatbot.ingest.platforms.values import (
    BadValue,
    html_to_text,
    parse_price,
    parse_stock,
)

_ATTRIBUTE = re.compile(r"^attribute (\d+) name$")


def read_woocommerce(table: Table, today: date | None = None) -> ImportResult:
    today = today or date.today()
    result = ImportResult("WooCommerce products export")
    numbers = sorted({int(m.group(1)) for c in table.keys if (m := _ATTRIBUTE.match(c))})
    parents, variations = [], []
    for row in table.rows:
        (variations if "variation" in _types(row) else parents).append(row)
    by_ref, kept = {}, []
    for row in parents:
        if row.get("id"):
            by_ref[f"id:{row.get('id')}"] = row
        if row.get("sku") in by_ref:
            result.problem(row.line, f"SKU '{row.get('sku')}' is already used by the product on line "
                                     f"{by_ref[row.get('sku')].line}; this second product was skipped, give each "
                                     "product its own SKU")
            continue
        if row.get("sku"):
            by_ref[row.get("sku")] = row
        if _keep(row, result):
            kept.append(row)
    children: dict[int, list[Row]] = {}
    for row in variations:
        parent = by_ref.get(row.get("parent"))
        if parent is None:
            result.problem(row.line, f"variation '{row.get('sku') or row.get('name')}' names Parent "
                                     f"'{row.get('parent')}', which is not in the file; export the parent product "
                                     "too (or delete the variation)")
        elif row.get("published") in ("0", "-1"):
            result.skipped["disabled variations"] += 1
        else:
            children.setdefault(parent.line, []).append(row)
    ids: set[str] = set()
    for row in kept:
        record = _product(row, children.get(row.line, []), numbers, today, ids, result)
        if record is not None:
            result.products.append(record)
    return result


def _types(row: Row) -> set[str]:
    return {t.strip().lower() for t in row.get("type").split(",") if t.strip()}


def _keep(row: Row, result: ImportResult) -> bool:
    """Whether a product row is for sale and shown; what is left out is counted by why."""
    if not row.get("name"):
        result.problem(row.line, "has no Name; write the product's name in the Name column")
        return False
    published, visibility = row.get("published"), row.get("visibility in catalog").lower()
    why = ("drafts" if published == "-1" else "private" if published == "0" else "hidden" if visibility == "hidden"
           else "grouped" if "grouped" in _types(row) else None)
    if why:
        result.skipped[why] += 1
    return why is None


def _product(row: Row, variations: list[Row], numbers: list[int], today: date, ids: set[str],
             result: ImportResult):
    name = row.get("name")
    variable = "variable" in _types(row)
    if variable and not variations:
        result.problem(row.line, f"variable product '{name}' has no variations in the file, so it was left out; "
                                 "export its variations too")
        return None
    attributes, used = {}, {n for v in variations for n in _attributes(v, numbers)}
    for attr_name, values, visible in _attributes(row, numbers, with_visibility=True):
        if attr_name not in used and visible:
            attributes[attribute_key(attr_name)] = values
    variants = [v for v in (_variant(r, numbers, today, name, result) for r in (variations or [row]))
                if v is not None]
    if variants and all(v["price"] == 0 for v in variants):
        result.skipped["$0.00 placeholders"] += 1
        return None
    variants = [v for v in variants if v["price"] != 0]
    if not variants:
        result.problem(row.line, f"'{name}' has no price, so it was left out; fill in Regular price")
        return None
    paths = [p.strip() for p in row.get("categories").split(",") if p.strip()]
    deepest = max(paths, key=lambda p: p.count(">"), default="")
    weight = row.get("weight (kg)")
    attributes.update({"category_path": deepest if ">" in deepest else None, "tags": ", ".join(public_tags(
        row.get("tags"))), "weight": f"{weight} kg" if weight else None})
    short, _ = html_to_text(row.get("short description"))
    long, had_script = html_to_text(row.get("description"))
    if had_script:
        result.problem(row.line, f"the description of '{name}' has a <script>; it was removed and is never shown, "
                                 "but take it out of the product's description in WooCommerce")
    product_id = _unique(attribute_key(name).replace("_", "-"), ids)
    return catalog_record(product_id, name, category=deepest.split(">")[-1].strip() or None,
                          description="\n".join(t for t in (short, long) if t), attributes=attributes,
                          options=options_of(variants, list(dict.fromkeys(n for v in variants for n in v["options"]))),
                          variants=variants, source="woocommerce")


def _attributes(row: Row, numbers: list[int], with_visibility: bool = False):
    """The row's attributes: names (for a variation, {name: value}) or (name, values, visible) triples."""
    found = [(row.get(f"attribute {n} name"), row.get(f"attribute {n} value(s)"),
              row.get(f"attribute {n} visible") != "0") for n in numbers]
    found = [(name, value, visible) for name, value, visible in found if name and value]
    if with_visibility:
        return found
    return {name: value for name, value, _ in found}


def _variant(row: Row, numbers: list[int], today: date, name: str, result: ImportResult):
    try:
        regular = result.noted(row.line, parse_price(row.get("regular price"), "Regular price"))
        sale = result.noted(row.line, parse_price(row.get("sale price"), "Sale price"))
        stock = result.noted(row.line, parse_stock(row.get("stock"), "Stock"))
    except BadValue as exc:
        result.problem(row.line, f"{exc}; this item of '{name}' was left out")
        return None
    if regular is None and sale is None:
        result.problem(row.line, f"'{row.get('sku') or name}' has no Regular price, so it was left out; fill in "
                                 "the price")
        return None
    starts, ends = row.get("date sale price starts")[:10], row.get("date sale price ends")[:10]
    on_sale = sale is not None and (not starts or starts <= today.isoformat()) and (not ends or
                                                                                   today.isoformat() <= ends)
    price = sale if on_sale or regular is None else regular
    in_stock = row.get("in stock?").lower()
    available = None if not in_stock and stock is None else (
        in_stock in ("1", "yes", "true", "backorder", "onbackorder") or bool(stock) and in_stock == "")
    variant = {"sku": row.get("sku") or None, "options": _attributes(row, numbers) if "variation" in _types(row)
               else {}, "price": price, "compare_at_price": regular if on_sale and regular and regular > price
               else None, "sale_ends": ends if on_sale and ends else None, "stock": stock, "available": available}
    return {k: v for k, v in variant.items() if v is not None or k in ("options", "price")}


def _unique(base: str, ids: set[str]) -> str:
    """The product's slug, numbered as WooCommerce numbers repeated names ("mug", "mug-2")."""
    candidate, n = base, 1
    while candidate in ids:
        n += 1
        candidate = f"{base}-{n}"
    ids.add(candidate)
    return candidate
