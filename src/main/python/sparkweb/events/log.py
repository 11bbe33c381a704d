"""A session's recent events, numbered, so that a reconnecting stream can ask for what it
missed (``Last-Event-ID``). Ids are ``<session epoch>-<sequence>``: an id from an earlier
session of the user replays nothing rather than the wrong events."""
from __future__ import absolute_import

import collections

from sparkweb.jsontext import to_json


class Event(object):
    """One numbered event. ``payload`` is its JSON text, the payload itself, or a function
    returning the payload, for events that only some streams want (raw stanzas): their JSON
    is then built on first use, if ever."""
    __slots__ = ("id", "name", "raw", "_payload", "_text")

    def __init__(self, event_id, name, payload, raw=False):
        self.id = event_id
        self.name = name
        self.raw = raw     # a chatapi.xmpp event: only for streams that asked for them
        self._payload = payload
        self._text = None

    @property
    def text(self):
        if self._text is None:
            payload = self._payload() if callable(self._payload) else self._payload
            self._text = payload if isinstance(payload, basestring) else to_json(payload)
            self._payload = None
        return self._text


class EventLog(object):
    """Not thread-safe by itself: the owning session holds its lock around every call."""

    def __init__(self, epoch, capacity):
        self.epoch = epoch
        self._sequence = 0
        self._recent = collections.deque(maxlen=max(capacity, 1))
        self._capacity = capacity

    def append(self, name, payload, raw=False):
        self._sequence += 1
        event = Event(u"%s-%d" % (self.epoch, self._sequence), name, payload, raw)
        if self._capacity:
            self._recent.append((self._sequence, event))
        return event

    def unlogged(self, name, payload):
        """An event for one stream only, carrying the id of the newest logged event so that a
        reconnect from it replays exactly what came later."""
        return Event(u"%s-%d" % (self.epoch, self._sequence), name, payload)

    def all(self):
        return [event for _, event in self._recent]

    def since(self, last_event_id):
        """Events after ``last_event_id`` still kept; [] for unknown or foreign ids."""
        epoch, _, sequence = (last_event_id or u"").partition(u"-")
        if epoch != self.epoch or not sequence.isdigit():
            return []
        after = int(sequence)
        return [event for number, event in self._recent if number > after]
