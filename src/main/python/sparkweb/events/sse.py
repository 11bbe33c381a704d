"""Server-Sent Events at ``/sparkweb/sse`` on plain servlet async I/O (Openfire 5 ships no
EventSource servlet).

Each stream has a queue of encoded events, bounded in events and in bytes, and writes it with
non-blocking output (``WriteListener``): a slow client only fills its own queue, and is closed
when that overflows; it never holds a thread. Heartbeat comments keep idle streams open
through proxies.

Query: ``token`` (EventSource cannot set headers; the Authorization header works too),
``raw=true`` for ``chatapi.xmpp`` events. Header ``Last-Event-ID`` replays what was missed.

A stream lives only as long as its token would still be accepted: each keeps the claims it
opened with, and a password change, an account deletion or a revocation (logout) closes at
once every stream of that user whose claims no longer authenticate (``StreamSet.close_invalid``,
wired in services.py). Each heartbeat checks again (expiry and the account's cached id only),
so streams whose token expired close within a heartbeat, and a change made on another cluster
node within a heartbeat and the account check's cache time.

On a cluster node that does not hold the user's session, the stream is opened here the same
way and fed by the home node (cluster.relay): only attaching it differs.
"""
from __future__ import absolute_import

from java.lang import String, Throwable
from java.nio.charset import StandardCharsets
from java.util.concurrent import ConcurrentHashMap, LinkedBlockingQueue
from java.util.concurrent.atomic import AtomicBoolean, AtomicInteger, AtomicLong
from javax.servlet import AsyncListener, WriteListener
from javax.servlet.http import HttpServlet

from sparkweb import config
from sparkweb.auth.credentials import token_from_header
from sparkweb.errors import ApiError, BadRequest, HomeElsewhere, Unauthorized
from sparkweb.events import catalogue
from sparkweb.http.response import NODE_HEADER, answer_options, refuse_method, send_error
from sparkweb.log import log_failure, logger, traceback_text
from sparkweb.secure_random import random_id

LOG = logger("sse")
RETRY_MILLIS = 2000
HEARTBEAT = String(": heartbeat\n\n").getBytes(StandardCharsets.UTF_8)
# Room in a stream's queue beyond queueEvents/queueBytes for what is not a logged event (the
# retry line, onConnect, heartbeats): a replay as large as the log (replayEvents/replayBytes,
# which should be at least the queue's limits) then always fits in a new stream's queue.
UNLOGGED_LINES = 8
UNLOGGED_BYTES = 8 * 1024


