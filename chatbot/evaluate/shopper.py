"""The shopper acceptance set: each message's answer checked against the catalog and reviews, by skill.

``eval/shopper_questions.jsonl`` holds messages with a ``check`` that says what must hold (the cheapest
matching product comes first, every product shown is inside the limits, the yes/no matches the boolean
attribute, the reviews cited are that product's, ...). The expected facts are computed here from the
catalog each run, so the checks keep holding when the catalog changes. ``run_shopper_eval`` asks the
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
    "parts": _parts,
}
