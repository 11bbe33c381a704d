"""IQ requests a session sends and the answers it waits for (RFC 6120 8.2.3: every get or set
gets exactly one result or error with the same id).

The caller waits with no lock held; the answer arrives on whatever thread Openfire delivers it
(synchronously inside the send, for most of Openfire's own handlers).

- An answer counts only from whom may give it, so that another account cannot answer for the
  server with a guessed id: the user's own account (bare or full JID; PEP answers from the bare
  one), the address the request went to, or the server (no address, or its domain).
- An answer that comes after the wait gave up is dropped, not handed on as an event: the ids
  given up on are remembered (a bounded number of them).
- When the session ends, every waiter is released at once with the session's error
  (:meth:`PendingRequests.abort_all`), and later requests fail at once too.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, CountDownLatch, TimeUnit
from java.util.concurrent.atomic import AtomicReference

from sparkweb.errors import ServiceUnavailable

# Ids of requests given up on, kept so that their late answers are dropped. A late answer
# beyond this many abandoned requests is handed on like any stanza (harmless, just noise).
ABANDONED_KEPT = 256


class _Pending(object):
    def __init__(self, senders):
        self.senders = senders
        self.done = CountDownLatch(1)
        self.answer = None


class PendingRequests(object):
    def __init__(self):
        self._pending = ConcurrentHashMap()     # IQ id -> _Pending
        self._abandoned = ConcurrentHashMap()   # IQ id -> True: gave up waiting
        self._aborted = AtomicReference()       # the error waiters get once the session ended

    def send_and_wait(self, iq, send, timeout_seconds, own_jid):
        """Sends ``iq`` with ``send`` and returns the answering stanza; 503 when none came,
        the session's error when it ended meanwhile. ``own_jid``: the full JID of the session
        that sends it."""
        pending = _Pending(_answering(iq, own_jid))
        self._pending.put(iq.id, pending)
        try:
            self._raise_if_aborted()          # after put: abort_all() sees it or this does
            send(iq)
            getattr(pending.done, "await")(timeout_seconds, TimeUnit.SECONDS)
            if pending.answer is not None:
                return pending.answer
            self._raise_if_aborted()          # released by abort_all()
            raise ServiceUnavailable("The XMPP server did not answer in time.")
        finally:
            self._pending.remove(iq.id)
            if pending.answer is None:
                self._abandon(iq.id)

    def answered(self, stanza):
        """True when ``stanza`` answers a request sent here, or one given up on: it is then
        consumed (a late one dropped)."""
        if stanza.kind != "iq" or stanza.type not in ("result", "error") or stanza.id is None:
            return False
        pending = self._pending.get(stanza.id)
        if pending is None:
            return self._abandoned.remove(stanza.id) is not None
        if _normal(stanza.sender) not in pending.senders:
            return False
        pending.answer = stanza
        pending.done.countDown()
        return True

    def abort_all(self, error):
        """The session ended: every waiter raises ``error`` now, and so do later requests."""
        self._aborted.compareAndSet(None, error)
        for pending in list(self._pending.values()):
            pending.done.countDown()

    def count(self):
        return self._pending.size()

    def _raise_if_aborted(self):
        error = self._aborted.get()
        if error is not None:
            raise error

    def _abandon(self, iq_id):
        if self._abandoned.size() >= ABANDONED_KEPT:
            self._abandoned.clear()
        self._abandoned.put(iq_id, True)


def _answering(iq, own_jid):
    """Who may answer ``iq``: None (the server), its domain, the account, the address asked."""
    bare = own_jid.split(u"/")[0]
    return frozenset(_normal(jid) for jid in (
        None, bare.split(u"@")[-1], bare, own_jid, iq.recipient))


def _normal(jid):
    """Compared case-insensitively (Openfire's stringprep lower-cases nodes and domains)."""
    return jid.lower() if jid else None
