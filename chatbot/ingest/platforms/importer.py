"""Turn one platform export into catalog and review files of the project's own JSONL format.

``read_export`` recognises the file by its header row and reads it; ``import_export`` also joins reviews to
the catalog already in the knowledge folder and writes ``catalog/<file>.jsonl`` or ``reviews/<file>.jsonl``
there, which ``python -m chatbot index`` then indexes like any hand-written catalog. Nothing is embedded here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

from chatbot.common.errors import LoadError
from chatbot.ingest.platforms.detect import BY_NAME, detect, explain_unknown
from chatbot.ingest.platforms.result import ImportResult
from chatbot.ingest.platforms.reviews_export import read_judgeme, read_shopify_reviews
from chatbot.ingest.platforms.shopify import read_shopify
from chatbot.ingest.platforms.table import read_table
from chatbot.ingest.platforms.woocommerce import read_woocommerce

READERS = {"shopify": read_shopify, "woocommerce": read_woocommerce, "judgeme": read_judgeme,
           "shopify_reviews": read_shopify_reviews}


def read_export(path: str | Path, expected: str | None = None, today: date | None = None) -> ImportResult:
    """Read a platform export; LoadError when it is none of the formats or not the ``expected`` kind
    ("products" or "reviews"). Problems with single rows are in the result, with their lines."""
    path = Path(path)
    table = read_table(path)
    fmt = detect(table.columns)
    if fmt is None:
        raise LoadError(explain_unknown(table.columns, expected))
    if expected and fmt.kind != expected:
        wanted = [f for f in BY_NAME.values() if f.kind == expected]
        raise LoadError(f"is a {fmt.label}, not a {expected} export; import it without --as {expected}, or export "
                        f"{expected} from {' or '.join(f.where for f in wanted)}")
    reader = READERS[fmt.name]
    result = reader(table, today) if fmt.name == "woocommerce" else reader(table)
    result.problems[:0] = table.problems
    return result


def report_unknown_products(result: ImportResult, known: set[str]) -> None:
    """Reviews naming a handle the catalog lacks stay out of the review file, and each handle is reported once
    with its lines, so a mistyped or deleted product is noticed instead of silently losing its reviews."""
    lines = defaultdict(list)
    for review in result.reviews:
        if review["product_id"] not in known:
            lines[review["product_id"]].append(review["line"])
    for handle, where in lines.items():
        result.problem(where[0], f"{len(where)} review(s) (lines {', '.join(map(str, where[:5]))}"
                                 f"{', ...' if len(where) > 5 else ''}) are for product '{handle}', which is not in "
                                 "the catalog; import the products export first, or correct the handle")
    result.skipped["reviews of unknown products"] += sum(map(len, lines.values()))
    result.reviews = [r for r in result.reviews if r["product_id"] in known]


def import_export(path: str | Path, into: str | Path, known_products: set[str], expected: str | None = None,
                  today: date | None = None) -> tuple[ImportResult, Path]:
    """Read ``path`` and write its records under the knowledge folder ``into``; returns the result and the file
    written. Reviews are kept only for ``known_products`` (the ids of the catalog in ``into``; the others are
    reported). Raises LoadError, naming the file, when nothing at all could be read from it."""
    path, into = Path(path), Path(into)
    try:
        result = read_export(path, expected, today)
    except LoadError as exc:
        raise LoadError(f"{path}: {exc}") from None
    if result.reviews:
        report_unknown_products(result, known_products)
    records = result.products or [{k: v for k, v in r.items() if k != "line"} for r in result.reviews]
    if not records:
        first = "; ".join(f"line {line}: {why}" for line, why in sorted(result.problems)[:3])
        raise LoadError(f"{path}: nothing could be imported ({result.counts()})" + (f": {first}" if first else ""))
    out = into / ("catalog" if result.products else "reviews") / f"{path.stem}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".jsonl.partial")
    with partial.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(out)
    return result, out

