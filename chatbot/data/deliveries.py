"""The webhook deliveries already applied, in the database, so a platform's retry is applied once whichever replica
it reaches.

Platforms deliver at least once and send a delivery again (same ``X-Shopify-Webhook-Id`` /
``X-WC-Webhook-Delivery-ID``) when the answer was slow or lost, possibly to another replica behind the load
balancer. ``claim`` stores the id before the change is applied; the unique (log, id) pair lets exactly one claim win
even when two replicas get the same delivery at once. ``release`` takes the claim back when applying failed, so the
platform's next retry applies it. Each ``log`` ("catalog", "orders") is its own set of ids.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from chatbot.data.migrations import open_current
from chatbot.data.schema import usable_key, utc_now, webhook_deliveries


class WebhookDeliveries:
    """Thread-safe; opens (and migrates) the database at ``url``."""

    def __init__(self, url: str, log: str):
        self.log = log
        self._engine, self._lock = open_current(url)

    def close(self) -> None:
        self._engine.dispose()

    def claim(self, delivery_id: str) -> bool:
        """True when this delivery is new (it is now marked applied), False when it was claimed before."""
        try:
            with self._lock, self._engine.begin() as db:
                db.execute(webhook_deliveries.insert().values(log=self.log, delivery_id=_key(delivery_id),
                                                              created_at=utc_now()))
            return True
        except sa.exc.IntegrityError:
            return False

    def release(self, delivery_id: str) -> None:
        """Forget a claim whose change failed, so a retry of the delivery is applied."""
        with self._lock, self._engine.begin() as db:
            db.execute(webhook_deliveries.delete().where(webhook_deliveries.c.log == self.log,
                                                         webhook_deliveries.c.delivery_id == _key(delivery_id)))


def _key(delivery_id: str) -> str:
    """The id as stored: itself, or its SHA-256 when it would not fit the column or holds a NUL (ids come from
    requests)."""
    if usable_key(delivery_id, webhook_deliveries.c.delivery_id):
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "replace")).hexdigest()
