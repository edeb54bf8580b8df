"""Answer without a language model: quote the best supporting passage.

Picks, from the best hit, the run of consecutive sentences that shares the
most words with the question, and quotes it within a length budget. It never
writes a word that is not in the source, so it cannot invent a policy, a
price or a spec. Deciding whether to answer at all is the caller's job.
"""

from __future__ import annotations

import re

from .types import Hit

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and are as at be by can do does for from has have how i if in is it its of on or our "
                  "the their this to we what when where which who why will with you your".split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _words(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP}  # crude stem: first 6 letters


def quote_best_passage(question: str, hit: Hit, max_chars: int = 700) -> str:
    """The question's best-matching sentences from ``hit``, in source order, at most ``max_chars`` long."""
    text = hit.chunk.text
    if hit.chunk.kind == "faq" and "\nA: " in text:
        text = text.split("\nA: ", 1)[1]  # the answer half of a Q&A pair; the question is the title
    parts = sentences(text)
    if not parts:
        return ""
    asked = _words(question)
    overlap = [len(asked & _words(s)) for s in parts]
    best = max(range(len(parts)), key=lambda i: (overlap[i], -i))
    chosen, length = [best], len(parts[best])
    # grow the window towards whichever neighbour adds more, while it fits
    lo, hi = best, best
    while True:
        options = [i for i in (lo - 1, hi + 1) if 0 <= i < len(parts) and length + len(parts[i]) + 1 <= max_chars]
        if not options:
            break
        nxt = max(options, key=lambda i: (overlap[i], -abs(i - best), -i))
        if overlap[nxt] == 0 and len(chosen) >= 2:
            break
        chosen.append(nxt)
        length += len(parts[nxt]) + 1
        lo, hi = min(lo, nxt), max(hi, nxt)
    text = " ".join(parts[i] for i in sorted(chosen))
    return text if len(text) <= max_chars else text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