class SseStream(WriteListener, AsyncListener):
    """One open EventSource connection. ``on_close(stream)`` is called once when it closes."""

    def __init__(self, async_context, max_events, max_bytes, raw, on_close=None, claims=None):
        self.claims = claims      # of the token it opened with: see StreamSet.close_invalid
        self._async = async_context
        self._out = async_context.getResponse().getOutputStream()
        self._queue = LinkedBlockingQueue(max_events)
        self._queued_bytes = AtomicLong(0)
        self._max_bytes = max_bytes
        self._draining = AtomicBoolean(False)
        self._wakeups = AtomicInteger(0)    # onWritePossible() calls so far
        self._closed = AtomicBoolean(False)
        self._completed = AtomicBoolean(False)   # the response, once closed and no write pending
        self.raw = raw      # wants chatapi.xmpp events: the session logs them only then
        self._listening = False   # no writes until the container calls onWritePossible
        self._on_close = on_close
        # Sent to the page in onConnect ("stream"): the page names its stream when it reports
        # that it is hidden (PUT /webpush/visibility/{stream}); Web Push counts hidden pages as
        # closed. Volatile enough: one writer (that request), readers tolerate a stale value.
        self.id = random_id()
        self.hidden = False

    @property
    def closed(self):
        return self._closed.get()

    def offer(self, event):
        if event.raw and not self.raw:
            return
        self.offer_bytes(event.frame)     # one frame, shared by every stream

    def offer_bytes(self, chunk):
        """Queues ``chunk``; a stream already holding more than its bytes, or its number of
        events, is closed. One event larger than the limit still reaches a reading client."""
        if self._closed.get():
            return
        size = len(chunk)
        queued = self._queued_bytes.addAndGet(size)
        if (queued > size and queued > self._max_bytes) or not self._queue.offer(chunk):
            LOG.info("Closing an event stream that fell behind by %d events, %d bytes"
                     % (self._queue.size(), queued))
            self.close()
            return
        self.drain()

    def drain(self):
        """Writes queued events while the connection accepts them without blocking. When it
        does not, the container calls onWritePossible() later; a call that came while this
        thread was still writing (and so found the writer busy) is not lost: the wake-up count
        tells this thread to look again."""
        while self._listening and not self._closed.get() and \
                self._draining.compareAndSet(False, True):
            wakeups = self._wakeups.get()
            try:
                waiting = self._write_while_ready()
            except (Exception, Throwable):   # e.g. Jetty's EofException: the client is gone
                self._draining.set(False)
                self.close()
                self._complete()
                return
            self._draining.set(False)
            if waiting:
                if self._wakeups.get() == wakeups:
                    break                # onWritePossible() resumes
            elif self._queue.isEmpty():
                break
        if self._closed.get():           # closed while this thread (or Jetty) was writing
            self._complete_when_idle()

    def _write_while_ready(self):
        """True when it stopped because the connection was not ready (isReady() false)."""
        while not self._queue.isEmpty():
            if not self._out.isReady():
                return True
            chunk = self._queue.poll()
            self._queued_bytes.addAndGet(-len(chunk))
            self._out.write(chunk)
        if not self._out.isReady():
            return True
        self._out.flush()
        return False

    def close(self):
        if self._closed.compareAndSet(False, True):
            LOG.debug("Event stream closed")
            self._queue.clear()
            self._queued_bytes.set(0)
            self._complete_when_idle()
            if self._on_close is not None:
                self._on_close(self)

    def _complete_when_idle(self):
        """Completes the response of a closed stream unless a write is still pending. Jetty
        fails a pending write when the response completes under it, with three warnings and
        their stack traces, and finishes the request on the closing thread (often an XMPP
        routing thread). A pending write ends in onWritePossible() once the client reads, or
        in onError() at Jetty's idle timeout if it never does: both complete then."""
        if not self._draining.compareAndSet(False, True):
            return                       # a writer is busy: it completes when it is done
        try:
            pending = self._listening and not self._out.isReady()
        except (Exception, Throwable):   # the connection is gone: nothing is pending
            pending = False
        finally:
            self._draining.set(False)
        if not pending:
            self._complete()

    def _complete(self):
        if self._completed.compareAndSet(False, True):
            try:
                self._async.complete()
            except (Exception, Throwable):   # already completed by the container
                pass

    # --- WriteListener ------------------------------------------------------------------
    def onWritePossible(self):
        self._listening = True
        self._wakeups.incrementAndGet()
        self.drain()

    def onError(self, error):    # a write failed (WriteListener), or the request (AsyncListener)
        self.close()
        self._complete()

    # --- AsyncListener ------------------------------------------------------------------
    def onComplete(self, event):
        self._completed.set(True)
        self.close()

    def onTimeout(self, event):
        self.close()

    def onStartAsync(self, event):
        pass


class StreamSet(object):
    """Every open stream of this node, for heartbeats and for closing them all on stop.

    ``still_valid(claims, revocation)``: whether a stream's claims would still authenticate
    (Authenticator.still_valid); None (tests of the writing alone) keeps every stream."""

    def __init__(self, still_valid=None):
        self._streams = ConcurrentHashMap.newKeySet()
        self._still_valid = still_valid

    def add(self, stream):
        self._streams.add(stream)

    def remove(self, stream):
        self._streams.discard(stream)   # Python set semantics on a Java set: no error if absent

    def __len__(self):
        return self._streams.size()

    def heartbeat(self):
        """A comment line on every stream; first, the cheap check of each stream's token
        (expiry, account id) closes those that would be refused now."""
        for stream in list(self._streams):
            if not self._valid(stream, revocation=False):
                LOG.debug("Closing an event stream whose token is no longer valid")
                stream.close()
            else:
                stream.offer_bytes(HEARTBEAT)

    def close_invalid(self, username):
        """Closes every stream of ``username`` whose token no longer authenticates (after a
        password change, deletion or revocation)."""
        for stream in list(self._streams):
            claims = stream.claims
            if claims is not None and claims.username == username and \
                    not self._valid(stream, revocation=True):
                LOG.debug("Closing an event stream of %s: its token was ended" % username)
                stream.close()

    def has_valid(self, username):
        """Whether ``username`` has an open stream whose token still authenticates: another
        device or browser of the user still uses the shared session."""
        for stream in list(self._streams):
            claims = stream.claims
            if claims is not None and claims.username == username and not stream.closed and \
                    self._valid(stream, revocation=True):
                return True
        return False

    def _valid(self, stream, revocation):
        if self._still_valid is None or stream.claims is None:
            return True
        try:
            return self._still_valid(stream.claims, revocation)
        except (Exception, Throwable):   # Openfire unreachable: the next heartbeat decides
            log_failure(LOG, "Could not check the token of an event stream")
            return True

    def close_all(self):
        for stream in list(self._streams):
            stream.close()


