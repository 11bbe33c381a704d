"""Reads REST request bodies without holding a server thread per client.

Openfire's HTTP-bind web server (REST, the pages, Openfire's own BOSH and websockets) has one
pool of 200 threads. A blocking body read holds a thread for as long as the client takes to
send its body, so a few hundred clients trickling bodies one byte at a time froze all of it.

This filter, in front of Jersey, reads a request's body with non-blocking servlet I/O
(``ReadListener``) into a buffer of at most ``sparkweb.http.maxBodyBytes``, and then dispatches
the request again (an ASYNC dispatch) with that buffer as its body, so Jersey and the handlers
read it from memory. A declared or actual body over the limit is answered 413 at once; a body
not complete within ``sparkweb.http.bodyReadSeconds`` is answered 408; both close the
connection. A client that goes away mid-body is one DEBUG line, not an error.
"""
from __future__ import absolute_import

import jarray

from java.io import BufferedReader, ByteArrayInputStream, ByteArrayOutputStream, \
    InputStreamReader
from java.lang import IllegalStateException, Throwable
from java.util.concurrent.atomic import AtomicBoolean
from javax.servlet import (AsyncEvent, AsyncListener, DispatcherType, Filter, ReadListener,
                           ServletInputStream)
from javax.servlet.http import HttpServletRequestWrapper

from sparkweb import config
from sparkweb.errors import PayloadTooLarge, RequestTimeout
from sparkweb.http.response import send_error
from sparkweb.log import logger

LOG = logger("http.body")
BODY_ATTRIBUTE = "sparkweb.body"      # the body read, as a Java byte[], for the ASYNC dispatch
CHUNK_BYTES = 8192


def has_body(request):
    """True when the request announces a body (HTTP/1.1: a length, or chunked framing)."""
    return request.getContentLengthLong() > 0 or request.getHeader("Transfer-Encoding") is not None


def too_large(limit):
    return PayloadTooLarge("The body is larger than %d bytes." % limit)


class BodyReadFilter(Filter):
    """Mapped to the REST servlet's path for REQUEST and ASYNC dispatches."""

    def __init__(self, settings):
        self._settings = settings

    def init(self, filter_config):
        pass

    def destroy(self):
        pass

    def doFilter(self, request, response, chain):
        if request.getDispatcherType() == DispatcherType.ASYNC:
            body = request.getAttribute(BODY_ATTRIBUTE)
            chain.doFilter(request if body is None else BufferedBodyRequest(request, body),
                           response)
            return
        if not has_body(request):
            chain.doFilter(request, response)
            return
        limit = self._settings.get(config.MAX_BODY_BYTES)
        if request.getContentLengthLong() > limit:
            send_error(response, too_large(limit), close=True)
            return
        deadline = self._settings.get(config.BODY_READ_SECONDS)
        async_context = request.startAsync()
        async_context.setTimeout(deadline * 1000)
        reader = BodyReader(async_context, request.getInputStream(), limit, deadline)
        async_context.addListener(reader)
        reader.input.setReadListener(reader)


class BodyReader(ReadListener, AsyncListener):
    """One body being read. Exactly one outcome wins (``_settled``): the dispatch with the
    whole body, a 413, a 408, or nothing for a client that has gone."""

    def __init__(self, async_context, input_stream, limit, deadline_seconds):
        self._async = async_context
        self.input = input_stream
        self._limit = limit
        self._deadline = deadline_seconds
        self._body = ByteArrayOutputStream()
        self._chunk = jarray.zeros(CHUNK_BYTES, "b")
        self._settled = AtomicBoolean(False)

    # ReadListener: the container calls these one at a time, never concurrently.
    def onDataAvailable(self):
        while self.input.isReady() and not self._settled.get():
            count = self.input.read(self._chunk)
            if count < 0:
                return                          # the end: onAllDataRead follows
            self._body.write(self._chunk, 0, count)
            if self._body.size() > self._limit and self._settled.compareAndSet(False, True):
                self._answer(too_large(self._limit))
                return

    def onAllDataRead(self):
        if self._settled.compareAndSet(False, True):
            request = self._async.getRequest()
            request.setAttribute(BODY_ATTRIBUTE, self._body.toByteArray())
            self._body = None
            self._async.dispatch()

    def onError(self, failure):
        """ReadListener's onError(Throwable) and AsyncListener's onError(AsyncEvent) (one name
        in Python): the connection failed, almost always because the client went away."""
        error = failure.getThrowable() if isinstance(failure, AsyncEvent) else failure
        if self._settled.compareAndSet(False, True):
            LOG.debug("Request body not read: %s (%s)" % (self._describe(), _reason(error)))
            self._finish()

    # AsyncListener: the deadline. It may run while onDataAvailable does; _settled decides.
    def onTimeout(self, event):
        if self._settled.compareAndSet(False, True):
            LOG.debug("Request body not read: %s (not complete within %d s; answered 408)"
                      % (self._describe(), self._deadline))
            self._answer(RequestTimeout("The body did not arrive within %d seconds."
                                        % self._deadline))

    def onComplete(self, event):
        pass

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


def _reason(error):
    """A one-line reason: the exception's class and message, no stack trace."""
    return "%s: %s" % (error.getClass().getSimpleName(), error.getMessage()) \
        if isinstance(error, Throwable) else repr(error)


class BufferedBodyRequest(HttpServletRequestWrapper):
    """The request as Jersey sees it after the body was read: the body comes from memory."""

    def __init__(self, request, body):
        HttpServletRequestWrapper.__init__(self, request)
        self._body = body

    def getInputStream(self):
        return BufferedInputStream(self._body)

    def getReader(self):
        charset = self.getCharacterEncoding() or "UTF-8"
        return BufferedReader(InputStreamReader(self.getInputStream(), charset))

    def getContentLength(self):
        return len(self._body)

    def getContentLengthLong(self):
        return len(self._body)


class BufferedInputStream(ServletInputStream):
    def __init__(self, body):
        ServletInputStream.__init__(self)
        self._bytes = ByteArrayInputStream(body)

    def read(self, *args):
        return self._bytes.read(*args)

    def available(self):
        return self._bytes.available()

    def isFinished(self):
        return self._bytes.available() == 0

    def isReady(self):
        return True

    def setReadListener(self, listener):
        raise IllegalStateException("The body has been read already.")
