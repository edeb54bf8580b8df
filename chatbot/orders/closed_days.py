"""The days the store does not ship and carriers do not deliver, besides weekends: its public holidays.

A store names them in two settings, either or both:

- ``store_holidays``: its country, with a subdivision where holidays differ by state or province ("US", "US-NY",
  "CA-ON", "GB-ENG", "DE-BY"), read from the ``holidays`` package (maintained, every country's official
  calendar, moved holidays such as an observed Monday included);
- ``store_closed_days``: dates of its own, comma-separated, each optionally named ("2026-12-24=Christmas Eve,
  2026-12-31").

``ClosedDays`` answers "is this day closed?" and "what is it called?" for the business-day counts in
``chatbot.orders.dates``. A setting that cannot be read raises ``ValueError`` naming the fix (the settings turn it
into a ``ConfigError`` at start-up).
"""

from __future__ import annotations

import re
from datetime import date

_REGION = re.compile(r"^\s*([A-Za-z]{2,3})(?:\s*-\s*([A-Za-z0-9]{1,4}))?\s*$")


class ClosedDays:
    """Membership (``day in closed``) and names of the store's closed days; empty (and false) when it names none."""

    def __init__(self, region: str = "", dates: str = ""):
        self.region = region.strip()
        self._calendar = _calendar(self.region) if self.region else None
        self._own = _own_dates(dates)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self._own or (self._calendar is not None and day in self._calendar)

    def __bool__(self) -> bool:
        return bool(self._own) or self._calendar is not None

    def name(self, day: date) -> str | None:
        """"Christmas Day", the store's own name for a date it gave, "a day we're closed", or None (open)."""
        if day in self._own:
            return self._own[day] or "a day we're closed"
        if self._calendar is not None and day in self._calendar:
            return self._calendar.get(day).split(";")[0].strip()  # several holidays on one day: the first
        return None

    def between(self, first: date, last: date) -> list[date]:
        """The closed weekdays from ``first`` to ``last``, both included (weekends are closed anyway)."""
        return [d for d in (date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1))
                if d.weekday() < 5 and d in self]


def _calendar(region: str):
    import holidays

    m = _REGION.match(region)
    if not m:
        raise ValueError(f"store_holidays={region!r} is not a country code with an optional subdivision; write it "
                         "like US, US-NY, CA-ON or GB-ENG (ISO 3166 codes)")
    country, part = m.group(1).upper(), (m.group(2) or "").upper() or None
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"store_holidays={region!r}: {country} is not a country the holidays package knows; use an "
                         "ISO 3166 code such as US, CA, GB, DE, FR or AU")
    if part is not None and part not in supported[country]:
        raise ValueError(f"store_holidays={region!r}: {country} has no subdivision {part}; use one of "
                         f"{', '.join(supported[country][:20])}{' ...' if len(supported[country]) > 20 else ''}, "
                         f"or just {country}")
    return holidays.country_holidays(country, subdiv=part)


def _own_dates(text: str) -> dict[date, str]:
    days: dict[date, str] = {}
    for part in re.split(r"[,;\n]", text or ""):
        if not part.strip():
            continue
        when, _, name = part.partition("=")
        try:
            day = date.fromisoformat(when.strip())
        except ValueError:
            raise ValueError(f"store_closed_days: {when.strip()!r} is not a date; write each as YYYY-MM-DD, "
                             "comma-separated, optionally named: 2026-12-24=Christmas Eve, 2026-12-31") from None
        days[day] = name.strip()
    return days
