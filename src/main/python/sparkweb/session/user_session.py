"""A user's XMPP session inside Openfire and the event streams attached to it.

Inbound stanzas become events (``events.catalogue``), numbered in the session's log and
offered to every attached stream. Offering never blocks: a stream that cannot keep up closes
itself. The log lock makes "replay, then attach" atomic with respect to new events, so a
reconnecting stream neither misses nor duplicates one.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import CopyOnWriteArraySet
from java.util.concurrent.locks import ReentrantLock

from sparkweb.errors import Conflict
from sparkweb.events import catalogue
from sparkweb.events.log import EventLog
from sparkweb.jsontext import to_json
from sparkweb.log import logger
from sparkweb.xmpp import stanza as model

LOG = logger("session")


class UserSession(object):
    def __init__(self, username, openfire, resource, replay_events, clock, on_ended):
        self.username = username
        self._openfire = openfire
        self._resource = resource
        self._clock = clock
        self._on_ended = on_ended
        self._lock = ReentrantLock()
        self._log = EventLog(u"%x" % clock(), replay_events)
        self._streams = CopyOnWriteArraySet()
        self._xmpp = None
        self.ended = False
        self._had_stream = False
        self.last_activity = clock()
        self.last_stream_closed = 0

    # --- lifecycle ----------------------------------------------------------------------
    def ensure_started(self):
        """Opens the XMPP session once; concurrent callers wait for the first."""
        if self._xmpp is not None:
            return self          # started: no lock on the hot path
        self._lock.lock()
        try:
            if self._xmpp is None and not self.ended:
                self._xmpp = self._openfire.open_session(self.username, self._resource, self)
                self._xmpp.send(model.presence())          # initial presence
                LOG.debug("XMPP session started: %s" % self._xmpp.jid)
        finally:
            self._lock.unlock()
        return self

    @property
    def jid(self):
        return self._xmpp.jid if self._xmpp is not None else None

    def end(self):
        """Ends the session: unavailable presence, XMPP session closed, streams closed."""
        xmpp = self._mark_ended()
        if xmpp is None:
            return
        try:
            xmpp.send(model.presence(type="unavailable"))
            xmpp.close()
        except (Exception, Throwable) as error:   # Java exceptions are not Exceptions
            LOG.warn("Closing the XMPP session of %s failed: %s" % (self.username, error))
        self._close_streams()

    def on_closed(self):
        """The server ended the XMPP session (admin kick, user deleted, shutdown)."""
        if self._mark_ended() is not None:
            self._close_streams()

    def _mark_ended(self):
        self._lock.lock()
        try:
            if self.ended:
                return None
            self.ended = True
            xmpp, self._xmpp = self._xmpp, None
        finally:
            self._lock.unlock()
        self._on_ended(self)
        return xmpp or _NoSession()

    def _close_streams(self):
        for stream in list(self._streams):
            stream.close()
        self._streams.clear()

    # --- activity -----------------------------------------------------------------------
    def touch(self):
        self.last_activity = self._clock()

    def stream_count(self):
        return self._streams.size()

    def send(self, stanza):
        self.touch()
        self.ensure_started()
        xmpp = self._xmpp
        if xmpp is None:
            raise SessionEnded(self.username)
        xmpp.send(stanza)

    # --- events -------------------------------------------------------------------------
    def on_stanza(self, stanza):
        events = catalogue.for_stanza(stanza)
        encoded = [to_json(payload) for _, payload in events]   # outside the lock
        raw = catalogue.raw(stanza)
        self._lock.lock()
        try:
            for (name, _), text in zip(events, encoded):
                self._offer(self._log.append(name, text))
            if raw is not None:
                self._offer(self._log.append(raw[0], raw[1], raw=True))
        finally:
            self._lock.unlock()

    def _offer(self, event):
        for stream in self._streams:
            stream.offer(event)

    def attach(self, stream, last_event_id=None, greeting=None):
        """Adds a stream: first ``greeting`` (the onConnect event, carrying the id of the
        newest event so far), then what it missed since ``last_event_id``, then live events."""
        self._lock.lock()
        try:
            if self.ended:
                stream.close()
                return
            if greeting is not None:
                stream.offer(self._log.unlogged(*greeting))
            # The first stream also gets what arrived before it (offline messages delivered
            # at login, say); later ones only what they missed since their Last-Event-ID.
            missed = self._log.since(last_event_id) if self._had_stream or last_event_id \
                else self._log.all()
            for event in missed:
                stream.offer(event)
            self._streams.add(stream)
            self._had_stream = True
        finally:
            self._lock.unlock()

    def detach(self, stream):
        # Jython gives Java sets Python's set methods: discard() is the no-error remove.
        if stream in self._streams:
            self._streams.discard(stream)
            if self._streams.isEmpty():
                self.last_stream_closed = self._clock()


class SessionEnded(Conflict):
    """The session ended while a request was using it (logout in another tab, say)."""

    def __init__(self, username):
        Conflict.__init__(self, "The XMPP session of %s has ended; sign in again." % username)


class _NoSession(object):
    """Stands in for an XMPP session that was never opened, so end() has nothing to do."""

    def send(self, stanza):
        pass

    def close(self):
        pass
