"""The order responder's rules on their own: business days, the shipping cut-off across time zones, expected
delivery per method, return eligibility, and reading order details from what shoppers type."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from chatbot.data.order_records import Fulfillment, LineItem, Order
from chatbot.orders.answers import Rules, Sources, status
from chatbot.orders.dates import add_business_days, business_days_between, expected_arrival, ship_day, transit_days
from chatbot.orders.identity import details, sign_email, signed_in_email
from chatbot.orders.returns import eligibility

ET = ZoneInfo("America/New_York")
TABLE = "Standard Shipping=3-5; Expedited Shipping=1-2; Canada Flat Rate=7-10; *=3-5"


def utc(*args) -> datetime:
    """A naive-UTC time from an Eastern wall-clock time, as the database keeps it."""
    return datetime(*args, tzinfo=ET).astimezone(timezone.utc).replace(tzinfo=None)


def test_business_days_skip_weekends():
    friday = date(2026, 12, 4)
    assert add_business_days(friday, 1) == date(2026, 12, 7)  # Monday
    assert add_business_days(friday, 5) == date(2026, 12, 11)
    assert business_days_between(friday, date(2026, 12, 8)) == 2


@pytest.mark.parametrize("placed, ships", [
    (utc(2026, 12, 7, 13, 59), date(2026, 12, 7)),  # before 2pm Eastern on a Monday: that day
    (utc(2026, 12, 7, 14, 0), date(2026, 12, 8)),  # at the cut-off: the next business day
    (utc(2026, 12, 4, 16, 0), date(2026, 12, 7)),  # Friday afternoon: Monday
    (utc(2026, 12, 5, 9, 0), date(2026, 12, 7)),  # Saturday: Monday
    (utc(2026, 12, 7, 23, 30), date(2026, 12, 8)),  # 4:30am UTC on Tuesday is Monday night in the store's zone
    (utc(2026, 7, 6, 13, 30), date(2026, 7, 6)),  # summer time (EDT): still the store's 2pm
])
def test_the_cut_off_is_the_stores_2pm_whatever_the_servers_zone(placed, ships):
    assert ship_day(placed, ET, 14) == ships


def test_delivery_days_come_from_the_shipping_method():
    assert (transit_days("Expedited Shipping", TABLE).low, transit_days("Expedited Shipping", TABLE).high) == (1, 2)
    assert transit_days("free standard shipping", TABLE).high == 5  # a method that names a known one
    assert transit_days("Pigeon", TABLE).high == 5  # anything else: "*"
    assert expected_arrival(date(2026, 12, 4), transit_days("Canada Flat Rate", TABLE)) == \
        (date(2026, 12, 15), date(2026, 12, 18))


def _order(**kw) -> Order:
    items = [LineItem("Personalized Wooden Name Puzzle", 1, 3200, sku="HP-1060"),
             LineItem("Harbor Buds Wireless Earbuds", 1, 5900, sku="HP-1001")]
    base = dict(platform="shopify", name="#1043", email="ana@example.com", financial_status="paid",
                fulfillment_status="fulfilled", placed_at=utc(2026, 11, 20, 10, 0), shipping_method="Standard Shipping",
                items=items, total_cents=9100, currency="USD")
    base.update(kw)
    return Order(**base)


def _delivered(day: datetime) -> Fulfillment:
    return Fulfillment("f1", status="success", shipment_status="delivered", tracking_company="USPS",
                       tracking_number="9400", shipped_at=utc(2026, 11, 20, 16), updated_at=day,
                       items=[{"sku": "HP-1060"}, {"sku": "HP-1001"}])


def final_sale(item: LineItem) -> bool:
    return item.sku == "HP-1060"


def test_return_window_runs_30_days_from_delivery_and_final_sale_is_excluded():
    order = _order(fulfillments=[_delivered(utc(2026, 11, 24, 15))])
    puzzle, buds = eligibility(order, date(2026, 12, 7), ET, 30, final_sale)
    assert not puzzle.eligible and puzzle.why == "final_sale"
    assert buds.eligible and buds.closes == date(2026, 12, 24) and buds.days_left == 17
    late = eligibility(order, date(2026, 12, 25), ET, 30, final_sale)[1]
    assert not late.eligible and late.why == "closed"
    assert eligibility(order, date(2026, 12, 24), ET, 30, final_sale)[1].days_left == 0  # the last day


def test_refunded_cancelled_and_undelivered_items_cannot_be_returned():
    refunded = _order(financial_status="refunded", fulfillments=[_delivered(utc(2026, 11, 24, 15))])
    assert {r.why for r in eligibility(refunded, date(2026, 12, 7), ET, 30, final_sale)} == {"refunded"}
    cancelled = _order(cancelled_at=utc(2026, 11, 20, 10, 30), fulfillment_status="unfulfilled")
    assert {r.why for r in eligibility(cancelled, date(2026, 12, 7), ET, 30, final_sale)} == {"cancelled"}
    moving = _order(fulfillments=[Fulfillment("f1", shipment_status="in_transit", shipped_at=utc(2026, 12, 4, 16),
                                              items=[{"sku": "HP-1001"}, {"sku": "HP-1060"}])])
    assert eligibility(moving, date(2026, 12, 7), ET, 30, lambda i: False)[1].why == "not_delivered"
    # the buds returned and refunded (both of one, one of two): only an item with none left is out
    partly = _order(financial_status="partially_refunded", fulfillments=[_delivered(utc(2026, 11, 24, 15))])
    partly.items[1].refunded_quantity = 1
    assert [r.why for r in eligibility(partly, date(2026, 12, 7), ET, 30, lambda i: False)] == ["open", "refunded"]
    partly.items[1].quantity = 2
    assert [r.why for r in eligibility(partly, date(2026, 12, 7), ET, 30, lambda i: False)] == ["open", "open"]


def test_a_shipment_stuck_past_the_stores_limit_goes_to_a_person():
    stuck = _order(fulfillments=[Fulfillment("f1", shipment_status="in_transit", tracking_company="USPS",
                                             shipped_at=utc(2026, 11, 20, 16), items=[])])
    rules = Rules(datetime(2026, 12, 7, 12, tzinfo=ET), ET, 14, TABLE, 30, 3)
    written = status(stuck, rules, Sources())
    assert written.handoff == "stuck" and "expected by Nov 27" in written.text
    fine = status(stuck, Rules(datetime(2026, 11, 24, 12, tzinfo=ET), ET, 14, TABLE, 30, 3), Sources())
    assert fine.handoff is None and "should arrive" in fine.text


@pytest.mark.parametrize("text, numbers, email, zip_code", [
    ("Where is my order #1043?", ["1043"], None, None),
    ("1043, Ana@Example.COM", ["1043"], "ana@example.com", None),
    ("# 1043   ana @ example.com ", ["1043"], "ana@example.com", None),
    ("order no. 1043 zip 02134", ["1043"], None, "02134"),
    ("HP-1043 and k1a 0b1", ["HP-1043"], None, "K1A 0B1"),
    ("order 1043 02134", ["1043"], None, "02134"),
    ("I paid $29.99 for order 1043", ["1043"], None, None),
])
def test_order_details_are_read_however_they_are_typed(text, numbers, email, zip_code):
    found = details(text)
    assert (found.numbers, found.email, found.zip_code) == (numbers, email, zip_code)


def test_a_signed_in_customer_is_known_only_by_a_matching_signature():
    secret = "s3cret"
    assert signed_in_email(secret, " Ana@Example.com", sign_email(secret, "Ana@Example.com")) == "ana@example.com"
    assert signed_in_email(secret, "ana@example.com", sign_email("other", "ana@example.com")) is None
    assert signed_in_email(secret, "ana@example.com", None) is None
    assert signed_in_email("", "ana@example.com", sign_email("", "ana@example.com")) is None  # no secret: nobody


def test_the_stores_public_holidays_and_own_closed_days_are_not_business_days():
    from chatbot.orders.closed_days import ClosedDays

    us = ClosedDays("US")
    thursday = date(2026, 11, 26)  # Thanksgiving
    assert thursday in us and us.name(thursday) == "Thanksgiving Day" and date(2026, 11, 27) not in us
    # shipped the day before Thanksgiving, 3-5 business days: Monday to Wednesday without it, a day later with it
    standard = transit_days("Standard Shipping", TABLE)
    assert expected_arrival(date(2026, 11, 25), standard) == (date(2026, 11, 30), date(2026, 12, 2))
    assert expected_arrival(date(2026, 11, 25), standard, us) == (date(2026, 12, 1), date(2026, 12, 3))
    assert business_days_between(date(2026, 11, 25), date(2026, 11, 30), us) == 2
    # placed after the cut-off on Dec 23, with Christmas Eve the store's own closed day: ships Monday the 28th
    own = ClosedDays("US", "2026-12-24=Christmas Eve; 2026-12-31")
    assert ship_day(utc(2026, 12, 23, 15), ET, 14) == date(2026, 12, 24)
    assert ship_day(utc(2026, 12, 23, 15), ET, 14, own) == date(2026, 12, 28)
    assert [own.name(d) for d in own.between(date(2026, 12, 21), date(2026, 12, 31))] == \
        ["Christmas Eve", "Christmas Day", "a day we're closed"]
    assert ClosedDays("US-NY").name(date(2026, 2, 12)) == "Lincoln's Birthday"  # a state's own holiday
    assert date(2026, 2, 12) not in us and not ClosedDays()


@pytest.mark.parametrize("setting, value, fix", [
    ("store_holidays", "XX", "not a country the holidays package knows"),
    ("store_holidays", "US-ZZ", "US has no subdivision ZZ"),
    ("store_holidays", "United States", "write it like US, US-NY"),
    ("store_closed_days", "24/12/2026", "write each as YYYY-MM-DD"),
])
def test_a_holiday_setting_that_cannot_be_read_says_how_to_write_it(setting, value, fix):
    from chatbot.common.errors import ConfigError
    from chatbot.config import Settings

    with pytest.raises(ConfigError, match=fix):
        Settings(**{setting: value})


@pytest.mark.parametrize("zone, said", [("America/New_York", "2pm Eastern"), ("America/Los_Angeles", "2pm Pacific"),
                                         ("Europe/Oslo", "2pm CET")])
def test_the_cut_off_is_said_in_the_stores_own_zone(zone, said):
    store = ZoneInfo(zone)
    unshipped = _order(fulfillment_status=None, placed_at=datetime(2026, 12, 7, 20, 30), fulfillments=[])
    written = status(unshipped, Rules(datetime(2026, 12, 7, 23, tzinfo=timezone.utc), store, 14, TABLE, 30, 3),
                     Sources())
    assert "Orders placed " in written.text and said in written.text, written.text
    assert ("Eastern" in written.text) == (zone == "America/New_York")
