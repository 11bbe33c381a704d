"""Per-minute allowances of one user (or any key): room joins and invitations, published and
automatic pushes, link previews, upload slots.

Each key has a bucket of ``capacity()`` that refills evenly over a minute; ``take`` removes one
or raises 429 with ``Retry-After`` (the seconds until one is back). The capacity is read from
the setting at each take, so a changed setting applies at once. Lock-free: the bucket is
replaced by compare-and-set in a ConcurrentHashMap (Jython has no GIL), so two requests of one
user never both take the last one. Memory is bounded: at most ``max_tracked`` buckets (see
BucketTable); a new key that finds no room is let through untracked, or refused where the keys
are chosen by strangers (``refuse_when_full``).
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap
from java.util.concurrent.atomic import AtomicLong

from sparkweb.errors import TooManyRequests

REFILL_MILLIS = 60000
MAX_TRACKED = 100000
SWEEP_EVERY_MILLIS = 1000   # a sweep copies the whole table: never once per request


class PerMinute(object):
    def __init__(self, capacity, clock, what, max_tracked=MAX_TRACKED, refuse_when_full=False):
        """``capacity``: a function answering the allowance per minute (at least 1);
        ``clock``: milliseconds; ``what``: the plural the 429 message names."""
        self._capacity = capacity
        self._clock = clock
        self._what = what
        self._table = BucketTable(clock, max_tracked)
        self._buckets = self._table.buckets   # key -> (left, at millis)
        self._refuse_when_full = refuse_when_full

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
            if old is None and not self._table.has_room_for(key):
                if self._refuse_when_full:
                    raise TooManyRequests("Too many %s right now; try again in a minute." %
                                          self._what, {"Retry-After": "60"})
                return
            new = (left - 1, now)
            if (old is None and self._buckets.putIfAbsent(key, new) is None) or \
                    (old is not None and self._buckets.replace(key, old, new)):
                return

    def sweep(self):
        self._table.sweep()

    def tracked(self):
        return self._buckets.size()


class BucketTable(object):
    """Buckets by key (key -> (left, at millis)), at most ``max_tracked`` of them. When the
    table is full, buckets idle for a minute are forgotten (they are full again, so nothing
    changes for their keys), at most once a second: a flood of new keys must not make every
    request copy the table."""

    def __init__(self, clock, max_tracked):
        self.buckets = ConcurrentHashMap()
        self._clock = clock
        self._max_tracked = max_tracked
        self._next_sweep = AtomicLong(0)

    def has_room_for(self, key):
        if self.buckets.size() < self._max_tracked or self.buckets.containsKey(key):
            return True
        now = self._clock()
        due = self._next_sweep.get()
        if now >= due and self._next_sweep.compareAndSet(due, now + SWEEP_EVERY_MILLIS):
            sweep_full(self.buckets, now)
        return self.buckets.size() < self._max_tracked

    def sweep(self):
        sweep_full(self.buckets, self._clock())


def sweep_full(buckets, now):
    """Forgets the buckets of ``buckets`` (key -> (left, at millis)) untouched for a minute:
    they are full again, so forgetting them changes nothing for their keys."""
    horizon = now - REFILL_MILLIS
    for entry in list(buckets.entrySet()):
        if entry.getValue()[1] <= horizon:
            buckets.remove(entry.getKey(), entry.getValue())
