"""The per-user session registry: at most one :class:`UserSession` per user, created on
demand and ended by expiry, logout, the server, or plugin stop.

Expiry: a session with an open stream lives. Without one, it ends when the grace period after
its last stream closed has passed, or, if REST calls came after that stream closed (or there
never was a stream), when the idle timeout after the last call has passed too. Each session
decides that under its own lock (``UserSession.expire``).

A session that ends stays registered until its XMPP session is closed; a request arriving
meanwhile waits for that, then starts a new one (``get_or_start`` retries while the session
it found has ended).
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb import config
from sparkweb.log import logger
from sparkweb.session.delivery import Continuations
from sparkweb.session.user_session import SessionEnded, UserSession

LOG = logger("sessions")

# Sessions found ended one after the other before a request gives up (409): only a storm of
# logouts in other tabs gets there.
ATTEMPTS = 3


class SessionRegistry(object):
    def __init__(self, openfire, settings, clock, on_stanza=None):
        self._openfire = openfire
        self._on_stanza = on_stanza   # told of every stanza a session received (Web Push)
        self._settings = settings
        self._clock = clock
        self._sessions = ConcurrentHashMap()
        # Takes over a publisher's delivery run beyond its bound (session.delivery).
        self._continuations = Continuations()
        # refuse_start(username) raises to start no session of the user here now (a node
        # that yielded the user to another after a healed split: cluster.rejoin).
        self.refuse_start = None

    def get(self, username):
        return self._sessions.get(username)

    def get_or_start(self, username):
        """The user's live session, started if needed; never two for one user."""
        return self._with_live_session(username, lambda session: session)

    def attach(self, username, stream, last_event_id=None, greeting=None):
        """Attaches an event stream to the user's live session (see UserSession.attach)."""
        return self._with_live_session(username, lambda session: session if session.attach(
            stream, last_event_id, greeting) else None)

    def _with_live_session(self, username, use):
        for _ in range(ATTEMPTS):
            session = self._sessions.get(username)
            if session is None:
                if self.refuse_start is not None:
                    self.refuse_start(username)
                candidate = UserSession(username, self._openfire, self._settings, self._clock,
                                        self._forget, self._on_stanza, self._continuations)
                session = self._sessions.putIfAbsent(username, candidate) or candidate
            try:
                result = use(session.start_and_claim())
            except SessionEnded:
                result = None
            if result is not None:
                return result
            session.await_end()
            self._sessions.remove(username, session)
        raise SessionEnded(username)

    def detach(self, username, stream):
        session = self._sessions.get(username)
        if session is not None:
            session.detach(stream)

    def touch(self, username):
        session = self._sessions.get(username)
        if session is not None:
            session.touch()

    def end(self, username):
        session = self._sessions.get(username)
        if session is not None:
            session.end()

    def end_duplicate(self, username):
        """Ends the user's session here as a duplicate of the one on another node with the
        same full JID: its rooms are forgotten, not left (UserSession.end_as_duplicate)."""
        session = self._sessions.get(username)
        if session is not None:
            session.end_as_duplicate()

    def end_all(self):
        for session in list(self._sessions.values()):
            session.end()

    def stop_deliveries(self):
        """Ends the delivery pool's threads (plugin stop, after end_all)."""
        self._continuations.stop()

    def count(self):
        return self._sessions.size()

    def usernames(self):
        """The users with a session on this node (a snapshot)."""
        return list(self._sessions.keySet())

    def expire(self):
        """Ends sessions past their grace and idle periods, or whose user is gone."""
        now = self._clock()
        grace = self._settings.get(config.SESSION_GRACE) * 1000
        idle = self._settings.get(config.SESSION_IDLE) * 1000
        for session in list(self._sessions.values()):
            if self._openfire.get_user(session.username) is None:
                session.end()
            elif session.expire(now, grace, idle):
                LOG.debug("Session of %s expired" % session.username)

    def _forget(self, session):
        self._sessions.remove(session.username, session)
