"""A fetched web page as a Document, and the links on it.

The Document's id and ``url`` are the page's own URL, so a cited source opens the real page; its title is the
page's ``<title>``; its text is the main content without navigation, scripts or styles (``html_to_markdown``,
the same reader as HTML files). Its kind comes from the URL's folders ("/policies/returns" is a policy).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from chatbot.common.errors import LoadError
from chatbot.common.types import Document
from chatbot.ingest.loaders.prose import guess_kind, html_to_markdown
from chatbot.ingest.site.fetch import HTML_TYPES, Response, clean_url, origin_of

# links to these are files, not pages: never fetched while following links
_NOT_PAGES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".json", ".xml", ".pdf",
              ".zip", ".mp4", ".mp3", ".woff", ".woff2", ".ttf")


def page_document(response: Response) -> Document:
    """The page at ``response.url``; raises ``LoadError`` when it is not HTML or has no text."""
    if response.content_type not in HTML_TYPES:
        raise LoadError(f"is {response.content_type or 'of no declared type'}, not an HTML page; skipped")
    title, text = html_to_markdown(response.body, response.charset)
    if not text:
        raise LoadError("has no text to index")
    path = urlsplit(response.url).path.strip("/")
    return Document(id=response.url, title=title or path.rsplit("/", 1)[-1] or "Home", text=text,
                    kind=guess_kind(path or "home"), url=response.url, source=response.url,
                    meta={"format": "markdown", "site": origin_of(response.url)})


def page_links(response: Response) -> list[str]:
    """Same-origin page links (``<a href>``) on an HTML page, in order, without fragments or duplicates."""
    if response.content_type not in HTML_TYPES:
        return []
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(response.body, "html.parser", from_encoding=response.charset)
    origin, seen = origin_of(response.url), {}
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"].strip()
        if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        url = clean_url(href, response.url)
        if origin_of(url) == origin and not urlsplit(url).path.lower().endswith(_NOT_PAGES):
            seen.setdefault(url, None)
    return list(seen)
