"""Stock questions: from the variants' stock when a platform export gave it, else say plainly that the catalog
has no stock levels and offer a person.

"Is it in stock?" never gets a price or a shipping cut-off instead. If the catalog one day carries a
``stock`` or ``in_stock`` field, it is read and said as a sentence. "Is it available in blue?" asks for an
option first: it is answered from the product's colours or sizes ("It comes in oat and storm gray; blue isn't
one of them"), and only then is stock said to be unknown; "what sizes is it available in?" gets its sizes.
"""

from __future__ import annotations

import re

from chatbot.common.words import stems
from chatbot.shop.catalog import OPTION_FIELD, Listing
from chatbot.shop.phrasing import attribute_sentence, is_plural
from chatbot.shop.skills.base import ShopContext, SkillReply, offer_person
from chatbot.shop.skills.targets import target_products
from chatbot.shop.variants import COLOUR_NAMES, asked_options, named_variants, options_sentence, variant_stock

_STOCK_FIELDS = ("in_stock", "stock", "availability", "quantity", "inventory")
_ASKS_STOCK = re.compile(r"\b(?:in[- ]?stock|stock|stocked|available|availability|sold out|left|restock\w*|back in|"
                         r"on hand|inventory|how many\b.{0,40}\b(?:have|got)|have any more|run out|out of)\b"
                         r"|\bdo you (?:have|carry)\b.{1,60}\bin (?:an? |the |size )?[\w-]+\s*[?.!]*$", re.I)


# "in <option>" at the end of a question about a product, and the words that say what kind of option it is
_ASKS_OPTION = re.compile(r"\b(?:in|come in|comes in|available in)\s+(?:an?\s+|the\s+|size\s+)*"
                          r"([a-z][a-z -]{0,24}?)\s*(?:colou?r|size|one|version)?\s*[?.!]*$", re.I)
# "what sizes is it available in?" asks which sizes there are, not whether it is in stock
_WHICH_OPTIONS = re.compile(r"\b(?:what|which)\b.*\b(?:available|come|comes|get (?:it|them|one))\s+in\s*[?.!]*$", re.I)
_NAMES_KIND = re.compile(r"\b(?:colou?rs?|sizes?|finish|style|flavou?r|pattern)\b", re.I)


class Availability:
    name = "availability"

    def reply(self, context: ShopContext) -> SkillReply | None:
        if not _ASKS_STOCK.search(context.message):
            return None  # routed here, but not about stock ("a physical store in Boston?")
        products = target_products(context, want=1)
        item = products[0] if products else None
        reply = SkillReply("", products=[item] if item else [], focus=item.product.id if item else None)
        if item is not None and item.product.variants:  # "is the navy one in stock?": those variants' stock
            values, variants = named_variants(item.product, context.message)
            said = variant_stock(item.product, values, variants) if variants else None
            if said:
                reply.text = f"{said} {reply.cite(item.doc_id)}."
                return reply
        if item is not None and _WHICH_OPTIONS.search(context.message.strip()) and (
                asked := asked_options(item.product, context.message)):
            reply.text = f"{options_sentence(item.product, asked)} {reply.cite(item.doc_id)}."
            return reply
        option = option_answer(item, context, reply) if item is not None else None
        if option:
            reply.text = f"{option} I can't see live stock levels, though. {offer_person(context)}"
            return reply
        if item is not None:
            field = next((f for f in _STOCK_FIELDS if f in item.product.attributes), None)
            if field is not None:
                value = item.product.attributes[field]
                cite = reply.cite(item.doc_id)
                if isinstance(value, bool):
                    state = "in stock" if value else "out of stock right now"
                    reply.text = f"The {item.product.name} is {state} {cite}."
                else:
                    reply.text = f"The catalog lists the {item.product.name}'s {field.replace('_', ' ')} as " \
                                 f"{value} {cite}."
                return reply
        what = f"the {item.product.name}" if item else "an item"
        reply.text = (f"I can't see live stock levels, so I can't tell whether {what} is in stock right now. "
                      f"{offer_person(context)}")
        if item is not None:
            reply.text = reply.text.replace(" right now.", f" right now {reply.cite(item.doc_id)}.")
        reply.abstained, reply.reason = True, "not_in_catalog"
        return reply


def option_answer(item: Listing, context: ShopContext, reply: SkillReply) -> str | None:
    """"Is it available in blue?": whether the product's colours (or sizes, ...) hold the option asked, said
    with the options it has; None when the message asks no option or the product lists none. The asked words
    are an option when some product of the store comes in them, the message says what kind ("in red
    colour"), or they name a colour ("red"): "in stock" or "in Canada" never is."""
    asked = _ASKS_OPTION.search(context.message.strip())
    if not asked:
        return None
    wanted = asked.group(1).strip()
    if not (set(stems(wanted)) <= context.catalog.option_stems or _NAMES_KIND.search(context.message)
            or set(wanted.lower().split()) <= COLOUR_NAMES):  # "red": a colour though no product comes in it
        return None
    for field, value in item.product.attributes.items():
        if not OPTION_FIELD.match(field) or not isinstance(value, str):
            continue
        options = [o.strip() for o in re.split(r",|/|;|\bor\b", value) if o.strip()]
        cite = reply.cite(item.doc_id)
        said = attribute_sentence(item.product.name, field, value)
        if any(set(stems(wanted)) <= set(stems(o)) for o in options):
            return f"Yes: {said[0].lower()}{said[1:]} {cite}."
        one = "any of them" if is_plural(item.product.name) else "one of them"
        return f"{said} {cite}; {wanted} isn't {one}."
    return None
