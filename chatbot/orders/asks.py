"""What a shopper's message asks of their order: plain patterns, so the reading is fast and testable.

``ask`` gives one of: ``problem`` (delivered but not received, damaged, wrong or missing item: a person at once),
``cancel``, ``address`` (change the delivery address), ``return`` (start a return or exchange), ``eligibility``
(can I still return it, until when), ``refund``, ``contents`` (items, total, discount), ``list`` (my orders), or
``status`` (where is it, when will it arrive: the default). ``yes_no`` reads the answer to a question the bot asked.
``about_orders`` says whether a message is about the shopper's own orders at all.
"""

from __future__ import annotations

import re

_PROBLEM = re.compile(
    r"\b(never (arrived|came|got (it|here)|received)|not (been )?(received|delivered)|didn'?t (get|receive|arrive)|"
    r"haven'?t (got|gotten|received)|hasn'?t (arrived|come)|not arrived|missing|lost|stolen|"
    r"says (it was |it's |its )?delivered|marked (as )?delivered|"
    r"damaged|broken|cracked|smashed|crushed|defective|dented|leak(ed|ing)|wrong item|someone else'?s|"
    r"(arrived|came) (broken|damaged|empty|open)|empty box|stuck|hasn'?t moved|no (tracking )?updates?)\b", re.I)
_NOT_RECEIVED = re.compile(r"\b(never (arrived|came|got)|not (been )?(received|arrived)|didn'?t (get|receive|arrive)|"
                           r"haven'?t (got|gotten|received)|hasn'?t (arrived|come)|missing|lost|stolen)\b", re.I)
_CANCEL = re.compile(r"\bcancel\b|\bcancell?ation\b|\bdon'?t want (it|the order) any ?more\b", re.I)
_ADDRESS = re.compile(r"\b(change|update|correct|fix|edit|wrong|new)\b.{0,30}\b(shipping |delivery )?address\b"
                      r"|\baddress\b.{0,20}\b(wrong|change|typo|mistake)\b|\bship (it )?to (a )?different\b", re.I)
_RETURN = re.compile(r"\b(start|begin|make|open|file|do|want|like|need|going) (to )?(a |an )?(return|exchange|send)"
                     r"|\b(return|send back|exchange) (it|this|them|the|my|an?)\b|\bsend (it|them|.{0,30}) back\b"
                     r"|\bwrong (size|colou?r)\b|\bdoesn'?t fit\b|\btoo (small|big|large)\b", re.I)
_ELIGIBILITY = re.compile(r"\b(can|could|may) (i|we) (still )?(return|exchange|send)\b|\breturn (window|period|by)\b"
                          r"|\beligible\b|\bhow (long|many days)\b.{0,30}\breturn|\bstill returnable\b"
                          r"|\buntil when\b|\blast day\b.{0,20}\breturn|\breturnable\b", re.I)
_REFUND = re.compile(r"\brefund(s|ed)?\b|\bmoney back\b|\bcredited\b", re.I)
_CONTENTS = re.compile(r"\b(what('?s| is| was) in|what did i (order|buy|get)|which items|what items|items?\b|"
                       r"total|how much|charged|paid|cost|price|discount|coupon|code|receipt|invoice|tax|"
                       r"shipping (cost|fee|charge))", re.I)
_LIST = re.compile(r"\b(my|all( of)? my|list( of)?( my)?) (recent |past |previous |open )?orders\b"
                   r"|\border history\b|\bwhat (have i|did i) order", re.I)
_STATUS = re.compile(r"\b(where|status|track|tracking|when|arrive|arriving|deliver|delivery|ship|shipped|shipping|"
                     r"eta|late|coming|sent|dispatched|update|check|look up|lookup|find)\b", re.I)

_YES = re.compile(r"^\W*(y|yes|yeah|yep|yup|sure|ok|okay|please|please do|go ahead|do it|correct|confirm(ed)?|"
                  r"that'?s right|yes,? please|yes please do( it)?|sounds good)\W*$", re.I)
_NO = re.compile(r"^\W*(n|no|nope|nah|no thanks|no,? thank you|don'?t|do not|cancel that|never ?mind|not now|"
                 r"stop|wait)\W*$", re.I)

# a message that speaks of the shopper's own purchase, beyond the hand-off's own patterns: "I want to return the
# puzzle" with an order in focus, "can I still return it?"
_MINE = re.compile(r"\b(my|mine|i|i'?m|i'?ve|me|we|our|it|this|that|them)\b", re.I)


def ask(message: str) -> str:
    """What the message asks (see the module docstring), the first that fits in this order."""
    if _PROBLEM.search(message) and not _ELIGIBILITY.search(message):
        return "problem"
    if _CANCEL.search(message):
        return "cancel"
    if _ADDRESS.search(message):
        return "address"
    if _ELIGIBILITY.search(message):
        return "eligibility"
    if _RETURN.search(message):
        return "return"
    if _REFUND.search(message):
        return "refund"
    if _LIST.search(message):
        return "list"
    if _CONTENTS.search(message) and not _STATUS.search(message):
        return "contents"
    return "status"


def not_received(message: str) -> bool:
    """"It never arrived", "I didn't get it": what a delivered order's tracking contradicts."""
    return bool(_NOT_RECEIVED.search(message))


def asks_something(message: str) -> bool:
    """Whether the message asks any of the things above (not just "hi" or "thanks")."""
    return any(p.search(message) for p in (_PROBLEM, _CANCEL, _ADDRESS, _RETURN, _ELIGIBILITY, _REFUND, _CONTENTS,
                                           _LIST, _STATUS))


_STORE_WIDE = re.compile(r"\b(your|policy|policies|do you|does (the|your) store|in general|usually|normally)\b", re.I)


def store_wide(message: str) -> bool:
    """"What's your return policy?", "do you ship to Canada?": about the store, not the order in focus."""
    return bool(_STORE_WIDE.search(message))


def personal(message: str) -> bool:
    return bool(_MINE.search(message))


def yes_no(message: str) -> bool | None:
    """True for yes, False for no, None for anything else."""
    if _YES.match(message):
        return True
    if _NO.match(message):
        return False
    return None
