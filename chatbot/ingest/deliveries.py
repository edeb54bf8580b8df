"""The webhook deliveries already applied, by the platform's delivery id, so a retry is applied once.

Platforms deliver at least once: Shopify and WooCommerce send a delivery again when the answer was slow or
lost, with the same ``X-Shopify-Webhook-Id`` / ``X-WC-Webhook-Delivery-ID``. The ids are kept in a small JSON
file (the newest ``limit``; retries come within hours, not after thousands of other events), written
atomically, so a restart still knows them. Not thread-safe on its own: ``LiveCatalog`` holds its lock. This is the
one-process log (no database given); app replicas share ``chatbot.data.deliveries.WebhookDeliveries`` instead,
which has the same ``claim`` / ``release``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class DeliveryLog:
    def __init__(self, path: str | Path, limit: int = 5000):
        self.path = Path(path)
        self.limit = limit
        self._ids: dict[str, None] | None = None  # insertion-ordered; read on first use

    def claim(self, delivery_id: str) -> bool:
        """True when the delivery is new (it is now marked applied), False when it was applied before."""
        if self.seen(delivery_id):
            return False
        self.add(delivery_id)
        return True

    def release(self, delivery_id: str) -> None:
        """Forget a claim whose change failed, so the platform's retry is applied."""
        ids = self._known()
        if ids.pop(delivery_id, 0) is None:
            self._write(ids)

    def seen(self, delivery_id: str) -> bool:
        return delivery_id in self._known()

    def add(self, delivery_id: str) -> None:
        ids = self._known()
        ids[delivery_id] = None
        while len(ids) > self.limit:
            del ids[next(iter(ids))]
        self._write(ids)

    def _write(self, ids: dict[str, None]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_text(json.dumps(list(ids)), "utf-8")
        os.replace(partial, self.path)

    def _known(self) -> dict[str, None]:
        if self._ids is None:
            try:
                self._ids = dict.fromkeys(json.loads(self.path.read_text("utf-8")))
            except (OSError, ValueError, TypeError):
                self._ids = {}  # none yet, or an unreadable file: a retry may then be applied twice, harmlessly
        return self._ids
