"""IQ requests a session sends and the answers it waits for (RFC 6120 8.2.3: every get or set
gets exactly one result or error with the same id).

The caller waits with no lock held; the answer arrives on whatever thread Openfire delivers it
(synchronously inside the send, for most of Openfire's own handlers). An answer that comes
after the wait gave up is dropped, and so is the pending entry: nothing stays behind.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, CountDownLatch, TimeUnit

from sparkweb.errors import ServiceUnavailable


class _Pending(object):
    def __init__(self):
        self.done = CountDownLatch(1)
        self.answer = None


class PendingRequests(object):
    def __init__(self):
        self._pending = ConcurrentHashMap()   # IQ id -> _Pending

    def send_and_wait(self, iq, send, timeout_seconds):
        """Sends ``iq`` with ``send`` and returns the answering stanza; 503 when none came."""
        pending = _Pending()
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
        if pending is None:
            return False
        pending.answer = stanza
        pending.done.countDown()
        return True

    def count(self):
        return self._pending.size()
