"""Readers for prose files: Markdown, plain text, HTML and PDF.

Each returns ``(documents, record_problems)``; a prose file is one Document.
HTML is turned into Markdown-style text (headings as ``#``) so that the
heading-aware chunker treats it like Markdown. Splitting is not done here.
"""

from __future__ import annotations

import re
from pathlib import Path

from chatbot.common.errors import LoadError
from chatbot.common.types import Document
from chatbot.ingest.loaders.text_io import read_text_file

_KIND_BY_FOLDER = {"policies": "policy", "policy": "policy", "faq": "faq", "help": "help",
                   "products": "product", "catalog": "product", "reviews": "review"}


def guess_kind(doc_id: str) -> str:
    """A source label from the file's folder ("policies/returns.md" -> "policy"); "help" otherwise."""
    parts = doc_id.lower().split("/")
    for part in reversed(parts[:-1]):
        if part in _KIND_BY_FOLDER:
            return _KIND_BY_FOLDER[part]
    stem = Path(parts[-1]).stem
    return "faq" if stem.startswith("faq") else "help"


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name


def _prose_document(path: Path, doc_id: str, text: str, title: str | None, fmt: str) -> list[Document]:
    text = text.strip()
    if not text:
        raise LoadError("contains no text to index")
    return [Document(id=doc_id, title=title or _title_from_name(path), text=text, kind=guess_kind(doc_id),
                     source=str(path), meta={"format": fmt})]


def read_markdown(path: Path, doc_id: str):
    text = read_text_file(path)
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return _prose_document(path, doc_id, text, match.group(1) if match else None, "markdown"), []


def read_text(path: Path, doc_id: str):
    return _prose_document(path, doc_id, read_text_file(path), None, "text"), []


def read_html(path: Path, doc_id: str):
    title, text = html_to_markdown(read_text_file(path))
    return _prose_document(path, doc_id, text, title, "markdown"), []


_NOISE = ["script", "style", "nav", "footer", "header", "noscript", "template", "svg", "form", "aside"]


def html_to_markdown(markup: str | bytes, encoding: str | None = None) -> tuple[str | None, str]:
    """A page's title and its main text as Markdown-style lines (headings as ``#``, list items as ``-``).

    Navigation, headers, footers, scripts, styles and forms are dropped; when the page marks its main content
    (``<main>``, else one ``<article>``) only that is read, so menus outside it never reach the index."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser", from_encoding=encoding if isinstance(markup, bytes) else None)
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_NOISE):
        tag.decompose()
    articles = soup.find_all("article")
    body = soup.find("main") or (articles[0] if len(articles) == 1 else None) or soup.body or soup
    h1 = body.find("h1")
    title = title or (h1.get_text(" ", strip=True) if h1 else None)
    lines: list[str] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "dt", "dd", "pre", "blockquote"]):
        if el.find_parent(["p", "li", "td", "dd", "blockquote"]) is not None and el.name not in ("li",):
            continue  # its text is already part of the enclosing block
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            lines.append(f"\n{'#' * int(el.name[1])} {text}")
        elif el.name == "li":
            lines.append(f"- {text}")
        else:
            lines.append(text)
    if not lines:  # a page of bare text with no block elements
        lines.append(" ".join(body.get_text(" ", strip=True).split()))
    return title, "\n".join(lines).strip()


def read_pdf(path: Path, doc_id: str):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError("is a password-protected PDF; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(f"is not a readable PDF ({exc}); re-export it or convert it to Markdown") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise LoadError("PDF has no extractable text (scanned images?); run OCR or provide a text version")
    return _prose_document(path, doc_id, text, title, "text"), []
