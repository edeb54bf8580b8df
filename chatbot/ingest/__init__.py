"""Ingest: the store's files in, a searchable index out.

Takes knowledge files (Markdown, text, HTML, PDF, catalog and review CSV/JSONL, FAQ pairs, the documents
JSONL contract, the public product-QA datasets) and the store's website, and gives Documents (``loaders``,
``datasets``, ``site``), Chunks (``chunking``), their vectors (``embedding``) and a ``KnowledgeIndex`` on disk
(``store``), kept up to date incrementally by ``indexer``. It does not search: that is ``chatbot.retrieve``.
"""
