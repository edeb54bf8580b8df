"""Converse: a shopper's message (with its history and product page) in, an ``Answer`` out.

``chatbot.Chatbot`` is the object every face uses. It sends each message through an ordered chain of
``responders`` (hand-off, shop skills, cache, FAQ, grounded answer, decline): the first that answers
wins. ``intents`` (hand-off triggers), ``language``, ``question_parts`` (several questions in one
message), ``conversation`` (follow-ups, the product in focus) and ``answer_cache`` serve the chain.
"""
