"""A product's attribute, said as a sentence: "Yes, the Silicone Baking Mat Set of 3 is dishwasher safe [1]."

The product is the one the message names, "the second one" of the products last shown, or the one in
focus. The attribute is the catalog field whose name (or a word shoppers use for it) the question holds:
"made of" → material, "batteries" → batteries_required, "how old" → age_range, "how much" → price.
An age question ("is it good for a 5 year old?") is checked against the age range. A field the catalog
does not list is said to be not listed, with a person offered, unless the description says it.
"""

from __future__ import annotations

import re
from difflib import get_close_matches

from chatbot.answer.grounding import unmatched_names
from chatbot.common.english import is_english_word
from chatbot.common.words import stem, stems
from chatbot.shop.catalog import Listing
from chatbot.shop.phrasing import (
    BOOLEAN_PHRASES,
    agreeing,
    an_age,
    attribute_sentence,
    is_plural,
    join_words,
    yes_no_phrases,
)
from chatbot.shop.recommend import age_range
from chatbot.shop.skills.availability import option_answer
from chatbot.shop.skills.base import ShopContext, SkillReply, offer_person, rating_words
from chatbot.shop.skills.targets import target_products, without_pointers
from chatbot.shop.variants import (
    asked_options,
    missing_colours,
    named_variants,
    options_sentence,
    price_words,
    sale_sentence,
    variant_price,
)

# words shoppers use for a field, by the field's own words (stems are compared)
_SYNONYMS = {
    "material": "made make material materials fabric wood plastic metal steel silicone cotton",
    "batteries": "battery batteries batterie power powered charge charging plug",
    "age": "age ages old year years older younger kid toddler suitable appropriate",
    "colors": "color colors colour colours colourway shades",
    "color": "color colour",
    "pieces": "pieces piece parts count",
    "weight": "weigh weight weighs heavy light pounds lbs",
    "dimensions": "size dimensions big large small tall wide long measure measurements",
    "capacity": "capacity hold holds volume liters litres ounces",
    "dishwasher": "dishwasher dishwashers",
    "oven": "oven ovens",
    "microwave": "microwave microwaves",
    "washable": "wash washable washing laundry machine",
    "water": "waterproof water wet rain splash",
    "price": "price cost costs much expensive cheap dollars priced",
    "players": "players people play",
    "compatibility": "compatible compatibility work works fit fits iphone android ipad samsung",
    "includes": "include includes included come comes box contents",
    "wattage": "watts wattage power powerful",
    "life": "last lasts life long hours",
    "cable": "cable cord wire lead long length",
    "length": "long length",
    "foldable": "fold folds folding foldable collapsible collapse",
    "certification": "certified certification safety standard",
    "height": "tall height high",
    "run_time": "last lasts long minutes hours runtime battery life",
    "shutoff": "shut shuts turn turns off itself automatic automatically auto",
    "care": "care wash washable washing clean cleaning laundry machine dry",
}
# words that ask about one property; when the product lists no field for it, the answer is "not listed",
# never another field that merely shares a word with the question
_PROPERTIES = {"dishwasher", "oven", "microwave", "waterproof", "washable", "batteries", "battery", "foldable",
               "fold", "assembly", "bluetooth", "wireless", "rechargeable", "noise", "cancelling", "certified",
               "weigh", "weight", "heavy", "thread", "warranty"}


# a question about sending a product back: a final-sale product answers it from its own record
_ASKS_SALE = re.compile(r"\b(?:on sale|sale price|discount(?:ed)?|reduced|marked down|on offer|any deals?)\b", re.I)
_RETURN = re.compile(r"\b(?:return|returns|returned|returnable|send (?:it |them |this |that )?back|exchange|"
                     r"exchanged|refund|refundable)\b", re.IGNORECASE)

_ASKS_PRICE = re.compile(r"\bhow much\b|\bprices?\b|\bcosts?\b|\$", re.I)
_POINTS_AT = re.compile(r"\b(?:it|this|that|them|these|those|one)\b", re.IGNORECASE)


def product_fact_asked(context: ShopContext) -> bool:
    """Whether a message that reads like a store question asks a fact of the product it points at: returning a
    product marked final sale, or whether it is on sale / discounted (an imported product knows its sales)."""
    return final_sale_asked(context) or sale_asked(context)


def sale_asked(context: ShopContext) -> bool:
    """"Is it discounted?" on a product page, "is the Canyon bottle on sale?": about that product's price, not
    the store's promo codes."""
    if not _ASKS_SALE.search(context.message):
        return False
    if not (_POINTS_AT.search(context.message) or context.catalog.mentioned(context.message, loose=False)):
        return False
    products = target_products(context, want=1)
    return bool(products) and bool(products[0].product.variants)


