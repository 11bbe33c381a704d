"""IQ requests a session sends and the answers it waits for (RFC 6120 section 8.2.3).

A session registers the request's id before sending (Openfire may deliver the answer on the
sending thread, before ``send`` returns), and :meth:`PendingQueries.answer` takes result and
error IQs with a registered id out of the session's inbound traffic; everything else goes on
to the events as before.
"""
from __future__ import absolute_import

from java.util import UUID
from java.util.concurrent import CompletableFuture, ConcurrentHashMap, TimeUnit
from java.util.concurrent import TimeoutException

from sparkweb.errors import ServiceUnavailable
from sparkweb.xmpp import iq

QUERY_SECONDS = 15


class PendingQueries(object):
    def __init__(self):
        self._waiting = ConcurrentHashMap()    # id -> CompletableFuture of the answer

    def answer(self, stanza):
        """True when ``stanza`` answered a waiting request (and was handed to it)."""
        if stanza.kind != "iq" or stanza.type not in ("result", "error") or not stanza.id:
            return False
        future = self._waiting.remove(stanza.id)
        if future is None:
            return False
        future.complete(stanza)
        return True

    def ask(self, session, type, recipient, child_xml, seconds=QUERY_SECONDS):
        """Sends an IQ through ``session`` and returns the answer's DOM element (type result
        or error: see :func:`sparkweb.xmpp.iq.error_condition`). 503 when none comes in time."""
        query_id = u"sw-" + UUID.randomUUID().toString()
        future = CompletableFuture()
        self._waiting.put(query_id, future)
        try:
            session.send(iq.request(type, recipient, query_id, child_xml))
            answer = future.get(seconds, TimeUnit.SECONDS)
        except TimeoutException:
            raise ServiceUnavailable("%s did not answer in time." % recipient)
        finally:
            self._waiting.remove(query_id)
        return iq.parse(answer.get_xml())

    def pending(self):
        return self._waiting.size()
