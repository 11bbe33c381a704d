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

from sparkweb import config
from sparkweb.errors import Conflict
from sparkweb.per_minute import PerMinute


class TooManyRooms(Conflict):
    code = "too-many-rooms"


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
