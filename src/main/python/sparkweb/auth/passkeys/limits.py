"""How many passkey sign-ins may be started, per client address and per username.

Anyone may start a sign-in for any name, so starts are limited like a rate: each address and
each username has a bucket of ``sparkweb.webauthn.maxStartsPerAddress`` / ``maxStartsPerUser``
starts that refills over a minute; an empty bucket is answered 429 with ``Retry-After``.
Unknown usernames are limited exactly like real ones (a difference would tell who exists).
IPv6 addresses count per /64, the block one host usually controls.

Memory is bounded: a bucket idle for a minute is full again and forgotten by the sweep. If
``max_tracked`` buckets are in use even so (a flood from very many addresses), new keys go
untracked rather than refused: starts cost little, and refusing would lock everyone out.
"""
from __future__ import absolute_import

from java.net import InetAddress, UnknownHostException
from java.util.function import BiFunction

from sparkweb import config
from sparkweb.errors import TooManyRequests
from sparkweb.log import logger
from sparkweb.per_minute import REFILL_MILLIS, BucketTable

LOG = logger("passkeys")
MAX_TRACKED_KEYS = 100000
_IPV6_LITERAL = frozenset(u"0123456789abcdefABCDEF:.")


class StartLimits(object):
    def __init__(self, settings, clock, max_tracked=MAX_TRACKED_KEYS, what=u"sign-ins"):
        self._settings = settings
        self._what = what
        self._clock = clock
        self._table = BucketTable(clock, max_tracked)
        self._buckets = self._table.buckets   # key -> (starts left, millis of that count)

    def check(self, username, address):
        """Takes one start from the address's and the username's buckets; 429 when either
        is empty (then neither is charged)."""
        keys = [(u"user:" + username, self._settings.get(config.WEBAUTHN_STARTS_PER_USER))]
        if address:
            keys.insert(0, (u"addr:" + address_block(address),
                            self._settings.get(config.WEBAUTHN_STARTS_PER_ADDRESS)))
        taken = []
        for key, capacity in keys:
            wait_millis = self._take(key, capacity)
            if wait_millis:
                for earlier, earlier_capacity in taken:
                    self._give_back(earlier, earlier_capacity)
                raise TooManyRequests("Too many passkey %s started; try again later." % self._what,
                                      {"Retry-After": str(wait_millis // 1000 + 1)})
            taken.append((key, capacity))

    def sweep(self):
        """Forgets buckets idle long enough to be full again (housekeeping)."""
        self._table.sweep()

    def tracked(self):
        return self._buckets.size()

    def _take(self, key, capacity):
        """0 when a start was taken, else the millis until one is available."""
        if not self._table.has_room_for(key):
            LOG.debug("Start limits track all the keys they may; not tracking more.")
            return 0
        take = _Take(self._clock(), capacity, -1)
        self._buckets.compute(key, take)
        return take.wait_millis

    def _give_back(self, key, capacity):
        self._buckets.computeIfPresent(key, _Take(self._clock(), capacity, +1))


class _Take(BiFunction):
    """Refills a bucket for the time passed, then adds ``change`` (-1 takes a start, if
    there is one; +1 gives one back). Runs atomically inside ConcurrentHashMap.compute."""

    def __init__(self, now, capacity, change):
        self._now = now
        self._capacity = capacity
        self._change = change
        self.wait_millis = 0

    def apply(self, key, bucket):
        per_milli = float(self._capacity) / REFILL_MILLIS
        left = self._capacity
        if bucket is not None:
            left = min(self._capacity, bucket[0] + (self._now - bucket[1]) * per_milli)
        if self._change < 0 and left < 1:
            self.wait_millis = max(1, int((1 - left) / per_milli))
            return (left, self._now)
        return (min(self._capacity, left + self._change), self._now)


def address_block(address):
    """The address itself, or for IPv6 its /64 prefix (parsed only when it is a literal, so
    no name is ever looked up)."""
    literal = address.strip(u"[]").split(u"%")[0]
    if u":" not in literal or not set(literal) <= _IPV6_LITERAL:
        return address
    try:
        raw = InetAddress.getByName(literal).getAddress()
    except UnknownHostException:   # not a well-formed literal after all
        return address
    if len(raw) != 16:
        return address
    return u":".join(u"%02x%02x" % (raw[i] & 0xff, raw[i + 1] & 0xff)
                     for i in range(0, 8, 2)) + u"::/64"
