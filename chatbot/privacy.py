"""Mask personal data (emails, phone numbers, card numbers) in anything stored or logged.

Masking keeps the shape ("[email]", "[phone]", "[card]") so a transcript
still reads naturally for the support team. It does not decide what is
stored; callers mask before they store or log.
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


def mask_pii(text: str) -> str:
    """``text`` with emails, card numbers (Luhn-valid) and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    parts = re.split(f"({_CARD.pattern})", text)
    # long digit runs are cards or left whole (an order number); phone numbers are looked for between them
    return "".join(_mask_card(_CARD.fullmatch(p)) if _CARD.fullmatch(p) else _PHONE.sub("[phone]", p)
                   for p in parts)
