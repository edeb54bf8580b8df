"""Load a store's knowledge files into Documents.

``load_paths`` walks files and folders, picks a reader by file extension and
collects every problem as a ``FileProblem`` (path and reason) instead of
stopping: one bad file never keeps the rest out of the index.

Supported: Markdown, plain text, HTML, PDF (prose); CSV and JSONL records
(product catalogs, reviews, FAQ pairs, and the documents-JSONL contract); platform
exports as they are (Shopify and WooCommerce products, Judge.me and Shopify Product
Reviews reviews; recognised by their header row, see ``exports``).
Chunking, embedding and storage happen elsewhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.common.errors import LoadError
from chatbot.common.types import Document
from chatbot.ingest.loaders.exports import is_export, read_export_file
from chatbot.ingest.loaders.prose import read_html, read_markdown, read_pdf, read_text
from chatbot.ingest.loaders.records import read_csv, read_jsonl

log = logging.getLogger(__name__)

READERS = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".csv": read_csv,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
}


@dataclass
class FileProblem:
    """A file (or one record in it) that could not be loaded, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    loaded_files: list[str] = field(default_factory=list)  # files that gave at least one document
    failed_files: list[str] = field(default_factory=list)  # files that gave none because of an error
    partial_files: list[str] = field(default_factory=list)  # files with some bad records; the good ones loaded
    found: list[str] = field(default_factory=list)  # "FILE: Shopify products export: 34 products, ..." per export


def load_paths(paths: list[str | Path], max_file_bytes: int = 50_000_000) -> LoadResult:
    """Load every supported file under ``paths``; report the rest by name."""
    result = LoadResult()
    for root in map(Path, paths):
        if not root.exists():
            result.problems.append(FileProblem(str(root), "does not exist; check the path"))
            continue
        for file in _walk(root):
            _load_file(file, file.name if root.is_file() else file.relative_to(root).as_posix(), max_file_bytes,
                       result)
    _dedupe_ids(result)
    _link_reviews_to_products(result.documents)
    _report_unlinked_reviews(result)
    return result


def load_file(file: str | Path, doc_id: str, max_file_bytes: int = 50_000_000) -> LoadResult:
    """Load one file as the document ``doc_id`` (whose folders give its kind, e.g. "policies/x.md"),
    exactly as ``load_paths`` would: how an upload is checked before it is stored."""
    result = LoadResult()
    _load_file(Path(file), doc_id, max_file_bytes, result)
    return result


def _walk(root: Path):
    if root.is_file():
        yield root
        return
    for file in sorted(root.rglob("*")):
        rel_parts = file.relative_to(root).parts
        if file.is_file() and not any(p.startswith((".", "_")) for p in rel_parts):
            yield file


def _load_file(file: Path, doc_id: str, max_bytes: int, result: LoadResult) -> None:
    reader = read_export_file if is_export(file) else READERS.get(file.suffix.lower())
    if reader is None:
        result.problems.append(FileProblem(
            str(file), f"unsupported file type '{file.suffix or '(none)'}'; "
            f"use one of {', '.join(sorted(READERS))}"))
        result.failed_files.append(str(file))
        return
    try:
        size = file.stat().st_size
        if size == 0:
            raise LoadError("file is empty; add content or remove it")
        if size > max_bytes:
            raise LoadError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (max_file_bytes); "
                            "split it into smaller files")
        docs, record_problems, *found = reader(file, doc_id)  # an export also says what it found
    except LoadError as exc:
        result.problems.append(FileProblem(str(file), str(exc)))
        result.failed_files.append(str(file))
        return
    except Exception as exc:  # a reader bug or a library error must not stop the other files
        log.exception("unexpected error reading %s", file)
        result.problems.append(FileProblem(str(file), f"could not be read ({type(exc).__name__}: {exc})"))
        result.failed_files.append(str(file))
        return
    result.found.extend(f"{file}: {summary}" for summary in found)
    result.problems.extend(FileProblem(f"{file}:{where}", why) for where, why in record_problems)
    if record_problems:
        result.partial_files.append(str(file))
    if docs:
        result.documents.extend(docs)
        result.loaded_files.append(str(file))
    elif not record_problems:
        result.problems.append(FileProblem(str(file), "contains no text to index"))
        result.failed_files.append(str(file))
    else:
        result.failed_files.append(str(file))


def _dedupe_ids(result: LoadResult) -> None:
    """Keep the first document of each id; a repeated id is reported, not silently merged."""
    seen: dict[str, Document] = {}
    kept = []
    for doc in result.documents:
        if doc.id in seen:
            result.problems.append(FileProblem(
                doc.source or doc.id,
                f"duplicate document id '{doc.id}' (first seen in {seen[doc.id].source}); this copy was skipped"))
            continue
        seen[doc.id] = doc
        kept.append(doc)
    result.documents = kept


def _link_reviews_to_products(docs: list[Document]) -> None:
    """Name the product in each review's title and text so searches for the product find its reviews."""
    names = {d.product_id: d.title for d in docs if d.kind == "product" and d.product_id}
    for doc in docs:
        name = names.get(doc.product_id) if doc.kind == "review" else None
        if name and not doc.meta.get("product_name"):
            doc.meta["product_name"] = name
            doc.title = f"Review of {name}: {doc.title}"
            doc.text = f"Product: {name}\n{doc.text}"


def _report_unlinked_reviews(result: LoadResult) -> None:
    """Reviews from a platform export whose product is in none of the loaded catalogs: reported with their
    lines (they stay in the index, as store-wide reviews)."""
    products = {d.product_id for d in result.documents if d.kind == "product"}
    if not products:
        return  # reviews indexed alone, on top of an index that has the catalog
    for doc in result.documents:
        if doc.kind == "review" and doc.meta.get("imported_from") and doc.product_id not in products:
            result.problems.append(FileProblem(
                f"{doc.source}:line {doc.meta.get('line')}",
                f"review of product '{doc.product_id}', which is in no catalog loaded; import or index that "
                "product's export too, or correct the handle"))
