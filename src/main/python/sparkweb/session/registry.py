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

from java.lang import System
from java.util.concurrent import ConcurrentHashMap

from sparkweb import config
from sparkweb.errors import HomeElsewhere
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
        # username -> (node, until: System.nanoTime): see end_yielding
        self._yielding = ConcurrentHashMap()

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
                if self.yielding_to(username) is not None:
                    raise HomeElsewhere()
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

    def end_yielding(self, username, node, seconds):
        """Ends this node's session of ``username``, a duplicate of the one on ``node`` after a
        split healed (cluster.rejoin). Ending it removes the user's route, which names
        ``node``'s session, until ``node`` writes it again; a session started here before that
        would be a duplicate once more, which no cluster event would end. So until
        :meth:`stop_yielding`, or for ``seconds`` at most, none starts here (HomeElsewhere), and
        requests go to ``node`` (:meth:`yielding_to`, cluster.forwarding). The session's rooms
        are forgotten, not left: the survivor is the same full JID
        (UserSession.end_as_duplicate)."""
        self._yielding.put(username, (node, System.nanoTime() + int(seconds * 1e9)))
        session = self._sessions.get(username)
        if session is not None:      # its rooms forgotten, not left (review S8-R-3)
            session.end_as_duplicate()

    def stop_yielding(self, username, node=None):
        """No more yielding to ``node`` (None: to any node) for ``username``."""
        entry = self._yielding.get(username)
        if entry is not None and (node is None or entry[0] == node):
            self._yielding.remove(username, entry)

    def stop_yielding_to(self, node):
        """``node`` left the cluster (None: this node left): it restores no route, its users
        may start here again."""
        for username in list(self._yielding.keySet()):
            self.stop_yielding(username, node)

    def yielding_to(self, username):
        """The node whose route this node waits for (see :meth:`end_yielding`), or None."""
        entry = self._yielding.get(username)
        if entry is None:
            return None
        if System.nanoTime() - entry[1] > 0:
            self._yielding.remove(username, entry)
            return None
        return entry[0]

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
