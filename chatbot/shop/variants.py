"""A product's variants as shoppers name them ("the blue one", "in Navy, size L") and their prices said in words.

Reads what a platform export put in ``Product.options`` and ``Product.variants``: each variant's option values,
price, compare-at price and whether it is in stock. ``price_words`` says a product's price as a card or an
answer shows it ("$42.00-$45.00", "$18.00, down from $20.00"); ``named_variants`` finds the variants a message
names; ``variant_price`` and ``variant_stock`` say them as sentences. Stock counts are never said, only in or
out of stock. Choosing which skill answers is not done here.
"""

from __future__ import annotations

import re
from typing import Any

import webcolors

from chatbot.shop.phrasing import agreeing, join_words, money
from chatbot.shop.products import Product


def price_words(product: Product) -> str:
    """"$42.00-$45.00" when variants differ, "$18.00, down from $20.00" on sale, else "$18.00"."""
    if product.price is None:
        return money(None)
    if product.price_max and product.price_max > product.price:
        return f"{money(product.price)}-{money(product.price_max)}"
    return _with_sale(product.price, product.compare_at_price)


# the CSS colour names (webcolors): "does it come in red?" asks a colour in any store, even one with no red
COLOUR_NAMES = frozenset(webcolors.names("css3"))
_COLOUR_OPTION = re.compile(r"colou?rs?\b|colorway|shade", re.I)


# sizes as shoppers write them: "the vest in a large" is size L, "extra large" XL (never L as well)
_SIZE_WORDS = {"XS": ("extra small", "extra-small", "x-small", "xsmall"), "S": ("small",), "M": ("medium",),
               "L": ("large",), "XL": ("extra large", "extra-large", "x-large", "xlarge"),
               "XXL": ("xx-large", "xxlarge", "2xl")}
_SIZE_OPTION = re.compile(r"sizes?$", re.I)


def named_variants(product: Product, message: str) -> tuple[list[str], list[dict[str, Any]]]:
    """``(values named, variants having all of them)``: "is the navy one in stock?" names Navy. A one- or
    two-letter value (a size: "S", "XL") counts only written as the store writes it, so "I'm" is no size M; a
    size option's letters are also named by their words ("in a large", "extra small")."""
    named: dict[str, list[str]] = {}
    for option in product.options:
        for value in option.get("values", []):
            flags = 0 if len(value) <= 2 else re.I
            words = _SIZE_WORDS.get(str(value).upper(), ()) if _SIZE_OPTION.match(option.get("name", "")) else ()
            if re.search(rf"(?<![\w'’]){re.escape(value)}(?![\w'’])", message, flags) or any(
                    _says_size(word, message) for word in words):
                named.setdefault(option["name"], []).append(value)
    if not named:
        return [], []
    values = [v for vs in named.values() for v in vs]
    return values, [v for v in product.variants if all(v["options"].get(n) in vs for n, vs in named.items())]


def _says_size(word: str, message: str) -> bool:
    """"large" as a size: not inside "extra large" or "x-large", nor "how large is it?" (its dimensions)."""
    for found in re.finditer(rf"(?<![\w'’-]){re.escape(word)}(?![\w'’-])", message, re.I):
        before = message[: found.start()].lower()
        if not re.search(r"(?:\bextra[- ]?|\bx-?|\bxx-?|\bhow )$", before):
            return True
    return False


def missing_colours(product: Product, message: str) -> tuple[list[str], list[str]]:
    """``(colours the message names that the product does not come in, the colours it does)``: "how much is
    the red one?" of a tee in Forest, Navy and Sand gives (["red"], ["Forest", "Navy", "Sand"]). Colours are
    the CSS colour names; a product with no colour option gives ([], [])."""
    offered = [v for o in product.options if _COLOUR_OPTION.match(o.get("name", "")) for v in o.get("values", [])]
    if not offered:
        return [], []
    have = {w for v in offered for w in re.findall(r"[a-z]+", v.lower())}
    asked = [w for w in dict.fromkeys(re.findall(r"[a-z]+", message.lower())) if w in COLOUR_NAMES and w not in have]
    return asked, offered


def asked_options(product: Product, message: str) -> list[dict[str, Any]]:
    """The product's options a message asks for by their kind: "what sizes and colours ..." asks Size and Color
    (a colour option also by "colours", "shades"), in the product's order."""
    asked = []
    for option in product.options:
        name = option.get("name", "")
        kind = r"colou?rs?|shades?" if _COLOUR_OPTION.match(name) else rf"{re.escape(name.rstrip('s'))}s?"
        if option.get("values") and re.search(rf"\b(?:{kind})\b", message, re.I):
            asked.append(option)
    return asked


def options_sentence(product: Product, options: list[dict[str, Any]]) -> str:
    """"The Ridgeline Rain Jacket comes in Slate and Ember, and in sizes S, M, L and XL" (without the full
    stop): each option's values, colours as they are, any other option named by its kind."""
    parts = []
    for option in options:
        values = join_words([str(v) for v in option["values"]])
        kind = option["name"].lower()
        parts.append(f"in {values}" if _COLOUR_OPTION.match(kind) else f"in {kind.rstrip('s')}s {values}")
    return f"The {product.name} {agreeing(product.name, 'comes')} {', and '.join(parts)}"


