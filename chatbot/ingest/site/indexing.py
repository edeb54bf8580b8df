"""``index --site``: crawl the store's website and merge its pages into the index.

Pages read are added or replaced (only changed chunks are embedded), pages that answered 304 keep their
documents, pages that are gone (404/410, or no longer listed when the crawl saw the whole site) are removed,
and pages that failed for another reason keep their indexed copies. When nothing at all could be read the run
fails with the reasons and the index is left as it was: never an "index saved" of zero pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import httpx

from chatbot.common.errors import ChatbotError
from chatbot.common.types import Document
from chatbot.config import Settings
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.embedding import Embedder
from chatbot.ingest.indexer import IndexReport, apply_documents
from chatbot.ingest.site.crawl import Budget, crawl
from chatbot.ingest.site.fetch import Fetcher, clean_url, origin_of
from chatbot.ingest.site.robots import RobotsUnavailable, read_robots
from chatbot.ingest.site.validators import load_validators, save_validators, usable
from chatbot.ingest.store import KnowledgeIndex, index_exists


@dataclass(frozen=True)
class SiteLimits:
    """The crawl's limits and name; ``Settings``' site_* fields say what each is."""

    max_pages: int = 200
    max_page_bytes: int = 2_000_000
    max_seconds: float = 120.0
    request_timeout_s: float = 15.0
    user_agent: str = "StoreChatbot/0.1"

    @classmethod
    def from_settings(cls, settings: Settings) -> "SiteLimits":
        return cls(settings.site_max_pages, settings.site_max_page_bytes, settings.site_max_seconds,
                   settings.site_request_timeout_s, settings.site_user_agent)


def index_site(start_url: str, index_dir: str | Path, embedder: Embedder, chunker: Chunker,
               limits: SiteLimits = SiteLimits(), rebuild: bool = False,
               progress: Callable[[str, float], None] | None = None,
               transport: httpx.BaseTransport | None = None) -> IndexReport:
    """Crawl ``start_url``'s site into the index at ``index_dir``; ``transport`` lets tests stand in for the net."""
    notify = progress or (lambda message, fraction: None)
    start_url = _checked(start_url)
    origin = origin_of(start_url)
    old = KnowledgeIndex.load(index_dir, embedder.name, embedder.dimension) \
        if index_exists(index_dir) and not rebuild else None
    previous = usable(load_validators(index_dir), set(old.documents) if old else set())
    fetcher = Fetcher(origin, limits.user_agent, limits.max_page_bytes, limits.request_timeout_s, transport)
    notify(f"reading {origin}", 0.0)
    try:
        robots = read_robots(fetcher, origin, limits.user_agent)
        result = crawl(start_url, fetcher, robots,
                       Budget(limits.max_pages, limits.max_seconds, limits.request_timeout_s), previous)
    except RobotsUnavailable as exc:
        raise ChatbotError(f"nothing could be read from {start_url}: {exc}; the index was not changed") from None
    finally:
        fetcher.close()
    if robots.note:
        result.problem(origin + "/robots.txt", robots.note)
    if not result.documents and not result.unchanged:
        reasons = "; ".join(map(str, result.problems[:5])) or "it has no pages"
        raise ChatbotError(f"nothing could be read from {start_url} ({reasons}); the index was not changed")

    def replaced(doc: Document) -> bool:  # an indexed page of this site that is gone from it
        return doc.meta.get("site") == origin and (doc.url in result.gone or
                                                   (result.complete and doc.url not in result.listed))

    found = (f"{origin}: {len(result.documents)} page(s) read, {len(result.unchanged)} unchanged (304), "
             f"{len(result.gone)} gone, found by {'the sitemap' if result.how == 'sitemap' else 'following links'}")
    report = IndexReport(problems=result.problems, found=[found])
    apply_documents(result.documents, replaced, index_dir, embedder, chunker, report, rebuild, notify, old=old)
    # pages not reached or failing this run keep their entries, so the next run can still ask "changed?"
    carried = {url: entry for url, entry in previous.items()
               if origin_of(url) == origin and url in result.listed and url not in result.gone}
    save_validators(index_dir, origin, {**carried, **result.validators})
    return report


def _checked(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChatbotError(f"--site {url!r} is not a web address; give the store's address, e.g. "
                           "--site https://shop.example")
    return clean_url(url.strip())
