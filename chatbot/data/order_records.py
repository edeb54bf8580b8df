"""A store's order as the project keeps it, whichever platform or file it came from, and the normal forms that
let a shopper's words find it.

The platform readers (``chatbot.ingest.platforms.order_exports`` for CSV exports, ``webhook_orders`` for webhook
JSON) build these records; ``chatbot.data.orders`` stores and finds them. Money is kept as whole hundredths of
the currency (cents), never floats; times as naive UTC, like every other time in the database.

Normal forms, so that what a shopper types matches what the platform wrote:

- an email is stripped and lower-cased (" Maya.Chen@Example.COM " is "maya.chen@example.com");
- an order number is kept as written without its "#" ("#1043" is "1043", "HP-1043" stays "HP-1043"), and matched
  by its key: letters and digits only, upper-cased, after a leading "order", "no." or "#" ("order # hp 1043" and
  "HP-1043" are both "HP1043");
- a postcode is upper-cased with single spaces, without the apostrophe Shopify puts before it to keep
  spreadsheets from dropping a leading zero ("'02134" is "02134"); it matches with spaces and dashes ignored,
  a US ZIP+4 by its first five digits, and a ZIP a spreadsheet shortened ("2134") by its value.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

SHOPIFY, WOOCOMMERCE = "shopify", "woocommerce"


@dataclass
class LineItem:
    name: str
    quantity: int
    price_cents: int | None = None  # the price of one, before order discounts
    sku: str | None = None
    platform_id: str | None = None  # the platform's line item id (webhooks; exports have none)
    product_id: str | None = None  # the platform's product and variant ids
    variant_id: str | None = None
    fulfillment_status: str | None = None  # "fulfilled", "partial", "pending", None
    requires_shipping: bool | None = None
    refunded_quantity: int = 0  # how many of it were refunded (Shopify's refund line items); 0 when not known

    @property
    def kept(self) -> int:
        """How many of it the shopper still has: the quantity less what was refunded."""
        return max(0, (self.quantity or 0) - (self.refunded_quantity or 0))

    @property
    def refunded(self) -> bool:
        """Every one of it was refunded (returned): it is no longer the shopper's."""
        return bool(self.refunded_quantity) and not self.kept


@dataclass
class Fulfillment:
    """A shipment: some or all of an order's items, with the carrier's tracking."""

    platform_id: str
    status: str | None = None  # Shopify: pending, open, success, cancelled, error, failure
    shipment_status: str | None = None  # the carrier's: confirmed, in_transit, out_for_delivery, delivered, ...
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipped_at: datetime | None = None  # when it was created (naive UTC)
    updated_at: datetime | None = None
    items: list[dict[str, Any]] = field(default_factory=list)  # [{"line_item_id", "sku", "name", "quantity"}]


@dataclass
class Order:
    platform: str  # "shopify" or "woocommerce"
    name: str  # as the platform shows it: "#1043"
    platform_id: str | None = None  # the platform's order id ("5512340000123"); None when the file has none
    email: str | None = None  # normalised (``normal_email``)
    financial_status: str | None = None  # Shopify's words: pending, authorized, paid, partially_paid,
    #                                       partially_refunded, refunded, voided
    fulfillment_status: str | None = None  # unfulfilled, partial, fulfilled, restocked
    platform_status: str | None = None  # the platform's own status when it has one (WooCommerce "processing")
    currency: str | None = None
    subtotal_cents: int | None = None
    shipping_cents: int | None = None
    tax_cents: int | None = None
    discount_cents: int | None = None
    total_cents: int | None = None
    refunded_cents: int | None = None
    shipping_method: str | None = None
    shipping_zip: str | None = None  # normalised (``normal_zip``)
    shipping_country: str | None = None  # ISO code, "US"
    placed_at: datetime | None = None  # naive UTC, like every time below
    paid_at: datetime | None = None
    fulfilled_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    updated_at: datetime | None = None  # the platform's; an export has none, so the latest time it states
    items: list[LineItem] = field(default_factory=list)
    fulfillments: list[Fulfillment] = field(default_factory=list)
    source: str = ""  # where it came from, in words ("Shopify orders export", "Shopify webhook")
    line: int | None = None  # the file line of its first row (exports), for messages; not stored
    id: str | None = None  # the database's key, once stored

    @property
    def number(self) -> str:
        """The order number as written without its "#": "#1043" -> "1043"."""
        return order_number(self.name)

    @property
    def number_key(self) -> str:
        return order_number_key(self.name)

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None or self.platform_status == "cancelled"

    def fingerprint(self) -> str:
        """A digest of everything stored about the order (not where it came from), so an import that brings
        nothing new is told apart from a change."""
        data = asdict(self)
        for key in ("source", "line", "id"):
            data.pop(key)
        for item in data["items"]:  # an order with nothing refunded keeps the digest it had before the field came
            if not item["refunded_quantity"]:
                item.pop("refunded_quantity")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


