"""Split Documents into Chunks with langchain's text splitters.

Markdown (and HTML, which the loader turns into Markdown) is split at its
headings first, then long sections by characters with overlap. Products,
reviews and FAQ pairs stay whole: a product row or a Q&A pair is the unit a
shopper asks about. Chunk ids hash the document id and the embedded text, so
the same input always gives the same ids and an unchanged chunk is never
embedded twice. A product's stock marks ("In stock: yes", "; out of stock") are
shown but not embedded: stock changes by the minute (webhooks) and must not cost
an embedding. Embedding is not done here.
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from chatbot.common.types import Chunk, Document

WHOLE_KINDS = frozenset({"product", "review", "faq"})  # records a shopper asks about as one unit
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
WHOLE_RECORD_LIMIT = 4000  # characters; a record longer than this is split like prose after all
# the loaders' stock words in a product's text: its "In stock" attribute line and a variant line's ending
_STOCK_MARKS = re.compile(r"^In stock: (?:yes|no)\n?|; (?:in|out of) stock$", re.M)


def chunk_id(doc_id: str, embed_text: str) -> str:
    return hashlib.sha256(f"{doc_id}\x00{embed_text}".encode("utf-8")).hexdigest()[:20]


class Chunker:
    """Turns Documents into Chunks; cheap to build, no model involved."""

    def __init__(self, chunk_size: int = 900, chunk_overlap: int = 120):
        self.chunk_size = chunk_size
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap,
            separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""])
        self._headers = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True)

    def split(self, docs: Iterable[Document]) -> list[Chunk]:
        chunks: list[Chunk] = []
        for doc in docs:
            chunks.extend(self.split_document(doc))
        return chunks

    def split_document(self, doc: Document) -> list[Chunk]:
        if doc.kind in WHOLE_KINDS and len(doc.text) <= WHOLE_RECORD_LIMIT:
            pieces = [("", doc.text)]
        elif doc.meta.get("format") == "markdown":
            pieces = self._markdown_pieces(doc)
        else:
            pieces = [("", piece) for piece in self._splitter.split_text(doc.text)]
        chunks, seen = [], set()
        for section, text in pieces:
            text = text.strip()
            if not text:
                continue
            heading = f"{doc.title} > {section}" if section else doc.title
            embed_text = f"{heading}\n{_STOCK_MARKS.sub('', text) if doc.kind == 'product' else text}"
            cid = chunk_id(doc.id, embed_text)
            if cid in seen:  # an identical repeated passage adds nothing to search
                continue
            seen.add(cid)
            chunks.append(Chunk(id=cid, doc_id=doc.id, text=text, embed_text=embed_text, title=doc.title,
                                kind=doc.kind, section=section, product_id=doc.product_id, url=doc.url,
                                source=doc.source, meta=dict(doc.meta)))
        return chunks

    def _markdown_pieces(self, doc: Document) -> list[tuple[str, str]]:
        pieces = []
        for part in self._headers.split_text(doc.text):
            headings = [part.metadata[key] for _, key in _HEADERS if key in part.metadata]
            if headings and headings[0] == doc.title:
                headings = headings[1:]  # the document title is already the chunk's title
            section = " > ".join(headings)
            for text in self._splitter.split_text(part.page_content):
                pieces.append((section, text))
        return pieces
