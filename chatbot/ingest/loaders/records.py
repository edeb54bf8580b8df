"""Readers for record files (CSV and JSONL): products, reviews, FAQ pairs, contract documents.

Each record becomes one Document. Its type is recognised from its fields:

- documents contract: ``id`` + ``text`` (+ ``title``, ``kind``, ``product_id``, ``url``, ``meta``)
- FAQ pair: ``question`` + ``answer``
- review: ``product_id`` + ``rating`` (+ ``title``, ``text``/``review``, ``author``, ``date``)
- product: ``name`` + ``price`` or ``category`` (+ ``id``, ``description``, ``attributes``, ``url``;
  in CSV every other column is an attribute; optionally ``compare_at_price``, ``options``
  ``[{"name": "Color", "values": [...]}]`` and ``variants`` ``[{"sku", "options": {"Color": "Red"}, "price",
  "compare_at_price", "stock", "available", "sale_ends"}]``, as ``python -m chatbot import`` writes them)

A bad record is reported with its line number and the others still load.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from chatbot.common.errors import LoadError
from chatbot.common.types import Document
from chatbot.ingest.loaders.text_io import read_text_file
from chatbot.ingest.platforms.detect import explain_unknown

MAX_FIELD_CHARS = 100_000
_PRODUCT_CORE = {"id", "sku", "product_id", "name", "category", "price", "currency", "description",
                 "attributes", "url", "kind", "options", "variants", "compare_at_price", "imported_from", "platform_id"}


def slug(text: str) -> str:
    """Lowercase, runs of non-alphanumerics to one '-': the stable part of FAQ ids."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_jsonl(path: Path, doc_id: str):
    docs, problems = [], []
    for number, line in enumerate(read_text_file(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((f"line {number}", f"is not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        _add_record(record, path, number, docs, problems)
    if not docs and not problems:
        raise LoadError("contains no records")
    return docs, problems


def read_csv(path: Path, doc_id: str):
    """A CSV of the project's own records (a platform export is read by ``chatbot.ingest.loaders.exports``)."""
    text = read_text_file(path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or len(reader.fieldnames) < 2:
        raise LoadError("has no header row with at least two columns; the first row must name the columns "
                        "(e.g. id,name,category,price,description)")
    header = [(name or "").strip() for name in reader.fieldnames]
    reader.fieldnames = [name.lower() for name in header]
    docs, problems = [], []
    try:
        for record in reader:
            number = reader.line_num
            if None in record:
                problems.append((f"line {number}", f"has more values than the {len(reader.fieldnames)} columns "
                                 "in the header; quote values that contain the delimiter"))
                continue
            cleaned = {k: v.strip() for k, v in record.items() if k and isinstance(v, str) and v.strip()}
            if cleaned:
                _add_record(cleaned, path, number, docs, problems)
    except csv.Error as exc:
        problems.append((f"line {reader.line_num}", f"is not valid CSV ({exc}); the rest of the file was skipped"))
    if not docs and problems and all("match no known record type" in why for _, why in problems):
        raise LoadError(explain_unknown(header))  # one message for the file, not one per row
    return docs, problems


def _add_record(record: Any, path: Path, number: int, docs: list, problems: list) -> None:
    where = f"line {number}"
    if not isinstance(record, dict):
        problems.append((where, f"is a JSON {type(record).__name__}, expected an object with named fields"))
        return
    too_long = [k for k, v in record.items() if isinstance(v, str) and len(v) > MAX_FIELD_CHARS]
    if too_long:
        problems.append((where, f"field {too_long[0]!r} is over {MAX_FIELD_CHARS:,} characters; shorten it"))
        return
    try:
        doc = record_to_document(record, str(path))
        doc.meta["line"] = number
        docs.append(doc)
    except LoadError as exc:
        problems.append((where, str(exc)))


def record_to_document(r: dict[str, Any], source: str) -> Document:
    """One record (any of the types above) as a Document; LoadError says what is wrong with it."""
    keys = set(r)
    if {"product_id", "rating"} <= keys:
        return _review(r, source)
    if {"question", "answer"} <= keys:
        return _faq(r, source)
    if {"id", "text"} <= keys:
        return _contract_document(r, source)
    if "name" in keys and keys & {"price", "category"}:
        return _product(r, source)
    raise LoadError(f"has fields {sorted(keys)[:8]} which match no known record type: expected a document "
                    "(id, text), an FAQ pair (question, answer), a review (product_id, rating, text) or a "
                    "product (name, price/category)")


def _required_str(r: dict[str, Any], key: str) -> str:
    value = r.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LoadError(f"field {key!r} is empty")
    if isinstance(value, (dict, list)):
        raise LoadError(f"field {key!r} must be text, not {type(value).__name__}")
    return str(value).strip()


def _optional_str(r: dict[str, Any], key: str) -> str | None:
    value = r.get(key)
    return str(value).strip() if value not in (None, "") else None


def _contract_document(r: dict[str, Any], source: str) -> Document:
    meta = r.get("meta") or {}
    if not isinstance(meta, dict):
        raise LoadError("field 'meta' must be an object")
    return Document(id=_required_str(r, "id"), title=_optional_str(r, "title") or _required_str(r, "id"),
                    text=_required_str(r, "text"), kind=_optional_str(r, "kind") or "help",
                    product_id=_optional_str(r, "product_id"), url=_optional_str(r, "url"), source=source,
                    meta=meta)


def _faq(r: dict[str, Any], source: str) -> Document:
    question, answer = _required_str(r, "question"), _required_str(r, "answer")
    if not slug(question):
        raise LoadError("field 'question' has no letters or digits")
    return Document(id=f"faq:{slug(question)}", title=question, text=f"Q: {question}\nA: {answer}", kind="faq",
                    product_id=_optional_str(r, "product_id"), url=_optional_str(r, "url"), source=source)


def _review(r: dict[str, Any], source: str) -> Document:
    product_id = _required_str(r, "product_id")
    body = _optional_str(r, "text") or _optional_str(r, "review") or _optional_str(r, "body")
    if not body:
        raise LoadError("review has no 'text' field")
    try:
        rating = float(r["rating"])
    except (TypeError, ValueError):
        raise LoadError(f"field 'rating' is {r['rating']!r}, expected a number from 1 to 5") from None
    if not 0 <= rating <= 5:
        raise LoadError(f"field 'rating' is {rating:g}, expected a number from 1 to 5")
    title = _optional_str(r, "title") or body[:60]
    review_id = _optional_str(r, "id") or _optional_str(r, "review_id") or slug(f"{product_id}-{body[:80]}")
    author, date = _optional_str(r, "author"), _optional_str(r, "date")
    byline = " — ".join(x for x in (author, date) if x)
    text = f"Rating: {rating:g}/5\n{title}\n{body}" + (f"\n{byline}" if byline else "")
    return Document(id=f"review:{review_id}", title=title, text=text, kind="review", product_id=product_id,
                    source=source, meta={"rating": rating, "author": author, "date": date})


def _product(r: dict[str, Any], source: str) -> Document:
    name = _required_str(r, "name")
    product_id = _optional_str(r, "id") or _optional_str(r, "sku") or _optional_str(r, "product_id") or slug(name)
    attributes = r.get("attributes") or {}
    if isinstance(attributes, str):
        try:
            attributes = json.loads(attributes)
        except json.JSONDecodeError:
            raise LoadError("field 'attributes' is text that is not a JSON object") from None
    if not isinstance(attributes, dict):
        raise LoadError("field 'attributes' must be an object of name: value pairs")
    attributes = {**attributes, **{k: v for k, v in r.items() if k not in _PRODUCT_CORE}}
    variants = _variants(r.get("variants"))
    lines = [f"Product: {name}", f"Product ID: {product_id}"]
    if r.get("category"):
        lines.append(f"Category: {r['category']}")
    price = _price(r.get("price"))
    currency = _optional_str(r, "currency")
    prices = sorted({v["price"] for v in variants if v.get("price") is not None} | ({price} - {None}))
    compare_at = _price(r.get("compare_at_price")) or (variants[0].get("compare_at_price") if len(prices) == 1
                                                        and variants else None)
    if len(prices) > 1:
        lines.append(f"Price: {_format_price(prices[0], currency)}-{_format_price(prices[-1], currency)}, "
                     "depending on the option")
    elif prices:
        lines.append(f"Price: {_price_words(prices[0], compare_at, currency, _sale_end(variants))}")
    lines += [f"{_label(k)}: {_value(v)}" for k, v in attributes.items() if v not in (None, "")]
    if any(v.get("options") for v in variants):
        lines.append("Variants:")
        lines += [f"- {_variant_line(v, currency)}" for v in variants]
    description = _optional_str(r, "description")
    if description:
        lines.append(f"Description: {description}")
    meta = {"category": _optional_str(r, "category"), "price": prices[0] if prices else price,
            "attributes": attributes}
    if variants:
        meta.update(variants=variants, options=r.get("options") or [], compare_at_price=compare_at,
                    price_max=prices[-1] if prices else None)
    return Document(id=f"product:{product_id}", title=name, text="\n".join(lines), kind="product",
                    product_id=product_id, url=_optional_str(r, "url"), source=source, meta=meta)


def _variants(value: Any) -> list[dict[str, Any]]:
    """The record's variants, each with a number price (an absent list is no variants)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LoadError("field 'variants' must be a list of objects (sku, options, price, stock)")
    variants = []
    for v in value:
        options = v.get("options") or {}
        if not isinstance(options, dict):
            raise LoadError("a variant's 'options' must be an object like {\"Color\": \"Red\"}")
        variants.append({**v, "options": options, "price": _price(v.get("price")),
                         "compare_at_price": _price(v.get("compare_at_price"))})
    return variants


def _price_words(price: float, compare_at: float | None, currency: str | None, sale_ends: str | None) -> str:
    """"$18.00", or "$18.00, down from $20.00 (on sale until 2026-12-31)"."""
    text = _format_price(price, currency)
    if compare_at and compare_at > price:
        text += f", down from {_format_price(compare_at, currency)} (on sale" + (
            f" until {sale_ends})" if sale_ends else ")")
    return text


def _sale_end(variants: list[dict[str, Any]]) -> str | None:
    return next((v["sale_ends"] for v in variants if v.get("sale_ends")), None)


def _variant_line(v: dict[str, Any], currency: str | None) -> str:
    """"Red / M: $18.00, down from $20.00 (on sale); in stock"."""
    name = " / ".join(str(x) for x in v["options"].values()) or "Standard"
    text = f"{name}: " + (_price_words(v["price"], v.get("compare_at_price"), currency, v.get("sale_ends"))
                          if v.get("price") is not None else "price not listed")
    if v.get("available") is not None:
        text += "; in stock" if v["available"] else "; out of stock"
    return text


def _price(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value).replace("$", "").replace(",", "").strip())
    except ValueError:
        raise LoadError(f"field 'price' is {value!r}, expected a number like 24.99") from None


def _format_price(price: float, currency: str | None) -> str:
    if currency and currency.upper() != "USD":
        return f"{price:,.2f} {currency.upper()}"
    return f"${price:,.2f}"


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
