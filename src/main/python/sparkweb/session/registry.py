"""The per-user session registry: at most one :class:`UserSession` per user, created on
demand and ended by expiry, logout, the server, or plugin stop.

Expiry: a session with an open stream lives. Without one, it ends when the grace period after
its last stream closed has passed, or, if REST calls came after that stream closed (or there
never was a stream), when the idle timeout after the last call has passed too.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb import config
from sparkweb.log import logger
from sparkweb.session.user_session import UserSession

LOG = logger("sessions")


class SessionRegistry(object):
    def __init__(self, openfire, settings, clock):
        self._openfire = openfire
        self._settings = settings
        self._clock = clock
        self._sessions = ConcurrentHashMap()

    def get(self, username):
        return self._sessions.get(username)

    def get_or_start(self, username):
        """The user's session, started if needed; never two for one user."""
        session = self._sessions.get(username)
        if session is None:
            candidate = UserSession(
                username, self._openfire, self._settings.get(config.SESSION_RESOURCE),
                self._settings.get(config.SSE_REPLAY_EVENTS), self._clock, self._forget)
            session = self._sessions.putIfAbsent(username, candidate) or candidate
        return session.ensure_started()

    def touch(self, username):
        session = self._sessions.get(username)
        if session is not None:
            session.touch()

    def end(self, username):
        session = self._sessions.get(username)
        if session is not None:
            session.end()

    def end_all(self):
        for session in list(self._sessions.values()):
            session.end()

    def count(self):
        return self._sessions.size()

    def expire(self):
        """Ends sessions past their grace and idle periods, or whose user is gone."""
        now = self._clock()
        grace = self._settings.get(config.SESSION_GRACE) * 1000
        idle = self._settings.get(config.SESSION_IDLE) * 1000
        for session in list(self._sessions.values()):
            if self._openfire.get_user(session.username) is None:
                session.end()
            elif session.stream_count() == 0 and now >= _deadline(session, grace, idle):
                LOG.debug("Session of %s expired" % session.username)
                session.end()

    def _forget(self, session):
        self._sessions.remove(session.username, session)


def _deadline(session, grace, idle):
    deadline = session.last_stream_closed + grace
    if session.last_activity > session.last_stream_closed:
        deadline = max(deadline, session.last_activity + idle)
    return deadline
