"""The shopper acceptance set: each message's answer checked against the catalog and reviews, by skill.

``eval/shopper_questions.jsonl`` holds messages with a ``check`` that says what must hold (the cheapest
matching product comes first, every product shown is inside the limits, the yes/no matches the boolean
attribute, the reviews cited are that product's, ...). An imported store's set (``eval/stores/*/``) checks
variants: every option value said, a named variant's price and stock, a sale with both its prices, every
product on sale shown, a price range. The expected facts are computed here from the catalog (its products'
options and variants) each run, so the checks keep holding when the catalog changes. ``run_shopper_eval`` asks the
Chatbot every message and returns pass rates overall and by skill, with the failures.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from chatbot.common.errors import InputError
from chatbot.common.types import Answer
from chatbot.evaluate.metrics import jsonl_rows
from chatbot.shop.catalog import Catalog, Listing, weight_in_pounds
from chatbot.shop.recommend import age_range


def read_shopper_questions(path: str | Path) -> list[dict]:
    rows = []
    for number, row in jsonl_rows(path):
        if not isinstance(row, dict) or not row.get("message") or not isinstance(row.get("check"), dict):
            raise InputError(f"{path}:{number} needs a 'message' and a 'check' object")
        rows.append(row)
    return rows


def check_answer(row: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """(passed, why) for one message's answer."""
    check = row["check"]
    kind = check.get("type")
    checker = _CHECKS.get(kind)
    if checker is None:
        raise InputError(f"check type {kind!r} in {row.get('id')} is unknown; use one of {sorted(_CHECKS)}")
    return checker(check, answer, catalog)


def run_shopper_eval(bot: Any, rows: list[dict]) -> dict:
    """Ask every message; pass rate overall and by skill, latency by skill, and each failure with its reason."""
    catalog = Catalog.from_documents(bot.documents)
    by_skill: dict[str, list[bool]] = defaultdict(list)
    latency: dict[str, list[float]] = defaultdict(list)
    failures = []
    for row in rows:
        started = time.perf_counter()
        answer = bot.ask(row["message"], product_id=row.get("product_id"), history=row.get("history") or None)
        latency[row.get("skill", "?")].append((time.perf_counter() - started) * 1000)
        passed, why = check_answer(row, answer, catalog)
        by_skill[row.get("skill", "?")].append(passed)
        if not passed:
            failures.append({"id": row.get("id"), "skill": row.get("skill"), "message": row["message"],
                             "why": why, "answer": answer.text})
    total = [p for results in by_skill.values() for p in results]
    return {"questions": len(total), "pass_rate": round(sum(total) / len(total), 4) if total else 0.0,
            "by_skill": {skill: {"questions": len(r), "pass_rate": round(sum(r) / len(r), 4),
                                 "p50_ms": round(_median(latency[skill]), 1)}
                         for skill, r in sorted(by_skill.items())},
            "failures": failures}


# ---- the checks
def _matching(catalog: Catalog, check: dict) -> list[Listing]:
    match = check.get("match") or {}
    pattern = re.compile(match["name_regex"], re.I) if match.get("name_regex") else None
    return [item for item in catalog.listings
            if (not match.get("category") or item.product.category == match["category"])
            and (pattern is None or pattern.search(item.product.name))]


def _fits(item: Listing, check: dict) -> bool:
    price = item.product.price
    if check.get("max_price") is not None and (price is None or price > check["max_price"]):
        return False
    if check.get("min_price") is not None and (price is None or price < check["min_price"]):
        return False
    if check.get("max_weight_lb") is not None:
        weight = weight_in_pounds(item.product)
        if weight is None or weight > check["max_weight_lb"]:
            return False
    if check.get("age") is not None:
        span = age_range(item.product.attributes.get("age_range"))
        return span is not None and span[0] <= check["age"] <= span[1]
    return True


def _shown(answer: Answer) -> list[str]:
    return [card["id"] for card in answer.products]


