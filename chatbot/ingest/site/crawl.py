"""Visit the store's pages: those its sitemaps list, or those linked from the start page when it has none.

One origin only; robots.txt is asked before every page; the crawl stops at ``max_pages`` fetches or
``max_seconds``, saying so. Each bad URL is one ``FileProblem`` and the crawl goes on. The result says which
pages were read, which are unchanged (304), which are gone (404/410) and whether the list of pages is
complete, so the indexer can remove the pages that disappeared and keep the ones it could not check.
Turning the result into an index is ``indexing``'s job.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from chatbot.common.errors import LoadError
from chatbot.common.types import Document
from chatbot.ingest.loaders import FileProblem
from chatbot.ingest.site.fetch import Fetcher, FetchError, clean_url, origin_of
from chatbot.ingest.site.page import page_document, page_links
from chatbot.ingest.site.robots import Robots
from chatbot.ingest.site.sitemap import SITEMAP_MAX_BYTES, SitemapError, parse_sitemap

MAX_SITEMAPS = 50  # sitemap files read per run (an index of indexes cannot go on for ever)
GONE = (404, 410)


@dataclass
class CrawlResult:
    origin: str
    how: str = "links"  # "sitemap" when a sitemap listed the pages, else "links"
    documents: list[Document] = field(default_factory=list)  # pages read (200)
    unchanged: list[str] = field(default_factory=list)  # document ids of pages that answered 304
    gone: set[str] = field(default_factory=set)  # URLs that answered 404 or 410
    listed: set[str] = field(default_factory=set)  # every page URL the site has now (read or not)
    complete: bool = True  # False when a limit or a failure left pages undiscovered
    problems: list[FileProblem] = field(default_factory=list)
    validators: dict[str, dict] = field(default_factory=dict)  # next run's conditional-request state
    fetched: int = 0  # pages requested

    def problem(self, url: str, reason: str) -> None:
        self.problems.append(FileProblem(url, reason))


@dataclass(frozen=True)
class Budget:
    max_pages: int
    max_seconds: float
    request_timeout_s: float
    clock: Callable[[], float] = time.monotonic


def crawl(start_url: str, fetcher: Fetcher, robots: Robots, budget: Budget,
          previous: dict[str, dict] | None = None) -> CrawlResult:
    """Read the site at ``start_url``; ``previous`` is the last run's validators (see ``validators``)."""
    started = budget.clock()
    previous = previous or {}
    result = CrawlResult(origin_of(start_url))
    pages = _pages_from_sitemaps(fetcher, robots, result)
    if pages is None:
        pages, result.complete = [clean_url(start_url)], True  # a failed sitemap does not limit the links found
    else:
        result.how = "sitemap"
    queue = deque(_allowed(pages, robots, result))
    result.listed.update(queue)
    seen = set(queue)
    while queue:
        elapsed = budget.clock() - started
        if elapsed >= budget.max_seconds or result.fetched >= budget.max_pages:
            limit = (f"the {budget.max_seconds:g} s time limit (site_max_seconds)" if elapsed >= budget.max_seconds
                     else f"the {budget.max_pages}-page limit (site_max_pages)")
            result.problem(result.origin, f"stopped at {limit}; {len(queue)} page(s) not fetched this run (their "
                                          "indexed copies stay); raise the limit to read them")
            result.complete = result.complete and result.how == "sitemap"
            break
        url = queue.popleft()
        links = _visit(url, fetcher, robots, budget, budget.max_seconds - elapsed, previous.get(url), result)
        if result.how == "links":
            if links is None:
                result.complete = False  # the pages behind this one are unknown this run
                continue
            new = [link for link in links if link not in seen]
            seen.update(new)
            allowed = _allowed(new, robots, result)
            result.listed.update(allowed)
            queue.extend(allowed)
    return result


def _visit(url: str, fetcher: Fetcher, robots: Robots, budget: Budget, time_left: float, before: dict | None,
           result: CrawlResult) -> list[str] | None:
    """Fetch one page into ``result``; returns the links on it (None when unknown)."""
    result.fetched += 1
    try:
        response = fetcher.get(url, validators=before, timeout_s=max(0.1, min(budget.request_timeout_s, time_left)),
                               allowed=robots.allows, html_only=True)
    except FetchError as exc:
        if exc.status in GONE:
            result.gone.add(url)
            result.listed.discard(url)
            result.problem(url, f"{exc}: gone, so not indexed (an indexed copy is removed)")
            return []
        result.problem(url, f"{exc}" + ("; its indexed copy stays" if before else ""))
        return before.get("links") if before and "links" in before else None
    if response.status == 304 and before:
        result.unchanged.append(before["doc_id"])
        result.listed.add(before["doc_id"])
        result.validators[url] = {**before, **response.validators}
        return before.get("links", [])
    links = page_links(response)
    try:
        document = page_document(response)
    except LoadError as exc:
        result.problem(url, str(exc))
        return links
    if any(d.id == document.id for d in result.documents):
        return links  # a redirect to a page the crawl already has
    result.documents.append(document)
    result.listed.add(document.id)
    result.validators[url] = {**response.validators, "doc_id": document.id, "links": links}
    return links


def _pages_from_sitemaps(fetcher: Fetcher, robots: Robots, result: CrawlResult) -> list[str] | None:
    """The page URLs the site's sitemaps list (robots.txt's Sitemap lines, else /sitemap.xml); None: no sitemap."""
    named = [s for s in robots.sitemaps if origin_of(s) == result.origin]
    for other in sorted(set(robots.sitemaps) - set(named)):
        result.problem(other, "sitemap on another site (named in robots.txt); not read")
    queue = deque(named or [result.origin + "/sitemap.xml"])
    read, pages = set(), []
    while queue:
        url = queue.popleft()
        if url in read:
            continue
        if len(read) >= MAX_SITEMAPS:
            result.problem(url, f"more than {MAX_SITEMAPS} sitemaps; the rest were not read")
            result.complete = False
            break
        read.add(url)
        try:
            sitemap = parse_sitemap(fetcher.get(url, max_bytes=SITEMAP_MAX_BYTES).body)
        except (FetchError, SitemapError) as exc:
            if not named and getattr(exc, "status", None) in GONE:
                return None  # no sitemap at the usual place: follow links instead
            result.problem(url, f"sitemap {exc}")
            result.complete = False
            continue
        pages += [clean_url(p, url) for p in sitemap.pages]
        for child in (clean_url(s, url) for s in sitemap.sitemaps):
            if origin_of(child) == result.origin:
                queue.append(child)
            else:
                result.problem(child, "sitemap on another site; not read")
    if not pages and not result.complete:
        return None  # no sitemap could be read: follow links instead
    other = [p for p in pages if origin_of(p) != result.origin]
    if other:
        result.problem(result.origin, f"the sitemap lists {len(other)} page(s) on other sites (e.g. {other[0]}); "
                                      "not fetched")
    return list(dict.fromkeys(p for p in pages if origin_of(p) == result.origin))


def _allowed(urls: list[str], robots: Robots, result: CrawlResult) -> list[str]:
    allowed = [u for u in urls if robots.allows(u)]
    for url in sorted(set(urls) - set(allowed)):
        result.problem(url, "disallowed by robots.txt; not fetched")
    return allowed
