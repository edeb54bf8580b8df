"""A product's field said as a sentence, and the words such sentences are made of.

"dishwasher_safe: true" → "Yes, the Silicone Baking Mat Set of 3 is dishwasher safe"; "age_range: 6-12 years"
→ "The Tidepool Marble Run is for ages 6-12 years"; a bare attribute of a passage ("Power source type:
battery powered") → "The power source type is battery powered". The catalog skills and the quoted answers
(``chatbot.answer.framing``) both say fields this way. No stop and no citation marker: the caller puts
``[n].`` after. It does not choose which field answers a question (``skills.attributes`` does).
"""

from __future__ import annotations

import re
from typing import Any

BOOLEAN_PHRASES = {  # field → (positive, negative) predicate
    "batteries_required": ("needs batteries", "doesn't need batteries"),
    "assembly_required": ("needs some assembly", "doesn't need assembly"),
    "personalized": ("can be personalized", "isn't personalized"),
    "final_sale": ("is final sale (it can't be returned)", "isn't final sale"),
    "auto_shutoff": ("shuts off automatically", "doesn't shut off automatically"),
    "foldable": ("folds up", "doesn't fold"),
    "adjustable": ("is adjustable", "isn't adjustable"),
}



def money(price: float | None) -> str:
    """12.0 → "$12.00"; None → "price not listed"."""
    return "price not listed" if price is None else f"${price:,.2f}"


def join_words(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def an_age(age: int) -> str:
    """"a 6-year-old", "an 8-year-old", "an 11-year-old": the article goes by how the number is said."""
    said_with_vowel = str(age).startswith("8") or age in (11, 18)
    return f"{'an' if said_with_vowel else 'a'} {age}-year-old"


def plural(word: str) -> str:
    """"bike" → "bikes", "battery" → "batteries", "box" → "boxes"; "headphones" and "gear" stay."""
    if word.endswith("s") or word in ("stuff", "gear"):
        return word
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("ch", "sh", "x")) else "s")


def attribute_sentence(name: str, field: str, value) -> str:
    """One field of a product said in words, without the final full stop (the citation goes before it):
    "Yes, the Silicone Baking Mat Set of 3 is dishwasher safe", "The Tidepool Marble Run is for ages 6-12 years".
    ``name`` may be "product" for a product with no name (the phrasing check over semiPQA's attributes)."""
    the = "the " if name == "product" or not name.lower().startswith("the ") else ""
    subject = f"{the.capitalize()}{name}"
    if field == "price":  # a number, or already in words ("$42.00-$45.00", "$18.00, down from $20.00")
        return f"{subject} {agreeing(name, 'is')} {value if isinstance(value, str) else money(value)}"
    words = field.replace("_", " ")
    if isinstance(value, bool):
        positive, negative = BOOLEAN_PHRASES.get(field) or yes_no_phrases(words)
        return f"{'Yes' if value else 'No'}, {the}{name} {agreeing(name, positive if value else negative)}"
    if field == "age_range":
        return f"{subject} {agreeing(name, 'is')} for ages {value}"
    if field == "material":  # "bowl_material" is the bowl's: "The bowl of the ... is made of"
        return f"{subject} {agreeing(name, 'is')} made of {value}"
    if field == "care":
        return f"Care for {the}{name}: {value}"
    if field in ("colors", "color"):
        return f"{subject} {agreeing(name, 'comes')} in {_listed(str(value))}"
    if field == "size":  # an imported option ("S, M, L"); the demo's "sizes" fields are descriptions
        return f"{subject} {agreeing(name, 'comes')} in sizes {_listed(str(value))}"
    if field == "includes":
        return f"{subject} {agreeing(name, 'comes')} with {value}"
    if isinstance(value, int) and not isinstance(value, bool) and re.fullmatch(r"[a-z]+s", words):
        return f"{subject} {agreeing(name, 'has')} {value} {words}"  # "speeds: 10" → "has 10 speeds"
    keeps = re.fullmatch(r"keeps (\w+)", words)
    if keeps:  # "keeps_cold: 24 hours" → "keeps drinks cold for 24 hours"
        what = "drinks" if re.search(r"\b(?:bottle|tumbler|mug|flask|thermos|cup)", name, re.I) else "things"
        return f"{subject} {agreeing(name, 'keeps')} {what} {keeps.group(1)} for {value}"
    return _generic_sentence(f"{the}{name}", words, value)


# the verbs a field's sentence starts with, as they are said of several things ("the headphones fold up")
_PLURAL_VERBS = {"is": "are", "isn't": "aren't", "has": "have", "doesn't": "don't", "comes": "come", "needs": "need",
                 "folds": "fold", "shuts": "shut", "works": "work", "keeps": "keep"}