class SseServlet(HttpServlet):
    """GET /sparkweb/sse: authenticates, then holds the connection open as an event stream.

    Everything that can be refused (token, account, starting the session) is decided before
    the response is committed, so it is answered with the JSON error shape. Once streaming,
    a failure closes the stream: the page reconnects after the retry interval."""

    doTrace = refuse_method("GET, OPTIONS")
    doOptions = answer_options("GET, OPTIONS")

    def __init__(self, app):
        HttpServlet.__init__(self)
        self._app = app

    def doGet(self, request, response):
        try:
            claims, greeting, home = self._open_session(request)
        except ApiError as error:
            return send_error(response, error)
        except (Exception, Throwable):     # Java exceptions are not Python Exceptions
            LOG.error("Could not open an event stream:\n" + traceback_text())
            return send_error(response, ApiError("Internal error."))
        # Only to the token's holder (attack S6-A5): an outsider learns no node ids.
        response.setHeader(NODE_HEADER, self._app.openfire.cluster_node())
        self._stream(request, response, claims, greeting, home)

    def _open_session(self, request):
        """(claims, greeting, home): ``home`` names the node holding the user's session when
        that is another cluster node (the stream is relayed from there: cluster.relay), else
        None and the session here is started."""
        claims = self._app.authenticator.authenticate(_token(request))
        user = self._app.openfire.get_user(claims.username)
        if user is None:   # deleted since the account check, which is trusted for a few seconds
            raise Unauthorized()
        home = self._app.forwarding.home_elsewhere(claims.username)
        if home is None:
            try:
                self._app.sessions.get_or_start(claims.username)
            except HomeElsewhere:   # another node started it meanwhile: relayed from there
                home = self._app.forwarding.home_elsewhere(claims.username)
                if home is None:
                    raise
        if home is not None:   # no relay from a node where SparkWeb is not running: 503
            self._app.forwarding.check_serving(home)
        return claims, catalogue.on_connect(
            user, self._app.settings.get(config.SSE_HEARTBEAT)), home

    def _stream(self, request, response, claims, greeting, home=None):
        username = claims.username
        response.setStatus(200)
        response.setContentType("text/event-stream")
        response.setCharacterEncoding("UTF-8")
        response.setHeader("Cache-Control", "no-cache, no-store")
        response.setHeader("X-Accel-Buffering", "no")
        async_context = request.startAsync()
        async_context.setTimeout(0)
        settings = self._app.settings
        stream = SseStream(async_context,
                           settings.get(config.SSE_QUEUE_EVENTS) + UNLOGGED_LINES,
                           settings.get(config.SSE_QUEUE_BYTES) + UNLOGGED_BYTES,
                           (request.getParameter("raw") or "").lower() in ("1", "true", "yes"),
                           lambda closed: self._closed(username, closed), claims)
        # In the set before anything can close it, so that closing always takes it out again.
        self._app.streams.add(stream)
        try:
            async_context.addListener(stream)
            stream.offer_bytes(String("retry: %d\n\n" % RETRY_MILLIS).getBytes(
                StandardCharsets.UTF_8))
            response.getOutputStream().setWriteListener(stream)
            name, fields = greeting
            if home is not None:
                self._app.relays.open(home, username, stream, request.getHeader("Last-Event-ID"),
                                      greeting, stream.raw)
            else:
                self._app.sessions.attach(username, stream, request.getHeader("Last-Event-ID"),
                                          (name, dict(fields, stream=stream.id)))
            # A change that ended the token after the check above but before the stream was
            # in the set found nothing to close: look once more, now that it is there.
            if not self._app.authenticator.still_valid(claims):
                stream.close()
        except ApiError as error:          # the session kept ending (logouts elsewhere)
            LOG.debug("Event stream of %s not attached: %s" % (username, error.message))
            stream.close()
        except (Exception, Throwable):
            LOG.error("Event stream of %s failed to start:\n%s" % (username, traceback_text()))
            stream.close()

    def _closed(self, username, stream):
        self._app.sessions.detach(username, stream)
        self._app.relays.stream_closed(stream)
        self._app.streams.remove(stream)


def _token(request):
    try:
        query_token = request.getParameter("token")
    except (Exception, Throwable):   # Jetty's BadMessageException: a query it cannot decode
        raise BadRequest("The query string is not valid.")
    return query_token or token_from_header(request.getHeader("Authorization"))
