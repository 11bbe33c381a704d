"""A session's recent events, numbered, so that a reconnecting stream can ask for what it
missed (``Last-Event-ID``). Ids are ``<session epoch>-<sequence>``: an id from an earlier
session of the user replays nothing rather than the wrong events.

The log is bounded twice: by a number of events and by the bytes they hold, so that a few
large messages cannot fill the heap (``sparkweb.sse.replayEvents``, ``replayBytes``)."""
from __future__ import absolute_import

import collections

import jarray

from java.lang import String, System
from java.nio.charset import StandardCharsets

from sparkweb.jsontext import to_json


class Event(object):
    """One numbered event, and its frame: the event in the text/event-stream format as UTF-8
    bytes, built once and shared by every stream it is offered to.

    ``payload`` is the JSON text, the payload itself, or a function returning the payload, for
    events that only some streams want (raw stanzas): their frame is then built on first use,
    if ever. ``size_hint`` estimates the memory such a not-yet-built event holds. ``body``:
    the frame after its id line (:func:`frame_body`), encoded before the event was numbered,
    so that numbering under the session's lock encodes nothing (issue 16); the frame is then
    put together on first use. Frames are built by the owning session's one delivering thread
    (offers and replays happen there) or under its lock, so two threads never build one.
    """
    __slots__ = ("id", "name", "raw", "_payload", "_frame", "_size_hint", "_body")

    def __init__(self, event_id, name, payload, raw=False, size_hint=0, body=None):
        self.id = event_id
        self.name = name
        self.raw = raw     # a chatapi.xmpp event: only for streams that asked for them
        self._payload = payload
        self._frame = None
        self._size_hint = size_hint
        self._body = body

    @property
    def frame(self):
        if self._frame is None and self._body is not None:
            head = String(u"id: %s\n" % self.id).getBytes(StandardCharsets.UTF_8)
            frame = jarray.zeros(len(head) + len(self._body), "b")
            System.arraycopy(head, 0, frame, 0, len(head))
            System.arraycopy(self._body, 0, frame, len(head), len(self._body))
            self._frame, self._body = frame, None
        if self._frame is None:
            payload = self._payload() if callable(self._payload) else self._payload
            text = payload if isinstance(payload, basestring) else to_json(payload)
            # The JSON has no raw newlines, so one data line carries it.
            self._frame = String(u"id: %s\nevent: %s\ndata: %s\n\n" % (
                self.id, self.name, text)).getBytes(StandardCharsets.UTF_8)
            self._payload = None
        return self._frame

    @property
    def size(self):
        """Bytes this event holds: its frame once built (or its body and id line, exactly as
        long), else the estimate it was given."""
        if self._frame is not None:
            return len(self._frame)
        if self._body is not None:
            return len(self._body) + len(self.id) + 5     # "id: " and "\n": ASCII
        return self._size_hint

    @property
    def text(self):
        """The JSON payload (read back from the frame; for tests and diagnostics)."""
        frame = unicode(String(self.frame, StandardCharsets.UTF_8))
        return frame.split(u"\ndata: ", 1)[1][:-2]


def frame_body(name, text):
    """An event's frame after its id line, as UTF-8 bytes (see Event's ``body``). The JSON has
    no raw newlines, so one data line carries it."""
    return String(u"event: %s\ndata: %s\n\n" % (name, text)).getBytes(StandardCharsets.UTF_8)


class EventLog(object):
    """Not thread-safe by itself: the owning session holds its lock around every call."""

    def __init__(self, epoch, max_events, max_bytes):
        self.epoch = epoch
        self._sequence = 0
        self._recent = collections.deque()     # (sequence, event, bytes counted)
        self._bytes = 0
        self._max_events = max_events
        self._max_bytes = max_bytes

    def append(self, name, payload, raw=False, size_hint=0, body=None):
        """A new numbered event, kept for replay while the log's budget allows. An event
        larger than the whole byte budget is delivered live but never kept."""
        self._sequence += 1
        event = Event(u"%s-%d" % (self.epoch, self._sequence), name, payload, raw, size_hint,
                      body)
        if self._max_events:
            if not raw and body is None:
                event.frame     # built now, so that the log counts its real size
            self._recent.append((self._sequence, event, event.size))
            self._bytes += event.size
            self._trim()
        return event

    def _trim(self):
        while self._recent and (len(self._recent) > self._max_events or
                                self._bytes > self._max_bytes):
            self._bytes -= self._recent.popleft()[2]

    def unlogged(self, name, payload, replayed=()):
        """An event for one stream only (its onConnect), carrying the id where that stream
        starts: the id before the first of the ``replayed`` events it is about to be sent, or
        the newest one. A reconnect from it gets exactly what this stream was about to send,
        so a page that received nothing after it resumes from it (not from the log's start)."""
        sequence = self._sequence
        if replayed:
            sequence = int(replayed[0].id.rpartition(u"-")[2]) - 1
        return Event(u"%s-%d" % (self.epoch, sequence), name, payload)

    def all(self):
        return [event for _, event, _ in self._recent]

    def is_own(self, event_id):
        """Whether ``event_id`` ("<epoch>-<sequence>") was numbered by this log."""
        epoch, _, sequence = (event_id or u"").partition(u"-")
        return epoch == self.epoch and sequence.isdigit()

    def lost_since(self, last_event_id, replayed):
        """Whether events numbered after ``last_event_id`` are missing from ``replayed`` (what
        :meth:`since`, or :meth:`all` for an id of another session, returned): the log no
        longer keeps them (too many or too large since), so the page has a hole to fill."""
        numbered = self._sequence
        if self.is_own(last_event_id):
            numbered -= int(last_event_id.partition(u"-")[2])
        return len(replayed) < numbered

    def since(self, last_event_id):
        """Events after ``last_event_id`` still kept; [] for unknown or foreign ids."""
        epoch, _, sequence = (last_event_id or u"").partition(u"-")
        if epoch != self.epoch or not sequence.isdigit():
            return []
        after = int(sequence)
        return [event for number, event, _ in self._recent if number > after]
