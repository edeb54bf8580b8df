"""Check each answer sentence against the passages it cites; keep only what they support.

A sentence is supported by a passage when (1) every number, price,
duration and named thing in it appears in that passage, and (2) it means
something the passage says: its embedding is close to one of the passage's
sentences and at least half its content words (stemmed) are in the passage;
or loosely close with 80% of its words there; or a near paraphrase. A sentence
citing [n] is checked against passage n only; one citing nothing is checked
against each passage in turn. Unsupported sentences are dropped by the
caller. This module decides support, not what to say instead.

With the judge's support head (``judge.support``), a sentence that passes
those checks is still dropped when the head reads the passage as saying the
opposite: the closest source sentence has the other polarity ("final sale",
"can't"), the claim's subject is not in it, or an unconditional claim meets a
conditional rule. A sentence that opens with a condition ("If you miss the return window, ...") needs the
rest of its words in the source, and the condition's too where the source states that rule under a condition
of its own. Limits: a sentence that reuses a source's words and numbers
but adds a vague claim ("can only be used once") can still pass; numbers and
names are the hard guarantee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import Stemmer

from chatbot.common.text import join_lists, sentences
from chatbot.ingest.embedding import Embedder

_CITE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:-\d+(?:[.,]\d+)*)?")  # 30, 19.99, 1,500, and ranges like 5-7
_RANGE = re.compile(r"(\d)\s*(?:[–—-]|to)\s*\$?(?=\d)")
_NAME = re.compile(r"(?<![\w-])[A-Z][a-zA-Z&'-]*[a-zA-Z](?:\s+[A-Z][a-zA-Z&'-]*[a-zA-Z])*")  # not "Piece" in "120-Piece"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and are as at be but by can do does for from has have how i if in into is it its of "
                  "on or our so that the their them then there these they this to was we were what when where "
                  "which who will with you your yes no not all any also just more most only than very cannot can't "
                  "don't doesn't won't isn't aren't must may might should would could us".split())
_STEMMER = Stemmer.Stemmer("english")
_NEGATION = re.compile(r"\b(no|not|never|cannot|none|nothing|nor|without)\b|n't\b", re.IGNORECASE)
_META = re.compile(r"^\s*(?:A:|Answer:|The (?:answer|passage)s? (?:is|are|says?)\s*:?|According to (?:the )?"
                   r"(?:passages?|sources?|store information)(?: \[\d+\])?,?)\s*", re.IGNORECASE)
_COMMON_CAPS = frozenset({"I", "We", "You", "Our", "Yes", "No", "The", "This", "It", "If", "Please", "Sure",
                          "Thanks", "Thank", "Unfortunately", "However", "Also", "Hi", "Hello"})


@dataclass
class SentenceCheck:
    text: str  # the sentence without its citation markers
    supported: bool
    passages: list[int] = field(default_factory=list)  # numbers of the passages that support it
    reason: str = ""


def split_cited(answer: str) -> list[tuple[str, list[int]]]:
    """Sentences of ``answer`` with the passage numbers each cites (markers removed)."""
    out = []
    for sentence in sentences(answer):
        cited = [int(n) for group in _CITE.findall(sentence) for n in re.split(r"\s*,\s*", group)]
        text = _CITE.sub("", sentence).strip()
        if text:
            out.append((text, cited))
    return out


def _ranges(text: str) -> str:
    """Write every range one way ("5–7", "5 to 7", "$10 to $500" -> "5-7", "10-500") so ranges compare whole."""
    return _RANGE.sub(r"\1-", text)


_UNITS = {"day", "hour", "week", "month", "year", "minute", "business", "pm", "am", "percent", "piece", "item",
          "inch", "cm", "mm", "lb", "oz", "ml", "kg", "g", "foot", "feet", "mile", "order", "time", "point"}


def _unit(word: str) -> str | None:
    """The singular unit a word names ("hours" -> "hour"), or None."""
    word = word.lstrip("-").lower()
    for form in (word, word[:-1] if word.endswith("s") else word, word[:-2] if word.endswith("es") else word):
        if form in _UNITS:
            return form
    return None


def _tokens(text: str) -> list[str]:
    """Numbers (ranges whole, normalised) and words, with units singular, so facts compare as phrases."""
    raw = re.findall(r"\d+(?:[.,]\d+)*(?:-\d+(?:[.,]\d+)*)?|[a-z&'-]+", _ranges(text.lower()))
    return [_norm_number(t) if _NUMBER.fullmatch(t) else (_unit(t) or t.lstrip("-")) for t in raw]


def facts(sentence: str) -> set[str]:
    """Numbers with their units ("2 hour"; ranges whole, so "7 day" is not in "5-7 days") and named things."""
    tokens = _tokens(sentence)
    numbers = set()
    for i, token in enumerate(tokens):
        if _NUMBER.fullmatch(token):
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            numbers.add(f"{token} {following}" if following in _UNITS else token)
    # a single capitalised word opening the sentence is grammar, not a name
    found = {m.group(0) for m in _NAME.finditer(sentence) if m.start() > 0 or " " in m.group(0)}
    return numbers | {n.lower() for n in found if n.split()[0] not in _COMMON_CAPS}


def names(text: str) -> set[str]:
    """Named things in ``text``: capitalised words and runs, not a sentence's first word, nor "I", "We"..."""
    found = set()
    for sentence in sentences(text):
        found |= {m.group(0) for m in _NAME.finditer(sentence) if m.start() > 0 or " " in m.group(0)}
    return {n for n in found if n.split()[0] not in _COMMON_CAPS}