def final_sale_asked(context: ShopContext) -> bool:
    """Whether the message asks about returning a product whose catalog record marks it final sale ("Can I
    send back the Engraved Maple Cutting Board?"); the store's returns policy answers for other products."""
    if not _RETURN.search(context.message):
        return False
    # the product named, or pointed at ("can I return it?"); "what's your return policy?" is about none
    if not (_POINTS_AT.search(context.message) or context.catalog.mentioned(context.message, loose=False)):
        return False
    products = target_products(context, want=1)
    return bool(products) and products[0].product.attributes.get("final_sale") is True


class AttributeAnswer:
    name = "attribute"

    def reply(self, context: ShopContext) -> SkillReply | None:
        products = target_products(context, want=1)
        if not products:
            return None
        item = products[0]
        if _RETURN.search(context.message) and item.product.attributes.get("final_sale") is True:
            return _final_sale(item)
        if _ASKS_SALE.search(context.message) and item.product.variants:  # an imported product knows its sales
            reply = SkillReply("", products=[item], focus=item.product.id)
            reply.text = f"{sale_sentence(item.product)} {reply.cite(item.doc_id)}."
            return reply
        options = asked_options(item.product, context.message)
        if len(options) > 1 and not _ASKS_PRICE.search(context.message):  # "what sizes and colours ...?": each
            reply = SkillReply("", products=[item], focus=item.product.id)
            reply.text = f"{options_sentence(item.product, options)} {reply.cite(item.doc_id)}."
            return reply
        # the product's own name says nothing about the field ("Silicone Baking Mat": not a material question),
        # unless nothing else in the question does ("is it noise cancelling?" on the Noise-Cancelling Headphones)
        words = set(stems(without_pointers(context.message)))
        question = words - set(stems(item.product.name))
        # "the second one", "tell me more about it", "what can you tell me about the kettle?"
        if not words - _BARE or (not question - _ASKING and question & _ABOUT):
            return _overview(item)
        if context.query.age is not None and ("age_range" in item.product.attributes or question & _AGE_WORDS):
            return _age_answer(item, context.query.age)
        field = _best_field(item, question)
        if field is None and not question - _ASKING:  # only the name says what is asked: "is it noise cancelling?"
            field = _best_field(item, words)  # ("is the Bluetooth speaker loud enough?" is not about Bluetooth)
        if field is None:
            option = SkillReply("", products=[item], focus=item.product.id)
            if (said := option_answer(item, context, option)) is not None:  # "does it come in red?"
                option.text = said
                return option
            # the description, read for the name's words too when only they say what is asked ("pre-seasoned?")
            return _from_description(item, context, question if question - _ASKING else words)
        asked = _asked_property(question)  # not a word of its name ("wireless" charging stand)
        yes_no = isinstance(item.product.attributes.get(field), bool)
        if asked and yes_no and not any(
                f.startswith(stem(asked)) for f in stems(field.replace("_", " "))):  # "fold": foldable
            return _listed_as(item, field, asked)  # "is it waterproof?" of a water-resistant backpack
        record = context.catalog.text_stems(item.product.id)
        other = _unanswered_word(context.message, question - record, field, record) if yes_no else None
        if other:  # "does the tablecloth shrink in the wash?": washable, but that is not what was asked
            return _listed_as(item, field, other, about=True)
        return _say(item, field, context.message)


def _asked_property(words: set[str]) -> str | None:
    """The yes/no property the question names ("waterproof", "dishwasher"), as written in ``_PROPERTIES``."""
    return next((p for p in sorted(_PROPERTIES) if stem(p) in words), None)


def _listed_as(item: Listing, field: str, asked: str, about: bool = False) -> SkillReply:
    """A yes/no question about a property the catalog lists only under a nearby name: say what it lists,
    not "Yes" ("The catalog lists it as water resistant; it doesn't say waterproof"). ``about``: ``asked`` is
    a word of the question the field does not speak to ("shrink" of a machine-washable tablecloth)."""
    reply = SkillReply("", products=[item], focus=item.product.id)
    value = item.product.attributes[field]
    positive, negative = BOOLEAN_PHRASES.get(field) or yes_no_phrases(field.replace("_", " "))
    said = agreeing(item.product.name, positive if value else negative)
    unsaid = f'anything about "{asked}"' if about else f"whether it is {asked}"
    reply.text = f"Our catalog says the {item.product.name} {said} {reply.cite(item.doc_id)}; it doesn't say {unsaid}."
    return reply


