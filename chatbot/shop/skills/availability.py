"""Stock questions: the catalog has no stock levels, so say so plainly and offer a person.

"Is it in stock?" never gets a price or a shipping cut-off instead. If the catalog one day carries a
``stock`` or ``in_stock`` field, it is read and said as a sentence.
"""

from __future__ import annotations

import re

from chatbot.shop.skills.base import ShopContext, SkillReply, offer_person
from chatbot.shop.skills.targets import target_products

_STOCK_FIELDS = ("in_stock", "stock", "availability", "quantity", "inventory")
_ASKS_STOCK = re.compile(r"\b(?:in[- ]?stock|stock|stocked|available|availability|sold out|left|restock\w*|back in|"
                         r"on hand|inventory|how many\b.{0,40}\b(?:have|got)|have any more|run out|out of)\b", re.I)


class Availability:
    name = "availability"

    def reply(self, context: ShopContext) -> SkillReply | None:
        if not _ASKS_STOCK.search(context.message):
            return None  # routed here, but not about stock ("a physical store in Boston?")
        products = target_products(context, want=1)
        item = products[0] if products else None
        reply = SkillReply("", products=[item] if item else [], focus=item.product.id if item else None)
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