_BRANDLIKE = re.compile(r"[a-z][A-Z]|\d|-[A-Z]")  # PlayStation, Xbox360, Magna-Tiles


def unmatched_names(question: str, passages: list[str]) -> set[str]:
    """Brand-like names the question asks about that no passage mentions ("PlayStation" in a toy shop).

    Only names shaped like brands or models count: plain capitalised words ("United Kingdom",
    "Wednesday") are often answered by a policy that never names them ("we ship to the US and Canada").
    """
    text = " " + " ".join(re.findall(r"[a-z0-9&'-]+", " ".join(passages).lower())) + " "
    wanted = {n for n in names(question) if _BRANDLIKE.search(n)}
    return {n for n in wanted if f" {' '.join(re.findall(r'[a-z0-9&-]+', n.lower()))} " not in text}


def unused_terms(question: str, words: list[str]) -> list[str]:
    """``words`` of the question the store never uses, each widened to the name it is part of ("Kingdom" →
    "United Kingdom"), once each."""
    named = sorted(names(question), key=len, reverse=True)
    terms = [next((n for n in named if re.search(rf"\b{re.escape(w)}\b", n)), w) for w in words]
    return list(dict.fromkeys(terms))


def _norm_number(n: str) -> str:
    if "-" in n:
        return "-".join(_norm_number(part) for part in n.split("-"))
    n = n.replace(",", "")
    return n[:-3] if n.endswith(".00") else n.rstrip("0").rstrip(".") if "." in n else n


def _content_words(text: str) -> set[str]:
    return set(_STEMMER.stemWords([w for w in _WORD.findall(text.lower().replace("'", "")) if w not in _STOP]))


_CONDITION = re.compile(r"^\W*(?:if|when|unless|once|as long as)\b([^,]+),", re.IGNORECASE)
_CONDITIONAL = re.compile(r"\b(?:if|unless|as long as)\b", re.IGNORECASE)


def _condition_words(sentence: str) -> tuple[set[str], set[str]]:
    """The content words of a sentence's leading condition ("If you miss the return window, ...") and of the
    rest, or two empty sets. Each half must be in the source: a consequence copied from a rule stated for
    another case ("If a defective item is still within 30 days, you can choose a regular return instead"), or
    a condition copied from the source before an invented consequence ("If your order arrives damaged, I
    recommend sending a refund to the address provided"), would otherwise borrow the other half's support."""
    found = _CONDITION.match(sentence)
    if not found:
        return set(), set()
    return _content_words(found.group(1)), _content_words(sentence[found.end():])


def clean_sentence(sentence: str) -> str:
    """Drop preambles a small model adds ("A:", "According to the passage,") and keep the claim."""
    return _META.sub("", sentence).strip()


