"""``index --site``: the demo store's policy pages served as a real website on 127.0.0.1.

The site has nav, footer and script noise around each page's text, a sitemap index, a robots.txt with a
Disallow rule, ETags, and the bad cases a real store has: a redirect to another site, a redirect loop, a 5 MB
page (declared, and streamed without a length), a PDF, a 404 and a 500. A second server on another port is
"another site": it must never be asked for anything.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import http.server
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_runner import run_cli
from conftest import KNOWLEDGE, scratch_database_env

from chatbot.common.errors import ChatbotError
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.site.crawl import Budget, crawl
from chatbot.ingest.site.fetch import Fetcher, FetchError
from chatbot.ingest.site.indexing import SiteLimits, index_site
from chatbot.ingest.site.robots import read_robots
from chatbot.ingest.site.sitemap import SitemapError, parse_sitemap
from chatbot.ingest.store import KnowledgeIndex

POLICIES = sorted((KNOWLEDGE / "policies").glob("*.md"))
BAD = ["/moved", "/staff", "/loop-a", "/lookbook", "/lookbook-stream", "/size-chart", "/gone-page", "/broken"]
LAST_MODIFIED = "Tue, 01 Dec 2026 10:00:00 GMT"


def render(markdown: str) -> tuple[str, str]:
    """Markdown as the simple HTML a store's page builder writes: (title, the <main> part)."""
    title, parts, items = "", [], []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.strip().splitlines()
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        elif lines[0].startswith("#"):
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            text = lines[0].lstrip("#").strip()
            title = title or text
            parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
            if lines[1:]:
                parts.append(f"<p>{html.escape(' '.join(lines[1:]))}</p>")
        else:
            parts.append(f"<p>{html.escape(' '.join(lines))}</p>")
    return title, "\n".join(parts)


