"""Bounds on what one user does in rooms through SparkWeb (reviews A8 and A3).

A REST call with a token is a far cheaper way to create rooms or send invitations than an XMPP
client, so each user has:

- at most ``sparkweb.muc.maxRooms`` rooms joined at once (the session's rooms, all tabs
  together); one more join is 409 ``too-many-rooms`` until the user leaves one;
- ``sparkweb.muc.joinsPerMinute`` joins that reach a room (creating ones included) and
  ``sparkweb.muc.invitationsPerMinute`` invitations, each a bucket that refills over a minute;
  beyond, 429 with ``Retry-After``.

Buckets are per username, not per session, so signing out and in again does not refill them.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb import config
from sparkweb.errors import Conflict, TooManyRequests

REFILL_MILLIS = 60000
MAX_TRACKED = 100000      # buckets kept before the full ones are swept


class TooManyRooms(Conflict):
    code = "too-many-rooms"


class PerMinute(object):
    """A bucket of ``capacity()`` per key that refills over a minute; ``take`` one or 429."""

    def __init__(self, capacity, clock, what):
        self._capacity = capacity
        self._clock = clock
        self._what = what
        self._buckets = ConcurrentHashMap()   # key -> (left, at millis)

    def take(self, key):
        capacity = self._capacity()
        while True:       # compare-and-set: two requests of one user never both take the last
            now = self._clock()
            old = self._buckets.get(key)
            left = capacity if old is None else min(
                capacity, old[0] + (now - old[1]) * capacity / float(REFILL_MILLIS))
            if left < 1:
                wait_seconds = int((1 - left) * REFILL_MILLIS / capacity / 1000) + 1
                raise TooManyRequests("Too many %s; try again in %d s." % (
                    self._what, wait_seconds), {"Retry-After": str(wait_seconds)})
            if old is None and self._buckets.size() >= MAX_TRACKED:
                self._sweep(now)
            new = (left - 1, now)
            if (old is None and self._buckets.putIfAbsent(key, new) is None) or \
                    (old is not None and self._buckets.replace(key, old, new)):
                return

    def _sweep(self, now):
        """Forgets buckets that are full again (untouched for a minute)."""
        for entry in list(self._buckets.entrySet()):
            if entry.getValue()[1] <= now - REFILL_MILLIS:
                self._buckets.remove(entry.getKey(), entry.getValue())


class RoomLimits(object):
    def __init__(self, settings, clock):
        self._settings = settings
        self._joins = PerMinute(lambda: settings.get(config.MUC_JOINS_PER_MINUTE), clock,
                                "room joins")
        self._invitations = PerMinute(
            lambda: settings.get(config.MUC_INVITATIONS_PER_MINUTE), clock, "invitations")

    def admit_join(self, username, rooms_in):
        """Before a join that will reach a room, with ``rooms_in`` rooms joined already."""
        most = self._settings.get(config.MUC_MAX_ROOMS)
        if rooms_in >= most:
            raise TooManyRooms("You are in %d rooms, the most this server allows; leave one "
                               "first." % most)
        self._joins.take(username)

    def admit_invitation(self, username):
        self._invitations.take(username)
