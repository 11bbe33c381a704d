"""IQ requests a session sends and the answers it waits for (RFC 6120 8.2.3: every get or set
gets exactly one result or error with the same id).

The caller waits with no lock held; the answer arrives on whatever thread Openfire delivers it
(synchronously inside the send, for most of Openfire's own handlers). An answer that comes
after the wait gave up is dropped, and so is the pending entry: nothing stays behind.

An answer counts only from whom may give it, so that another account cannot answer for the
server with a guessed id: the user's own account (bare or full JID; PEP answers from the bare
one), the address the request went to, or the server (no address, or its domain).
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, CountDownLatch, TimeUnit

from sparkweb.errors import ServiceUnavailable


class _Pending(object):
    def __init__(self, senders):
        self.senders = senders
        self.done = CountDownLatch(1)
        self.answer = None


class PendingRequests(object):
    def __init__(self):
        self._pending = ConcurrentHashMap()   # IQ id -> _Pending

    def send_and_wait(self, iq, send, timeout_seconds, own_jid):
        """Sends ``iq`` with ``send`` and returns the answering stanza; 503 when none came.
        ``own_jid``: the full JID of the session that sends it."""
        pending = _Pending(_answering(iq, own_jid))
        self._pending.put(iq.id, pending)
        try:
            send(iq)
            if not getattr(pending.done, "await")(timeout_seconds, TimeUnit.SECONDS):
                raise ServiceUnavailable("The XMPP server did not answer in time.")
            return pending.answer
        finally:
            self._pending.remove(iq.id)

    def answered(self, stanza):
        """True when ``stanza`` answers a request sent here (it is then consumed)."""
        if stanza.kind != "iq" or stanza.type not in ("result", "error") or stanza.id is None:
            return False
        pending = self._pending.get(stanza.id)
        if pending is None or stanza.sender not in pending.senders:
            return False
        pending.answer = stanza
        pending.done.countDown()
        return True

    def count(self):
        return self._pending.size()


def _answering(iq, own_jid):
    """Who may answer ``iq``: None (the server), its domain, the account, the address asked."""
    bare = own_jid.split(u"/")[0]
    return frozenset((None, bare.split(u"@")[-1], bare, own_jid, iq.recipient))
