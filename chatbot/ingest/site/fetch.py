"""One HTTP GET on the store's own origin, within a byte limit, with redirects checked by hand.

``Fetcher.get`` follows redirects itself so that one leading to another origin (not followed) or back to a
page already seen (a loop) is reported by name; it streams the body and stops reading at the byte limit, so a
huge page is never held whole. Errors are ``FetchError`` with a reason a store owner can act on. It does not
decide what to fetch (``crawl``) or whether robots.txt allows it (``robots``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)  # not 304, which httpx's is_redirect also counts


class FetchError(Exception):
    """A URL that gave nothing usable; ``unreachable`` when the server could not be reached at all."""

    def __init__(self, reason: str, status: int | None = None, unreachable: bool = False):
        super().__init__(reason)
        self.status = status
        self.unreachable = unreachable


@dataclass
class Response:
    url: str  # where the body came from, after same-origin redirects
    status: int  # 200, or 304 when a conditional request found the page unchanged
    body: bytes = b""
    content_type: str = ""  # the media type alone, lower case ("text/html")
    charset: str | None = None
    validators: dict[str, str] = field(default_factory=dict)  # {"etag": ..., "last_modified": ...} when sent


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` in lower case: what "same site" means here."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def clean_url(url: str, base: str | None = None) -> str:
    """An absolute URL without its #fragment; an empty path becomes "/"."""
    url = urldefrag(urljoin(base, url) if base else url).url
    parts = urlsplit(url)
    return url if parts.path else parts._replace(path="/").geturl()


class Fetcher:
    """GETs on one origin with a User-Agent, a per-request timeout and a body-size limit."""

    def __init__(self, origin: str, user_agent: str, max_bytes: int, timeout_s: float,
                 transport: httpx.BaseTransport | None = None):
        self.origin = origin_of(origin)
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self._client = httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout_s, follow_redirects=False,
                                    transport=transport)

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, validators: dict[str, str] | None = None, max_bytes: int | None = None,
            timeout_s: float | None = None, allowed: Callable[[str], bool] | None = None,
            html_only: bool = False) -> Response:
        """The body at ``url``; a 304 when ``validators`` (a previous ETag / Last-Modified) still hold.

        ``allowed`` (robots.txt) is asked again for every redirect target; with ``html_only`` a response that is not
        HTML is refused before its body is read. ``timeout_s`` bounds the whole request, so
        a server that sends a byte now and then cannot hold the crawl."""
        limit = max_bytes or self.max_bytes
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        chain = [url]
        while True:
            current = chain[-1]
            if origin_of(current) != self.origin:
                raise FetchError(f"redirects to {current}, on another site; not followed (index that site with "
                                 f"--site {origin_of(current)} if it is the store)")
            try:
                with self._client.stream("GET", current, headers=headers,
                                         timeout=timeout_s or httpx.USE_CLIENT_DEFAULT) as response:
                    if response.status_code in REDIRECTS:
                        if "location" not in response.headers:
                            raise FetchError(f"answered {response.status_code} without a Location; skipped",
                                             status=response.status_code)
                        target = clean_url(response.headers["location"], current)
                        if target in chain:
                            raise FetchError("redirect loop: " + " -> ".join(chain + [target]) + "; not followed")
                        if len(chain) > MAX_REDIRECTS:
                            raise FetchError(f"more than {MAX_REDIRECTS} redirects; not followed")
                        if allowed is not None and origin_of(target) == self.origin and not allowed(target):
                            raise FetchError(f"redirects to {target}, which robots.txt disallows; not followed")
                        chain.append(target)
                        continue
                    return self._read(current, response, limit, html_only, deadline)
            except httpx.TransportError as exc:  # connection refused, DNS, timeout, broken stream
                raise FetchError(f"could not be reached ({type(exc).__name__}: {exc or 'no answer'})",
                                 unreachable=isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))) from None

    def _read(self, url: str, response: httpx.Response, limit: int, html_only: bool, deadline: float) -> Response:
        kept = {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
        kept = {k: v for k, v in kept.items() if v}
        if response.status_code == 304:
            return Response(url, 304, validators=kept)
        if response.status_code != 200:
            raise FetchError(f"answered HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                             status=response.status_code)
        media = response.headers.get("content-type", "").partition(";")[0].strip().lower()
        if html_only and media not in HTML_TYPES:
            raise FetchError(f"is {media or 'of no declared type'}, not an HTML page; skipped")
        declared = response.headers.get("content-length", "")
        setting = " (site_max_page_bytes)" if limit == self.max_bytes else ""
        too_big = f"over the {limit:,}-byte limit{setting}; skipped, not read whole"
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"is {int(declared):,} bytes, {too_big}")
        body = bytearray()
        for part in response.iter_bytes():
            body += part
            if len(body) > limit:
                raise FetchError(f"is {too_big}")
            if time.monotonic() > deadline:
                raise FetchError(f"took longer than {self.timeout_s:g} s (site_request_timeout_s); skipped")
        return Response(url, 200, bytes(body), media, response.charset_encoding, kept)
