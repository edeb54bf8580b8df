"""Which products a message is about: the ones it names, "the second one" shown, "them", or the one in focus."""

from __future__ import annotations

import re

from .base import ShopContext
from .catalog import Listing

_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1}
_ORDINAL = re.compile(r"\b(%s)\s+(?:one|1|option|pick|product|item)?\b" % "|".join(_ORDINALS), re.I)
_ALL_SHOWN = re.compile(r"\b(?:them|these|those|both|all of them|the two|the three)\b", re.I)


def target_products(context: ShopContext, want: int = 1) -> list[Listing]:
    """Up to ``want`` products, or more when the message names more (comparisons)."""
    catalog = context.catalog
    named = catalog.mentioned(context.message)
    if named:
        return named
    shown = [catalog.by_id[p] for p in context.shown if p in catalog.by_id]
    if shown and (m := _ORDINAL.search(context.message)):
        index = _ORDINALS[m.group(1).lower()]
        if -len(shown) <= index < len(shown):
            return [shown[index]]
    if shown and want > 1 and _ALL_SHOWN.search(context.message):
        return shown
    if context.focus and context.focus in catalog.by_id:
        return [catalog.by_id[context.focus]]
    return []