def variant_price(product: Product, values: list[str], variants: list[dict[str, Any]]) -> str:
    """"The Trailhead Merino Tee in Navy is $42.00 in S and M, and $45.00 in L" (without the full stop); a price
    asked of variants all sold out says so."""
    groups: dict[str, list[str]] = {}
    for variant in variants:
        said = _with_sale(variant["price"], variant.get("compare_at_price"))
        groups.setdefault(said, []).append(_rest(variant, values))
    subject = _subject(product, values)
    if len(groups) == 1:
        sold_out = all(v.get("available") is False for v in variants)  # the one asked for can't be bought now
        return f"{subject} {agreeing(product.name, 'is')} {next(iter(groups))}" + (
            ", but it's sold out right now" if sold_out else "")
    parts = [f"{price} in {join_words(list(dict.fromkeys(rest)))}" for price, rest in groups.items()]
    return f"{subject} {agreeing(product.name, 'is')} {join_words(parts)}"


def variant_words(product: Product, values: list[str]) -> str:
    """The option values a shopper named, said as words: "Moss, size M" (a size says so), "Navy", "Slate and
    Ember" (two of one option)."""
    sizes = {v for o in product.options if re.match(r"sizes?\b", o.get("name", ""), re.I) for v in o.get("values", [])}
    if not sizes & set(values) or len(values) == 1 and len(values[0]) > 3:
        return join_words(values)
    others = [v for v in values if v not in sizes]
    named = [f"size {v}" if len(v) <= 3 else v for v in values if v in sizes]
    return ", ".join([join_words(others)] + named) if others else join_words(named)


def _subject(product: Product, values: list[str]) -> str:
    words = variant_words(product, values)
    return f"The {product.name} in {words}{',' if ',' in words else ''}"  # "in Moss, size M, is"


def variant_stock(product: Product, values: list[str], variants: list[dict[str, Any]]) -> str | None:
    """"The Trailhead Merino Tee in Navy is in stock in S and M; L is sold out" (without the full stop); None
    when the store does not track these variants' stock."""
    known = [v for v in variants if v.get("available") is not None]
    if not known:
        return None
    subject = _subject(product, values)
    have = [_rest(v, values) for v in known if v["available"]]
    out = [_rest(v, values) for v in known if not v["available"]]
    if not out:
        return f"{subject} {agreeing(product.name, 'is')} in stock"
    if not have:
        return f"{subject} {agreeing(product.name, 'is')} sold out right now"
    return (f"{subject} {agreeing(product.name, 'is')} in stock in {join_words(list(dict.fromkeys(have)))}; "
            f"{join_words(list(dict.fromkeys(out)))} {'is' if len(out) == 1 else 'are'} sold out")


def is_on_sale(product: Product) -> bool:
    """Whether some of the product sells below the price it is down from (its compare-at price)."""
    if product.compare_at_price and product.price is not None and product.compare_at_price > product.price:
        return True
    return any(v.get("compare_at_price") and v["compare_at_price"] > v["price"] for v in product.variants)


def sale_sentence(product: Product) -> str:
    """"Is it on sale?" from the variants' compare-at prices (without the full stop): "Yes: the Canyon Steel
    Water Bottle is $18.00, down from $20.00", naming the options on sale when only some are."""
    on_sale = [v for v in product.variants if v.get("compare_at_price") and v["compare_at_price"] > v["price"]]
    is_ = agreeing(product.name, "is")
    if not on_sale:
        pronoun = "they're" if is_ == "are" else "it's"
        return f"The {product.name} {is_}n't on sale right now: {pronoun} {price_words(product)}"
    groups: dict[tuple, list[str]] = {}
    for variant in on_sale:
        key = (variant["price"], variant["compare_at_price"], variant.get("sale_ends"))
        groups.setdefault(key, []).append(" / ".join(map(str, variant["options"].values())))
    parts = []
    for (price, was, ends), names in groups.items():
        where = "" if len(on_sale) == len(product.variants) and len(groups) == 1 else f" in {join_words(names)}"
        parts.append(f"{money(price)}{where}, down from {money(was)}" + (f" until {ends}" if ends else ""))
    return f"Yes: the {product.name} {is_} {join_words(parts)}"


def _with_sale(price: float, compare_at: float | None) -> str:
    if compare_at and compare_at > price:
        return f"{money(price)}, down from {money(compare_at)}"
    return money(price)


def _rest(variant: dict[str, Any], named: list[str]) -> str:
    """The variant's other option values ("L" of Navy / L), or its whole name when the message named them all."""
    rest = [str(v) for v in variant["options"].values() if v not in named]
    return " / ".join(rest) or " / ".join(map(str, variant["options"].values()))
