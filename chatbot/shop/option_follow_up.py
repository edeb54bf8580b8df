""""And in L?" after a product question: the previous question asked again for the option named now.

A shopper who has just been told the Navy tee's price asks "and in L?" or "what about Forest?". Alone, those
words ask nothing a skill can answer, and the pages would quote the product's whole record. Asked again with
the option, the previous question gets the variant's own answer. A value of the same option replaces the one
asked before ("how much is the tee in Navy?" + "and in Forest?" asks for Forest, not Navy and Forest).
"""

from __future__ import annotations

import re

from chatbot.shop.products import Product
from chatbot.shop.variants import named_variants

_FOLLOW_UP = re.compile(r"^\s*(?:(?:and|or|but|what about|how about|same for|ok(?:ay)?)\b,?)?\s*(?:(?:for|in)\b)?\s*"
                        r"(?:(?:a|an|the|size|colou?r)\b)?\s*(?P<rest>.+?)\s*(?:\b(?:one|size|colou?r|please))?"
                        r"\s*[?.!]*\s*$", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:and|or|in|a|an|the|size|sizes|colou?rs?|one|ones|please)\b|[^\w'’]+", re.IGNORECASE)
_MAX_WORDS = 6


def with_other_option(message: str, previous_question: str, product: Product) -> str | None:
    """The previous question asked for the option values the message names, or None when the message is not
    just option values of this product ("and in L?", "what about navy?", "in a large?")."""
    if not previous_question.strip() or len(message.split()) > _MAX_WORDS or not product.variants:
        return None
    matched = _FOLLOW_UP.match(message)
    values, _ = named_variants(product, message)
    if not matched or not values:
        return None
    leftover = matched.group("rest")
    for value in values:
        leftover = re.sub(rf"(?<![\w'’]){re.escape(value)}(?![\w'’])", " ", leftover, flags=re.IGNORECASE)
    if _FILLER.sub(" ", _size_words_removed(leftover)).strip():
        return None  # something besides the options: a question of its own
    question = previous_question.strip().rstrip("?.! ")
    for option in product.options:
        new = [v for v in option.get("values", []) if v in values]
        if not new:
            continue
        for old in option.get("values", []):  # the same option asked before gives way to the new value
            if old not in new:
                question = re.sub(rf"\s*(?:\bin\s+)?(?<![\w'’]){re.escape(old)}(?![\w'’])", "", question,
                                  flags=0 if len(old) <= 2 else re.IGNORECASE)
    return f"{question} in {' '.join(values)}?"


def _size_words_removed(text: str) -> str:
    """Size words ("large", "extra small") said for a size's letters are options too."""
    return re.sub(r"\b(?:extra[- ]?|x-?|xx-?)?(?:small|medium|large)\b|\b2xl\b", " ", text, flags=re.IGNORECASE)
