"""Server-Sent Events at ``/sparkweb/sse`` on plain servlet async I/O (Openfire 5 ships no
EventSource servlet).

Each stream has a bounded queue of encoded events and writes it with non-blocking output
(``WriteListener``): a slow client only fills its own queue, and is closed when that
overflows; it never holds a thread. Heartbeat comments keep idle streams open through proxies.

Query: ``token`` (EventSource cannot set headers; the Authorization header works too),
``raw=true`` for ``chatapi.xmpp`` events. Header ``Last-Event-ID`` replays what was missed.
"""
from __future__ import absolute_import

from java.lang import String, Throwable
from java.nio.charset import StandardCharsets
from java.util.concurrent import ConcurrentHashMap, LinkedBlockingQueue
from java.util.concurrent.atomic import AtomicBoolean
from javax.servlet import AsyncListener, WriteListener
from javax.servlet.http import HttpServlet

from sparkweb import config
from sparkweb.auth.credentials import token_from_header
from sparkweb.errors import ApiError
from sparkweb.events import catalogue
from sparkweb.http.response import send_error
from sparkweb.log import logger

LOG = logger("sse")
RETRY_MILLIS = 2000
HEARTBEAT = String(": heartbeat\n\n").getBytes(StandardCharsets.UTF_8)


def encode(event):
    """One event in the text/event-stream format; the JSON has no raw newlines."""
    text = u"id: %s\nevent: %s\ndata: %s\n\n" % (event.id, event.name, event.text)
    return String(text).getBytes(StandardCharsets.UTF_8)


class SseStream(WriteListener, AsyncListener):
    """One open EventSource connection."""

    def __init__(self, async_context, capacity, raw):
        self._async = async_context
        self._out = async_context.getResponse().getOutputStream()
        self._queue = LinkedBlockingQueue(capacity)
        self._draining = AtomicBoolean(False)
        self._closed = AtomicBoolean(False)
        self._raw = raw
        self._listening = False   # no writes until the container calls onWritePossible
        self.on_close = None

    def offer(self, event):
        if event.raw and not self._raw:
            return
        self.offer_bytes(encode(event))

    def offer_bytes(self, chunk):
        if self._closed.get():
            return
        if not self._queue.offer(chunk):
            LOG.info("Closing an event stream that fell behind by %d events" % self._queue.size())
            self.close()
            return
        self.drain()

    def drain(self):
        """Writes queued events while the connection accepts them without blocking."""
        while self._listening and not self._closed.get() and \
                self._draining.compareAndSet(False, True):
            try:
                while not self._queue.isEmpty():
                    if not self._out.isReady():
                        return              # onWritePossible() resumes
                    self._out.write(self._queue.poll())
                if self._out.isReady():
                    self._out.flush()
            except (Exception, Throwable):   # e.g. Jetty's EofException: the client is gone
                self.close()
                return
            finally:
                self._draining.set(False)
            if self._queue.isEmpty():
                return

    def close(self):
        if self._closed.compareAndSet(False, True):
            LOG.debug("Event stream closed")
            self._queue.clear()
            try:
                self._async.complete()
            except (Exception, Throwable):   # already completed by the container
                pass
            if self.on_close is not None:
                self.on_close(self)

    # --- WriteListener ------------------------------------------------------------------
    def onWritePossible(self):
        self._listening = True
        self.drain()

    def onError(self, error):
        self.close()

    # --- AsyncListener ------------------------------------------------------------------
    def onComplete(self, event):
        self.close()

    def onTimeout(self, event):
        self.close()

    def onStartAsync(self, event):
        pass


class StreamSet(object):
    """Every open stream of this node, for heartbeats and for closing them all on stop."""

    def __init__(self):
        self._streams = ConcurrentHashMap.newKeySet()

    def add(self, stream):
        self._streams.add(stream)

    def remove(self, stream):
        self._streams.discard(stream)   # Python set semantics on a Java set: no error if absent

    def __len__(self):
        return self._streams.size()

    def heartbeat(self):
        for stream in list(self._streams):
            stream.offer_bytes(HEARTBEAT)

    def close_all(self):
        for stream in list(self._streams):
            stream.close()


class SseServlet(HttpServlet):
    """GET /sparkweb/sse: authenticates, then holds the connection open as an event stream."""

    def __init__(self, app):
        HttpServlet.__init__(self)
        self._app = app

    def doGet(self, request, response):
        try:
            claims = self._app.authenticator.authenticate(
                request.getParameter("token") or
                token_from_header(request.getHeader("Authorization")))
        except ApiError as error:
            return send_error(response, error)
        session = self._app.sessions.get_or_start(claims.username)
        response.setStatus(200)
        response.setContentType("text/event-stream")
        response.setCharacterEncoding("UTF-8")
        response.setHeader("Cache-Control", "no-cache, no-store")
        response.setHeader("X-Accel-Buffering", "no")
        async_context = request.startAsync()
        async_context.setTimeout(0)
        stream = SseStream(async_context, self._app.settings.get(config.SSE_QUEUE_EVENTS),
                           (request.getParameter("raw") or "").lower() in ("1", "true", "yes"))
        stream.on_close = lambda closed: self._closed(session, closed)
        async_context.addListener(stream)
        stream.offer_bytes(String("retry: %d\n\n" % RETRY_MILLIS).getBytes(StandardCharsets.UTF_8))
        greeting = catalogue.on_connect(self._app.openfire.get_user(claims.username))
        session.attach(stream, request.getHeader("Last-Event-ID"), greeting)
        self._app.streams.add(stream)
        response.getOutputStream().setWriteListener(stream)

    def _closed(self, session, stream):
        session.detach(stream)
        self._app.streams.remove(stream)