def is_plural(name: str) -> bool:
    """Whether a product's name is plural ("Stillwater Noise-Cancelling Headphones", "Dinner Plates (Set of 4)"),
    by its last word before a count, "with", "for" or a bracket ("Floor Puzzle 48 Pieces" is one puzzle)."""
    core = re.split(r"\s(?:with|for|and)\s|\(|,|\s\d", name, maxsplit=1)[0].split()
    last = core[-1].lower() if core else ""
    return len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is", "vas"))


def agreeing(name: str, predicate: str) -> str:
    """``predicate`` ("is noise cancelling", "folds up") with its first verb agreeing with the product's name."""
    if not is_plural(name):
        return predicate
    verb, _, rest = predicate.partition(" ")
    return " ".join(filter(None, [_PLURAL_VERBS.get(verb, verb), rest]))


_ADJECTIVE_ENDINGS = ("able", "ible", "safe", "proof", "resistant", "free", "ed", "ing", "ic", "ive", "ful", "less",
                      "ant", "ent", "al", "ous", "required")


def yes_no_phrases(words: str) -> tuple[str, str]:
    """A yes/no field in words: "dishwasher safe" → "is dishwasher safe"; "adapter included" → "comes with an
    adapter"; a thing it has ("front pocket", "light up wheels") → "has a front pocket"."""
    if words.endswith(" included"):
        thing = words[: -len(" included")]
        article = "" if thing.endswith("s") else ("an " if thing[:1] in "aeiou" else "a ")
        return f"comes with {article}{thing}", f"doesn't come with {article}{thing}"
    if words.split()[-1].endswith(_ADJECTIVE_ENDINGS):
        return f"is {words}", f"isn't {words}"
    article = "" if words.endswith("s") else ("an " if words[:1] in "aeiou" else "a ")
    return f"has {article}{words}", f"doesn't have {article}{words}"


def _generic_sentence(subject: str, words: str, value) -> str:
    """Any other field, phrased as people phrase product attributes (checked against semiPQA's data-to-text
    sentences in ``benchmarks/phrasing.py``): "The product has 6 fans", "The dial of the product is yellow",
    "It works with iPhone 11 and iPhone 12", "The size of the product is 12-inch"."""
    said = _listed(str(value))
    count = re.fullmatch(r"(?:number of (.+)|(.+) count)", words)
    if count and re.fullmatch(r"\d[\d,.]*", str(value)):  # "number of keys: 28" → "has 28 keys"
        noun = count.group(1) or plural(count.group(2))
        return f"{subject[0].upper()}{subject[1:]} has {said} {noun}"
    part = re.fullmatch(r"(.+) colou?r", words)
    if part:  # "dial color: Yellow" → "The dial of the product is yellow"
        return f"The {part.group(1)} of {subject} is {said.lower() if said.istitle() else said}"
    part = re.fullmatch(r"(.*?)\s*material(?: type)?", words)
    if part:
        where = f"The {part.group(1)} of {subject}" if part.group(1) else f"{subject[0].upper()}{subject[1:]}"
        return f"{where} is made of {said}"
    if words.startswith(("compatible", "compatibility", "works with")):
        return f"{subject[0].upper()}{subject[1:]} works with {said}"
    if words.startswith("included") or words in ("includes", "in the box", "contents"):
        return f"{subject[0].upper()}{subject[1:]} comes with {said}"
    many = words.endswith("s") and not words.endswith("ss") and " of " not in words
    return f"The {words} of {subject} {'are' if many else 'is'} {said}"


def _listed(value: str) -> str:
    """"midnight, sand, sage" → "midnight, sand and sage" (a list of short items, not a sentence)."""
    items = [v.strip() for v in value.split(",")]
    if len(items) < 2 or any(not v or len(v.split()) > 4 for v in items):
        return value
    return join_words(items)


def attribute_words(name: str, field: str, value: Any) -> str:
    """One attribute said as a sentence, without its stop: ``power source type`` "battery powered" → "The power
    source type is battery powered"; ``is_electric`` false → "No, it isn't electric". ``name`` "product"
    means a product without a known name, said as "it". The same phrasing the catalog skill uses."""
    key = re.sub(r"[^a-z0-9]+", "_", field.lower()).strip("_")
    if isinstance(value, str):
        value = _typed(value)
    if isinstance(value, bool):
        key = re.sub(r"^(?:is|has|does)_", "", key)  # is_electric → "isn't electric", not "isn't is electric"
    if key == "category" and name != "product":
        the = "" if name.lower().startswith("the ") else "The "
        return f"{the}{name} is in our {value} category"
    said = attribute_sentence(name, key, value)
    if name == "product":
        said = re.sub(r"^The product\b", "It", said)
        said = re.sub(r"^(Yes|No), the product\b", r"\1, it", said)
        said = said.replace(" of the product", "").replace("the product", "it")
    return said


def _typed(value: str) -> Any:
    text = value.strip()
    if text.lower() in ("true", "yes"):
        return True
    if text.lower() in ("false", "no"):
        return False
    if re.fullmatch(r"\d+", text):
        return int(text)
    return re.sub(r"\s*;\s*", ", ", text)
