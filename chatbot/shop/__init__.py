"""Shop: the store's catalog, reviews and recommendations, written once for both the shopper and the agent.

``products`` reads product and review records back out of the index, ``catalog`` searches them by a
parsed ``query``, ``phrasing`` says a product's field as a sentence, ``recommend`` picks products for a
need, ``reviews`` sums up what reviewers say and ``descriptions`` writes shop copy. ``skills`` answers
shoppers' catalog questions with them; ``tools`` is the support agent's set of the same helpers. Nothing
here uses a language model.
"""
