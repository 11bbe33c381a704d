"""Per-minute allowances of one user (or any key): room joins and invitations, published and
automatic pushes, link previews, upload slots.

Each key has a bucket of ``capacity()`` that refills evenly over a minute; ``take`` removes one
or raises 429 with ``Retry-After`` (the seconds until one is back). The capacity is read from
the setting at each take, so a changed setting applies at once. Lock-free: the bucket is
replaced by compare-and-set in a ConcurrentHashMap (Jython has no GIL), so two requests of one
user never both take the last one. Memory is bounded: when ``max_tracked`` buckets exist, those
full again (untouched for a minute) are forgotten, which changes nothing for their keys.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb.errors import TooManyRequests

REFILL_MILLIS = 60000
MAX_TRACKED = 100000


class PerMinute(object):
    def __init__(self, capacity, clock, what, max_tracked=MAX_TRACKED):
        """``capacity``: a function answering the allowance per minute (at least 1);
        ``clock``: milliseconds; ``what``: the plural the 429 message names."""
        self._capacity = capacity
        self._clock = clock
        self._what = what
        self._max_tracked = max_tracked
        self._buckets = ConcurrentHashMap()   # key -> (left, at millis)

    def take(self, key):
        capacity = self._capacity()
        while True:
            now = self._clock()
            old = self._buckets.get(key)
            left = capacity if old is None else min(
                capacity, old[0] + (now - old[1]) * capacity / float(REFILL_MILLIS))
            if left < 1:
                wait_seconds = int((1 - left) * REFILL_MILLIS / capacity / 1000) + 1
                raise TooManyRequests("Too many %s; try again in %d s." % (
                    self._what, wait_seconds), {"Retry-After": str(wait_seconds)})
            if old is None and self._buckets.size() >= self._max_tracked:
                self.sweep()
            new = (left - 1, now)
            if (old is None and self._buckets.putIfAbsent(key, new) is None) or \
                    (old is not None and self._buckets.replace(key, old, new)):
                return

    def sweep(self):
        sweep_full(self._buckets, self._clock())

    def tracked(self):
        return self._buckets.size()


def sweep_full(buckets, now):
    """Forgets the buckets of ``buckets`` (key -> (left, at millis)) untouched for a minute:
    they are full again, so forgetting them changes nothing for their keys."""
    horizon = now - REFILL_MILLIS
    for entry in list(buckets.entrySet()):
        if entry.getValue()[1] <= horizon:
            buckets.remove(entry.getKey(), entry.getValue())
