"""Shoppers' misspellings corrected to the store's own words before routing and retrieval.

"wat is ur retrun polcy for giftcards" → "wat is ur return policy for gift cards"; "do u ship to canda" → "do u
ship to canada"; "any waterbottle under $20" → "any water bottle under $20". A word is left alone when the
store's documents use it or it is an ordinary English word (``chatbot.common.english``). Any other word is
looked up among the store's own words with SymSpell (symspellpy: edit distance 1 for words of up to five
letters, 2 for longer ones, the most frequent in the store's text winning a tie), or split into two store
words when it is two run together. Names stay as written (a capitalised word inside a sentence, an
acronym), and so does anything inside an email address, a web address or next to a digit, so "Zorblax",
"PO box" and "ana@example.com" reach the bot as the shopper wrote them.

It does not expand chat shorthand ("u", "ur") or correct a real word used wrongly ("cutting boar"): the
router's character n-grams and the dense retrieval tolerate those.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

from symspellpy import SymSpell, Verbosity

from chatbot.common.english import english_correction, is_english_word, word_frequency
from chatbot.common.words import stem

_WORD = re.compile(r"[a-z]+")
# a run of letters standing as a word of its own: not part of an email, a web address, a code or a number
_TOKEN = re.compile(r"(?<![\w@/.])[A-Za-z]+(?![\w@/]|\.\w)")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)\s*$")
MIN_WORD = 3  # shorter store tokens ("hp" of a product id) are never a correction
MIN_FIXED = 4  # shorter words are left as written: "app" and "avg" are too close to too many words to guess
COMMON = 1e-3  # a two-letter word stands as half of a run-together word only when it is this common ("in", "do")
MIN_JOINED = 6  # shorter unknown words are a misspelling of one word, not two run together ("peope")
MIN_RUN = 9  # shorter unknown words are not three or more words run together
RARE = 1e-8  # the share of English text given to a store word the English list lacks ("hp", "brainteaser")


class SpellingFixer:
    """Corrects a message against one store's vocabulary (built from its indexed texts, once per index)."""

    def __init__(self, texts: Iterable[str]):
        self.counts = Counter(w for text in texts for w in _WORD.findall(text.lower()) if len(w) >= MIN_WORD)
        self._stems = {stem(w) for w in self.counts}  # "descalers" is a form of the store's "descales"
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in self.counts.items():
            self._symspell.create_dictionary_entry(word, count)

    def fix(self, message: str) -> str:
        """``message`` with each misspelled word replaced by the store word it most likely means."""
        return _TOKEN.sub(lambda m: self._fixed(m.group(0), m.start(), message), message)

    def _known(self, word: str) -> bool:
        return word in self.counts or is_english_word(word) or stem(word) in self._stems

    def _fixed(self, word: str, at: int, message: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_FIXED or self._known(lower) or word.isupper():
            return word
        if word[0].isupper() and not _SENTENCE_START.search(message[:at]):  # a name: "Zorblax", "Venmo"
            return word
        distance = 1 if len(lower) <= 5 else 2
        found = self._symspell.lookup(lower, Verbosity.CLOSEST, max_edit_distance=distance)
        if found and found[0].distance == 1:
            # of the store's words one edit away, two letters swapped first ("bset" is "best"), then one that keeps
            # the first letter (typists rarely miss it: "lasy" is "last", not "easy"), then the most used
            best = max(found, key=lambda s: (sorted(s.term) == sorted(lower), s.term[0] == lower[0], s.count))
            return _cased(best.term, word)
        split = self._split(lower) if len(lower) >= MIN_JOINED else None
        english = english_correction(lower)  # "compre" → "compare", "peope" → "people": a word the store never uses
        # two words run together ("trainset" is "train set", not "transit"), unless one English word is likelier
        # than the pair's rarer word ("compre" is "compare", not "com pre"; "andhow" is "and how", not "anyhow")
        if split and not (english and word_frequency(english) > min(map(word_frequency, split.split()))):
            return split
        if english:
            return _cased(english, word)
        if found:
            return _cased(found[0].term, word)
        words = self._segmented(lower) if len(lower) >= MIN_RUN else None  # "wouldyourecommendit"
        return _cased(words, word) if words else word

    def _segmented(self, word: str) -> str | None:
        """Three or more words run together, each written right ("wouldyourecommendit" → "would you recommend
        it"): the split whose words are likeliest together in English text (each word's share of English text,
        multiplied), so fewer and commoner words win ("would you recommend", not "would you re commend")."""

        @lru_cache(maxsize=None)
        def best(start: int) -> tuple[float, tuple[str, ...]] | None:
            if start == len(word):
                return 0.0, ()
            options = []
            for end in range(start + 1, len(word) + 1):
                part = word[start:end]
                if not self._whole(part) or (rest := best(end)) is None:
                    continue
                options.append((rest[0] + math.log(max(word_frequency(part), RARE)), (part, *rest[1])))
            return max(options) if options else None

        found = best(0)
        return " ".join(found[1]) if found and len(found[1]) >= 3 else None

    def _whole(self, part: str) -> bool:
        """Whether ``part`` stands as a word inside a run of words: a store or English word, a short one only
        when common ("it", "do", "a")."""
        if len(part) <= 2:
            return word_frequency(part) >= COMMON and (len(part) == 2 or part in ("a", "i"))
        return self._known(part)

    def _split(self, word: str) -> str | None:
        """Two words run together ("waterbottle", "toysunder", "thecheapest"): each half a store word or an
        English one ("instock", "booksdo"), or one half misspelled by a letter beside
        a store word written right ("thedizhwasher"). Store words win ("dorfunds" is "do refunds", not "dor
        funds"), then halves written right, then the split with the longer short half."""
        best: tuple[tuple[int, int, int], str] | None = None
        for i in range(2, len(word) - 1):
            halves = [self._half(word[:i], short_ok=True), self._half(word[i:], short_ok=True)]
            if None in halves:
                continue
            (left, exact_left), (right, exact_right) = halves
            in_store = int(left in self.counts) + int(right in self.counts)
            exact = exact_left and exact_right
            score = (in_store, int(exact), min(len(left), len(right)))
            # two words written right ("instock"), or one misspelled beside a store word written right
            # ("dizhwasher" in "thedizhwasher"); never two guesses at once ("trampolinez" is no "tramp linen")
            anchored = ((exact_left and left in self.counts) or (exact_right and right in self.counts)
                        or (exact_left and len(left) == 2 and right in self.counts))  # "itdizhwasher"
            if (exact or anchored) and (best is None or score > best[0]):
                best = (score, f"{left} {right}")
        return best[1] if best else None

    def _half(self, part: str, short_ok: bool = False) -> tuple[str, bool] | None:
        """``part`` as a word of its own: (the word, whether it was written right), or None."""
        if len(part) < 3 and not (short_ok and len(part) == 2 and word_frequency(part) >= COMMON):
            return None
        if self._known(part):
            return part, True
        if len(part) < 5:
            return None
        found = self._symspell.lookup(part, Verbosity.CLOSEST, max_edit_distance=1)
        if found:
            return found[0].term, False
        english = english_correction(part)  # "chepest" of "chepestpuzle": a word the store never uses
        return (english, False) if english else None


def _cased(term: str, written: str) -> str:
    return term.capitalize() if written[0].isupper() else term
