"""The IQ requests a user's session has sent and still waits for, and the archive results
(XEP-0313) that belong to them.

Answers arrive on whatever thread the server delivers them (Openfire's Monitoring plugin
answers archive queries from its own pool), so the waiting side blocks on a latch, with a
timeout, and the results are kept in a concurrent list.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList, CountDownLatch, \
    TimeUnit


def _bare(address):
    return None if address is None else address.partition(u"/")[0].lower()


class PendingRequest(object):
    """One sent IQ. ``answerer`` is the bare JID whose answer counts (None: any), so another
    user cannot answer in the server's place or slip results into an archive query."""

    def __init__(self, stanza, answerer=None, query_id=None):
        self.stanza = stanza
        self.answerer = _bare(answerer)
        self.query_id = query_id
        self.results = CopyOnWriteArrayList()
        self.answer = None
        self._answered = CountDownLatch(1)

    def accepts(self, stanza):
        # No 'from' means the user's own account (RFC 6120 8.1.2.1): Openfire sends personal
        # archive results so, and only the server can send a stanza without one.
        return self.answerer is None or stanza.sender is None or \
            _bare(stanza.sender) == self.answerer

    def answered(self, stanza):
        self.answer = stanza
        self._answered.countDown()

    def wait(self, seconds):
        """The answering IQ, or None when none came within ``seconds``."""
        getattr(self._answered, "await")(int(seconds * 1000), TimeUnit.MILLISECONDS)
        return self.answer


class PendingRequests(object):
    def __init__(self):
        self._by_id = ConcurrentHashMap()
        self._by_query = ConcurrentHashMap()

    def expect(self, request):
        self._by_id.put(request.stanza.id, request)
        if request.query_id is not None:
            self._by_query.put(request.query_id, request)
        return request

    def forget(self, request):
        self._by_id.remove(request.stanza.id)
        if request.query_id is not None:
            self._by_query.remove(request.query_id)

    def claim(self, stanza):
        """True when ``stanza`` belongs to a request (it is then not an event). Archive results
        are never events: those of no pending query (late, or forged) are dropped."""
        if stanza.kind == "iq" and stanza.type in ("result", "error") and stanza.id:
            request = self._by_id.get(stanza.id)
            if request is None or not request.accepts(stanza):
                return False
            self.forget(request)
            request.answered(stanza)
            return True
        if stanza.kind == "message" and stanza.archived is not None:
            request = self._by_query.get(stanza.archived.query_id or u"")
            if request is not None and request.accepts(stanza):
                request.results.add(stanza.archived)
            return True
        return False
