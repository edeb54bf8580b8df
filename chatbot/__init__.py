"""A grounded customer-service chatbot for online stores.

The store's files are loaded, chunked, embedded and indexed; each question is
answered from the best matching passages, with citations, or not at all.
"""

__version__ = "0.1.0"
