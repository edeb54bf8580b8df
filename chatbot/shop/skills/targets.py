"""Which products a message is about: the ones it names, "the second one" shown, "them", or the one in focus."""

from __future__ import annotations

import re

from chatbot.shop.catalog import Listing
from chatbot.shop.skills.base import ShopContext

_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1}
_ORDINAL = re.compile(r"\b(%s)\b" % "|".join(_ORDINALS), re.I)
_FIRST_N = re.compile(r"\b(?:first|top) (two|three|2|3)\b", re.I)
_CHEAPER_ONE = re.compile(r"\bthe (cheaper|cheapest|less expensive|pricier|priciest|more expensive|most expensive)"
                          r"(?: one)?\b", re.I)
_ALL_SHOWN = re.compile(r"\b(?:them|these|those|both|all of them|the two|the three|which one|which of)\b", re.I)


def without_pointers(message: str) -> str:
    """The message without the words that only point at a product ("the cheaper one", "the second one")."""
    return _ORDINAL.sub(" ", _CHEAPER_ONE.sub(" ", message))


def target_products(context: ShopContext, want: int = 1) -> list[Listing]:
    """Up to ``want`` products, or more when the message names more (comparisons)."""
    catalog = context.catalog
    # a product named only by its head noun ("the headphones") counts when nothing else points at one
    loose = not (context.focus or context.shown)
    named = catalog.mentioned(context.message, by_position=want > 1, loose=loose)
    if named:
        if want > 1 and len(named) == 1 and context.focus in catalog.by_id and context.focus != named[0].product.id:
            return [catalog.by_id[context.focus], named[0]]  # "how does it compare to Kraken Cove?"
        return named[:1] if want == 1 else named
    shown = context.shown_listings
    if shown and (m := _FIRST_N.search(context.message)):
        return shown[: {"two": 2, "three": 3}.get(m.group(1).lower(), int(m.group(1)) if m.group(1).isdigit() else 2)]
    if shown and (m := _CHEAPER_ONE.search(context.message)):  # "does the cheaper one have ...?"
        priced = [i for i in shown if i.product.price is not None]
        if priced:
            low = m.group(1).lower() in ("cheaper", "cheapest", "less expensive")
            return [min(priced, key=lambda i: i.product.price if low else -i.product.price)]
    picked = [shown[_ORDINALS[m.group(1).lower()]] for m in _ORDINAL.finditer(context.message)
              if shown and -len(shown) <= _ORDINALS[m.group(1).lower()] < len(shown)]
    if picked:
        unique = list({item.product.id: item for item in picked}.values())
        return unique[:max(want, 1)]
    if shown and want > 1 and _ALL_SHOWN.search(context.message):
        return shown
    if context.focus and context.focus in catalog.by_id:
        return [catalog.by_id[context.focus]]
    return shown if len(shown) == 1 else []  # the one product just shown is "it"
