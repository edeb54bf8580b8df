"""Keep the store's catalog file and the live index current, one platform event at a time.

A product event changes the catalog record in the knowledge folder's JSONL file that holds it (found by its
``platform_id`` or its id; a new product goes to ``catalog/<platform>-live.jsonl``), then that one file is
re-indexed with ``update_index``: only a changed product's chunk is embedded, and a removed product is gone from
the index. ``on_change`` then tells the bot to answer from the new index. Stock is not in the embedded text
(``chunking`` leaves it out), so a stock change re-embeds nothing.

One lock makes concurrent deliveries apply one after another. A file is replaced atomically, and when indexing
fails the previous file comes back, so a bad event never loses what was stored. Each applied delivery's id is
kept (``deliveries.DeliveryLog``, or the database's ``WebhookDeliveries`` shared by replicas), so a platform's retry
of a delivery already applied changes nothing. With ``changing`` each changed file is shared with the other app
replicas (``chatbot.ingest.knowledge_sync``), which re-index it too.
Reading and checking webhook requests is the HTTP layer's job (``ui/webhooks.py``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Iterator

from chatbot.ingest.chunking import Chunker
from chatbot.ingest.deliveries import DeliveryLog
from chatbot.ingest.embedding import Embedder
from chatbot.ingest.indexer import IndexReport, update_index
from chatbot.ingest.knowledge_sync import Change

log = logging.getLogger(__name__)
_RAW = "\x00line"  # marks a line of the file that is not a JSON object


class LiveCatalog:
    """Applies product events to ``knowledge_dir``'s catalog files and the index at ``index_dir``."""

    def __init__(self, knowledge_dir: str | Path, index_dir: str | Path, embedder: Embedder, chunker: Chunker,
                 on_change: Callable[[], None] = lambda: None, max_file_bytes: int = 50_000_000,
                 deliveries: Any = None, changing: Callable[[], ContextManager[Change]] | None = None):
        """``deliveries``: the log of applied delivery ids (``claim`` / ``release``; by default a file beside the
        index, for one process). ``changing``: shares each changed file with the other replicas
        (``KnowledgeRefresher.changing``); by default the files stay this process's own."""
        self.knowledge_dir = Path(knowledge_dir)
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.chunker = chunker
        self.on_change = on_change
        self.max_file_bytes = max_file_bytes
        self.deliveries = deliveries or DeliveryLog(self.index_dir / "webhook-deliveries.json")
        self._changing = changing or _unshared
        self._change: Change | None = None
        self._saved = False  # a change re-indexed a file: the bot answers from the new index once it is shared
        self._lock = threading.Lock()

    # ---- events
    def apply(self, delivery_id: str | None, change: Callable[[], str]) -> str:
        """Run ``change`` (one of the methods below, bound) unless ``delivery_id`` was applied before; returns
        what happened ("created", "updated", "removed", "stock", "ignored" or "duplicate")."""
        with self._lock:
            if delivery_id and not self.deliveries.claim(delivery_id):
                return "duplicate"
            try:
                # under the shared lock, starting from the newest files of every replica; shared when it ends
                with self._changing() as self._change:
                    outcome = change()
            except BaseException:
                if delivery_id:  # not applied: the platform's retry must apply it
                    self.deliveries.release(delivery_id)
                raise
            finally:
                self._change = None
            if self._saved:
                self._saved = False
                self.on_change()
            return outcome

    def put_product(self, key: str, record: dict[str, Any] | None) -> str:
        """Store the product ``key`` ("shopify:123") as ``record``; None (a draft, a hidden product) removes it."""
        if record is None:
            return self.remove_product(key)
        found = self._find(key, record["id"])
        platform = key.split(":", 1)[0]
        path = found[0] if found else self.knowledge_dir / "catalog" / f"{platform}-live.jsonl"
        records = _read(path)
        index = next((i for i, r in enumerate(records) if _matches(r, key, record["id"])), None)
        if index is None:
            records.append(record)
        else:
            records[index] = record
        self._save(path, records)
        return "created" if index is None else "updated"

    def remove_product(self, key: str) -> str:
        found = self._find(key, None)
        if found is None:
            return "ignored"  # never stored (a draft from the start), or removed already
        path, _ = found
        self._save(path, [r for r in _read(path) if r.get("platform_id") != key])
        return "removed"

    def set_stock(self, platform: str, inventory_item_id: Any, available: int) -> str:
        """Shopify's ``inventory_levels/update``: the variant with this inventory item has ``available`` units."""
        for path in self._catalog_files():
            records = _read(path)
            for record in records:
                if not str(record.get("platform_id", "")).startswith(f"{platform}:"):
                    continue
                for variant in record.get("variants") or []:
                    if str(variant.get("inventory_item_id")) == str(inventory_item_id):
                        variant["stock"] = max(available, 0)
                        variant["available"] = available > 0 or bool(variant.get("oversell"))
                        tracked = [v for v in record["variants"] if v.get("available") is not None]
                        record.setdefault("attributes", {})["in_stock"] = any(v["available"] for v in tracked)
                        self._save(path, records)
                        return "stock"
        return "ignored"  # an item of a product not sent to this bot yet (e.g. only imported from CSV)

    # ---- files and index
    def _catalog_files(self) -> list[Path]:
        if not self.knowledge_dir.exists():
            return []
        return [p for p in sorted(self.knowledge_dir.rglob("*.jsonl"))
                if not any(part.startswith((".", "_")) for part in p.relative_to(self.knowledge_dir).parts)]

    def _find(self, key: str, product_id: str | None) -> tuple[Path, dict[str, Any]] | None:
        """The file and record of this product: by its platform id first, else by its catalog id."""
        by_id = None
        for path in self._catalog_files():
            for record in _read(path):
                if record.get("platform_id") == key:
                    return path, record
                if by_id is None and product_id is not None and record.get("id") == product_id:
                    by_id = (path, record)
        return by_id

    def _save(self, path: Path, records: list[dict[str, Any]]) -> IndexReport:
        """Write the file (atomically; removed when empty), re-index it, and put the old file back on failure."""
        before = path.read_bytes() if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if records:
                partial = path.with_name(f".{path.name}.partial")
                partial.write_text("".join(_line(r) + "\n" for r in records), "utf-8")
                os.replace(partial, path)
            elif path.exists():
                path.unlink()  # an empty file would keep its old products in the index (a failed load)
            report = update_index([path], self.index_dir, self.embedder, self.chunker,
                                  max_file_bytes=self.max_file_bytes)
        except Exception:
            if before is not None:
                path.write_bytes(before)
            elif path.exists():
                path.unlink()
            raise
        log.info("live catalog %s: %s", path.name, report.summary())
        if self._change is not None:
            self._change.touch(path)
        self._saved = True
        return report


@contextmanager
def _unshared() -> Iterator[Change]:
    yield Change()


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            # a line that is no record is written back as it was (the indexer reports it), never dropped
            records.append(record if isinstance(record, dict) else {_RAW: line})
    return records


def _line(record: dict[str, Any]) -> str:
    return record[_RAW] if _RAW in record else json.dumps(record, ensure_ascii=False)


def _matches(record: dict[str, Any], key: str, product_id: str) -> bool:
    return record.get("platform_id") == key or record.get("id") == product_id
