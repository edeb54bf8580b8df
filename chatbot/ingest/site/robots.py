"""What the store's robots.txt lets us fetch, and the sitemaps it names.

Parsed with Protego (RFC 9309: the group for our user agent, else the ``*`` group; the longest matching rule
wins; ``*`` and ``$`` in paths). A robots.txt that does not exist (4xx) allows everything; one the server
fails to give (5xx) allows nothing, as RFC 9309 asks, and the crawl stops with that reason. It does not fetch
pages or read sitemaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

from chatbot.ingest.site.fetch import Fetcher, FetchError, clean_url, origin_of

ROBOTS_MAX_BYTES = 512_000  # RFC 9309: crawlers must read at least 500 KiB


class RobotsUnavailable(Exception):
    """robots.txt could not be read for a reason that forbids crawling (server error, unreachable)."""


@dataclass
class Robots:
    rules: Protego | None  # None: no robots.txt, everything allowed
    user_agent: str
    sitemaps: list[str] = field(default_factory=list)  # absolute URLs from its Sitemap lines
    note: str = ""  # why it was ignored, when it was

    def allows(self, url: str) -> bool:
        return self.rules is None or self.rules.can_fetch(url, self.user_agent)


def read_robots(fetcher: Fetcher, origin: str, user_agent: str) -> Robots:
    """The rules at ``origin/robots.txt``; raises ``RobotsUnavailable`` when crawling must not go on."""
    url = origin_of(origin) + "/robots.txt"
    try:
        response = fetcher.get(url, max_bytes=ROBOTS_MAX_BYTES)
    except FetchError as exc:
        if exc.unreachable:
            raise RobotsUnavailable(f"{origin} could not be reached ({exc}); check the address and that the "
                                    "site is up") from None
        if exc.status is not None and 400 <= exc.status < 500:
            return Robots(None, user_agent)  # no robots.txt: everything may be fetched
        if exc.status is not None and exc.status >= 500:
            raise RobotsUnavailable(f"{url} {exc}; robots.txt must be readable before any page is fetched "
                                    "(RFC 9309), try again later") from None
        return Robots(None, user_agent, note=f"{url} {exc}; read as allowing everything")
    text = response.body.decode(response.charset or "utf-8", errors="replace")
    rules = Protego.parse(text)
    sitemaps = [clean_url(s, url) for s in rules.sitemaps]
    return Robots(rules, user_agent, sitemaps)
