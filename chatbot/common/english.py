"""Ordinary English words: whether a word is one, from pyspellchecker's English word list (about 160,000
words with their frequencies, shipped inside the package, so it works offline).

Used where the bot may say a shopper's word back ("Our store information doesn't mention "student"."):
a dictionary word is something a shopper asks about, a made-up one may be an attacker's payload; and by the
spelling corrector, for a misspelled word the store's own texts never use. It does not know the store's own
words (product names, brands): ``chatbot.retrieve.spelling`` does.
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


def english_correction(word: str) -> str | None:
    """The English word one edit from ``word`` ("compre" → "compare"), or None: two letters swapped first
    ("sawp" is "swap", not the commoner "saw"), then the most common."""
    word = word.lower()
    if not word.isalpha() or word in _dictionary():
        return None
    found = (_dictionary().candidates(word) or set()) - {word}
    swapped = sorted(word)
    return max(found, key=lambda w: (sorted(w) == swapped, _dictionary().word_usage_frequency(w))) if found else None


def word_frequency(word: str) -> float:
    """How often ``word`` is used in English text (a share of all words; 0 for one the list lacks)."""
    return _dictionary().word_usage_frequency(word.lower())
