"""Word stems for matching shoppers' words to the catalog's, safe to use from many threads at once."""

from __future__ import annotations

import re
import threading

import Stemmer

_STEMMERS = threading.local()  # PyStemmer objects must not be shared between threads; skills run in many
_WORD = re.compile(r"[a-z]+")


def stem(word: str) -> str:
    """The Snowball stem of one lowercase word ("batteries" → "batteri"), with this thread's stemmer."""
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return stemmer.stemWord(word)


def stems(text: str) -> list[str]:
    """The stems of a text's words, in order."""
    return [stem(w) for w in _WORD.findall(text.lower())]
