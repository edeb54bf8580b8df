"""Retrieve: a question in, the passages that may answer it out, ranked and judged.

``hybrid`` fuses dense (FAISS) and BM25 (``lexical``) rankings, scoped to the product in focus or to the
store's own pages; ``faq_match`` finds the FAQ entry a message asks; ``judge`` reads the top passages,
reranks them, decides whether they answer at all and gives a calibrated confidence. It does not write
answers: that is ``chatbot.answer``.
"""
