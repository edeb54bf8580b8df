"""Converters from public datasets to the documents and questions JSONL contracts."""
