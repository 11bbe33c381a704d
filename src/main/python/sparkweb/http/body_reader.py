"""Reads REST request bodies without holding a server thread per client.

Openfire's HTTP-bind web server (REST, the pages, Openfire's own BOSH and websockets) has one
pool of 200 threads. A blocking body read holds a thread for as long as the client takes to
send its body, so a few hundred clients trickling bodies one byte at a time froze all of it.

This filter, in front of Jersey, puts a request's body into the request attribute
``BODY_ATTRIBUTE`` (a Java byte[] of at most ``sparkweb.http.maxBodyBytes``, at most
``sparkweb.http.signInBodyBytes`` for the public sign-in routes, which anyone can reach), where
``http.request`` reads it. A body that has arrived whole with its headers (the usual small JSON
body) is copied at once and the request goes on. Any other body is read with non-blocking
servlet I/O (``ReadListener``), and the request is then dispatched again (an ASYNC dispatch).
A declared or actual body over the limit is answered 413 at once; a body not complete within
``sparkweb.http.bodyReadSeconds`` is answered 408; one that ends early or breaks its chunked
framing, 400; bytes beyond the global budget of bodies being read (``http.body_budget``) are
answered 503 with Retry-After; all four close the connection. A client that goes away mid-body
is one DEBUG line, not an error.
"""
from __future__ import absolute_import

import jarray

from java.io import ByteArrayOutputStream
from java.lang import IllegalStateException, Throwable
from java.util.concurrent import TimeoutException
from java.util.concurrent.atomic import AtomicBoolean
from javax.servlet import AsyncEvent, AsyncListener, DispatcherType, Filter, ReadListener

from sparkweb import config
from sparkweb.errors import BadRequest, PayloadTooLarge, RequestTimeout, ServiceUnavailable
from sparkweb.http.body_budget import BodyBudget
from sparkweb.http.response import send_error
from sparkweb.log import logger

LOG = logger("http.body")
BODY_ATTRIBUTE = "sparkweb.body"      # the body read, as a Java byte[]
CHUNK_BYTES = 8192
# Paths (below the REST servlet) of the public sign-in routes: /login/{username} and
# /webauthn/{register,authenticate}/{start,finish}/{username}. All of /webauthn/ is included;
# its other routes (renaming or deleting a passkey) carry a name at most.
SIGN_IN_PATHS = ("/login/", "/webauthn/")


def has_body(request):
    """True when the request announces a body (HTTP/1.1: a length, or chunked framing)."""
    return request.getContentLengthLong() > 0 or request.getHeader("Transfer-Encoding") is not None


def too_large(limit):
    return PayloadTooLarge("The body is larger than %d bytes." % limit)


def over_budget(retry_seconds):
    """Bodies being read fill the budget; they are all done (handled, refused or timed out)
    within the read deadline, so that is when to try again."""
    return ServiceUnavailable("Too many request bodies are being received; try again soon.",
                              {"Retry-After": str(retry_seconds)})


def body_limit(settings, path):
    """The largest body accepted at ``path`` (the path below the REST servlet)."""
    limit = settings.get(config.MAX_BODY_BYTES)
    if path and path.startswith(SIGN_IN_PATHS):
        return min(limit, settings.get(config.SIGN_IN_BODY_BYTES))
    return limit


class BodyReadFilter(Filter):
    """Mapped to the REST servlet's path for REQUEST and ASYNC dispatches."""

    def __init__(self, settings, budget=None):
        self._settings = settings
        self._budget = budget or BodyBudget()

    def init(self, filter_config):
        pass

    def destroy(self):
        pass

    def doFilter(self, request, response, chain):
        if request.getDispatcherType() == DispatcherType.ASYNC or not has_body(request):
            chain.doFilter(request, response)   # after the read, the body is an attribute
            return
        limit = body_limit(self._settings, request.getPathInfo())
        if request.getContentLengthLong() > limit:
            send_error(response, too_large(limit), close=True)
            return
        try:
            if arrived_whole(request):
                chain.doFilter(request, response)
                return
        except BadRequest as error:
            send_error(response, error, close=True)
            return
        deadline = self._settings.get(config.BODY_READ_SECONDS)
        reservation = self._budget.reservation(self._settings.get(config.BODY_BUDGET_BYTES))
        async_context = request.startAsync()
        async_context.setTimeout(deadline * 1000)
        reader = BodyReader(async_context, request.getInputStream(), limit, deadline,
                            reservation)
        async_context.addListener(reader)
        reader.input.setReadListener(reader)


