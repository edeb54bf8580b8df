"""Platform exports dropped into the knowledge folder, indexed as they are.

A CSV whose header is a Shopify or WooCommerce products export, or a Judge.me or Shopify Product Reviews
export, is read by ``chatbot.ingest.platforms`` and its records become the same Documents as the project's own
catalog and reviews. The reader also says what it found ("34 products, 96 variants, 3 drafts skipped"), which
``index`` prints. Other CSVs are left to ``records.read_csv``.
"""

from __future__ import annotations

from pathlib import Path

from chatbot.common.errors import LoadError
from chatbot.ingest.loaders.records import record_to_document
from chatbot.ingest.platforms.detect import detect
from chatbot.ingest.platforms.importer import read_export
from chatbot.ingest.platforms.table import read_header


def is_export(path: Path) -> bool:
    """Whether the file's header row is one of the platform formats (reads only the header)."""
    try:
        return path.suffix.lower() == ".csv" and detect(read_header(path)) is not None
    except (OSError, LoadError):
        return False


def read_export_file(path: Path, doc_id: str):
    """``(documents, problems, found)``: the export's records as Documents, its row problems and the summary."""
    result = read_export(path)
    docs, problems = [], [(f"line {line}", why) for line, why in result.problems]
    for record in result.products + result.reviews:
        line = record.pop("line", None)
        try:
            doc = record_to_document(record, str(path))
        except LoadError as exc:
            problems.append((f"line {line}" if line else record.get("id", "?"), str(exc)))
            continue
        doc.meta["imported_from"] = result.format
        if line:
            doc.meta["line"] = line
        docs.append(doc)
    if not docs:  # all drafts, all bad rows: say what was there instead of "no text to index"
        first = "; ".join(f"{where}: {why}" for where, why in problems[:3])
        raise LoadError(f"nothing could be read from this {result.format} ({result.counts()})"
                        + (f": {first}" if first else ""))
    return docs, problems, f"{result.format}: {result.counts()}"