# ---- normal forms

_NUMBER_LEAD = re.compile(r"^(?:(?:order|ord|number|num|no|nr)\b[.:]?\s*|#\s*)+", re.I)


def order_number(text: str) -> str:
    """As written, without a leading "#" or surrounding spaces: "#1043" -> "1043", " HP-1043 " -> "HP-1043"."""
    return re.sub(r"^#\s*", "", (text or "").strip())


def order_number_key(text: str) -> str:
    """How order numbers are compared: after a leading "order", "no." or "#", letters and digits only,
    upper-cased ("Order #1043" and "1043" are "1043"; "hp 1043" and "HP-1043" are "HP1043")."""
    return re.sub(r"[^0-9A-Za-z]", "", _NUMBER_LEAD.sub("", (text or "").strip())).upper()


def number_digits(text: str) -> str:
    """Only the digits ("HP-1043" -> "1043"): a shopper who leaves out a store's prefix still matches."""
    return re.sub(r"\D", "", order_number_key(text))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normal_email(text: str | None) -> str | None:
    """Stripped and lower-cased; None for an empty cell. Raises ValueError for something that is no email."""
    value = (text or "").strip().strip("<>").strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    value = value.strip().lower()
    if not value:
        return None
    if not _EMAIL.match(value):
        raise ValueError(f"{text.strip()!r} is not an email address")
    return value


def normal_zip(text: str | None) -> str | None:
    value = " ".join((text or "").strip().lstrip("'").split()).upper()
    return value or None


def zips_match(stored: str | None, given: str | None) -> bool:
    """Whether a shopper's postcode is the order's: spaces and dashes ignored ("K1A 0B1" is "k1a0b1"), a US
    ZIP+4 by its first five digits, and a ZIP whose leading zeros a spreadsheet dropped by its value."""
    a, b = (re.sub(r"[^0-9A-Z]", "", (normal_zip(z) or "")) for z in (stored, given))
    if not a or not b:
        return False
    if a == b:
        return True
    if a.isdigit() and b.isdigit():
        if len(a) == 9 or len(b) == 9:  # ZIP+4 written without its dash
            return a[:5] == b[:5] and min(len(a), len(b)) >= 5
        return a.lstrip("0") == b.lstrip("0") and max(len(a), len(b)) == 5
    return False


def to_cents(value: Any) -> int | None:
    """A platform's amount ("12.50", 12.5, "-3.00") as whole cents, rounded half up; None for empty. Raises
    ValueError for text that is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# "2026-12-02 14:03:11 -0500" (Shopify's exports), "2026-12-02T14:03:11-05:00" (webhooks), "...Z", "... UTC",
# and without seconds or an offset (WooCommerce exports write the site's local time)
_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
                   r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$", re.I)


class NoTimezone(ValueError):
    """A time written without an offset; ``value`` holds it read in the zone the caller gave."""

    def __init__(self, value: datetime):
        super().__init__("no time zone")
        self.value = value


def parse_time(text: Any, column: str, zone: Any = timezone.utc, strict_zone: bool = False) -> datetime | None:
    """A platform's time as naive UTC; None for an empty cell. A time without an offset is read in ``zone``
    (a ``tzinfo``; UTC unless the caller knows the store's); with ``strict_zone`` that raises ``NoTimezone``
    carrying the value, so a reader can say once that it guessed. Raises ValueError naming ``column`` for
    anything else."""
    raw = str(text or "").strip()
    if not raw:
        return None
    m = _TIME.match(raw)
    if not m:
        raise ValueError(f"{column} is {raw!r}, which is not a date and time like '2026-12-02 14:03:11 -0500' "
                         "(export the file again without editing its dates)")
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                         int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        raise ValueError(f"{column} is {raw!r}, which is not a real date") from None
    if offset is None:
        local = value.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
        if strict_zone:
            raise NoTimezone(local)
        return local
    if offset.upper() in ("Z", "UTC", "GMT"):
        return value
    digits = offset.replace(":", "")
    sign = -1 if digits[0] == "-" else 1
    hours, minutes = int(digits[1:3]), int(digits[3:5])
    if hours > 14 or minutes > 59:
        raise ValueError(f"{column} is {raw!r}, whose time zone offset {offset} does not exist")
    return value - sign * timedelta(hours=hours, minutes=minutes)


def latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None
