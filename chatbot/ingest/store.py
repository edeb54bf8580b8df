"""Persist an index on disk: FAISS vectors + SQLite documents and chunks + a JSON manifest.

Layout of an index folder::

    CURRENT              name of the live generation, replaced atomically
    gen-000003/          one complete index: manifest.json, vectors.faiss, store.sqlite

A save writes a whole new generation beside the live one and only then
points CURRENT at it, so a crash mid-save leaves the previous index loadable.
Deciding what to re-embed is the indexer's job, not this module's.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from chatbot.common.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from chatbot.common.types import Chunk, Document

FORMAT_VERSION = 1
_GEN_PREFIX = "gen-"
_SCHEMA = """
CREATE TABLE documents (id TEXT PRIMARY KEY, title TEXT, text TEXT, kind TEXT, product_id TEXT,
                        url TEXT, source TEXT, meta TEXT);
CREATE TABLE chunks (pos INTEGER PRIMARY KEY, id TEXT UNIQUE, doc_id TEXT, text TEXT, embed_text TEXT,
                     title TEXT, kind TEXT, section TEXT, product_id TEXT, url TEXT, source TEXT, meta TEXT);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE INDEX chunks_product ON chunks(product_id);
"""


@dataclass
class Manifest:
    format_version: int
    embedder: str
    dimension: int
    documents: int
    chunks: int
    created_at: float
    generation: int = 0


class KnowledgeIndex:
    """One index in memory: documents by id, chunks by vector position, and the FAISS vectors."""

    def __init__(self, embedder: str, documents: dict[str, Document], chunks: list[Chunk], vectors: np.ndarray,
                 generation: int = 0):
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        self.embedder = embedder
        self.documents = documents
        self.chunks = chunks
        self.generation = generation
        dimension = vectors.shape[1] if vectors.ndim == 2 else 0
        self.faiss = faiss.IndexFlatIP(dimension)  # exact inner product = cosine on unit vectors
        if len(vectors):
            self.faiss.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.position = {chunk.id: pos for pos, chunk in enumerate(chunks)}

    @property
    def dimension(self) -> int:
        return self.faiss.d

    def vectors(self) -> np.ndarray:
        return self.faiss.reconstruct_n(0, self.faiss.ntotal) if self.faiss.ntotal else np.zeros((0, self.dimension),
                                                                                                  np.float32)

    def vectors_of(self, chunk_ids: list[str]) -> np.ndarray:
        """The stored vectors of these chunks, in order (the judge reads them instead of embedding again)."""
        if not chunk_ids:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([self.faiss.reconstruct(self.position[c]) for c in chunk_ids])

    def manifest(self) -> Manifest:
        return Manifest(FORMAT_VERSION, self.embedder, self.dimension, len(self.documents), len(self.chunks),
                        time.time(), self.generation)

    # ---- persistence
    def save(self, folder: str | Path) -> Path:
        """Write a new generation atomically and make it the live one; returns its folder."""
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        self.generation = _latest_generation(root) + 1
        final = root / f"{_GEN_PREFIX}{self.generation:06d}"
        staging = root / f".staging-{self.generation:06d}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        _write_sqlite(staging / "store.sqlite", self.documents, self.chunks)
        faiss.write_index(self.faiss, str(staging / "vectors.faiss"))
        (staging / "manifest.json").write_text(json.dumps(self.manifest().__dict__, indent=2))
        _fsync_tree(staging)
        staging.rename(final)
        pointer = root / ".CURRENT.tmp"
        pointer.write_text(final.name)
        _fsync(pointer)
        os.replace(pointer, root / "CURRENT")  # the commit point
        _fsync(root)
        _remove_stale(root, keep=final.name)
        return final

    @classmethod
    def load(cls, folder: str | Path, embedder: str | None = None, dimension: int | None = None) -> "KnowledgeIndex":
        """Load the live generation; with ``embedder``/``dimension`` given, refuse an index built otherwise."""
        root = Path(folder)
        current = root / "CURRENT"
        if not current.exists():
            raise IndexNotFoundError(f"no index at {root}: build one with `python -m chatbot index knowledge/ "
                                     f"--index {root}`")
        gen_dir = root / current.read_text().strip()
        try:
            manifest = Manifest(**json.loads((gen_dir / "manifest.json").read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(f"index at {root} has an unreadable manifest ({exc}); rebuild it with "
                                    f"`python -m chatbot index PATH --index {root} --rebuild`") from None
        fix = f"run `python -m chatbot index PATH --index {root} --rebuild`"
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatchError(f"index at {root} has format version {manifest.format_version}, this version "
                                     f"reads {FORMAT_VERSION}: {fix}")
        if embedder is not None and (manifest.embedder != embedder or
                                     (dimension is not None and manifest.dimension != dimension)):
            raise IndexMismatchError(
                f"index at {root} was built with {manifest.embedder} ({manifest.dimension} dims) but the embedder "
                f"is {embedder}" + (f" ({dimension} dims)" if dimension is not None else "") +
                f": {fix}, or set CHATBOT_EMBEDDER={manifest.embedder}")
        try:
            vectors_index = faiss.read_index(str(gen_dir / "vectors.faiss"))
            documents, chunks = _read_sqlite(gen_dir / "store.sqlite")
        except (RuntimeError, sqlite3.Error, OSError) as exc:
            raise IndexCorruptError(f"index at {root} is damaged ({exc}): {fix}") from None
        if vectors_index.ntotal != len(chunks) or vectors_index.d != manifest.dimension:
            raise IndexCorruptError(f"index at {root} has {vectors_index.ntotal} vectors for {len(chunks)} chunks: "
                                    f"{fix}")
        vectors = vectors_index.reconstruct_n(0, vectors_index.ntotal) if len(chunks) else np.zeros(
            (0, manifest.dimension), np.float32)
        return cls(manifest.embedder, documents, chunks, vectors, generation=manifest.generation)


def index_exists(folder: str | Path) -> bool:
    return (Path(folder) / "CURRENT").exists()


def _write_sqlite(path: Path, documents: dict[str, Document], chunks: list[Chunk]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?)", [
            (d.id, d.title, d.text, d.kind, d.product_id, d.url, d.source, json.dumps(d.meta))
            for d in documents.values()])
        con.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
            (pos, c.id, c.doc_id, c.text, c.embed_text, c.title, c.kind, c.section, c.product_id, c.url, c.source,
             json.dumps(c.meta)) for pos, c in enumerate(chunks)])
        con.commit()
    finally:
        con.close()


def _read_sqlite(path: Path) -> tuple[dict[str, Document], list[Chunk]]:
    if not path.exists():
        raise OSError(f"{path.name} is missing")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        documents = {row[0]: Document(id=row[0], title=row[1], text=row[2], kind=row[3], product_id=row[4],
                                      url=row[5], source=row[6], meta=json.loads(row[7]))
                     for row in con.execute("SELECT id, title, text, kind, product_id, url, source, meta "
                                            "FROM documents")}
        chunks = [Chunk(id=r[0], doc_id=r[1], text=r[2], embed_text=r[3], title=r[4], kind=r[5], section=r[6],
                        product_id=r[7], url=r[8], source=r[9], meta=json.loads(r[10]))
                  for r in con.execute("SELECT id, doc_id, text, embed_text, title, kind, section, product_id, url, "
                                       "source, meta FROM chunks ORDER BY pos")]
    finally:
        con.close()
    return documents, chunks


def _latest_generation(root: Path) -> int:
    numbers = [int(p.name[len(_GEN_PREFIX):]) for p in root.glob(f"{_GEN_PREFIX}*")
               if p.name[len(_GEN_PREFIX):].isdigit()]
    return max(numbers, default=0)


def _remove_stale(root: Path, keep: str) -> None:
    """Drop older generations and abandoned staging folders; the live one stays."""
    for path in root.iterdir():
        if path.is_dir() and path.name != keep and path.name.startswith((_GEN_PREFIX, ".staging-")):
            shutil.rmtree(path, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for file in folder.iterdir():
        _fsync(file)
    _fsync(folder)
