"""Which address a request came from behind a proxy (``trusted_proxies``): the first of X-Forwarded-For only when
the immediate peer is a proxy the store trusts, else the peer's own address; a bad entry is a config error."""

from __future__ import annotations

import pytest

from chatbot.common.errors import ConfigError
from chatbot.common.proxies import TrustedProxies
from chatbot.config import Settings


def test_the_forwarded_address_counts_only_from_a_trusted_peer():
    proxies = TrustedProxies("127.0.0.1, 10.0.0.0/8")
    assert proxies.client("10.4.5.6", "203.0.113.7, 10.4.5.6") == "203.0.113.7"
    assert proxies.client("127.0.0.1", " 2001:db8::1 ") == "2001:db8::1"
    # anyone can write the header: from a peer that is not a trusted proxy it is ignored
    assert proxies.client("198.51.100.2", "203.0.113.7") == "198.51.100.2"
    assert proxies.client("10.4.5.6", "not-an-address") == "10.4.5.6"
    assert proxies.client("10.4.5.6", None) == "10.4.5.6"


def test_nobody_is_trusted_by_default_and_a_star_trusts_every_peer():
    assert TrustedProxies("").client("127.0.0.1", "203.0.113.7") == "127.0.0.1"
    assert not TrustedProxies("")
    assert TrustedProxies("*").client("172.16.0.9", "203.0.113.7, 172.16.0.9") == "203.0.113.7"


def test_a_bad_entry_is_a_config_error_that_names_it():
    with pytest.raises(ConfigError, match="10.0.0.0/33"):
        Settings(trusted_proxies="127.0.0.1,10.0.0.0/33")
    assert Settings.load({"CHATBOT_TRUSTED_PROXIES": "*"}).trusted_proxies == "*"
