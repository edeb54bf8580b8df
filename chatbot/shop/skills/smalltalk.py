"""Greetings, thanks and goodbyes answered as a person would, not with quoted store documents."""

from __future__ import annotations

import re

from chatbot.shop.skills.base import ShopContext, SkillReply

_THANKS = re.compile(r"\b(?:thanks?|thank you|thx|ty|cheers|appreciate it|much appreciated)\b", re.I)
_BYE = re.compile(r"\b(?:bye|goodbye|see you|see ya|that's all|thats all|have a good)\b", re.I)
_HELLO = re.compile(r"^\s*(?:hi+|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|howdy)\b", re.I)
_WHO = re.compile(r"\b(?:who are you|are you (?:a )?(?:bot|robot|human|real|person|ai)|what are you)\b", re.I)
SHORT = 8  # words: a longer message holds a question for another skill or the grounded path


class SmallTalk:
    name = "smalltalk"

    def reply(self, context: ShopContext) -> SkillReply | None:
        message = context.message
        if len(message.split()) > SHORT:
            return None
        store = context.store_name
        if _WHO.search(message):
            text = (f"I'm {store}'s virtual assistant. I answer from our catalog, reviews and store policies, and "
                    "I can connect you with a person from our team whenever you like.")
        elif _THANKS.search(message):
            text = "You're welcome! Is there anything else I can help you with?"
        elif _BYE.search(message):
            text = f"Thanks for stopping by {store}. Have a great day!"
        elif _HELLO.search(message):
            text = (f"Hi! I can help you find and compare products at {store}, sum up what reviewers say, and "
                    "answer questions about shipping, returns and payments. What are you looking for?")
        else:
            return None
        return SkillReply(text, reason="smalltalk")
