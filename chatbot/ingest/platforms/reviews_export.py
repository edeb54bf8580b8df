"""Read review exports: Judge.me's CSV and Shopify Product Reviews' CSV, joined to products by handle.

A review becomes the project's review record: product id (the product's handle), rating, title, text, the
reviewer as widgets show them ("Nina P.") and the date. Reviewer emails, IP addresses and locations are never
copied. Reviews the app marks as spam or unpublished are left out and counted; the store's public reply is kept
after the review. Which handles name no product is decided by the importer, which knows the catalog.
"""

from __future__ import annotations

import hashlib

from chatbot.ingest.platforms.result import ImportResult
from chatbot.ingest.platforms.table import Row, Table
from chatbot.ingest.platforms.values import display_name, html_to_text


def read_judgeme(table: Table) -> ImportResult:
    result = ImportResult("Judge.me reviews export")
    for row in table.rows:
        if row.get("curated").lower() == "spam":
            result.skipped["spam reviews"] += 1
            continue
        _add(row, "jm", author=row.get("reviewer_name"), date=row.get("review_date"), result=result)
    return result


def read_shopify_reviews(table: Table) -> ImportResult:
    result = ImportResult("Shopify Product Reviews export")
    for row in table.rows:
        if row.get("state").lower() not in ("published", ""):
            result.skipped[f"{row.get('state').lower()} reviews"] += 1
            continue
        _add(row, "spr", author=row.get("author"), date=row.get("created_at"), result=result)
    return result


def _add(row: Row, prefix: str, author: str, date: str, result: ImportResult) -> None:
    handle = row.get("product_handle")
    if not handle:
        result.skipped["store reviews (about no product)"] += 1
        return
    body, _ = html_to_text(row.get("body"))
    if not body:
        result.problem(row.line, f"a review of '{handle}' has no body text, so it was left out")
        return
    try:
        rating = float(row.get("rating"))
    except ValueError:
        rating = -1
    if not 1 <= rating <= 5:
        result.problem(row.line, f"rating is {row.get('rating')!r}, expected a number from 1 to 5; this review of "
                                 f"'{handle}' was left out")
        return
    reply, _ = html_to_text(row.get("reply"))
    text = body + (f"\nReply from the store: {reply}" if reply else "")
    digest = hashlib.sha1(f"{handle}|{date}|{author}|{body}".encode()).hexdigest()[:12]
    result.reviews.append({"id": f"{prefix}-{digest}", "product_id": handle, "rating": rating,
                           "title": row.get("title") or body[:60], "text": text, "author": display_name(author),
                           "date": date[:10] or None, "line": row.line})
