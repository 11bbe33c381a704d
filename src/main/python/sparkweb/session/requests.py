"""IQ requests a session sends and the answers it waits for (RFC 6120 8.2.3: every get or set
gets exactly one result or error with the same id), and the archive results (XEP-0313) that
come before the answer to an archive query.

The caller waits with no lock held; the answer arrives on whatever thread Openfire delivers it
(synchronously inside the send, for most of Openfire's own handlers; Openfire's Monitoring
plugin answers archive queries from its own pool). An answer that comes after the wait gave up
is dropped, and so is the pending entry: nothing stays behind.

Who may answer: for a request sent to an address, that address's bare JID, or the server
itself (a stanza without ``from``, RFC 6120 8.1.2.1: only the server can send one; Openfire's
Monitoring plugin sends the results of a personal archive query so). Anybody else who guesses
an id or a query id answers nothing and adds no results.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList, CountDownLatch, \
    TimeUnit

from sparkweb.errors import ServiceUnavailable


def _bare(address):
    return None if address is None else address.partition(u"/")[0].lower()


class QueryResults(object):
    """The archive results of one query: :class:`~sparkweb.xmpp.forwarding.ArchivedResult`
    messages tagged with ``query_id``, collected until the query's IQ is answered."""

    def __init__(self, query_id):
        self.query_id = query_id
        self.items = CopyOnWriteArrayList()


class _Pending(object):
    def __init__(self, iq, results):
        self.done = CountDownLatch(1)
        self.answer = None
        self.answerer = _bare(iq.recipient)     # None: a request to the user's own account
        self.results = results

    def accepts(self, stanza):
        return self.answerer is None or stanza.sender is None or \
            _bare(stanza.sender) == self.answerer


class PendingRequests(object):
    def __init__(self):
        self._pending = ConcurrentHashMap()   # IQ id -> _Pending
        self._queries = ConcurrentHashMap()   # archive query id -> _Pending

    def send_and_wait(self, iq, send, timeout_seconds, results=None):
        """Sends ``iq`` with ``send`` and returns the answering stanza; 503 when none came.
        ``results``: a :class:`QueryResults` that gathers the archive results of the query."""
        pending = _Pending(iq, results)
        self._pending.put(iq.id, pending)
        if results is not None:
            self._queries.put(results.query_id, pending)
        try:
            send(iq)
            if not getattr(pending.done, "await")(int(timeout_seconds * 1000),
                                                  TimeUnit.MILLISECONDS):
                raise ServiceUnavailable("The XMPP server did not answer in time.")
            return pending.answer
        finally:
            self._pending.remove(iq.id)
            if results is not None:
                self._queries.remove(results.query_id)

    def answered(self, stanza):
        """True when ``stanza`` answers a request sent here (it is then consumed). Archive
        results are consumed too: never events; those of no pending query (late, or forged)
        are dropped."""
        if stanza.kind == "message" and stanza.archived is not None:
            pending = self._queries.get(stanza.archived.query_id or u"")
            if pending is not None and pending.accepts(stanza):
                pending.results.items.add(stanza.archived)
            return True
        if stanza.kind != "iq" or stanza.type not in ("result", "error") or stanza.id is None:
            return False
        pending = self._pending.get(stanza.id)
        if pending is None or not pending.accepts(stanza):
            return False
        pending.answer = stanza
        pending.done.countDown()
        return True

    def count(self):
        return self._pending.size()
