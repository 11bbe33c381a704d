"""Revoked tokens, kept until they would have expired anyway.

Stored per user in an Openfire user property (so a revocation survives restarts), as
``token_id:expiry`` entries separated by commas; expired entries are pruned whenever the list
is written. In a cluster (issue 17, item 5) every node must refuse a revoked token at once, and
two nodes revoking tokens of one user at the same moment must not lose one: the list is read,
changed and written under a cluster-wide lock for the user, and written through to a cache
every node sees, from which every check reads. A node that finds no entry there reads the
stored property and fills the entry, under the same lock, so it can never put back a list
older than one a revocation just wrote.

Cluster switches break the premise that the cache never holds a list older than the stored
one (review S6-R-6): a node out of the cluster (a split, or before clustering started)
revokes into its own local cache, and when it (re)joins, Openfire drops that cache for the
cluster's, whose entry for the user may be older. So the cache is cleared whenever this node
or another one joins (:meth:`RevocationList.forget_cached`, on the cluster events); entries are
read again from the stored lists. A revocation whose write to the cache fails removes the
entry instead, for the same reason.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import CopyOnWriteArrayList

from sparkweb import config
from sparkweb.auth.accounts import run_callbacks
from sparkweb.log import log_failure, logger

LOG = logger("auth")

CACHE = "SparkWeb Token Revocations"


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
        self._cache = openfire.shared_cache(CACHE)   # username -> the stored list's text
        self._after_revoke = CopyOnWriteArrayList()   # callables(username)

    def on_revoke(self, callback):
        """``callback(username)`` runs after each revocation (the event streams of the token
        close: events.sse)."""
        self._after_revoke.add(callback)

    def revoke(self, claims):
        lock = self._cache.lock(claims.username)
        lock.lock()
        try:
            now = self._clock_seconds()
            entries = _parse(self._read(claims.username))
            entries[claims.token_id] = claims.expires_at
            kept = u",".join(sorted([u"%s:%d" % item for item in entries.items()
                                     if item[1] >= now]))
            self._openfire.set_user_property(
                claims.username, config.REVOKED_TOKENS_PROPERTY, kept)
            self._write_through(claims.username, kept)
        finally:
            lock.unlock()
        run_callbacks(self._after_revoke, claims.username)

    def _write_through(self, username, kept):
        """The stored list into the cache; if that fails, no entry at all (readers then read
        the stored list), never the older one."""
        try:
            self._cache.put(username, kept)
        except (Exception, Throwable):   # e.g. a cluster hiccup; remove() failing too raises
            log_failure(LOG, "A revocation could not be written to the cluster's cache")
            self._cache.remove(username)

    def forget_cached(self, node=None):
        """Drops every cached list (on every node): after this or another node (re)joined the
        cluster, the cache may hold lists older than the stored ones."""
        self._cache.clear()

    def is_revoked(self, claims):
        return claims.token_id in _parse(self._current(claims.username))

    def _current(self, username):
        text = self._cache.get(username)
        if text is not None:
            return text
        lock = self._cache.lock(username)
        lock.lock()
        try:
            return self._read(username)
        finally:
            lock.unlock()

    def _read(self, username):
        """The list as every node sees it, from the cache or else the stored property (then
        cached); call with the user's lock held when it may miss."""
        text = self._cache.get(username)
        if text is None:
            text = self._openfire.get_user_properties(username).get(
                config.REVOKED_TOKENS_PROPERTY) or u""
            self._cache.put(username, text)
        return text
