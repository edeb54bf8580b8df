"""Evaluate: how well the bot answers, measured on question files.

``metrics`` scores a questions file (retrieval hit@k and MRR, answer/abstain decisions, calibration,
latency) for ``python -m chatbot eval``; ``shopper`` checks the shopper acceptance set's answers against
the catalog for ``python -m chatbot eval-shopper``; ``stores`` imports a store folder of ``eval/stores`` into a
temporary index and asks its shopper and help questions for ``python -m chatbot eval-store``.
"""