class Verifier:
    """Support checks against a fixed set of passages; passage sentences are embedded once."""

    def __init__(self, passages: dict[int, str], embedder: Embedder, threshold: float = 0.55,
                 embedded: dict[int, tuple[list[str], np.ndarray]] | None = None, support=None):
        """``embedded`` gives each passage's sentences with their vectors, when the caller has them already;
        ``support`` is the judge's sentence-support head (``judge.support.SupportHead``): with it, a sentence
        its sources seem to support is still dropped when the head finds they say otherwise."""
        self.passages = passages
        self.support = support
        self.embedder = embedder
        self.threshold = threshold
        self._facts = {n: self._fact_text(t) for n, t in passages.items()}
        self._words = {n: _content_words(t) for n, t in passages.items()}
        if embedded is None:
            split = {n: sentences(join_lists(t)) or [t] for n, t in passages.items()}
            flat = [x for n in passages for x in split[n]]
            vectors = embedder.embed(flat) if flat else np.zeros((0, 1), np.float32)
            embedded, offset = {}, 0
            for n in passages:
                embedded[n] = (split[n], vectors[offset: offset + len(split[n])])
                offset += len(split[n])
        self._sentences = {n: embedded[n][0] for n in passages}
        self._vectors = np.concatenate([embedded[n][1] for n in passages]) if passages else np.zeros((0, 1))
        self._owner = np.array([n for n in passages for _ in embedded[n][0]])
        self._negative = np.array([bool(_NEGATION.search(x)) for n in passages for x in embedded[n][0]])

    @staticmethod
    def _fact_text(text: str) -> str:
        return " " + " ".join(_tokens(text)) + " "

    def _conditional(self, n: int, consequence: set[str]) -> bool:
        """Whether passage ``n`` states this consequence under a condition of its own ("If a defective item is
        still within 30 days, you can choose a regular return instead"): then a sentence putting another
        condition before it says something else. A source saying it outright ("For any other reason, we deduct
        $6.95") may be paraphrased under a condition ("If you changed your mind, ...")."""
        return any(_CONDITIONAL.search(s) and len(consequence & _content_words(s)) >= 0.5 * len(consequence)
                   for s in self._sentences[n])

    def check(self, sentence: str, cited: list[int] | None = None) -> SentenceCheck:
        if sentence.rstrip().endswith("?"):
            return SentenceCheck(sentence, False, reason="a question, not an answer")
        candidates = [n for n in (cited or []) if n in self.passages] or list(self.passages)
        needed = facts(sentence)
        with_facts = [n for n in candidates if all(f" {f} " in self._facts[n] for f in needed)]
        if not with_facts:
            missing = sorted(f for f in needed if not any(f" {f} " in self._facts[n] for n in candidates))
            return SentenceCheck(sentence, False, reason=f"not in the cited sources: {', '.join(missing)}")
        vector = self.embedder.embed([sentence])[0]
        similarity = self._vectors @ vector if len(self._vectors) else np.zeros(0)
        words = _content_words(sentence)
        supporting = []
        # compare only with source sentences of the same polarity: "we don't offer free shipping" must not
        # borrow support from "we offer free shipping over $50"
        same_polarity = self._negative == bool(_NEGATION.search(sentence))
        condition, consequence = _condition_words(sentence)
        for n in with_facts:
            if condition and (len(consequence & self._words[n]) < 0.5 * len(consequence) or (
                    len(condition & self._words[n]) < 0.75 * len(condition)
                    and self._conditional(n, consequence))):
                continue  # "If you miss the 30 day return window, ..." when the source's rule is for another case
            mine = (self._owner == n) & same_polarity
            best = float(similarity[mine].max()) if mine.any() else 0.0
            covered = len(words & self._words[n]) / len(words) if words else 0.0
            # close in meaning and mostly in the source's words; almost all in its words ("It takes 7-10
            # business days" after a sentence naming the subject); or a near paraphrase
            if ((best >= self.threshold and covered >= 0.5) or (best >= 0.4 and covered >= 0.8 and len(words) >= 3)
                    or best >= 0.9):
                supporting.append((best, n))
        if not supporting:
            return SentenceCheck(sentence, False, reason="no source says this")
        if self.support is not None:
            supporting = [(score, n) for score, n in supporting
                          if self.support.supports(sentence, vector, self._sentences[n], self._vectors[self._owner == n])]
            if not supporting:
                return SentenceCheck(sentence, False, reason="the cited source says otherwise")
        return SentenceCheck(sentence, True, [n for _, n in sorted(supporting, reverse=True)])