def _unanswered_word(message: str, question: set[str], field: str, record: set[str]) -> str | None:
    """A word of the question (as written) that asks about something the yes/no ``field`` does not say:
    "shrink" in "does the tablecloth shrink in the wash?" answered by machine_washable. ``question`` holds only
    the stems the product's record never mentions. Short and asking words don't count, nor words the field's
    name or its synonyms hold. Only an ordinary English word is named, and not a slip of one of the record's
    own words: "Doetshe" is garbled and "boar" (of "cutting boar") is the record's "board", so neither is a
    subject to tell the shopper the catalog is silent on."""
    said = _field_words(field)
    left = {w for w in question - _ASKING if len(w) >= 4 and not _overlap(said, {w})
            and not get_close_matches(w, record, n=1, cutoff=0.85)}
    return next((w for w in re.findall(r"[a-z]+", message.lower()) if stem(w) in left and is_english_word(w)), None)


# words that only point at a product and ask to hear about it
_BARE = {stem(w) for w in """a an the and or what whats what's about how hows how's is it its it's this that
one ones tell me more show see more details detail info information about on please pls ok okay so then
product item""".split()}
# words that only ask ("can I put it in ...?", "does the ... have ..."): what is left says what is asked about
_ASKING = _BARE | {stem(w) for w in """do does doe did can could will would should are was were be been have has had
i we you my our your for to in into of with on at by from get go put use used using need safe okay good really
also still able there any if when come comes include includes included including how many much which""".split()}
_LINKING = {stem(w) for w in "in on of for to at by with from is it a the".split()}
_LIMIT = re.compile(r"(?:^|_)(?:max|min|maximum|minimum|limit)(?:_|$)")
_LIMIT_WORDS = {stem(w) for w in "max maximum min minimum limit hold holds support supports carry up rider riders "
                                 "capacity".split()}
_ABOUT = {stem(w) for w in ("tell", "info", "information", "details", "detail", "more", "about")}
_AGE_WORDS = {stem(w) for w in ("good", "ok", "okay", "suitable", "right", "appropriate", "old", "age", "for")}


def _field_words(field: str) -> set[str]:
    words = set(stems(field.replace("_", " ")))
    for key, synonyms in _SYNONYMS.items():
        if stem(key) in words or key in field:
            words |= set(stems(synonyms))
    # words that name no property: the "in" of in_stock is not what "does it come in red?" asks about
    return words - {stem(w) for w in ("safe", "required", "range", "type", "included")} - _LINKING


def _overlap(field_words: set[str], question: set[str]) -> int:
    """Shared words, counting "fold"/"foldabl" and near-typos ("dishwas" for "dishwash") as shared."""
    shared = 0
    for word in question:
        if word in field_words or any(len(word) >= 4 and len(f) >= 4 and (f.startswith(word) or word.startswith(f))
                                      for f in field_words) or (len(word) >= 6 and get_close_matches(
                                          word, field_words, n=1, cutoff=0.85)):
            shared += 1
    return shared


def _best_field(item: Listing, question: set[str]) -> str | None:
    fields = ["price", *item.product.attributes]
    asked = {w for w in question if any(w == stem(p) or (len(w) >= 6 and get_close_matches(w, [stem(p)], 1, 0.85))
                                         for p in _PROPERTIES)}
    if asked:  # "how much does it weigh?" is about weight, not the price "much" also names
        fields = [f for f in fields if _overlap(_field_words(f), asked)]
        if not fields:
            return None  # "is the mixer bowl dishwasher safe?": no dishwasher field; "bowl material" is not it
    # a limit ("max_weight: 55 lb", the heaviest rider) answers "how much can it hold?", not "is it heavy?"
    scored = [(_overlap(_field_words(f), question) - (0.5 if _LIMIT.search(f) and not question & _LIMIT_WORDS else 0),
               -i, f) for i, f in enumerate(fields)]
    best = max(scored)
    return best[2] if best[0] > 0 else None


def _final_sale(item: Listing) -> SkillReply:
    """"No: the Engraved Maple Cutting Board is final sale, so it can't be returned or exchanged [1]." (a "Yes,
    it is final sale" would read as yes to "can I send it back?")."""
    reply = SkillReply("", products=[item], focus=item.product.id)
    name = item.product.name
    the = "" if name.lower().startswith("the ") else "the "
    reply.text = (f"No: {the}{name} {agreeing(name, 'is')} final sale, so {'they' if is_plural(name) else 'it'} "
                  f"can't be returned or exchanged {reply.cite(item.doc_id)}.")
    return reply


