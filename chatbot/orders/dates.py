"""The store's calendar: business days, the day an order ships, when it should arrive, when a return window closes.

Everything is counted in the store's own zone (``store_timezone``): an order placed at 1:30pm Eastern ships that
day, one placed at 2:05pm the next business day, whatever zone the server runs in. Business days are Monday to
Friday less the store's closed days (``closed``: its public holidays and dates of its own, ``closed_days``), so an
order placed on Christmas Eve afternoon ships on the 28th, and transit days skip the holiday too. Times come in as
naive UTC, as the database keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Container
from zoneinfo import ZoneInfo

OPEN: Container[date] = frozenset()  # no closed days but weekends


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A naive-UTC (or aware) time in the store's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone)


# how shoppers name the US zones; any other zone by its abbreviation at the time ("CET", "AEDT")
_ZONE_WORDS = {"America/New_York": "Eastern", "America/Detroit": "Eastern", "America/Toronto": "Eastern",
               "America/Chicago": "Central", "America/Winnipeg": "Central", "America/Denver": "Mountain",
               "America/Edmonton": "Mountain", "America/Phoenix": "Mountain", "America/Los_Angeles": "Pacific",
               "America/Vancouver": "Pacific"}


def zone_word(zone: ZoneInfo, moment: datetime) -> str:
    """The store's zone as a shopper reads it after a time ("2pm Eastern", "2pm CET")."""
    return _ZONE_WORDS.get(str(zone.key), "") or local(moment, zone).strftime("%Z") or str(zone.key)


def is_business_day(day: date, closed: Container[date] = OPEN) -> bool:
    return day.weekday() < 5 and day not in closed


def add_business_days(day: date, days: int, closed: Container[date] = OPEN) -> date:
    """The business day ``days`` business days after ``day`` (Friday + 1 is Monday; a closed day is skipped)."""
    while days > 0:
        day += timedelta(days=1)
        if is_business_day(day, closed):
            days -= 1
    return day


def business_days_between(start: date, end: date, closed: Container[date] = OPEN) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when end is not after start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_business_day(day, closed)
    return count


def ship_day(placed: datetime, zone: ZoneInfo, cutoff_hour: int, closed: Container[date] = OPEN) -> date:
    """The day an order placed at ``placed`` ships: that day when placed before the cut-off on a business day,
    else the next business day."""
    at = local(placed, zone)
    if is_business_day(at.date(), closed) and at.hour < cutoff_hour:
        return at.date()
    return add_business_days(at.date(), 1, closed)


@dataclass(frozen=True)
class Transit:
    method: str  # as the order names it, or "" for the fallback
    low: int  # business days, counted from the day it ships
    high: int


def transit_days(method: str | None, table: str) -> Transit:
    """The delivery days of a shipping method from the ``delivery_days`` setting ("Standard Shipping=3-5; ...;
    *=3-5"): the method's own entry (any case), else one whose name is in the method's, else "*"."""
    entries: dict[str, tuple[int, int]] = {}
    for part in table.split(";"):
        name, _, days = part.partition("=")
        m = re.fullmatch(r"\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*", days)
        if name.strip() and m:
            low = int(m.group(1))
            entries[name.strip().lower()] = (low, int(m.group(2) or low))
    wanted = (method or "").strip().lower()
    if wanted in entries:
        return Transit(method or "", *entries[wanted])
    for name, days in sorted(entries.items(), key=lambda e: -len(e[0])):
        if name != "*" and name in wanted:
            return Transit(method or "", *days)
    return Transit("", *entries.get("*", (3, 5)))


def expected_arrival(shipped: date, transit: Transit, closed: Container[date] = OPEN) -> tuple[date, date]:
    """The first and last business day it should arrive."""
    return add_business_days(shipped, transit.low, closed), add_business_days(shipped, transit.high, closed)


def say_date(day: date, today: date | None = None, weekday: bool = False) -> str:
    """"Dec 2" ("today", "tomorrow" when ``today`` is given and it is; "Mon, Dec 7" with ``weekday``); the year
    only when it is not ``today``'s year."""
    if today is not None:
        if day == today:
            return f"today ({day:%a}, {day:%b} {day.day})"
        if day == today + timedelta(days=1):
            return f"tomorrow ({day:%a}, {day:%b} {day.day})"
    text = f"{day:%b} {day.day}"
    if weekday:
        text = f"{day:%a}, {text}"
    if today is not None and day.year != today.year:
        text += f", {day.year}"
    return text


def say_time(moment: datetime, zone: ZoneInfo) -> str:
    """"3:10pm ET" in the store's zone."""
    at = local(moment, zone)
    hour = at.hour % 12 or 12
    abbreviation = at.tzname() or ""
    short = {"EST": "ET", "EDT": "ET", "CST": "CT", "CDT": "CT", "MST": "MT", "MDT": "MT", "PST": "PT",
             "PDT": "PT"}.get(abbreviation, abbreviation)
    return f"{hour}:{at.minute:02d}{'am' if at.hour < 12 else 'pm'} {short}".strip()