def _extreme(key: Callable[[Listing], Any], label: str):
    def check(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
        candidates = [i for i in _matching(catalog, spec) if _fits(i, spec) and key(i) is not None]
        if not candidates:
            return _says_nothing_matches(answer)
        best = min(key(i) for i in candidates)
        expected = {i.product.id for i in candidates if key(i) == best}
        shown = _shown(answer)
        if shown and shown[0] in expected:
            return True, ""
        return False, f"expected the {label} of {len(candidates)} ({', '.join(sorted(expected))}) first, got {shown}"
    return check


def _within(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    allowed = {i.product.id for i in _matching(catalog, spec) if _fits(i, spec)}
    if not allowed:
        return _says_nothing_matches(answer)
    shown = _shown(answer)
    if not shown:
        return False, f"no products shown; {len(allowed)} fit"
    outside = [pid for pid in shown if pid not in allowed]
    return (not outside), (f"shown outside the match or limits: {outside}" if outside else "")


def _says_nothing_matches(answer: Answer) -> tuple[bool, str]:
    said = re.search(r"nothing (?:we sell )?matches|don't have any|don't sell", answer.text, re.I)
    # products may be named as the closest, but only as outside the limit
    if said and (not answer.products or "outside" in answer.text):
        return True, ""
    return False, "nothing fits, but the answer does not say so"


def _boolean(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    value = catalog.by_id[spec["product"]].product.attributes.get(spec["attribute"])
    if not isinstance(value, bool):
        raise InputError(f"{spec['product']} has no boolean attribute {spec['attribute']!r}; fix the check")
    word = "Yes" if value else "No"
    ok = answer.text.strip().startswith(word) and _cites(answer, f"product:{spec['product']}")
    return ok, "" if ok else f"expected an answer starting {word!r} that cites the product"


def _value(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    product = catalog.by_id[spec["product"]].product
    if spec["attribute"] == "price":
        wanted = f"${product.price:,.2f}"
    else:
        value = product.attributes.get(spec["attribute"])
        if value is None:
            raise InputError(f"{spec['product']} has no attribute {spec['attribute']!r}; fix the check")
        wanted = str(value)
    # a list ("navy, sage") may be said as "navy and sage": every item must be there
    ok = all(item.strip().lower() in answer.text.lower() for item in wanted.split(", "))
    return ok, "" if ok else f"expected {wanted!r} in the answer"


def _age_fit(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    span = age_range(catalog.by_id[spec["product"]].product.attributes.get("age_range"))
    if span is None:
        raise InputError(f"{spec['product']} has no readable age_range; fix the check")
    fits = span[0] <= spec["age"] <= span[1]
    said_yes = answer.text.strip().lower().startswith("yes")
    return said_yes == fits, "" if said_yes == fits else f"the age {'fits' if fits else 'does not fit'}"


def _reviews(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    reviews = catalog.reviews.get(spec["product"], [])
    own = {f"review:{r.id}" for r in reviews}
    cited = [c.doc_id for c in answer.citations]
    average = f"{sum(r.rating for r in reviews) / len(reviews):.1f}" if reviews else None
    if not cited or any(d not in own for d in cited):
        return False, f"cites {cited}, not only reviews of {spec['product']}"
    if average and average not in answer.text:
        return False, f"the average rating {average} is not stated"
    return True, ""


def _compare(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    items = [catalog.by_id[p] for p in spec["products"]]
    if not all(i.product.name in answer.text or i.product.id in _shown(answer) for i in items):
        return False, "not every product is shown"
    if spec.get("cheaper"):
        cheaper = min(items, key=lambda i: i.product.price)
        if not re.search(re.escape(cheaper.product.name) + r"[^.]{0,40}\bcheaper\b", answer.text):
            return False, f"expected the {cheaper.product.name} named as cheaper"
    return True, ""


def _not_listed(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    honest = re.search(r"doesn't list|can't see|not listed|don't know|couldn't find|can't tell", answer.text, re.I)
    offers = re.search(r"person|our team", answer.text, re.I)
    ok = bool(honest and offers)
    return ok, "" if ok else "expected a plain 'not listed' and an offer of a person"


def _not_sold(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    ok = bool(re.search(r"don't (?:sell|carry|have)", answer.text, re.I)) and not answer.products
    return ok, "" if ok else "expected 'we don't sell that' and no product cards"


def _handoff(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    return answer.handoff, "" if answer.handoff else "expected a hand-off to a person"


def _policy(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    first = answer.citations[0].doc_id if answer.citations else None
    ok = first in set(spec["gold_doc_ids"]) and not answer.abstained
    return ok, "" if ok else f"first citation {first}, expected one of {spec['gold_doc_ids']}"


def _parts(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """A message of several questions: each paragraph of the answer passes its own check, in order. A part
    handed to a person is the hand-off message (said once, whichever part needed it)."""
    paragraphs = [p for p in answer.text.split("\n\n") if p.strip()]
    checks = spec["checks"]
    if len(paragraphs) < len(checks):
        return False, f"{len(paragraphs)} paragraphs for {len(checks)} questions"
    closing = "\n\n".join(paragraphs[len(checks):])  # the one offer of a person, after every part
    for n, (check, paragraph) in enumerate(zip(checks, paragraphs), 1):
        if check.get("type") == "not_listed":
            paragraph = f"{paragraph}\n\n{closing}"
        numbers = dict.fromkeys(int(m) for m in re.findall(r"\[(\d+)\]", paragraph))
        cited = [answer.citations[m - 1] for m in numbers if 0 < m <= len(answer.citations)]
        part = replace(answer, text=paragraph, citations=cited,
                       abstained=answer.abstained or check.get("type") in ("not_listed", "not_sold"),
                       products=[c for c in answer.products if c["name"] in paragraph])
        passed, why = check_answer({"check": check}, part, catalog)
        if not passed:
            return False, f"part {n}: {why}"
    return True, ""


# ---- variants, stock and sales (imported stores): expected values from Product.options and Product.variants
SALE_LIST_SHOWN = 5  # "what's on sale?" lists this many products at most; more on sale, and this many must show
_RANGE = re.compile(r"\$[\d,]+\.\d\d\s*(?:-|–|—|to)\s*\$[\d,]+\.\d\d")
_SAYS_OUT = re.compile(r"\b(?:not|isn't|aren't|is not|are not)\s+(?:\w+\s+)?in stock\b|\bout of stock\b|\bsold out\b"
                       r"|\bunavailable\b|\bnot available\b", re.I)
_SAYS_IN = re.compile(r"\bin stock\b|\bavailable\b", re.I)
_STOCK_COUNT = re.compile(r"\b\d+\s+(?:left|in stock|available|units?|pieces in stock)\b", re.I)
_NOT_ON_SALE = re.compile(r"\b(?:isn't|aren't|is not|are not|not)\s+(?:\w+\s+)?on sale\b", re.I)


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _product(catalog: Catalog, spec: dict):
    item = catalog.by_id.get(spec["product"])
    if item is None:
        raise InputError(f"no product {spec['product']!r} in the catalog; fix the check")
    return item.product


def _variants(product, spec: dict) -> list[dict]:
    """The product's variants having every option value the check names (all of them when it names none)."""
    wanted = spec.get("variant") or {}
    chosen = [v for v in product.variants if all(str(v["options"].get(k)) == str(value) for k, value in wanted.items())]
    if not chosen:
        raise InputError(f"{product.id} has no variant {wanted}; its options are {product.options}; fix the check")
    return chosen


def _on_sale(variant: dict) -> bool:
    return bool(variant.get("compare_at_price")) and variant["compare_at_price"] > variant["price"]


def _product_on_sale(product) -> bool:
    whole = bool(product.compare_at_price and product.price is not None and product.compare_at_price > product.price)
    return whole or any(_on_sale(v) for v in product.variants)


def _names(answer: Answer, product) -> bool:
    return product.name.lower() in answer.text.lower() or _cites(answer, f"product:{product.id}") \
        or product.id in _shown(answer)


def _said(value: str, text: str) -> bool:
    """An option value as a word of the answer: a one- or two-letter size ("S", "XL") only as the store writes
    it, so the "a" of a sentence is no size A."""
    flags = 0 if len(value) <= 2 else re.I
    return re.search(rf"(?<![\w'’]){re.escape(value)}(?![\w'’])", text, flags) is not None


def _options(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """Every value of the named option ("Color"), or of every option, is in the answer."""
    product = _product(catalog, spec)
    options = [o for o in product.options if not spec.get("option") or o["name"] == spec["option"]]
    values = [str(v) for o in options for v in o.get("values", [])]
    if not values:
        raise InputError(f"{product.id} has no option {spec.get('option')!r}; fix the check")
    missing = [v for v in values if not _said(v, answer.text)]
    return (not missing), (f"not said: {missing} of {values}" if missing else "")


def _variant_price(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """The named variant's price ("$45.00") is said outside a price range, and its compare-at price when it is
    on sale ("$48.00, down from $60.00")."""
    product = _product(catalog, spec)
    variants = _variants(product, spec)
    outside_ranges = _RANGE.sub(" ", answer.text)
    wanted = [_money(p) for p in sorted({v["price"] for v in variants})]
    missing = [m for m in wanted if m not in outside_ranges]
    was = sorted({v["compare_at_price"] for v in variants if _on_sale(v)})
    missing += [_money(w) for w in was if _money(w) not in answer.text]
    if missing:
        return False, f"expected {', '.join(missing)} for {spec.get('variant') or 'every variant'}"
    # not the other variants' prices beside it (every size's price, or the record's list of variants)
    others = {_money(v["price"]) for v in product.variants if v not in variants} - set(wanted) - {_money(w) for w in was}
    if said := sorted(m for m in others if m in outside_ranges):
        return False, f"also says {', '.join(said)}, the price of variants not asked about"
    return (True, "") if _names(answer, product) else (False, f"the answer is not about the {product.name}")


def _variant_stock(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """In stock, sold out, or both (some sizes of the colour), as the named variants' inventory says; never a
    stock count."""
    product = _product(catalog, spec)
    known = [v for v in _variants(product, spec) if v.get("available") is not None]
    if not known:
        raise InputError(f"{product.id}'s variants {spec.get('variant')} have no stock; fix the check")
    have, out = any(v["available"] for v in known), any(not v["available"] for v in known)
    says_out = bool(_SAYS_OUT.search(answer.text))
    says_in = bool(_SAYS_IN.search(_SAYS_OUT.sub(" ", answer.text)))
    expected = "in stock and sold out" if have and out else "in stock" if have else "sold out"
    if (says_in, says_out) != (have, out):
        return False, f"expected {expected} for {spec.get('variant') or 'the product'}"
    if _STOCK_COUNT.search(answer.text):
        return False, "says a stock count"
    return (True, "") if _names(answer, product) else (False, f"the answer is not about the {product.name}")


def _on_sale_check(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """On sale: every sale price and the price it is down from are said; else a plain "not on sale"."""
    product = _product(catalog, spec)
    sale = [v for v in product.variants if _on_sale(v)]
    if not sale and _product_on_sale(product):  # a sale on the product as a whole, without variants
        sale = [{"price": product.price, "compare_at_price": product.compare_at_price}]
    if not sale:
        ok = bool(_NOT_ON_SALE.search(answer.text)) and "down from" not in answer.text
        return ok, "" if ok else f"the {product.name} is not on sale, and the answer does not say so"
    prices = {_money(v["price"]) for v in sale} | {_money(v["compare_at_price"]) for v in sale}
    missing = sorted(p for p in prices if p not in answer.text)
    if missing or _NOT_ON_SALE.search(answer.text):
        return False, f"on sale: expected {sorted(prices)} and no 'not on sale'; missing {missing}"
    return True, ""


def _sale_list(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """Every product on sale (among the ``match``) is shown or named, and no product that isn't; with none on
    sale, the answer says so."""
    items = _matching(catalog, spec)
    on_sale = {i.product.id: i.product for i in items if _product_on_sale(i.product)}
    shown = set(_shown(answer)) | {i.product.id for i in items if i.product.name.lower() in answer.text.lower()}
    wrong = sorted(pid for pid in _shown(answer) if pid not in on_sale)
    if wrong:
        return False, f"shown but not on sale: {wrong}"
    if not on_sale:
        ok = bool(re.search(r"\b(?:no|nothing|not|isn't|aren't|none)\b[^.]{0,60}\bon sale\b", answer.text, re.I))
        return ok, "" if ok else "nothing is on sale, and the answer does not say so"
    missing = sorted(set(on_sale) - shown)
    if len(on_sale) - len(missing) < min(len(on_sale), SALE_LIST_SHOWN):
        return False, f"on sale but not shown: {missing}"
    return True, ""


def _price_range(spec: dict, answer: Answer, catalog: Catalog) -> tuple[bool, str]:
    """The price as a card shows it: "$42.00-$45.00" when the variants' prices differ, else the price (and the
    price it is down from, on sale); said in the answer or on the product's card."""
    product = _product(catalog, spec)
    prices = [v["price"] for v in product.variants] or [product.price]
    low, high = min(prices), max(prices)
    card = next((c for c in answer.products if c["id"] == product.id), None)
    if low < high:
        said = re.search(rf"{re.escape(_money(low))}\s*(?:-|–|—|to)\s*{re.escape(_money(high))}", answer.text)
        on_card = card is not None and card.get("price") == low and card.get("price_max") == high
        ok = bool(said or on_card)
        return ok, "" if ok else f"expected {_money(low)}-{_money(high)}"
    wanted = [_money(low)]
    if _product_on_sale(product):
        wanted += [_money(max(v.get("compare_at_price") or 0 for v in product.variants) or product.compare_at_price)]
    card_says = card is not None and card.get("price") == low and (
        len(wanted) == 1 or _money(card.get("compare_at_price") or 0) == wanted[1])
    ok = all(w in answer.text for w in wanted) or card_says
    return ok, "" if ok else f"expected {' down from '.join(wanted)}"


def _cites(answer: Answer, doc_id: str) -> bool:
    return any(c.doc_id == doc_id for c in answer.citations)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


_CHECKS = {
    "cheapest": _extreme(lambda i: i.product.price, "cheapest"),
    "most_expensive": _extreme(lambda i: None if i.product.price is None else -i.product.price, "most expensive"),
    "best_rated": _extreme(lambda i: None if i.rating is None else -i.rating, "best rated"),
    "within": _within, "boolean": _boolean, "value": _value, "age_fit": _age_fit, "reviews": _reviews,
    "compare": _compare, "not_listed": _not_listed, "not_sold": _not_sold, "handoff": _handoff, "policy": _policy,
    "parts": _parts, "options": _options, "variant_price": _variant_price, "variant_stock": _variant_stock,
    "on_sale": _on_sale_check, "sale_list": _sale_list, "price_range": _price_range,
}
