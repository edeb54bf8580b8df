"""Build or update an index from knowledge files, embedding only what changed.

Indexing a folder syncs that folder: its new and changed documents replace
the old ones, documents whose files are gone are removed, and documents from
other folders (and websites) stay. ``apply_documents`` is the merge itself,
for any source of Documents (``chatbot.ingest.site`` feeds it a website). Chunks whose id (a content hash) is already in the index
keep their stored vectors. A file that fails to load keeps its previously
indexed documents, so a bad edit never loses what was there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from chatbot.common.errors import ChatbotError
from chatbot.common.types import Chunk, Document
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.embedding import Embedder
from chatbot.ingest.loaders import FileProblem, load_paths
from chatbot.ingest.store import KnowledgeIndex, index_exists

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed in this run
    reused: int = 0  # chunks whose stored vectors were kept
    removed_documents: int = 0
    saved: bool = False  # False when nothing changed, so no new generation was written
    problems: list[FileProblem] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # what each platform export held ("FILE: 34 products, ...")

    def summary(self) -> str:
        state = "saved" if self.saved else "unchanged, nothing saved"
        return (f"{self.documents} documents, {self.chunks} chunks: {self.embedded} embedded, {self.reused} reused, "
                f"{self.removed_documents} documents removed; index {state}; {len(self.problems)} problem(s)")


def update_index(paths: list[str | Path], index_dir: str | Path, embedder: Embedder, chunker: Chunker,
                 rebuild: bool = False, max_file_bytes: int = 50_000_000,
                 progress: Callable[[str, float], None] | None = None,
                 refuse_unreadable_catalogs: bool = False) -> IndexReport:
    """Load ``paths``, merge with the index at ``index_dir`` and save it if anything changed.

    With ``refuse_unreadable_catalogs`` a catalog or review file (CSV, JSONL) from which nothing could be read
    stops the run before anything is saved: a store whose products silently vanished is worse than an error."""
    notify = progress or (lambda message, fraction: None)
    notify("loading files", 0.0)
    loaded = load_paths(paths, max_file_bytes=max_file_bytes)
    if refuse_unreadable_catalogs:
        _refuse_unreadable_catalogs(loaded)
    report = IndexReport(problems=list(loaded.problems), found=list(loaded.found))
    roots = [Path(p).resolve() for p in paths]
    failed = {str(Path(f).resolve()) for f in loaded.failed_files + loaded.partial_files}

    def replaced(doc: Document) -> bool:  # an old document from under these roots whose file loaded (or is gone)
        if not doc.source or doc.meta.get("site"):
            return False
        source = Path(doc.source).resolve()
        return any(source == r or r in source.parents for r in roots) and str(source) not in failed

    def nothing_to_index() -> str:
        return "no documents to index: " + ("; ".join(map(str, loaded.problems[:5])) or
                                             "the paths hold no supported files")

    return apply_documents(loaded.documents, replaced, index_dir, embedder, chunker, report, rebuild, notify,
                           nothing_to_index)


def apply_documents(new: list[Document], replaced: Callable[[Document], bool], index_dir: str | Path,
                    embedder: Embedder, chunker: Chunker, report: IndexReport, rebuild: bool = False,
                    notify: Callable[[str, float], None] | None = None,
                    nothing_to_index: Callable[[], str] = lambda: "no documents to index",
                    old: KnowledgeIndex | None = None) -> IndexReport:
    """Merge ``new`` documents into the index at ``index_dir`` and save it if anything changed.

    Old documents with the id of a new one are replaced; other old documents stay unless ``replaced`` says this
    run speaks for them (their file or page is gone). Any loader can feed this: files, a website. ``old`` is
    the index already loaded by the caller, if it was."""
    notify = notify or (lambda message, fraction: None)
    if old is None and index_exists(index_dir) and not rebuild:
        old = KnowledgeIndex.load(index_dir, embedder.name, embedder.dimension)
    documents = {doc.id: doc for doc in new}
    for doc in (old.documents.values() if old else ()):
        if doc.id not in documents and not replaced(doc):
            documents[doc.id] = doc
    if not documents:
        raise ChatbotError(nothing_to_index())
    notify("chunking", 0.1)
    old_chunks = {c.id: c for c in old.chunks} if old else {}
    chunks = chunker.split(documents.values())
    report.documents, report.chunks = len(documents), len(chunks)
    report.removed_documents = len(set(old.documents) - set(documents)) if old else 0
    if old and [c.id for c in chunks] == [c.id for c in old.chunks] and _same_documents(old.documents, documents):
        report.reused = len(chunks)
        notify("done: nothing changed", 1.0)
        return report
    vectors = _vectors_for(chunks, old, old_chunks, embedder, report, notify)
    notify("saving", 0.95)
    KnowledgeIndex(embedder.name, documents, chunks, vectors).save(index_dir)
    report.saved = True
    notify("done", 1.0)
    return report


def _refuse_unreadable_catalogs(loaded) -> None:
    unreadable = [f for f in loaded.failed_files if Path(f).suffix.lower() in (".csv", ".jsonl", ".ndjson")]
    if unreadable:
        reasons = [str(p) for p in loaded.problems if p.path.split(":line")[0] in unreadable]
        raise ChatbotError("nothing could be read from " + ", ".join(unreadable) + "; the index was not changed. "
                           + " ".join(reasons[:3]))


def _same_documents(a: dict[str, Document], b: dict[str, Document]) -> bool:
    return a.keys() == b.keys() and all(a[k].to_dict() == b[k].to_dict() for k in a)


def _vectors_for(chunks: list[Chunk], old: KnowledgeIndex | None, old_chunks: dict[str, Chunk],
                 embedder: Embedder, report: IndexReport, notify) -> np.ndarray:
    """Stored vectors for known chunk ids; fresh embeddings, in batches, for the rest."""
    dimension = old.dimension if old else embedder.dimension
    vectors = np.zeros((len(chunks), dimension), dtype=np.float32)
    todo = []
    for i, chunk in enumerate(chunks):
        if chunk.id in old_chunks:
            vectors[i] = old.faiss.reconstruct(old.position[chunk.id])
        else:
            todo.append(i)
    report.reused = len(chunks) - len(todo)
    batch = 256
    for start in range(0, len(todo), batch):
        part = todo[start:start + batch]
        vectors[part] = embedder.embed([chunks[i].embed_text for i in part])
        report.embedded += len(part)
        notify(f"embedding {report.embedded}/{len(todo)} chunks", 0.1 + 0.85 * report.embedded / len(todo))
    return vectors