def arrived_whole(request):
    """Copies a body that has arrived whole into BODY_ATTRIBUTE, and says whether it did. No
    read here can wait on the client: the whole declared length is available already.

    The point is what this path leaves out: the ASYNC dispatch (the filters a second time) and
    the BodyReader. A BodyReader is an object of a Python class with Java bases, and Jython
    gives every such object a finalizer. The JVM registers each one under a global lock and
    keeps it, with what it references (the request, an 8 KB buffer), through one more garbage
    collection. At 500 sends/s, young collections copied tens of MB of them."""
    length = request.getContentLengthLong()
    if length <= 0:
        return False            # chunked: the length is not known before the end
    stream = request.getInputStream()
    if stream.available() < length:
        return False
    body = jarray.zeros(length, "b")
    count = 0
    while count < length and stream.available() > 0:
        read = stream.read(body, count, length - count)
        if read < 0:
            break
        count += read
    if count < length:
        raise BadRequest("The body ended after %d of its %d bytes." % (count, length))
    request.setAttribute(BODY_ATTRIBUTE, body)
    return True


class BodyReader(ReadListener, AsyncListener):
    """One body being read. Exactly one outcome wins (:meth:`_settle`): the dispatch with the
    whole body, a 413, a 503, a 408, or nothing for a client that has gone; whichever it is
    gives the body's bytes back to the budget (``reservation``)."""

    def __init__(self, async_context, input_stream, limit, deadline_seconds, reservation):
        self._async = async_context
        self.input = input_stream
        self._limit = limit
        self._deadline = deadline_seconds
        self._reservation = reservation
        self._body = ByteArrayOutputStream()
        self._chunk = jarray.zeros(CHUNK_BYTES, "b")
        self._settled = AtomicBoolean(False)

    def _settle(self):
        """True for the one outcome that wins; it has given the budget back already."""
        if not self._settled.compareAndSet(False, True):
            return False
        self._reservation.close()
        return True

    # ReadListener: the container calls these one at a time, never concurrently.
    def onDataAvailable(self):
        while self.input.isReady() and not self._settled.get():
            count = self.input.read(self._chunk)
            if count < 0:
                return                          # the end: onAllDataRead follows
            if self._body.size() + count > self._limit:
                if self._settle():
                    self._answer(too_large(self._limit))
                return
            if not self._reservation.grow(count):   # no room, or settled meanwhile
                if self._settle():
                    LOG.debug("Request body not read: %s (the body budget is full; answered "
                              "503)" % self._describe())
                    self._answer(over_budget(self._deadline))
                return
            self._body.write(self._chunk, 0, count)

    def onAllDataRead(self):
        if self._settle():
            request = self._async.getRequest()
            request.setAttribute(BODY_ATTRIBUTE, self._body.toByteArray())
            self._body = None
            self._async.dispatch()

    def onError(self, failure):
        """ReadListener's onError(Throwable) and AsyncListener's onError(AsyncEvent) (one name
        in Python): the body's framing was broken (a bad chunk), or it ended early (the client
        went away, or half-closed its side). Answered 400 (S9-A-2: the default was an empty
        200); for a client that is gone, sending fails quietly."""
        error = failure.getThrowable() if isinstance(failure, AsyncEvent) else failure
        if self._settle():
            LOG.debug("Request body not read: %s (%s)" % (self._describe(), _reason(error)))
            self._answer(_read_failure(error))

    # AsyncListener: the deadline. It may run while onDataAvailable does; _settled decides.
    def onTimeout(self, event):
        if self._settle():
            LOG.debug("Request body not read: %s (not complete within %d s; answered 408)"
                      % (self._describe(), self._deadline))
            self._answer(RequestTimeout("The body did not arrive within %d seconds."
                                        % self._deadline))

    def onComplete(self, event):
        self._reservation.close()   # a way to end we were not told of: give back all the same

    def onStartAsync(self, event):
        pass

    def _answer(self, error):
        try:
            send_error(self._async.getResponse(), error, close=True)
        except (Exception, Throwable) as failure:   # the client may be gone meanwhile
            LOG.debug("Request body answer %d not sent (%s)" % (error.status, _reason(failure)))
        self._finish()

    def _finish(self):
        try:
            self._async.complete()
        except IllegalStateException:   # already completed by the container (connection gone)
            pass

    def _describe(self):
        request = self._async.getRequest()
        return "%s %s from %s" % (request.getMethod(), request.getRequestURI(),
                                  request.getRemoteAddr())


def _read_failure(error):
    """The answer to a body whose read failed: 408 when the connection's idle timeout ended
    it (bodyReadSeconds may be longer: S9-V-2), else 400."""
    cause = error
    while cause is not None:
        if isinstance(cause, TimeoutException):
            return RequestTimeout("The body stopped arriving (the connection timed out).")
        cause = cause.getCause() if isinstance(cause, Throwable) else None
    return BadRequest("The body could not be read: it ended early or its chunked framing is "
                      "broken.")


def _reason(error):
    """A one-line reason: the exception's class and message, no stack trace."""
    return "%s: %s" % (error.getClass().getSimpleName(), error.getMessage()) \
        if isinstance(error, Throwable) else repr(error)
