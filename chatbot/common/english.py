"""Ordinary English words: whether a word is one, from pyspellchecker's English word list (about 160,000
words with their frequencies, shipped inside the package, so it works offline).

Used where the bot may say a shopper's word back ("Our store information doesn't mention "student"."):
a dictionary word is something a shopper asks about, a made-up one may be an attacker's payload. It does
not correct spelling or know the store's own words (product names, brands).
"""

from __future__ import annotations

from functools import lru_cache

from spellchecker import SpellChecker


@lru_cache(maxsize=1)
def _dictionary() -> SpellChecker:
    return SpellChecker(language="en", distance=1)  # loaded once (about 0.5 s), on the first word asked


def is_english_word(word: str) -> bool:
    """Whether ``word`` (any case) is in the English word list: "student" and "kingdom" are, "pwned" is not."""
    word = word.lower()
    return word.isalpha() and word in _dictionary()
