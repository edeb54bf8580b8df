"""Spot messages the bot must hand to a person at once, without trying to answer.

Three cases: the shopper asks for a person; the shopper is angry; the
shopper asks about one of their own purchases, which this bot cannot see.
Plain patterns, so the decision is fast, predictable and testable; policy
questions that merely mention "my order" ("how do I return my order?") are
left to the answering pipeline. Trouble with the shopper's own account ("I
can't log in") is not handed off by the patterns alone: the store's help
pages may answer it, and the hand-off responder passes it to a person only
when the best passages don't speak of that trouble (``account_trouble``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HUMAN = re.compile(
    r"\b(talk|speak|chat|connect|transfer|put) (me )?(through )?(to|with) (a |an |some |your )?(real |live )?"
    r"(human|person|agent|representative|rep|someone|somebody|operator|manager|staff|support)( team)?\b"
    r"|\b(real|live|actual) (human|person|agent)\b|\bhuman (agent|being|please)\b"
    r"|^\s*(human|agent|representative|operator|person)( please)?[.!?]*\s*$|\bcustomer service rep",
    re.IGNORECASE)
_ANGRY = re.compile(
    r"\b(furious|outraged|livid|ridiculous|unacceptable|disgusting|pathetic|worst (service|store|company)|"
    r"scam|scammers|rip-?off|ripped off|fed up|sick of|useless|wtf|f+u+c+k\w*|sh[i1]t+\w*|damn|crap)\b",
    re.IGNORECASE)
_OWN_ORDER = re.compile(
    r"\b(where('s| is)|status of|track(ing)?|what happened to|has|did|when will) (my|our) "
    r"(order|package|parcel|delivery|shipment|refund|return|exchange)\b"
    r"|\bmy (order|package|parcel|delivery|shipment|refund)\b.{0,40}\b(hasn'?t|has not|didn'?t|did not|never|"
    r"still (not|hasn'?t)|not (yet )?(arrived|received|shipped|come)|is (late|missing|lost|delayed|wrong)|"
    r"was (lost|stolen|damaged)|arrived (broken|damaged))"
    r"|\border\s*(number|no\.?|#)\s*:?\s*#?\w*\d"
    r"|\border\s*#?\d{4,}\b"  # "order 88431"
    r"|\b(the|an?) order (i|we) (just )?(placed|made)\b|\b(my|the) (last|latest|recent) order\b"
    r"|\b(can you|could you|please|pls|i want to|i need to|i'd like to|help me)\b.{0,15}"
    r"\b(change|cancel|update|edit|add to|modify)\b.{0,30}\bmy order\b"  # asks us to act on their order
    r"|\b(charged|billed) (me )?(twice|double|two times|wrong)"
    r"|\b(cancel|change|modify) my order\b.{0,30}\b(\d{4,}|now|asap|please)\b",
    re.IGNORECASE)

# what shows a message is about one of the shopper's own purchases, whatever the store sells: an order number,
# "my package", "I ordered", a charge. "The order of products in a collection", "my payout", "renew my plan" and
# "my account" are not; a store's help pages answer those
_PURCHASE = re.compile(
    r"#\s?[A-Z]{0,3}-?\d{3,}\b|\border\s*(number|no\.?|#|id)?\s*(is\s*)?:?\s*#?[A-Z]{0,3}-?\d{3,}\b"
    r"|\b(my|our) (\w+ )?(orders?|package|parcel|delivery|shipment|refund|purchase|tracking|stuff|box)\b"
    r"|\b(my|our) (return|exchange|items?)\b(?! (policy|window|period|rules))"
    r"|\b(i|we|i'?ve|we'?ve)( just| already| recently)? (have |had )?(ordered|bought|purchased|paid for|returned|"
    r"placed an order|sent (it|them) back)\b"
    r"|\b(i|we) (got|received) (the wrong|a wrong|someone else'?s|an? (broken|damaged|defective|cracked|empty))\b"
    r"|\b(the|an?) order (i|we) (just )?(placed|made)\b"
    r"|\b(charged|billed) (me |us )?(twice|double|two times|wrong|again)\b|\bpending charge\b"
    r"|\btracking (number )?(says|shows|hasn'?t|has not|isn'?t|is not|still)\b"
    r"|\b(box|parcel|package) (arrived|came|was) (empty|crushed|broken|damaged|open)\b",
    re.IGNORECASE)

# "how do I track my order?" asks how tracking works, which the store's pages say; "track my order" (or "how do
# I track order 51902?") asks us to look
_HOW_TO = re.compile(r"^\W*how (do|can|could|would|should) (i|we|you) (track|check on|follow)\b", re.IGNORECASE)
# "When will my order ship?" (the store's FAQ asks it too) and "If I order at 11am, when will my order ship?" ask
# the store's timing rule; "when will my order arrive? I placed it last week" asks about one order
_WHEN_WILL = re.compile(r"\bwhen will (my|our) (order|package|parcel|delivery|shipment|refund) (ship|arrive|be "
                        r"(shipped|delivered|sent|issued)|get here|come|go out)\b", re.IGNORECASE)
# "Can I pay for my order with PayPal?", "can you ship my order to Mexico?", "can I use a gift card on my order?":
# what the store allows any order (payment methods, destinations, discounts), which its pages answer
_CAN_ANY_ORDER = re.compile(r"^\W*(can|could|may) (i|we|you) ((pay for|ship|send|deliver) (my|our) (order|package|"
                            r"purchase) (with|using|via|by|to|in|through|over)\b|(use|apply|add|redeem) [\w' -]{1,30}"
                            r"\b(on|to|for|with) (my|our) (order|purchase)\b)", re.IGNORECASE)
_ONE_ORDER = re.compile(r"\d{4,}|\b(placed|ordered|bought|paid|sent (it|them)|yesterday|last (week|month)|ago|still|"
                        r"already)\b", re.IGNORECASE)

# the shopper's own account needs a person unless the store's pages say what to do about that very trouble:
# each kind of trouble, and the words a page must use to cover it
_ACCOUNT_TROUBLES = (
    (re.compile(r"\b(my|our) account\b.{0,40}\b(locked|blocked|suspended|disabled|frozen)\b", re.I),
     re.compile(r"\b(lock|locked|block|blocked|suspend\w*|disabled|frozen)\b", re.I)),
    (re.compile(r"\b(my|our) account\b.{0,40}\b(hacked|compromised)\b|\bsomeone (logged|got) into my account",
                re.I), re.compile(r"\b(hack\w*|compromised|unauthori[sz]ed|suspicious)\b", re.I)),
    (re.compile(r"\bcan'?t (log|sign) ?in(to)?\b|\b(my|our) account\b.{0,40}\b(doesn'?t work|not working)\b"
                r"|\breset (the|my) password for\b", re.I),
     re.compile(r"\b(password|sign[- ]in page|log[- ]in page|can'?t (log|sign) in)\b", re.I)),
)


@dataclass(frozen=True)
class Handoff:
    reason: str  # "asked_for_person" | "upset" | "own_order_or_account" | "own_account"
    message: str


def detect_handoff(message: str, support_contact: str, own_orders: bool = True) -> Handoff | None:
    """A Handoff when ``message`` needs a person straight away, else None. ``own_orders`` False: the shopper's own
    order is left to the order responder (the store has orders it can read)."""
    if _HUMAN.search(message):
        return Handoff("asked_for_person", "Of course. I'm passing this conversation to a member of our team, "
                       f"who will pick it up from here. You can also reach us at {support_contact}.")
    if _ANGRY.search(message) or (message.count("!") >= 3) or _shouting(message):
        return Handoff("upset", "I'm sorry about this. I'm passing the conversation to a member of our support "
                       f"team so a person can sort it out with you. You can also reach us at {support_contact}.")
    if own_orders and _OWN_ORDER.search(message) and not asks_store_rule(message):
        return own_order_handoff(support_contact)
    return None


def own_order(message: str) -> bool:
    """Whether the message asks about one of the shopper's own orders in the words the hand-off reads ("where is
    my order", "order #1043", "cancel my order please")."""
    return bool(_OWN_ORDER.search(message))


