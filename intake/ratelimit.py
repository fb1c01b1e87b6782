"""Per-address rate limits for the public pages, counted in the shared cache.

The cache is LocMem on the embedded default and Redis when REDIS_URL is set, so with several
gunicorn processes or machines every process counts against the same numbers.

When the shared cache cannot be reached, the limits are counted in each process's own memory
instead, and a warning is logged (once a minute per process). Intake never stops for a cache
outage: turning a person away because our counter is down would fail the one job the form has.
Failing fully open was the other choice; counting per process keeps a bound during the outage
(each web process allows the configured rate, so the whole site allows it times the number of
processes), costs no database writes, and needs no clean-up once Redis is back.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass

import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

_PERIODS = {"second": 1, "minute": 60, "hour": 60 * 60, "day": 24 * 60 * 60}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """`"20/hour"` -> Rate(20, 3600). Raises ValueError on anything else, at first use."""
    count, _, period = text.partition("/")
    seconds = _PERIODS.get(period.strip().lower().rstrip("s"))
    if seconds is None or not count.strip().isdigit():
        raise ValueError(f"Not a rate: {text!r} (expected e.g. '20/hour').")
    return Rate(int(count), seconds)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when it cannot be read.

    X-Forwarded-For is read only as far as RATE_LIMIT_TRUSTED_PROXY_COUNT proxies we run put
    entries in it: the rightmost entries are theirs; anything further left came from the client
    and could be forged to dodge a limit. Staff sign-in lockouts (django-axes) use this too.
    """
    address = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.RATE_LIMIT_TRUSTED_PROXY_COUNT
    if trusted > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= trusted:
            address = hops[-trusted]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address a limit is counted against: `client_ip`, except that IPv6 clients, who
    usually hold a whole /64, are counted by that prefix."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def hit(scope: str, request: HttpRequest, rate: Rate) -> bool:
    """Count one attempt in `scope` for this client; True while it is within `rate`.

    A fixed window per client: simple, and atomic on both cache backends (`incr`, and `add`
    to start a window).
    """
    return hit_identity(scope, client_address(request), rate)


def hit_identity(scope: str, identity: str, rate: Rate) -> bool:
    """Count one attempt in `scope` for `identity` (an address, or a digest of something a
    person typed: never the text itself, which would then sit in the cache); True while it is
    within `rate`."""
    window = int(time.time()) // rate.seconds
    key = f"ratelimit:{scope}:{identity}:{window}"
    try:
        count = _count(cache, key, rate)
    except CACHE_ERRORS as error:
        _warn_outage(error)
        count = _count(_local, key, rate)
    return count <= rate.count


# What a cache that cannot be reached raises (the Redis backend lets its client's errors out).
CACHE_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
# This process's own counters, used only while the shared cache is down.
_local = LocMemCache("ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
_WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def _count(store: BaseCache, key: str, rate: Rate) -> int:
    # Increment the window's counter, and make it only when it is missing: two trips to Redis
    # either way (the backend's incr asks first whether the key exists), where making it on
    # every hit took three.
    try:
        return store.incr(key)
    except ValueError:
        pass
    if store.add(key, 1, timeout=rate.seconds):
        return 1
    try:
        return store.incr(key)  # another process made it first
    except ValueError:  # and it expired since
        store.add(key, 1, timeout=rate.seconds)
        return 1


def _warn_outage(error: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning(
            "The shared cache is unreachable (%s): rate limits are counted per process until "
            "it is back.",
            type(error).__name__,
        )
