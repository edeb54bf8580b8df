"""Guards on text coming in: planted instructions, over-long messages, leaks of the system prompt.

User messages and document texts are data. Lines in a document that try to
instruct the assistant ("ignore previous instructions", "you are now ...")
are dropped before the model sees them; an answer sentence that echoes the
system prompt is dropped after. Deciding to hand off lives in ``intents``;
masking personal data lives in ``privacy``.
"""

from __future__ import annotations

import re

from chatbot.common.english import is_english_word

_INSTRUCTION = re.compile(
    r"(ignore|disregard|forget|override)\b.{0,40}\b(instruction|rule|prompt|guideline|direction)s?"
    r"|\byou are now\b|\bact as\b|\bpretend (to be|you are)\b|\bnew (instructions|rules)\b"
    r"|\bsystem prompt\b|\b(assistant|ai|chatbot|bot|model)s?\b.{0,30}\b(must|should|shall|will) (now )?(always|never|say|tell|reply|answer|respond|reveal|ignore)"
    r"|\b(tell|inform) (the )?(customer|shopper|user)s? (to|that)\b"
    r"|\bjailbreak\b|\bdeveloper mode\b|\bdo anything now\b",
    re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def looks_like_instruction(text: str) -> bool:
    """True when ``text`` tries to steer an AI assistant rather than state store information."""
    return bool(_INSTRUCTION.search(text))


# words that steer an assistant rather than ask a store anything: a message with one is never quoted back, and
# no quoted term may be one
_STEERING = frozenset("ignore disregard forget override pretend instruction instructions prompt jailbreak roleplay "
                      "repeat print say".split())
_NOT_QUOTED = _STEERING | frozenset("previous above rule rules system output respond reply confirm reveal write "
                                    "type translate act admin password hacked granted".split())
_NAME = re.compile(r"[A-Z][A-Za-z0-9&'-]{1,19}")  # "Venmo", "PlayStation", "Xbox360"
MAX_QUOTED_TERMS = 3


def quotable(terms: list[str], message: str) -> bool:
    """Whether the bot may say ``terms`` (words or short names of the shopper's ``message``) back in quotes, as
    in 'Our store information doesn't mention "student".' Only a few, each an ordinary English word or one
    name, at most two words long, and never from a message that tries to steer the bot: an attacker's words
    said in the store's voice are the attack ("doesn't mention "access granted"")."""
    if not terms or len(terms) > MAX_QUOTED_TERMS or looks_like_instruction(message):
        return False
    if _STEERING & set(re.findall(r"[a-z]+", message.lower())):
        return False
    return all(_plain_term(term) for term in terms)


def _plain_term(term: str) -> bool:
    words = term.split()
    return 0 < len(words) <= 2 and all(
        word.lower() not in _NOT_QUOTED and (is_english_word(word) or bool(_NAME.fullmatch(word))) for word in words)


def strip_instructions(text: str) -> str:
    """``text`` without its sentences that try to instruct the assistant."""
    if not looks_like_instruction(text):
        return text
    kept = [s for s in _SENTENCE.split(text) if s.strip() and not looks_like_instruction(s)]
    return "\n".join(kept)


def cut_message(message: str, limit: int) -> tuple[str, str | None]:
    """The message within ``limit`` characters, and a notice for the shopper when it was cut."""
    message = message.strip()
    if len(message) <= limit:
        return message, None
    cut = message[:limit].rsplit(" ", 1)[0] if " " in message[:limit] else message[:limit]
    return cut, (f"Your message was {len(message):,} characters; I read the first {len(cut):,}. "
                 "Please send one question at a time.")


def echoes_prompt(sentence: str, system_prompt: str, min_shared: int = 6) -> bool:
    """True when ``sentence`` repeats a run of ``min_shared`` words from the system prompt."""
    words = re.findall(r"[a-z0-9']+", sentence.lower())
    prompt = " " + " ".join(re.findall(r"[a-z0-9']+", system_prompt.lower())) + " "
    return any(f" {' '.join(words[i:i + min_shared])} " in prompt for i in range(len(words) - min_shared + 1))
