"""The new shipping address a shopper gives for an address change: read from their words, and refused when it
cannot be one.

The bot never changes an order: the address goes, confirmed by the shopper, into the request for staff, who check
it against the carrier. So the check here is only against what is plainly not an address ("asdf", "idk", an
email, a question), never a postal validation: ``problem`` says what is missing in words a shopper can act on.
``written`` takes the address out of a message ("it's 12 Elm Street, ..." or, in the request itself, "change my
address to 12 Elm Street, ..."), one line, without control characters, at most ``MAX_CHARS``.
"""

from __future__ import annotations

import re

MAX_CHARS = 200
EXAMPLE = "12 Elm Street, Apt 3, Portland, ME 04101"

_LEAD = re.compile(r"^\s*(?:(?:the |my )?new (?:shipping |delivery )?address is|(?:it'?s|it is|use|send it to|"
                   r"ship it to|to)\b)\s*:?\s*", re.I)
_IN_REQUEST = re.compile(r"\baddress\b.{0,40}?\bto\b\s*:?\s*(.+)$", re.I | re.S)
_QUESTION = re.compile(r"\?\s*$|^\s*(?:where|when|what|why|how|who|which|can|could|would|will|is|are|do|does|did|"
                       r"has|have|cancel|show|tell|help)\b", re.I)


def written(message: str) -> str:
    """The address in a reply to "what's the new address?": one line, the lead-in words dropped."""
    text = re.sub(r"[\x00-\x1f\x7f]+", ", ", message or "")
    text = re.sub(r"\s*,(?:\s*,)+\s*", ", ", re.sub(r"[ \t]+", " ", text)).strip(" ,.")
    return _LEAD.sub("", text).strip(" ,.")


def in_request(message: str) -> str | None:
    """The address a request already gives ("change the address of my order to 12 Elm Street, ..."), when it
    reads as one; else None (the bot asks for it)."""
    return split(message)[1]


def split(message: str) -> tuple[str, str | None]:
    """``(the request without its address, the address)`` for a request that gives one, else ``(message, None)``:
    the ZIP in "... to 9 Pine St, Portland, ME 04101" is no order number or proof."""
    m = _IN_REQUEST.search(message or "")
    if not m:
        return message, None
    address = written(m.group(1))
    return (message[:m.start(1)], address) if problem(address) is None else (message, None)


def keeps_it(message: str) -> bool:
    """"cancel", "forget it", "keep the old one": no new address after all."""
    return bool(re.fullmatch(r"\W*(?:cancel|forget (?:it|that)|skip(?: it)?|leave it|keep (?:it|the (?:old|current|"
                             r"same) (?:one|address))|(?:the )?same address)\W*", message or "", re.I))


def asks_instead(message: str) -> bool:
    """A question rather than an address ("where is my order?"): the shopper moved on."""
    return bool(re.search(r"[^\W\d_]{2,}", message or "")) and bool(_QUESTION.search(message or ""))


def problem(address: str) -> str | None:
    """What keeps ``address`` from being a shipping address, in the shopper's words; None when it can be one."""
    if not address.strip():
        return "I didn't get an address"
    if len(address) > MAX_CHARS:
        return f"that's longer than an address ({len(address)} characters; {MAX_CHARS} at most)"
    if "@" in address or re.search(r"https?://|www\.", address, re.I):
        return "that looks like an email or a web address, not a postal address"
    words = re.findall(r"[^\W\d_]{2,}", address)
    if not re.search(r"\d", address):
        return "it has no house number or ZIP/postcode"
    if len(words) < 2 or len(re.findall(r"\w+", address)) < 3:
        return "it needs the street, the town or city and the ZIP/postcode"
    return None