class Site:
    """A store's website; ``pages`` maps a path to (title, main HTML) and may be edited between runs."""

    def __init__(self, sitemap: bool = True):
        self.pages = {f"/policies/{p.stem}": render(p.read_text(encoding="utf-8")) for p in POLICIES}
        self.sitemap = sitemap
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.base = ""
        self.elsewhere = ""  # another site's address, the target of /moved

    def html(self, path: str) -> bytes:
        title, main = self.pages[path] if path in self.pages else ("Harbor & Pine", "<h1>Welcome</h1><p>Toys.</p>")
        nav = "".join(f'<a href="{p}">{html.escape(t)}</a>' for p, (t, _) in self.pages.items())
        nav += "".join(f'<a href="{p}">{p}</a>' for p in BAD + ["/private/staff-notes"])
        return (f"<!doctype html><html><head><title>{html.escape(title)} | Harbor &amp; Pine</title>"
                f"<style>.menu {{ color: red }}</style><script>trackPageView('cart-drawer-open')</script></head>"
                f"<body><header><nav class=menu><a href='/'>Home</a>{nav}<a href='/cart'>Cart (0)</a></nav></header>"
                f"<main>{main}</main><footer><p>Newsletter: subscribe for 10% off your first order</p>"
                f"<p>Copyright 2026 Harbor and Pine</p></footer><script>loadChatWidget()</script></body></html>"
                ).encode()

    def answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        path = handler.path
        self.requests.append((path, dict(handler.headers)))
        if path == "/robots.txt":
            return self.send(handler, 200, "text/plain", (
                "User-agent: *\nDisallow: /private/\nDisallow: /*?sort=\n\n"
                f"Sitemap: {self.base}/sitemap.xml\n").encode())
        if path == "/sitemap.xml" and self.sitemap:
            return self.send(handler, 200, "application/xml", (
                '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.base}/sitemaps/pages.xml</loc></sitemap></sitemapindex>").encode())
        if path == "/sitemaps/pages.xml" and self.sitemap:
            urls = list(self.pages) + BAD + ["/private/staff-notes"]
            return self.send(handler, 200, "application/xml", (
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>{self.base}{u}</loc><lastmod>2026-12-01</lastmod></url>" for u in urls)
                + "</urlset>").encode())
        if path == "/moved":
            return self.redirect(handler, self.elsewhere + "/returns")
        if path == "/staff":
            return self.redirect(handler, "/private/staff-notes")
        if path in ("/loop-a", "/loop-b"):
            return self.redirect(handler, "/loop-b" if path == "/loop-a" else "/loop-a")
        if path == "/lookbook":
            return self.send(handler, 200, "text/html", b"<p>" + b"x" * 5_000_000 + b"</p>")
        if path == "/lookbook-stream":  # no Content-Length: only reading shows how big it is
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.end_headers()
            try:
                for _ in range(50):
                    handler.wfile.write(b"<p>" + b"y" * 100_000 + b"</p>")
            except OSError:
                pass  # the client stopped reading, as it should
            return None
        if path == "/slow":  # a byte now and then: each read is quick, the whole page never ends
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.end_headers()
            try:
                for _ in range(40):
                    handler.wfile.write(b"<p>a</p>")
                    handler.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            return None
        if path == "/size-chart":
            return self.send(handler, 200, "application/pdf", b"%PDF-1.4 size chart")
        if path == "/broken":
            return self.send(handler, 500, "text/html", b"<p>Internal error</p>")
        if path in self.pages or path == "/" or path.startswith("/private/"):
            body = self.html(path)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.end_headers()
                return None
            return self.send(handler, 200, "text/html; charset=utf-8", body, ETag=etag, **{"Last-Modified": LAST_MODIFIED})
        return self.send(handler, 404, "text/html", b"<p>Not found</p>")

    @staticmethod
    def send(handler, status: int, content_type: str, body: bytes, **headers) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:
            pass  # a client that read the length and left

    @staticmethod
    def redirect(handler, location: str) -> None:
        handler.send_response(301)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@contextmanager
def running(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            site.answer(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site.base
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def store():
    """The store's site and another site it redirects to; yields (store site, other site)."""
    site, other = Site(), Site()
    with running(other) as other_base, running(site):
        site.elsewhere = other_base
        yield site, other


def policy_url(site: Site, stem: str) -> str:
    return f"{site.base}/policies/{stem}"


def problems_by_url(report) -> dict[str, str]:
    return {p.path: p.reason for p in report.problems}


def index(site: Site, folder: Path, embedder, **limits):
    return index_site(site.base, folder, embedder, Chunker(), SiteLimits(**limits))


def test_policy_pages_are_indexed_with_their_urls_titles_and_main_text(store, tmp_path, fake_embedder):
    site, other = store
    report = index(site, tmp_path / "index", fake_embedder)
    loaded = KnowledgeIndex.load(tmp_path / "index")
    assert set(loaded.documents) == {policy_url(site, p.stem) for p in POLICIES}
    returns = loaded.documents[policy_url(site, "returns-and-refunds")]
    assert returns.url == policy_url(site, "returns-and-refunds") and returns.kind == "policy"
    assert returns.title == "Returns and Refunds | Harbor & Pine"
    assert "within 30 days from the date of delivery" in returns.text and "## Return window" in returns.text
    for noise in ("Newsletter", "Cart (0)", "trackPageView", "loadChatWidget", "color: red", "Gift Cards and"):
        assert noise not in returns.text
    assert all(c.url == c.doc_id for c in loaded.chunks)
    assert report.saved and "8 page(s) read" in report.found[0] and "sitemap" in report.found[0]


def test_robots_user_agent_and_every_bad_url_reported_once_while_the_rest_goes_on(store, tmp_path, fake_embedder):
    site, other = store
    report = index(site, tmp_path / "index", fake_embedder)
    assert not any(path.startswith("/private/") for path in site.paths())  # Disallowed: never requested
    assert other.requests == []  # the redirect to another site was not followed
    assert all(headers.get("User-Agent", "").startswith("StoreChatbot/") for _, headers in site.requests)
    problems = problems_by_url(report)
    expected = {
        "/private/staff-notes": "disallowed by robots.txt",
        "/moved": f"redirects to {site.elsewhere}/returns, on another site; not followed",
        "/staff": f"redirects to {site.base}/private/staff-notes, which robots.txt disallows; not followed",
        "/loop-a": "redirect loop:",
        "/lookbook": "is 5,000,007 bytes, over the 2,000,000-byte limit",
        "/lookbook-stream": "over the 2,000,000-byte limit",
        "/size-chart": "is application/pdf, not an HTML page",
        "/gone-page": "HTTP 404",
        "/broken": "HTTP 500",
    }
    assert set(problems) == {site.base + path for path in expected}
    for path, needle in expected.items():
        assert needle in problems[site.base + path], problems[site.base + path]
    assert len(report.problems) == len(expected)


def test_the_real_bot_answers_a_policy_question_citing_the_page(store, tmp_path, real_embedder):
    site, _ = store
    index(site, tmp_path / "index", real_embedder)
    bot = Chatbot(Settings(index_dir="unused", generator="extractive"), embedder=real_embedder,
                  index=KnowledgeIndex.load(tmp_path / "index"))
    answer = bot.ask("How long do I have to return an item?")
    assert "30 days" in answer.text and not answer.abstained
    assert answer.citations[0].url == policy_url(site, "returns-and-refunds")


def test_a_rerun_sends_conditional_headers_and_embeds_nothing(store, tmp_path, fake_embedder):
    site, _ = store
    index(site, tmp_path / "index", fake_embedder)
    assert (tmp_path / "index" / "site-pages.json").exists()
    site.requests.clear()
    fake_embedder.calls.clear()
    report = index(site, tmp_path / "index", fake_embedder)
    pages = {path: headers for path, headers in site.requests if path.startswith("/policies/")}
    assert len(pages) == len(POLICIES)
    assert all(h.get("If-None-Match", "").startswith('"') and h.get("If-Modified-Since") == LAST_MODIFIED
               for h in pages.values())
    assert fake_embedder.calls == [] and not report.saved and report.embedded == 0
    assert "0 page(s) read, 8 unchanged (304)" in report.found[0]
    assert set(KnowledgeIndex.load(tmp_path / "index").documents) == {policy_url(site, p.stem) for p in POLICIES}


def test_a_changed_page_alone_is_embedded_again(store, tmp_path, fake_embedder):
    site, _ = store
    index(site, tmp_path / "index", fake_embedder)
    title, main = site.pages["/policies/shipping-and-delivery"]
    site.pages["/policies/shipping-and-delivery"] = (title, main.replace("$19.99", "$24.99"))
    fake_embedder.calls.clear()
    report = index(site, tmp_path / "index", fake_embedder)
    embedded = [text for call in fake_embedder.calls for text in call]
    assert report.saved and report.embedded == len(embedded) >= 1
    assert all(text.startswith("Shipping") for text in embedded) and any("$24.99" in t for t in embedded)
    assert "1 page(s) read, 7 unchanged (304)" in report.found[0]
    shipping = KnowledgeIndex.load(tmp_path / "index").documents[policy_url(site, "shipping-and-delivery")]
    assert "$24.99" in shipping.text and "$19.99" not in shipping.text


def test_a_removed_page_leaves_the_index(store, tmp_path, fake_embedder):
    site, _ = store
    index(site, tmp_path / "index", fake_embedder)
    del site.pages["/policies/gift-cards-and-promotions"]  # gone from the site and its sitemap
    fake_embedder.calls.clear()
    report = index(site, tmp_path / "index", fake_embedder)
    loaded = KnowledgeIndex.load(tmp_path / "index")
    assert policy_url(site, "gift-cards-and-promotions") not in loaded.documents
    assert all(c.doc_id != policy_url(site, "gift-cards-and-promotions") for c in loaded.chunks)
    assert report.removed_documents == 1 and report.saved and fake_embedder.calls == []
    assert len(loaded.documents) == len(POLICIES) - 1


def test_a_page_that_fails_for_now_keeps_its_indexed_copy(store, tmp_path, fake_embedder):
    site, _ = store
    index(site, tmp_path / "index", fake_embedder)
    original = site.answer

    def failing_warranty(handler):
        if handler.path == "/policies/warranty":
            site.requests.append((handler.path, dict(handler.headers)))
            return site.send(handler, 503, "text/html", b"<p>busy</p>")
        return original(handler)

    site.answer = failing_warranty
    report = index(site, tmp_path / "index", fake_embedder)
    assert "HTTP 503" in problems_by_url(report)[policy_url(site, "warranty")]
    assert policy_url(site, "warranty") in KnowledgeIndex.load(tmp_path / "index").documents


def test_without_a_sitemap_links_are_followed_from_the_start_page(tmp_path, fake_embedder):
    site = Site(sitemap=False)
    with running(site):
        site.elsewhere = "http://127.0.0.1:9"  # nothing listens there; it must not be tried anyway
        report = index(site, tmp_path / "index", fake_embedder)
    documents = KnowledgeIndex.load(tmp_path / "index").documents
    assert set(documents) == {policy_url(site, p.stem) for p in POLICIES} | {site.base + "/"}
    assert "following links" in report.found[0]
    assert not any(path.startswith("/private/") for path in site.paths())
    assert site.paths().count("/policies/warranty") == 1  # each page once, however many pages link to it


def test_the_page_limit_stops_the_crawl_with_a_message_and_keeps_what_it_did_not_reach(store, tmp_path,
                                                                                       fake_embedder):
    site, _ = store
    index(site, tmp_path / "index", fake_embedder)
    report = index(site, tmp_path / "index", fake_embedder, max_pages=3)
    assert "stopped at the 3-page limit (site_max_pages)" in problems_by_url(report)[site.base]
    assert len([p for p in site.paths() if p.startswith("/policies/")]) == len(POLICIES) + 3
    assert len(KnowledgeIndex.load(tmp_path / "index").documents) == len(POLICIES)
    site.requests.clear()
    fake_embedder.calls.clear()
    index(site, tmp_path / "index", fake_embedder)  # the pages not reached still have their ETags
    assert all("If-None-Match" in h for path, h in site.requests if path.startswith("/policies/"))
    assert fake_embedder.calls == []


def test_the_time_limit_stops_the_crawl(store, tmp_path):
    site, _ = store
    ticks = iter(range(0, 1000, 50))  # every look at the clock: 50 s later
    fetcher = Fetcher(site.base, "StoreChatbot/0.1", 2_000_000, 5)
    try:
        result = crawl(site.base, fetcher, read_robots(fetcher, site.base, "StoreChatbot/0.1"),
                       Budget(100, 120.0, 5, clock=lambda: next(ticks)), {})
    finally:
        fetcher.close()
    assert result.fetched == 2  # at 50 s and 100 s; at 150 s the 120 s limit is past
    assert "stopped at the 120 s time limit (site_max_seconds)" in result.problems[-1].reason


def test_a_page_that_trickles_in_is_cut_at_the_request_timeout(store):
    site, _ = store
    fetcher = Fetcher(site.base, "StoreChatbot/0.1", 2_000_000, 1.0)
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match=r"took longer than 1 s \(site_request_timeout_s\)"):
            fetcher.get(site.base + "/slow")
    finally:
        fetcher.close()
    assert time.monotonic() - started < 2.5  # the page would take 4 s


def test_an_unreachable_site_is_an_error_and_the_index_is_untouched(tmp_path, fake_embedder):
    site = Site()
    with running(site):
        pass  # the port is closed again: nothing answers there now
    with pytest.raises(ChatbotError, match="nothing could be read from http://127.0.0.1:.*could not be reached"):
        index(site, tmp_path / "index", fake_embedder)
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_a_site_whose_every_page_fails_is_an_error_not_an_empty_index(tmp_path, fake_embedder):
    site = Site()
    site.pages = {}
    original = site.answer
    site.answer = lambda h: site.send(h, 500, "text/html", b"") if h.path == "/" else original(h)
    with running(site):
        site.elsewhere = "http://127.0.0.1:9"
        with pytest.raises(ChatbotError, match="nothing could be read.*index was not changed"):
            index(site, tmp_path / "index", fake_embedder)
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_robots_group_for_our_user_agent_and_sitemap_lines(store):
    site, _ = store
    original = site.answer

    def robots(handler):
        if handler.path != "/robots.txt":
            return original(handler)
        return site.send(handler, 200, "text/plain", b"User-agent: *\nDisallow: /\n\nUser-agent: StoreChatbot\n"
                                                     b"Disallow: /policies/privacy\nSitemap: /maps/one.xml\n")

    site.answer = robots
    fetcher = Fetcher(site.base, "StoreChatbot/0.1 (test)", 100_000, 5)
    try:
        rules = read_robots(fetcher, site.base, "StoreChatbot/0.1 (test)")
    finally:
        fetcher.close()
    assert rules.allows(site.base + "/policies/warranty") and not rules.allows(site.base + "/policies/privacy")
    assert rules.sitemaps == [site.base + "/maps/one.xml"]


@pytest.mark.parametrize("body, problem", [
    (b"<urlset><url><loc>x", "not valid XML"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset/>', "DOCTYPE"),
    (b"<html><body>Not a sitemap</body></html>", "<html> at its root"),
    (b"", "not valid XML"),
])
def test_a_broken_sitemap_is_refused_with_its_reason(body, problem):
    with pytest.raises(SitemapError, match=re.escape(problem)):
        parse_sitemap(body)


def test_a_gzipped_sitemap_lists_its_pages():
    xml = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://shop.example/a </loc>'
           b"</url><url><loc>https://shop.example/b</loc></url></urlset>")
    assert parse_sitemap(gzip.compress(xml)).pages == ["https://shop.example/a", "https://shop.example/b"]


def test_the_index_command_reads_the_site_and_fails_clearly_when_it_cannot(store, tmp_path):
    site, _ = store
    env = {"HF_HUB_OFFLINE": "1", "CHATBOT_DATA_DIR": str(tmp_path / "data"), **scratch_database_env(tmp_path / "data")}
    proc = run_cli("index", "--site", site.base, "--index", tmp_path / "index", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "8 page(s) read" in proc.stdout and "index saved" in proc.stdout
    assert "warning: " + site.base + "/loop-a: redirect loop" in proc.stderr
    proc = run_cli("index", "--site", "http://127.0.0.1:9", "--index", tmp_path / "other", env=env)
    assert proc.returncode != 0 and "nothing could be read from http://127.0.0.1:9" in proc.stderr
    assert "index saved" not in proc.stdout
