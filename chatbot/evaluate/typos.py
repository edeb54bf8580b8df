"""A misspelled copy of a question set, the way shoppers really type on phones and in a hurry.

Each message gets one to three typos, drawn with a seed made from its id, so the copy is the same on every
run and machine. The kinds are the ones typing studies and chat logs show most:

- keyboard: a letter swapped for a neighbour on a QWERTY keyboard, a letter dropped, doubled, or two
  letters swapped ("retrun"), a space lost between two words ("giftcards");
- phonetic: letters that sound alike written the other way ("ph"/"f", "ie"/"ei", a "c" said as "k", a
  silent "e" or "h" left out);
- chat spelling: "you" → "u", "your" → "ur", "are" → "r", "what" → "wat", "please" → "pls", vowels left
  out of a long word ("shp").

Only words of letters are touched, never product ids, prices or numbers, and never the checks that say
what a right answer is. It does not correct anything: it only makes the test set.
"""

from __future__ import annotations

import hashlib
import random
import re

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        near = {_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)}
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                near |= {_ROWS[_other][i] for i in (_c - 1, _c, _c + 1) if 0 <= i < len(_ROWS[_other])}
        NEIGHBOURS[_key] = "".join(sorted(near))

CHAT = {"you": "u", "your": "ur", "you're": "ur", "are": "r", "what": "wat", "please": "pls", "thanks": "thx",
        "because": "bc", "okay": "ok", "why": "y"}
_SOUNDS = (("ph", "f"), ("ie", "ei"), ("ei", "ie"), ("ca", "ka"), ("co", "ko"), ("cu", "ku"), ("ck", "k"),
           ("wh", "w"), ("ough", "ow"), ("ea", "ee"), ("tion", "shun"), ("s", "z"))
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def typo_message(message: str, seed: str, most: int = 3) -> str:
    """``message`` with one to ``most`` realistic typos, the same ones for the same ``seed``."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    words = [m for m in _WORD.finditer(message)]
    if not words:
        return message
    text, wanted, tries = message, rng.randint(1, most), 0
    while (wanted > 0 or text == message) and tries < 20:  # some draws change nothing ("s" → "z" in no word)
        wanted, tries = wanted - 1, tries + 1
        words = list(_WORD.finditer(text))
        chat = [m for m in words if m.group(0).lower() in CHAT]
        long = [m for m in words if len(m.group(0)) >= 4]
        kinds = ["keyboard", "keyboard", "phonetic"] + (["chat"] if chat else [])
        kinds += ["join"] if len(words) > 1 else []
        kind = rng.choice(kinds)
        if kind == "chat":
            word = rng.choice(chat)
            text = text[:word.start()] + CHAT[word.group(0).lower()] + text[word.end():]
        elif kind == "join":
            i = rng.randrange(len(words) - 1)
            gap = text[words[i].end():words[i + 1].start()]
            if gap == " ":
                text = text[:words[i].end()] + text[words[i + 1].start():]
        elif long:
            word = rng.choice(long)
            changed = (_keyboard if kind == "keyboard" else _phonetic)(word.group(0), rng)
            text = text[:word.start()] + changed + text[word.end():]
    return text


def typo_rows(rows: list[dict]) -> list[dict]:
    """A copy of a question set's rows with each ``message`` misspelled (its id is the seed)."""
    return [{**row, "message": typo_message(row["message"], str(row.get("id", row["message"])))} for row in rows]


def _keyboard(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))  # the first letter is rarely wrong
    letter = word[i].lower()
    action = rng.choice(("neighbour", "drop", "double", "swap"))
    if action == "neighbour" and letter in NEIGHBOURS:
        return word[:i] + rng.choice(NEIGHBOURS[letter]) + word[i + 1:]
    if action == "double":
        return word[:i] + word[i] + word[i:]
    if action == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def _phonetic(word: str, rng: random.Random) -> str:
    found = [(a, b) for a, b in _SOUNDS if a in word[1:].lower()]
    if found:
        a, b = rng.choice(found)
        at = word.lower().index(a, 1)
        return word[:at] + b + word[at + len(a):]
    vowels = [i for i, c in enumerate(word) if i > 0 and c in "aeiou"]
    if len(vowels) >= 2:  # "shipping" → "shpping": a vowel left out, as in quick phone typing
        i = rng.choice(vowels)
        return word[:i] + word[i + 1:]
    return word
