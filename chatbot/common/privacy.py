"""Mask personal data (emails, phone numbers, card numbers) in anything stored or logged.

Masking keeps the shape ("[email]", "[phone]", "[card]") so a transcript
still reads naturally for the support team. The store's own published
contacts (``public_contacts`` of its support line) are not personal data
and stay readable. It does not decide what is stored; callers mask before
they store or log.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"(?<!\w)(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\w)")


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


def public_contacts(text: str) -> frozenset[str]:
    """The emails (lowercased) and phone numbers (digits only) in a text the store publishes."""
    found = {m.group(0).lower() for m in _EMAIL.finditer(text or "")}
    phones = {re.sub(r"\D", "", m.group(0)) for m in _PHONE.finditer(text or "")}
    return frozenset(found | phones | {p[-10:] for p in phones})  # with or without the country code


def mask_pii(text: str, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with emails, card numbers (Luhn-valid) and phone numbers replaced by placeholders,
    except those in ``keep`` (from ``public_contacts``)."""
    if not text:
        return text
    text = _EMAIL.sub(lambda m: m.group(0) if m.group(0).lower() in keep else "[email]", text)
    parts = re.split(f"({_CARD.pattern})", text)

    def phone(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return m.group(0) if digits in keep or digits[-10:] in keep else "[phone]"

    # long digit runs are cards or left whole (an order number); phone numbers are looked for between them
    return "".join(_mask_card(_CARD.fullmatch(p)) if _CARD.fullmatch(p) else _PHONE.sub(phone, p)
                   for p in parts)


def contact_pattern(contact: str) -> re.Pattern:
    """A pattern that finds where a text sends the reader to the store's support: its own email addresses
    and phone numbers (those in ``contact``), or "email us", "contact us". The sentences an agent's draft
    leaves out, since the agent is that support."""
    found = [m.group(0) for m in _EMAIL.finditer(contact)] + [m.group(0) for m in _PHONE.finditer(contact)]
    return re.compile("|".join([*map(re.escape, found), _REACH_US]), re.I)


_REACH_US = r"\b(?:email|e-mail|call|contact|write to|phone|message)\s+us\b"
