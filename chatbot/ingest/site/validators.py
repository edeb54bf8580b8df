"""Each page's ETag / Last-Modified from the last run, kept in the index folder (``site-pages.json``).

A re-run sends them back (If-None-Match / If-Modified-Since) and a page that answers 304 keeps its indexed
document without being read again. Each entry also names the page's document and the links it had, so a
crawl that follows links still finds the pages behind an unchanged one. Entries are only trusted for pages
whose document is still in the index (``usable``): a rebuilt or damaged index gets every page again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from chatbot.ingest.site.fetch import origin_of

FILE_NAME = "site-pages.json"


def load_validators(index_dir: str | Path) -> dict[str, dict]:
    """``{page URL: {"etag"?, "last_modified"?, "doc_id", "links"?}}`` for every site indexed into this folder."""
    path = Path(index_dir) / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: every page is simply fetched again
    return data if isinstance(data, dict) else {}


def usable(entries: dict[str, dict], indexed_ids: set[str]) -> dict[str, dict]:
    """Only the entries whose document the index still holds: a 304 must have something to keep."""
    return {url: e for url, e in entries.items() if isinstance(e, dict) and e.get("doc_id") in indexed_ids}


def save_validators(index_dir: str | Path, origin: str, entries: dict[str, dict]) -> None:
    """Replace this origin's entries (other sites' stay), atomically."""
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    kept = {url: e for url, e in load_validators(folder).items() if origin_of(url) != origin}
    kept.update(entries)
    staging = folder / f".{FILE_NAME}.tmp"
    staging.write_text(json.dumps(kept, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(staging, folder / FILE_NAME)
