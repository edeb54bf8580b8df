"""Sentence and clause utilities that every stage may use: split text into sentences, fold list items
into one sentence, make a fragment a whole sentence, cut a long sentence at a clause.

Plain string work: nothing here knows sources, products or models. It imports nothing of the project,
so any module may import it without closing a circle.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
LIST_ITEM = re.compile(r"\s*(?:[-*•]|\d+[.)])\s+(.*)")  # "- item", "* item", "2. item", "3) item"
_ABBREVIATIONS = frozenset("e.g i.e etc vs approx incl no nos fig dr mr mrs ms st oz lb lbs in ft".split())


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after a stop before a capital or digit, and at every line break."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def join_lists(text: str, lead: str = "") -> str:
    """Fold each run of list items into one sentence, after its lead-in line (or ``lead``). Items that have
    clauses of their own ("All products: 1-year warranty, from delivery") are kept apart by semicolons, so
    the list still reads as a list: "How long you're covered: All products: ...; Tech Accessories: ..."."""
    out: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            intro = out.pop() if out and out[-1].rstrip().endswith(":") else (f"{lead}:" if lead else "")
            joint = "; " if any("," in item or ":" in item for item in items) else ", "
            out.append(f"{intro} {joint.join(items)}.".strip())
            items.clear()

    for line in text.split("\n"):
        match = LIST_ITEM.match(line)
        if match:
            items.append(match.group(1).strip().rstrip(".;,"))
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


def capital_after_stop(match: re.Match) -> str:
    """``re.sub`` callback for (word, stop, space, letter): the letter after a full stop upper case, except
    after an abbreviation, an initial or a dotted name."""
    word, stop, space, letter = match.groups()
    if stop == "." and (word.lower().rstrip(".") in _ABBREVIATIONS or len(word) == 1 or "." in word):
        return match.group(0)  # "e.g. a seam", "no. 5", "www.example.com"
    return f"{word}{stop}{space}{letter.upper()}"


def capitalised(text: str) -> str:
    """The first letter upper case, unless the word is written like "iPad" or the line is a list item."""
    if len(text) > 1 and text[0].islower() and not text[1].isupper():
        return text[0].upper() + text[1:]
    return text


def whole_sentence(text: str) -> str:
    """``text`` as a whole sentence: first letter capitalised, ending with a stop (a trailing comma, colon or
    semicolon becomes one)."""
    text = " ".join(text.split())
    if not text:
        return text
    text = capitalised(text)
    if text.endswith((",", ";", ":")):
        text = text[:-1].rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def cut_at_clause(text: str, max_chars: int) -> str:
    """A sentence longer than ``max_chars`` cut at its last clause boundary (";", ",", " — ") that fits, else at
    a word, with "…" to show it goes on."""
    if len(text) <= max_chars:
        return text
    head = text[: max_chars - 1]
    cuts = [m.start() for m in re.finditer(r"\s*(?:[;,:]|\s[—–-])\s", head)]
    cut = cuts[-1] if cuts and cuts[-1] > max_chars // 3 else head.rfind(" ")
    return head[: cut if cut > 0 else len(head)].rstrip(" ,;:—–-") + "…"
