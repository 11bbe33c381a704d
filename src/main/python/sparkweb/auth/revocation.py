"""Revoked tokens, kept until they would have expired anyway.

Stored per user in an Openfire user property (so a revocation survives restarts and is seen by
every cluster node), as ``token_id:expiry`` entries separated by commas; expired entries are
pruned whenever the list is written.
"""
from __future__ import absolute_import

from java.util.concurrent import CopyOnWriteArrayList
from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.auth.accounts import run_callbacks


def _parse(text):
    entries = {}
    for item in (text or u"").split(u","):
        token_id, _, expiry = item.partition(u":")
        if token_id and expiry.isdigit():
            entries[token_id] = int(expiry)
    return entries


class RevocationList(object):
    def __init__(self, openfire, clock_seconds):
        self._openfire = openfire
        self._clock_seconds = clock_seconds
        self._write_lock = ReentrantLock()   # read-modify-write of one property
        self._after_revoke = CopyOnWriteArrayList()   # callables(username)

    def on_revoke(self, callback):
        """``callback(username)`` runs after each revocation (the event streams of the token
        close: events.sse)."""
        self._after_revoke.add(callback)

    def revoke(self, claims):
        self._write_lock.lock()
        try:
            now = self._clock_seconds()
            entries = _parse(self._read(claims.username))
            entries[claims.token_id] = claims.expires_at
            kept = [u"%s:%d" % item for item in entries.items() if item[1] >= now]
            self._openfire.set_user_property(
                claims.username, config.REVOKED_TOKENS_PROPERTY, u",".join(sorted(kept)))
        finally:
            self._write_lock.unlock()
        run_callbacks(self._after_revoke, claims.username)

    def is_revoked(self, claims):
        return claims.token_id in _parse(self._read(claims.username))

    def _read(self, username):
        return self._openfire.get_user_properties(username).get(config.REVOKED_TOKENS_PROPERTY)
