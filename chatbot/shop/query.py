"""A shopper's message as a structured catalog query: price range, age, sort, count and the words to match.

"cheapest bike", "toys under $20", "between 10 and 30 bucks", "a gift for a 6-year-old under twenty
dollars", "top 3 best rated headphones". Only what is written is parsed; words left over (``terms``)
are matched against the catalog by ``chatbot.shop.catalog``. Nothing here knows the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_NUMBER_WORDS = re.compile(r"\b(?:(%s)(?:[\s-](%s))?|(%s)|(a |one )?hundred)\b" % (
    "|".join(_TENS), "|".join(k for k in _UNITS if _UNITS[k] < 10), "|".join(_UNITS)), re.I)

_AMOUNT = r"\$?\s*(\d+(?:[.,]\d{1,2})?)\s*(?:\$|dollars?|usd|bucks)?"
_MONEY_AFTER = r"(?:\$|dollars?|usd|bucks)"
_MAX = re.compile(rf"\b(?:under|less than|below|max(?:imum)?|up to|at most|no more than|cheaper than|within|"
                  rf"budget(?: of| is)?|not over|no more then|less then|beneath|<)\s*(?:of\s*)?{_AMOUNT}", re.I)
_MAX_AFTER = re.compile(rf"\$\s*(\d+(?:\.\d{{1,2}})?)\s*(?:or less|or under|or below|max(?:imum)?|tops|budget)|"
                        rf"(\d+(?:\.\d{{1,2}})?)\s*{_MONEY_AFTER}\s*(?:or less|or under|max(?:imum)?|tops)", re.I)
_MIN = re.compile(rf"\b(?:over|more than|above|at least|from|starting at|>)\s*{_AMOUNT}(?!\s*(?:to|-|and)\s*\$?\d)",
                  re.I)
_RANGE = re.compile(rf"\b(?:between|from)?\s*\$?\s*(\d+(?:\.\d{{1,2}})?)\s*{_MONEY_AFTER}?\s*(?:and|to|-|–)\s*"
                    rf"\$?\s*(\d+(?:\.\d{{1,2}})?)\s*{_MONEY_AFTER}?", re.I)
_RANGE_NEEDS_MONEY = re.compile(rf"\$|{_MONEY_AFTER}|\bbetween\b|\bprice", re.I)
_AROUND = re.compile(rf"\b(?:around|about|roughly|approximately|~)\s*{_AMOUNT}", re.I)
_AGE = [re.compile(r"\b(\d{1,2})\s*-?\s*(?:years?|yrs?|yr)\s*-?\s*olds?\b", re.I),
        # "2 years" is an age, not when something lasts or is covered that long ("covered for 2 years")
        re.compile(r"(?<!covered for )(?<!cover for )(?<!last )(?<!lasts )(?<!within )(?<!after )(?<!for up to )"
                   r"\b(\d{1,2})\s*-?\s*(?:years?|yrs?)\b(?!\s*(?:warranty|guarantee))", re.I),
        re.compile(r"\bages?\s*(\d{1,2})\b", re.I), re.compile(r"\b(\d{1,2})\s*y/?o\b", re.I),
        re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? birthday\b", re.I),
        re.compile(r"\b(?:he|she|they)(?:'s|’s| is| are|'re)\s+(\d{1,2})\b(?!\s*(?:%|dollars|bucks|\$))", re.I)]
# below the usual price; not "final sale" (a returns rule) nor "for sale" (anything sold)
_ON_SALE = re.compile(r"\bon sale\b|(?<!final )(?<!for )\bsales?\b(?! tax)|\bdiscount(?:ed|s)?\b|\bdeals?\b|"
                      r"\bmarked down\b|\bmarkdowns?\b|\breduced\b", re.I)
_AGE_WORDS = {"baby": 1, "babies": 1, "infant": 1, "toddler": 2, "toddlers": 2, "preschooler": 4,
              "preschoolers": 4, "kindergartener": 5, "teen": 14, "teens": 14, "teenager": 14, "teenagers": 14,
              "tween": 11, "tweens": 11}
_SORTS = [("price_asc", re.compile(r"\b(?:cheapest|cheap|least expensive|lowest[- ]price[d]?|inexpensive|"
                                   r"affordable|chepest|cheapst|lowest cost)\b", re.I)),
          ("price_desc", re.compile(r"\b(?:most expensive|priciest|highest[- ]price[d]?|premium|luxury|fanciest|"
                                    r"top of the line)\b", re.I)),
          ("rating", re.compile(r"\b(?:best|top|highest)[- ]?(?:rated|reviewed|ranked)|"
                                r"\b(?:best|top|highest|better) (?:customer |user )?(?:reviews|ratings?)\b|"
                                r"\bbest\b|\bmost popular\b|\bhighly rated\b|\bbest sellers?\b|\bfavou?rites?\b",
                                re.I)),
          ("newest", re.compile(r"\b(?:newest|latest|new arrivals?|just in|most recent)\b", re.I))]
_COUNT = re.compile(r"\b(?:top|best|first|show me|give me|list|suggest)\s+(\d{1,2}|%s)\b" % "|".join(
    k for k, v in _UNITS.items() if 1 < v <= 10), re.I)
# the words for the lowest- or highest-priced product ("the cheapest bike", "the least expensive one")
PRICE_EXTREME = r"(?:cheapest|most expensive|priciest|least expensive|lowest[- ]priced?|highest[- ]priced?)"
_PLURAL_HINT = re.compile(r"\b(?:any|some|all|list|options|ideas|which|what)\b", re.I)
_WORD = re.compile(r"[a-z][a-z'’-]*")
_WEIGHT = re.compile(r"\b(under|less than|below|lighter than|at most|max(?:imum)?|no more than|up to|over|more than|"
                     r"above|heavier than|at least)\s*(\d+(?:\.\d+)?)\s*(lbs?|pounds?|oz|ounces?|kgs?|kilos?|"
                     r"kilograms?|g|grams?)\b", re.I)
_POUNDS_PER = {"lb": 1.0, "pound": 1.0, "oz": 1 / 16, "ounce": 1 / 16, "kg": 2.20462, "kilo": 2.20462,
               "kilogram": 2.20462, "g": 0.00220462, "gram": 0.00220462}


def pounds(amount: float, unit: str) -> float:
    """An amount of weight in pounds ("7.4", "oz" → 0.4625)."""
    unit = unit.lower().rstrip("s") or "lb"
    return amount * _POUNDS_PER.get(unit, _POUNDS_PER.get(unit.rstrip("e"), 1.0))


@dataclass(frozen=True)
class ShopQuery:
    text: str
    min_price: float | None = None
    max_price: float | None = None
    age: int | None = None
    sort: str | None = None  # price_asc, price_desc, rating, newest
    count: int | None = None  # how many the shopper asked for, when they said
    terms: list[str] = field(default_factory=list)  # the words left to match against the catalog
    min_weight: float | None = None  # pounds: "over 5 lb"
    max_weight: float | None = None  # pounds: "under 2 lb", "less than 500 g"
    on_sale: bool = False  # "anything on sale?", "discounted jackets": only products below their usual price

    @property
    def constrained(self) -> bool:
        return self.on_sale or any(x is not None for x in (self.min_price, self.max_price, self.age, self.sort,
                                                           self.min_weight, self.max_weight))


def words_to_numbers(text: str) -> str:
    """"twenty five dollars" → "25 dollars", "a hundred" → "100": spelled-out amounts become digits."""
    def number(m: re.Match) -> str:
        if m.group(1):
            return str(_TENS[m.group(1).lower()] + (_UNITS[m.group(2).lower()] if m.group(2) else 0))
        if m.group(3):
            return str(_UNITS[m.group(3).lower()])
        return "100"
    return _NUMBER_WORDS.sub(number, text)


def parse_query(text: str) -> ShopQuery:
    """The message's price range, age, sort order, count and remaining words."""
    plain = words_to_numbers(text)
    lightest = heaviest = None  # "under 2 lb" is a weight, never a price
    for m in _WEIGHT.finditer(plain):
        amount = pounds(float(m.group(2)), m.group(3))
        if m.group(1).lower() in ("over", "more than", "above", "heavier than", "at least"):
            lightest = amount
        else:
            heaviest = amount
    plain = _WEIGHT.sub(" ", plain)
    low = high = None
    rest = plain
    if (m := _RANGE.search(plain)) and _RANGE_NEEDS_MONEY.search(m.group(0) + plain[:m.start()][-12:]) \
            and not _is_age_span(plain, m):
        a, b = sorted((_money(m.group(1)), _money(m.group(2))))
        low, high = a, b
        rest = rest.replace(m.group(0), " ")
    else:
        if (m := _MAX.search(plain)) and not _is_age_span(plain, m):
            high = _money(m.group(1))
            rest = rest.replace(m.group(0), " ")
        elif m := _MAX_AFTER.search(plain):
            high = _money(m.group(1) or m.group(2))
            rest = rest.replace(m.group(0), " ")
        if (m := _MIN.search(plain)) and _looks_like_money(plain, m) and not _is_age_span(plain, m):
            low = _money(m.group(1))
            rest = rest.replace(m.group(0), " ")
        if low is None and high is None and (m := _AROUND.search(plain)) and _looks_like_money(plain, m):
            middle = _money(m.group(1))
            low, high = round(middle * 0.8, 2), round(middle * 1.2, 2)
            rest = rest.replace(m.group(0), " ")
    age = next((int(m.group(1)) for rx in _AGE if (m := rx.search(rest))), None)
    if age is None:
        age = next((_AGE_WORDS[w] for w in _WORD.findall(rest.lower()) if w in _AGE_WORDS), None)
    sort = next((name for name, rx in _SORTS if rx.search(plain)), None)
    count = None
    if m := _COUNT.search(plain):
        count = int(m.group(1)) if m.group(1).isdigit() else _UNITS[m.group(1).lower()]
    elif sort in ("price_asc", "price_desc") and re.search(rf"\b{PRICE_EXTREME}\b", plain, re.I) \
            and not _PLURAL_HINT.search(plain):
        count = 1  # "the cheapest bike": one product
    elif sort and (re.search(r"\bwhich(?: [a-z]+){0,3}? (?:is|'s|has)\b", plain, re.I) and not re.search(
            r"\b(?:ones|are|all|list|options|ideas)\b", plain, re.I) or re.search(
            rf"\b(?:{PRICE_EXTREME}|best[- ]rated|top[- ]rated|highest[- ]rated) (?:one|1)\b", plain, re.I)):
        count = 1  # "which is best rated?", "what's the cheapest one?": one product
    on_sale = bool(_ON_SALE.search(plain))
    for rx in [*(r for r in _AGE), *(r for _, r in _SORTS), _ON_SALE]:
        rest = rx.sub(" ", rest)
    terms = [w.strip("'’-") for w in _WORD.findall(rest.lower())]
    return ShopQuery(text=text, min_price=low, max_price=high, age=age, sort=sort, count=count,
                     terms=[t for t in terms if t], min_weight=lightest, max_weight=heaviest, on_sale=on_sale)


def _money(value: str) -> float:
    return float(value.replace(",", "."))


def _looks_like_money(text: str, m: re.Match) -> bool:
    """"over 50" is a price unless it is an age or a count ("over 50 pieces")."""
    after = text[m.end():m.end() + 12].lower()
    return not re.match(r"\s*(?:pieces?|pcs|years?|yrs?|months?|players?|lb|lbs|oz|inch|in\b|cm|mm|ft|%|w\b)",
                        after)


def _is_age_span(text: str, m: re.Match) -> bool:
    after = text[m.end():m.end() + 12].lower()
    return bool(re.match(r"\s*(?:-?\s*)?(?:years?|yrs?|y/?o|months?)\b", after))