def _say(item: Listing, field: str, message: str = "") -> SkillReply:
    reply = SkillReply("", products=[item], focus=item.product.id)
    if field == "price":  # "how much is the red one?": that variant's price; else the range or the sale
        values, variants = named_variants(item.product, message)
        said = variant_price(item.product, values, variants) if variants else attribute_sentence(
            item.product.name, field, price_words(item.product))
        missing, offered = ([], []) if variants else missing_colours(item.product, message)
        if missing:  # not the price of some other colour as if it were the red one's
            name, it = item.product.name, "they" if is_plural(item.product.name) else "it"
            lacks = agreeing(name, "doesn't come")
            said = (f"The {name} {lacks} in {' or '.join(missing)}; {it} "
                    f"{agreeing(name, 'comes')} in {join_words(offered)}, at {price_words(item.product)}")
    else:
        said = attribute_sentence(item.product.name, field, item.product.attributes[field])
    reply.text = f"{said} {reply.cite(item.doc_id)}."
    return reply


def _overview(item: Listing) -> SkillReply:
    """The product in a few words: price, rating, ages, and its description's first sentence."""
    reply = SkillReply("", products=[item], focus=item.product.id)
    product = item.product
    ages = product.attributes.get("age_range")
    first = re.split(r"(?<=[.!?])\s+", product.description.strip())[0] if product.description.strip() else ""
    details = ", ".join(filter(None, [price_words(product) if product.price is not None else "",
                                      rating_words(item), f"for ages {ages}" if ages else ""]))
    said = f"The {product.name}: {details}. {first.rstrip('.!')}".strip().rstrip(".")
    reply.text = f"{said} {reply.cite(item.doc_id)}."
    return reply


def _age_answer(item: Listing, age: int) -> SkillReply:
    reply = SkillReply("", products=[item], focus=item.product.id)
    ages = item.product.attributes.get("age_range")
    span = age_range(ages)
    cite = reply.cite(item.doc_id)
    if span is None:
        reply.text = f"The catalog doesn't give an age range for the {item.product.name} {cite}."
    elif span[0] <= age <= span[1]:
        reply.text = (f"Yes: the {item.product.name} {agreeing(item.product.name, 'is')} for ages {ages}, "
                      f"so {an_age(age)} is in range {cite}.")
    else:
        side = "older" if age < span[0] else "younger"
        reply.text = (f"It's made for {side} children: the {item.product.name} is for ages {ages}, "
                      f"and {age} is outside that {cite}.")
    return reply


def _from_description(item: Listing, context: ShopContext, question: set[str]) -> SkillReply:
    """No field fits the question: quote the description's sentence about it, or say it isn't listed."""
    content = question - _ASKING
    things = _asked_to_come_with(context.message)
    name = stems(item.product.name)

    def says(sentence: str) -> int:
        """The question's words the sentence holds; the thing asked to come with counts when the sentence says
        all its words apart from the product's name ("plus 20 glass marbles", not "a 120-piece marble run")."""
        words = stems(sentence)
        return len(set(words) & content) + 2 * bool(things and all(words.count(w) > name.count(w) for w in things))

    sentences = re.split(r"(?<=[.!?])\s+", item.product.description)
    best = max(sentences, key=says, default="")
    reply = SkillReply("", products=[item], focus=item.product.id)
    # "compatible with Magna-Tiles?": a sentence about tiles does not answer for a brand it never names
    other_brand = unmatched_names(context.message, [item.product.name, item.product.description])
    if best and says(best) >= 2 and not other_brand:
        whose = item.product.name + ("'" if is_plural(item.product.name) else "'s")  # the Earbuds' description
        reply.text = f"From the {whose} description: \"{best.strip()}\" {reply.cite(item.doc_id)}"
        return reply
    reply.text = (f"Our catalog doesn't list that for the {item.product.name} {reply.cite(item.doc_id)}, "
                  f"so I don't want to guess. {offer_person(context)}")
    reply.abstained, reply.reason = True, "not_in_catalog"
    return reply


_COMES_WITH = re.compile(r"\b(?:comes?|coming) with\b|\binclud(?:e|es|ed|ing)\b|\bin the box\b", re.IGNORECASE)


def _asked_to_come_with(message: str) -> set[str]:
    """What a "does it come with ...?" question asks about ("marbles"), as stems; empty for other questions."""
    found = _COMES_WITH.search(message)
    return set(stems(message[found.end():])) - _ASKING if found else set()
