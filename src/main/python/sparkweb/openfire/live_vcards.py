"""Remembers which users have no vCard, so that ``get_vcard`` (GET /user, GET /users, the
roster) does not ask the database again for each of them on every call.

Openfire's VCardManager caches the vCards it found, never their absence: for a user without
one (most users) every getVCard runs a database query, serialised per user
(DefaultVCardProvider.loadVCard locks on the interned JID). A JFR profile of GET /user under
the side-by-side benchmark showed that query's SQL parsing in 13 % of the CPU samples and 615
waits of over 10 ms on that lock in 30 s.

An absence is forgotten on any vCard event of this node (created, updated, deleted: what
VCardManager.setVCard and deleteVCard announce, whoever made the change) and in any case after
:data:`MISSING_SECONDS` (a change made on another cluster node, or behind Openfire's back in
its store). A lookup that raced with a change is not remembered: every event moves a
generation counter, and an absence is stored only if no event came during its lookup.
"""
from __future__ import absolute_import

from java.lang import System
from java.util.concurrent import ConcurrentHashMap
from java.util.concurrent.atomic import AtomicBoolean, AtomicLong
from org.jivesoftware.openfire.vcard import VCardEventDispatcher, VCardListener

MISSING_SECONDS = 10
MAX_REMEMBERED = 100000   # bounded memory; past it, absences are simply not remembered


class MissingVCards(VCardListener):
    def __init__(self, clock_millis=System.currentTimeMillis):
        self._clock = clock_millis
        self._missing = ConcurrentHashMap()   # username -> when its absence was seen (ms)
        self._changes = AtomicLong()
        self._watching = AtomicBoolean(False)

    def start(self):
        """Follows vCard events from now on; returns the undo (for plugin stop)."""
        VCardEventDispatcher.addListener(self)
        self._watching.set(True)
        return self.stop

    def stop(self):
        self._watching.set(False)
        VCardEventDispatcher.removeListener(self)
        self._missing.clear()

    def lookup(self, username, load):
        """``load(username)`` (the vCard element or None), unless the user is known to have
        none; None then."""
        seen = self._missing.get(username)
        if seen is not None:
            if self._clock() - seen < MISSING_SECONDS * 1000:
                return None
            self._missing.remove(username, seen)
        generation = self._changes.get()
        element = load(username)
        if element is None and self._watching.get() and self._changes.get() == generation \
                and self._missing.size() < MAX_REMEMBERED:
            self._missing.put(username, self._clock())
        return element

    def _changed(self, username):
        self._changes.incrementAndGet()
        self._missing.remove(username)

    # --- VCardListener ----------------------------------------------------------------------
    def vCardCreated(self, username, vcard):
        self._changed(username)

    def vCardUpdated(self, username, vcard):
        self._changed(username)

    def vCardDeleted(self, username, vcard):
        self._changed(username)