def about_purchase(message: str) -> bool:
    """Whether the message is about one of the shopper's own purchases (an order number, "my package", "I
    ordered", a double charge): only then may the order hand-off take it."""
    return bool(_PURCHASE.search(message))


def asks_store_rule(message: str) -> bool:
    """Whether a message that mentions "my order" asks how things work for every order ("how do I track my
    order?", "when will my order ship?", "can I pay for my order with PayPal?"), which the store's pages answer,
    rather than about one order."""
    return bool((_HOW_TO.search(message) or _WHEN_WILL.search(message) or _CAN_ANY_ORDER.search(message))
                and not _ONE_ORDER.search(message))


# asks for product ideas ("recommend something for my son, he loved the marble run we bought"): a purchase named as
# a taste, not a question about the order, unless order words come with it ("the gift I bought never arrived")
_IDEAS = re.compile(r"\b(recommend\w*|suggest\w*|ideas?|something (like|similar|for|else|new|to go)|"
                    r"anything (like|similar|else)|similar to|go(es)? with|what (else )?(should|could|can) (i|we) "
                    r"(get|buy))\b", re.IGNORECASE)
_ORDER_WORDS = re.compile(r"#\s?[A-Z]{0,3}-?\d{3,}\b|\border\s*(number|no\.?|#|id)\b|\border\s*[A-Z]{0,3}-?\d{3,}\b"
                          r"|\S@\S|\b(where|track\w*|arriv\w*|deliver\w*|shipped|shipping|refund\w*|return\w*|"
                          r"cancel\w*|exchange|broken|damaged|missing|wrong|never|status|receipt|invoice|charged|"
                          r"package|parcel)\b", re.IGNORECASE)


def asks_for_ideas(message: str) -> bool:
    """Whether the message asks for product ideas, with no order question in it: "he loved the marble run we
    bought, any ideas?" is a recommendation (the shop's), not an order to look up."""
    return bool(_IDEAS.search(message)) and not _ORDER_WORDS.search(message)


def account_trouble(message: str) -> re.Pattern | None:
    """For trouble with the shopper's own account ("my account is locked", "I can't log in"): the words a
    store page must use to cover it (a person checks the account when none does); else None."""
    return next((covered for trouble, covered in _ACCOUNT_TROUBLES if trouble.search(message)), None)


def own_account_handoff(support_contact: str) -> Handoff:
    return Handoff("own_account", "I can't see or change accounts, and our help pages don't cover this, so I'm "
                   f"passing it to a member of our team who can check it for you. You can also reach us at "
                   f"{support_contact}.")


def own_order_handoff(support_contact: str) -> Handoff:
    return Handoff("own_order_or_account", "I can't see individual orders or accounts, so I'm passing this to "
                   f"a member of our team who can check it for you. You can also reach us at {support_contact}.")


def _shouting(message: str) -> bool:
    message = re.sub(r"\S+@\S+", " ", message)  # an email typed in capitals is not shouting
    letters = [c for c in message if c.isalpha()]
    return len(letters) >= 15 and sum(c.isupper() for c in letters) / len(letters) > 0.8
