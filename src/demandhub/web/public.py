"""What the public may reach without logging in: every such route depends on `public(bucket)`,
which marks it public (tests/auth/test_roles.py walks the routes) and rate-limits it per client.

The limiter is a sliding window kept in the process. One server process per force is the
deployment we ship; several processes behind a balancer each keep their own count, so the
effective limit is that many times the configured one.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable

from fastapi import HTTPException, Request, status

from demandhub.http import now as request_time


@dataclass(frozen=True)
class Bucket:
    limit: int  # requests...
    window_s: float  # ...per this many seconds, per client address


# What a member of the public needs, with room to spare; a script needs far more.
BUCKETS: dict[str, Bucket] = {
    "page": Bucket(120, 60),  # reading the public pages
    "report": Bucket(5, 600),  # submitting an online report
    "upload": Bucket(30, 600),  # photos and clips (online reports, scene sharing)
    "chat_start": Bucket(5, 600),  # starting a chat: each is a new contact in the queue, like a report
    "chat": Bucket(60, 60),  # a chat's messages and its live stream
    "share": Bucket(60, 60),  # a share-the-scene page posting positions
    "webhook": Bucket(600, 60),  # a messaging platform's server (signed requests)
}


class RateLimiter:
    def __init__(self, buckets: dict[str, Bucket], *, max_clients: int = 100_000):
        self.buckets = buckets
        self._max = max_clients
        self._hits: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, bucket: str, client: str, *, now: float) -> float | None:
        """Count a request; None when allowed, else the seconds until the client may try again."""
        rule = self.buckets[bucket]
        key = (bucket, client)
        with self._lock:
            times = self._hits.get(key)
            if times is None:
                while len(self._hits) >= self._max:  # bounded memory: the least recently seen go first,
                    self._hits.popitem(last=False)  # so a flood of new addresses cannot reset the busy ones
                times = self._hits[key] = deque()
            self._hits.move_to_end(key)
            while times and times[0] <= now - rule.window_s:
                times.popleft()
            if len(times) >= rule.limit:
                return times[0] + rule.window_s - now
            times.append(now)
            return None


def buckets_from(overrides: dict[str, int]) -> dict[str, Bucket]:
    """The shipped buckets with the force's limits (settings.rate_limits: bucket -> requests per window)."""
    unknown = set(overrides) - set(BUCKETS)
    if unknown:
        raise ValueError(f"unknown rate-limit bucket(s) {sorted(unknown)}; buckets are {sorted(BUCKETS)}")
    return {name: Bucket(overrides.get(name, b.limit), b.window_s) for name, b in BUCKETS.items()}


def client_address(request: Request) -> str:
    """Who is asking, for counting. Behind a reverse proxy, run uvicorn with --proxy-headers so
    this is the public's address. An IPv6 host is given a whole /64, so it counts as one."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def public(bucket: str) -> Callable[[Request], None]:
    """Dependency for a route anyone may call: refuses with 429 once the client is over its limit."""
    if bucket not in BUCKETS:
        raise ValueError(f"unknown rate-limit bucket {bucket!r}")

    def dependency(request: Request) -> None:
        wait = request.app.state.rate_limiter.hit(bucket, client_address(request),
                                                  now=request_time(request).timestamp())
        if wait is not None:
            retry = max(1, math.ceil(wait))
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                f"too many requests from this address; try again in {retry} seconds",
                                headers={"Retry-After": str(retry)})

    dependency.public = bucket  # read by the route-permission test
    return dependency
