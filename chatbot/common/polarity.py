"""Yes/no questions and the answers to them: whether a message asks one, whether a text opens with "Yes" or
"No", and the verdict a limit in a source sentence gives for a quantity the question names.

A policy answer to a yes/no question turns on its conditions: "Can I change my order 3 hours after placing
it?" is answered by "within 1 hour of placing it", and the answer is no. Only a verdict computed here may
open a quoted answer with "Yes" or "No"; a language model's own yes or no is not trusted for such
questions (a small model flips them), and an FAQ answer's opener is dropped when the shopper's question
adds a condition the FAQ question did not ask ("Can you ship to a PO box? Yes, for standard shipping" does
not answer "expedited to a PO box?").
"""

from __future__ import annotations

import re

from chatbot.common.limits import inside_limit
from chatbot.common.words import stems

_AUXILIARY = ("can could do does did is are was were will would should shall may might must have has am "
              "isn't aren't don't doesn't can't won't").split()
_CLAUSE = re.compile(r"[,;:.!?]\s*|\s+(?:and|but|so|or)\s+(?=(?:%s)\b)" % "|".join(map(re.escape, _AUXILIARY)), re.I)
_OPENER = re.compile(r"^\W*(yes|no)\b[\s,.:;!-]*", re.I)
_DENIES = re.compile(r"\b(?:not|never|cannot|no longer|no)\b|n't\b|n’t\b", re.I)
_NOT_A_DENIAL = re.compile(r"\bno (?:more|later|less) than\b", re.I)  # a limit's own words
_EXISTS = re.compile(r"\b(?:is|are) there\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:(]\s*")
_WORDS = re.compile(r"[a-z]+")
_OPPOSITE_CASES = (("same", "next"), ("free", "charged"), ("free", "deducted"), ("before", "after"))
# words that do not say what a limit is about: asking words and the units of the limit itself
_NOT_SUBJECT = set(stems("""a an the i you we it my your our to of for in on at by with from and or can could do
does did is are was were will would should may might must have has am be get go there this that these those me
us they them what when how if any still minute hour day week month year business"""))


def asks_yes_no(question: str) -> bool:
    """Whether a clause of ``question`` asks yes or no: it starts with a verb like "can", "is", "do"
    ("I ordered 10 minutes ago, can I still cancel it?", "Do you ship to Alaska?"), not "how" or "what"."""
    return any(clause.split(maxsplit=1)[0].lower() in _AUXILIARY
               for clause in _CLAUSE.split(question.strip()) if len(clause.split()) >= 2)


def opener(text: str) -> str | None:
    """"yes" or "no" when ``text`` opens with that word, else None."""
    found = _OPENER.match(text)
    return found.group(1).lower() if found else None


def without_opener(text: str) -> str:
    """``text`` without its opening "Yes"/"No": a short first sentence that only qualifies it ("Yes, for
    standard shipping.") goes with it, a longer one keeps its words ("No, gift cards never expire." → "Gift
    cards never expire."). Empty when nothing else is said."""
    found = _OPENER.match(text)
    if not found:
        return text
    first, _, rest = text[found.end():].partition(". ")
    if len(first.split()) <= 4 and rest:
        return rest.strip()
    left = text[found.end():].strip()
    return left[:1].upper() + left[1:]


def limit_verdict(question: str, sentence: str, context: str = "") -> str | None:
    """"yes" or "no" when ``sentence`` sets a limit (a time window, a price range, a minimum amount) and the
    question names a quantity of the same kind: "Can I return it 45 days after delivery?" against "You can
    return most items within 30 days" is no, "a $200 order" against "for orders from $30 to $1,500" is yes.
    A sentence that denies ("After the first hour, we can no longer change ...") turns the verdict. The
    sentence (with its ``context``, such as its section's title) must share two words with the question
    besides the quantity: a 30-day return window says nothing about when a warranty starts. None when
    nothing can be computed."""
    if _EXISTS.search(question) or not _names_in(question, sentence) or not _same_subject(question, sentence,
                                                                                          context):
        return None  # "is there a fee ...?" asks about a fee, not the window; "... to Canada?" of a US rule
    inside, at = inside_limit(question, sentence)
    if inside is None:
        return None
    denies = bool(_DENIES.search(_NOT_A_DENIAL.sub("", _clause_of(sentence, at))))
    return "yes" if inside != denies else "no"


def _clause_of(sentence: str, at: int) -> str:
    """The clause holding position ``at`` and the one after it: "After the first hour, we can no longer
    change ..." denies; "Within the first hour you can: Update ..., (... can't go to a PO box)" does not."""
    bounds = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(sentence)), len(sentence)]
    index = max(i for i, start in enumerate(bounds[:-1]) if start <= at)
    return sentence[bounds[index]: bounds[min(index + 2, len(bounds) - 1)]]


def _same_subject(question: str, sentence: str, context: str) -> bool:
    """Two words in common besides the quantity, and no word the opposite of one asked: "ship the next
    business day" does not speak to "ship the same day"."""
    asked, said = set(_WORDS.findall(question.lower())), set(_WORDS.findall(sentence.lower()))
    if any((a in asked and b in said and b not in asked) or (b in asked and a in said and a not in asked)
           for a, b in _OPPOSITE_CASES):
        return False
    shared = (set(stems(question)) & set(stems(f"{context} {sentence}"))) - _NOT_SUBJECT
    return len({w for w in shared if not w.isdigit()}) >= 2


def _names_in(question: str, sentence: str) -> bool:
    """Whether every name the question uses (a capitalised word past its first: "Canadian", "Ohio") is in the
    sentence, by its first five letters ("Canadian" and "Canada")."""
    names = {w[:5].lower() for w in re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+", question.strip())}
    said = sentence.lower()
    return all(name in said for name in names)


def settled(question: str, text: str, added: set[str] | frozenset[str] = frozenset(), context: str = "") -> str:
    """``text`` (an answer to ``question``) opening with the verdict its own sentences give for the question's
    quantity, in place of any other "Yes"/"No". ``added``: the stems of a condition the question adds to the
    one ``text`` was written for ("expedited"); its opener goes unless its own sentence names the condition
    ("Yes, for standard shipping." answers "can standard shipping go to a PO box?"). ``context``: what the
    text answers (its FAQ question), read with each sentence for the limit's subject."""
    if not asks_yes_no(question):
        return text
    verdict = next((v for s in re.split(r"(?<=[.!?])\s+", text) if (v := limit_verdict(question, s, context))),
                   None)
    if verdict is None:
        first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]
        return without_opener(text) if added and opener(text) and not added & set(stems(first)) else text
    if opener(text) == verdict:
        return text
    rest = without_opener(text)
    return f"{verdict.capitalize()}. {rest}" if rest else text
