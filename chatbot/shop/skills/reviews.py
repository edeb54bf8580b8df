"""What reviewers say about a product, attributed and weighed by counts, never stated as store facts.

"Reviewers rate the Tidepool Marble Run 4.5 of 5 on average (4 reviews). 3 of them praise ease of use and
2 mention value; 1 criticises durability. One wrote: "…" [2]." Praise and complaints are both reported
with their counts, so a summary never quotes only one side. "Would you recommend it?" gets the same
summary, said to be the reviewers' view rather than the store's.
"""

from __future__ import annotations

import re

from chatbot.common.guards import looks_like_instruction
from chatbot.common.words import stem, stems
from chatbot.shop.phrasing import join_words
from chatbot.shop.reviews import summarize_reviews
from chatbot.shop.skills.base import ShopContext, SkillReply
from chatbot.shop.skills.targets import target_products

_OPINION = re.compile(r"\b(?:recommend|worth|good|any good|like it|love|should i (?:buy|get))\b", re.I)
# words of asking about reviews in general; what is left names a topic ("leaks", "the noise", "assembly")
_GENERAL = {stem(w) for w in """a an the is are do does did say says said think thinks people folks customers
shoppers buyers parents reviewers reviewer review reviews rating ratings rated rate stars star what whats how any
about it its this that they them of on for to in with and or would you recommend worth money good bad really
complaints complaint complain problems problem issues issue opinion opinions feedback like love hate mention
mentions mentioned according generally overall anyone there other others products product one ones first second
third last cheaper cheapest pricier more expensive tell me know can could show give see""".split()}


def asks_opinion(message: str) -> bool:
    """"Would you recommend it?", "is it worth it?": the reviewers' view is the answer."""
    return bool(_OPINION.search(message))


class ReviewSummary:
    name = "reviews"

    def reply(self, context: ShopContext) -> SkillReply | None:
        several = target_products(context, want=3) if context.shown else []
        if len(several) > 1 and not context.catalog.mentioned(context.message, loose=False):
            # "what do reviewers say about them?" after a list
            return self._side_by_side(several, context.catalog.reviews)
        products = target_products(context, want=1)
        if not products:
            return None
        item = products[0]
        reply = SkillReply("", products=[item], focus=item.product.id)
        name = item.product.name
        reviews = context.catalog.reviews.get(item.product.id, [])
        if not reviews:
            reply.text = (f"The {name} has no reviews yet {reply.cite(item.doc_id)}, so I can't tell you what "
                          "other shoppers think of it.")
            return reply
        analysis = summarize_reviews(reviews, item.product.id, "product", [item.product.id], max_aspects=3,
                                     max_examples=1)
        n = analysis.total
        lead = "I can't give a personal opinion, but here is what shoppers say. " if _OPINION.search(
            context.message) else ""
        parts = [f"{lead}Reviewers rate the {name} {analysis.average_rating:.1f} of 5 on average "
                 f"({n} review{'s' if n != 1 else ''})."]
        positive = analysis.sentiment["positive"]["count"]
        negative = analysis.sentiment["negative"]["count"] + analysis.sentiment["neutral"]["count"]
        parts.append(f"{positive} of {n} gave 4 or 5 stars" + (f" and {negative} gave 3 or fewer." if negative
                                                               else "."))
        praised = [f"{a.aspect} ({a.count})" for a in analysis.praised[:3]]
        criticised = [f"{a.aspect} ({a.count})" for a in analysis.criticised[:2]]
        if praised:
            parts.append(f"They praise {join_words(praised)}.")
        if criticised:
            parts.append(f"Complaints mention {join_words(criticised)}.")
        quotes = _quotes(analysis)
        for label, quote in quotes:
            parts.append(f"{label} wrote: \"{quote.text}\" {reply.cite('review:' + quote.review_id)}")
        topic = _topic(context.message, name)
        if topic:
            parts.insert(1 if lead else 0, _about_topic(topic, reviews, reply))
        reply.text = " ".join(parts)
        return reply


    def _side_by_side(self, items: list, reviews: dict) -> SkillReply:
        """Each product's rating, count, what is praised and criticised most, and one quote."""
        reply = SkillReply("", products=list(items))
        lines = []
        for item in items:
            if not item.reviews:
                lines.append(f"- {item.product.name}: no reviews yet {reply.cite(item.doc_id)}")
                continue
            analysis = summarize_reviews(reviews.get(item.product.id, []), item.product.id, "product",
                                         [item.product.id], max_aspects=2, max_examples=1)
            line = f"- {item.product.name}: {analysis.average_rating:.1f} of 5 from {analysis.total} " \
                   f"review{'s' if analysis.total != 1 else ''}"
            if analysis.praised:
                line += f"; praised for {join_words([a.aspect for a in analysis.praised[:2]])}"
            if analysis.criticised:
                line += f"; complaints about {join_words([a.aspect for a in analysis.criticised[:1]])}"
            quotes = _quotes(analysis)
            if quotes:
                label, quote = quotes[0]
                line += f"; {label[0].lower()}{label[1:]} wrote: \"{quote.text}\" {reply.cite('review:' + quote.review_id)}"
            else:
                line += f" {reply.cite(item.doc_id)}"
            lines.append(line)
        reply.text = "Here is what reviewers say about each:\n" + "\n".join(lines)
        return reply


def _quotes(analysis) -> list[tuple[str, object]]:
    """One praising and (when there is one) one critical quote, so both sides are heard."""
    chosen = []
    # a "review" that gives the bot orders is not quoted (it still counts in the rating it gave)
    good = next((q for a in analysis.praised for q in a.examples if not looks_like_instruction(q.text)), None)
    bad = next((q for a in analysis.criticised for q in a.examples if not looks_like_instruction(q.text)), None)
    if good is not None:
        chosen.append((f"One {good.rating:g}-star reviewer", good))
    if bad is not None and (good is None or bad.review_id != good.review_id):
        chosen.append((f"A {bad.rating:g}-star reviewer", bad))
    return chosen


def _topic(message: str, product_name: str) -> list[str]:
    """The words that name what the shopper wants to hear about, beyond reviews in general ("leaks")."""
    name = set(stems(product_name))
    words = [w for w in re.findall(r"[a-z]+", message.lower()) if len(w) > 2 and stem(w) not in _GENERAL | name]
    # "do the plates chip easily?": the topic is chipping; "easily" only says how
    return [w for w in words if not w.endswith("ly")] or words


def _about_topic(topic: list[str], reviews, reply: SkillReply) -> str:
    """"2 of 7 reviews mention leaks; one wrote: ..." or "None of the 7 reviews mention leaks."."""
    wanted = {stem(w) for w in topic}
    mentioning = [r for r in reviews if wanted & set(stems(f"{r.title} {r.text}")) and not looks_like_instruction(r.text)]
    words = f'"{" ".join(topic)}"'
    if not mentioning:
        return f"None of its {len(reviews)} reviews mention {words}."
    example = min(mentioning, key=lambda r: r.rating)  # the most critical mention says the most about a worry
    sentence = next((s for s in re.split(r"(?<=[.!?])\s+", example.text)
                     if wanted & set(stems(s))), example.text)
    verb = "mentions" if len(mentioning) == 1 else "mention"
    return (f"{len(mentioning)} of its {len(reviews)} reviews {verb} {words}; a {example.rating:g}-star reviewer "
            f"wrote: \"{sentence.strip()}\" {reply.cite('review:' + example.id)}")
