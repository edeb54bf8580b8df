"""Limits a store's policy states and the quantity a question names: whether the question's case is inside.

"within 1 hour" and "3 hours after placing it", "from $30 to $1,500" and "a $20 order", "before 2pm" and
"at 5pm". Plain text work: ``chatbot.common.polarity`` turns the answer into a yes or a no.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
                 "ninety": 90, "first": 1}
_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24, "week": 24 * 7, "month": 24 * 30, "year": 24 * 365}
_COUNT = r"(\d+(?:\.\d+)?|%s)" % "|".join(_NUMBER_WORDS)
_DURATION = re.compile(rf"\b{_COUNT}[\s-]+(?:business\s+)?(minute|hour|day|week|month|year)s?\b", re.I)
_NEXT_DAY = re.compile(r"\b(?:the (?:next )?day after|the next day|tomorrow)\b", re.I)  # a day later
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*([ap]m)\b", re.I)
_CUT_OFF = re.compile(r"\b(before|by|after)\s+(\d{1,2})(?::(\d\d))?\s*([ap]m)\b", re.I)
_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
# a limit in a source sentence: "within 1 hour", "valid for 24 hours", "from $30 to $1,500", "$50 or more"
_WITHIN = re.compile(rf"\b(?:within|valid for|up to|for up to|no more than|less than|under)\s+(?:the\s+)?"
                     rf"{_COUNT}[\s-]+(?:business\s+)?(minute|hour|day|week|month|year)s?\b", re.I)
_AFTER = re.compile(rf"\b(?:after|more than|over|past)\s+(?:the\s+)?{_COUNT}[\s-]+(?:business\s+)?"
                    rf"(minute|hour|day|week|month|year)s?\b", re.I)
_MONEY_RANGE = re.compile(r"\bfrom \$\s?(\d[\d,]*(?:\.\d+)?) to \$\s?(\d[\d,]*(?:\.\d+)?)", re.I)
_MONEY_AT_LEAST = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?) or more\b|\bat least \$\s?(\d[\d,]*(?:\.\d+)?)", re.I)
_BELOW = re.compile(r"\b(?:below|under|less than)\s+\$", re.I)
_ABOVE = re.compile(r"\b(?:above|over|more than)\s+\$", re.I)
_ASKS_WITHIN = re.compile(r"\b(?:within|in the first|inside)\b", re.I)


def inside_limit(question: str, sentence: str) -> tuple[bool | None, int]:
    """Whether the question's time, amount or time of day is inside the limit ``sentence`` states, and where
    in the sentence the limit is said; (None, 0) when there is no pair to compare."""
    for compare in (_time_inside, _money_inside, _clock_inside):
        inside, at = compare(question, sentence)
        if inside is not None:
            return inside, at
    return None, 0


def _time_inside(question: str, sentence: str) -> tuple[bool | None, int]:
    """Whether the question's time falls inside the sentence's window, and where the window is said."""
    asked = list(_DURATION.finditer(question))
    if len(asked) > 1 or not (asked or _NEXT_DAY.search(question)):
        return None, 0
    # "2 hours after", "after 30 days": a time past the one named; "within the first hour": the window itself
    hours = (_hours(asked[0]) if asked else 24) + (1e-6 if _AFTER.search(question) else 0.0)
    within, after = _WITHIN.search(sentence), _AFTER.search(sentence)
    if within and not after:
        return (True if _ASKS_WITHIN.search(question) else hours <= _hours(within)), within.start()
    if after and not within:
        return (False if _ASKS_WITHIN.search(question) else hours > _hours(after)), after.start()
    return None, 0


def _money_inside(question: str, sentence: str) -> tuple[bool | None, int]:
    """Whether the question's amount falls inside the sentence's range or minimum, and where it is said."""
    asked = [_amount(m.group(1)) for m in _MONEY.finditer(question)]
    if len(asked) != 1:
        return None, 0
    # "drops below $50" is less than $50, "over $50" more
    asked[0] += -0.005 if _BELOW.search(question) else 0.005 if _ABOVE.search(question) else 0.0
    if found := _MONEY_RANGE.search(sentence):
        return _amount(found.group(1)) <= asked[0] <= _amount(found.group(2)), found.start()
    if found := _MONEY_AT_LEAST.search(sentence):
        return asked[0] >= _amount(found.group(1) or found.group(2)), found.start()
    return None, 0


def _clock_inside(question: str, sentence: str) -> tuple[bool | None, int]:
    """Whether the question's time of day is on the sentence's side of a cut-off: "5pm" against "Orders
    placed before 2pm ... ship the same day" is not."""
    asked = [_o_clock(m) for m in _CLOCK.finditer(question)]
    if len(asked) != 1 or not (cut := _CUT_OFF.search(sentence)):
        return None, 0
    if side := _CUT_OFF.search(question):  # "before 2pm" is a moment earlier than 2pm
        asked[0] += -0.01 if side.group(1).lower() in ("before", "by") else 0.01
    limit = _o_clock(cut, offset=1)
    before = cut.group(1).lower() in ("before", "by")
    return (asked[0] < limit if before else asked[0] > limit), cut.start()


def _o_clock(found: re.Match, offset: int = 0) -> float:
    hour, minutes, half = found.group(1 + offset), found.group(2 + offset), found.group(3 + offset).lower()
    return int(hour) % 12 + (12 if half == "pm" else 0) + int(minutes or 0) / 60


def _hours(found: re.Match) -> float:
    count = found.group(1).lower()
    number = float(count) if count[0].isdigit() else _NUMBER_WORDS[count]
    return number * _HOURS[found.group(2).lower()]


def _amount(text: str) -> float:
    return float(text.replace(",", ""))
