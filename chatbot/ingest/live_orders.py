"""Keep the store's orders current from the platforms' order and fulfillment webhooks, each delivery once.

The webhook bodies are read by ``platforms.webhook_orders``; this module applies them to the ``OrderStore`` under
one lock, and keeps each applied delivery's id (``deliveries.DeliveryLog``, the same de-duplication the live
catalog uses, in its own file), so a platform's retry of a delivery already applied changes nothing. Apart from
that, ``OrderStore.put`` never lets an older update (by the platform's ``updated_at``) overwrite a newer one, so a
delivery that arrives late, or again after the log forgot it, cannot undo a change. Reading and checking the
requests is ``ui/webhooks.py``'s job.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable

from chatbot.data.order_records import Fulfillment, Order
from chatbot.data.orders import OrderStore
from chatbot.ingest.deliveries import DeliveryLog

log = logging.getLogger(__name__)


class LiveOrders:
    def __init__(self, store: OrderStore, deliveries: str | Path | Any):
        """``deliveries``: a file for the applied delivery ids (one process), or a log with ``claim`` / ``release``
        (``chatbot.data.deliveries.WebhookDeliveries``, shared by replicas)."""
        self.store = store
        self.deliveries = DeliveryLog(deliveries) if isinstance(deliveries, (str, Path)) else deliveries
        self._lock = threading.Lock()

    def apply(self, delivery_id: str | None, change: Callable[[], str]) -> str:
        """Run ``change`` (one of the methods below, bound) unless ``delivery_id`` was applied before; returns what
        happened: "created", "updated", "unchanged", "outdated", "conflict", "removed", "ignored" or "duplicate"."""
        with self._lock:
            if delivery_id and not self.deliveries.claim(delivery_id):
                return "duplicate"
            try:
                return change()
            except BaseException:
                if delivery_id:  # not applied: the platform's retry must apply it
                    self.deliveries.release(delivery_id)
                raise

    def put_order(self, order: Order) -> str:
        outcome = self.store.put(order)
        if outcome == "conflict":
            log.warning("order %s (%s id %s) not stored: another stored order has its number", order.name,
                        order.platform, order.platform_id)
        return outcome

    def put_fulfillment(self, platform: str, order_platform_id: str | None, fulfillment: Fulfillment) -> str:
        return self.store.put_fulfillment(platform, order_platform_id, fulfillment)

    def remove_order(self, platform: str, platform_id: str) -> str:
        return self.store.remove(platform, platform_id)
