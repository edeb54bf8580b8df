"""Who is asking: the order details a shopper typed, a signed-in customer's signature, and the gate.

A shopper proves an order is theirs with its number and the email (or shipping postcode) on it. ``details``
reads those from a message however they are written ("#1043", "order no. 1043", "hp-1043", " Ana@Example.COM ",
"k1a 0b1"). ``signed_in_email`` checks the HMAC-SHA256 a store's site made of a signed-in customer's email with
the store's identity secret; a wrong or missing signature is simply anonymous. ``Gate`` decides, in code, whether
a check may run and what it proved: a wrong pair and an unknown number fail alike, each failure is stored, and
after ``order_max_failures`` in the conversation (or from the client address within ``order_lockout_minutes``)
no more checks run. Nothing the shopper writes changes any of this: the language model is never asked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import timedelta

from chatbot.data.order_records import Order, normal_email, order_number_key


@dataclass(frozen=True)
class Asker:
    """What the face knows of the shopper: the conversation's id, the client's address, and a signed-in
    customer's email whose signature held (None: anonymous)."""

    conversation: str | None = None
    client: str | None = None
    email: str | None = None


def signed_in_email(secret: str, email: str | None, signature: str | None) -> str | None:
    """The customer's email (normalised) when ``signature`` is the hex HMAC-SHA256 of ``email`` (as sent,
    trimmed) with ``secret``; None for no secret, no email, or a signature that does not match."""
    if not secret or not email or not signature:
        return None
    given = email.strip()
    expected = hmac.new(secret.encode(), given.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        return None
    try:
        return normal_email(given)
    except ValueError:
        return None


def sign_email(secret: str, email: str) -> str:
    """The signature a store's site sends with a signed-in customer's email (for its own code and tests)."""
    return hmac.new(secret.encode(), email.strip().encode(), hashlib.sha256).hexdigest()


@dataclass
class Details:
    numbers: list[str] = field(default_factory=list)  # order numbers as written ("1043", "HP-1043")
    email: str | None = None  # normalised
    zip_code: str | None = None

    @property
    def proof(self) -> bool:
        return bool(self.email or self.zip_code)

    def __bool__(self) -> bool:
        return bool(self.numbers or self.email or self.zip_code)


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
_MARKED_NUMBER = re.compile(
    r"(?:\border\b\s*(?:number|num|no\.?|nr|id|#)?\s*(?:is|was|:)?\s*#?\s*|#\s*)"
    r"([a-z]{0,3}[- ]?\d{3,}(?![\d.,]\d))\b", re.I)
_MARKED_ZIP = re.compile(r"\b(?:zip|postcode|post code|postal code|zip code)\s*(?:code)?\s*(?:is|was|:)?\s*"
                         r"([a-z0-9][a-z0-9 -]{1,8}[a-z0-9])\b", re.I)
_CANADIAN = re.compile(r"\b([a-z]\d[a-z])\s?(\d[a-z]\d)\b", re.I)
_US_ZIP = re.compile(r"(?<![\d$.#])\b(\d{5}(?:-\d{4})?)\b(?![.,]\d)")
_PREFIXED = re.compile(r"\b([a-z]{1,3}-\d{3,})\b", re.I)  # "HP-1043": a store's own prefix
_BARE = re.compile(r"(?<![\d$.,#-])\b(\d{3,8})\b(?![.,]\d|%)")


def details(text: str) -> Details:
    """The order numbers, email and postcode a message gives. Marked numbers ("#1043", "order 1043") come first;
    a bare number of 3 to 8 digits counts as an order number unless it reads as a postcode (five digits, or a
    ZIP+4) while a number was already given, or it follows "zip"/"postcode"."""
    text = re.sub(r"\s*@\s*", "@", text or "")
    found = Details()
    for m in _EMAIL.finditer(text):
        try:
            found.email = normal_email(m.group(0).strip(".'"))
            break
        except ValueError:
            continue
    rest = _EMAIL.sub(" ", text)
    zip_match = _MARKED_ZIP.search(rest)
    if zip_match:
        found.zip_code = zip_match.group(1).strip()
        rest = rest[: zip_match.start()] + " " + rest[zip_match.end():]
    elif (ca := _CANADIAN.search(rest)) is not None:
        found.zip_code = f"{ca.group(1)} {ca.group(2)}".upper()
        rest = rest[: ca.start()] + " " + rest[ca.end():]
    for m in _MARKED_NUMBER.finditer(rest):
        number = m.group(1).strip()
        if order_number_key(number) and number not in found.numbers:
            found.numbers.append(number)
    rest = _MARKED_NUMBER.sub(" ", rest)
    for m in _PREFIXED.finditer(rest):
        if m.group(1) not in found.numbers:
            found.numbers.append(m.group(1))
    rest = _PREFIXED.sub(" ", rest)
    for m in _BARE.finditer(rest):
        value = m.group(1)
        if len(value) == 5 and found.zip_code is None and (found.numbers or _later_number(rest, m.end())):
            found.zip_code = value
        elif value not in found.numbers:
            found.numbers.append(value)
    if found.zip_code is None and found.numbers and (us := _US_ZIP.search(rest)) and us.group(1) not in found.numbers:
        found.zip_code = us.group(1)
    return found


def _later_number(text: str, after: int) -> bool:
    return _BARE.search(text, after) is not None


@dataclass(frozen=True)
class Check:
    """What a check of the shopper's details gave: ``order`` when it proved one; ``locked`` when no more checks
    run (a person is offered); neither: the details did not match an order (said the same whatever was wrong)."""

    order: Order | None = None
    locked: bool = False


class Gate:
    """The one place an order is proved. ``orders`` is an ``OrderStore``, ``proofs`` an ``OrderProofs``."""

    def __init__(self, orders, proofs, max_failures: int = 5, window_minutes: int = 15):
        self.orders = orders
        self.proofs = proofs
        self.max_failures = max_failures
        self.window = timedelta(minutes=window_minutes)

    def locked(self, asker: Asker) -> bool:
        in_chat, from_client = self.proofs.failures(asker.conversation, asker.client, self.window)
        return in_chat >= self.max_failures or from_client >= self.max_failures

    def check(self, asker: Asker, number: str, email: str | None, zip_code: str | None) -> Check:
        """Find ``number`` with the email (else the postcode); remember what it proved in the conversation."""
        if self.locked(asker):
            return Check(locked=True)
        order = self.orders.find(number, email=email, zip_code=None if email else zip_code)
        if order is None and email and zip_code:
            order = self.orders.find(number, zip_code=zip_code)
        self.proofs.attempt(asker.conversation, asker.client, order is not None)
        if order is None:
            return Check(locked=self.locked(asker))
        if asker.conversation:
            self.proofs.prove(asker.conversation, order.id)
        return Check(order=order)

    def proved(self, asker: Asker) -> list[Order]:
        """The orders this asker may read: those the conversation proved, and a signed-in customer's own."""
        found: dict[str, Order] = {}
        if asker.email:
            for order in self.orders.for_email(asker.email):
                found[order.id] = order
        if asker.conversation:
            for order_id in self.proofs.proved(asker.conversation):
                if order_id not in found and (order := self.orders.by_id(order_id)) is not None:
                    found[order.id] = order
        return list(found.values())
