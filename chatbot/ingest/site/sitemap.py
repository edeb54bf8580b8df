"""Page URLs from a sitemap (``<urlset>``) or a sitemap index (``<sitemapindex>`` of sitemaps), gzip or not.

XML with a DOCTYPE is refused (entity expansion has no place in a sitemap). Only the ``<loc>`` of each entry
is read; ``lastmod`` is not trusted, conditional requests decide what changed. Fetching is the caller's.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

SITEMAP_MAX_BYTES = 50_000_000  # the sitemap protocol's own limit for one (uncompressed) file


class SitemapError(Exception):
    """A sitemap that is not one: bad XML, a DOCTYPE, another root element."""


@dataclass
class Sitemap:
    pages: list[str] = field(default_factory=list)  # <urlset><url><loc>
    sitemaps: list[str] = field(default_factory=list)  # <sitemapindex><sitemap><loc>


def parse_sitemap(body: bytes) -> Sitemap:
    """The locations a sitemap or sitemap index lists, in order."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.GzipFile(fileobj=io.BytesIO(body)).read(SITEMAP_MAX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise SitemapError(f"is not valid gzip ({exc})") from None
        if len(body) > SITEMAP_MAX_BYTES:
            raise SitemapError(f"unpacks to more than {SITEMAP_MAX_BYTES:,} bytes")
    if b"<!DOCTYPE" in body[:4096].upper():
        raise SitemapError("has a DOCTYPE, which a sitemap never needs; refused")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise SitemapError(f"is not valid XML ({exc})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"has <{kind}> at its root, not <urlset> or <sitemapindex>")
    locations = [loc.text.strip() for entry in root for loc in entry
                 if _local(loc.tag) == "loc" and loc.text and loc.text.strip()]
    return Sitemap(pages=locations) if kind == "urlset" else Sitemap(sitemaps=locations)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]

