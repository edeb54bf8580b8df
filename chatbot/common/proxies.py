"""Which address a request came from, when the app runs behind a proxy (``trusted_proxies``).

Behind a reverse proxy or a load balancer (Hugging Face Spaces, nginx, a cloud's) every request reaches the app from
the proxy's address, so a per-address limit (the order check's lock-out) would lock every shopper out together. The
proxy writes the shopper's address first in ``X-Forwarded-For``; anyone else can write that header too, so it is
believed only when the immediate peer is a proxy the store trusts: an address or network in ``trusted_proxies``
("127.0.0.1,10.0.0.0/8"), or any peer with "*" (only where nothing reaches the app but through the proxy). Otherwise
the peer's own address counts.
"""

from __future__ import annotations

import ipaddress


class TrustedProxies:
    """``spec``: comma-separated addresses and networks, or "*"; "" trusts nobody. Raises ``ValueError`` naming an
    entry that is neither."""

    def __init__(self, spec: str = ""):
        entries = [e.strip() for e in (spec or "").split(",") if e.strip()]
        self.everyone = "*" in entries
        self.networks = []
        for entry in entries:
            if entry == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address, a network like 10.0.0.0/8, or '*'") from None

    def __bool__(self) -> bool:
        return self.everyone or bool(self.networks)

    def trusts(self, peer: str | None) -> bool:
        if not peer:
            return False
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:  # a unix socket or a test client's name: not a proxy we know
            return False
        return any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The shopper's address: the first of ``X-Forwarded-For`` when ``peer`` is a trusted proxy and that first
        entry is an IP address; else ``peer``."""
        if forwarded_for and self.trusts(peer):
            first = forwarded_for.split(",")[0].strip()
            try:
                return str(ipaddress.ip_address(first))
            except ValueError:
                pass
        return peer
