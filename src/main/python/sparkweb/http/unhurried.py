"""Writes a whole answer without holding a server thread while the client reads it.

Openfire's HTTP-bind web server has one pool of 200 threads for REST, the pages, BOSH and
websockets. A blocking write of an answer larger than the socket's buffers holds its thread
until the client has read it. A few hundred connections that ask for a large public file
(Swagger UI's 1.5 MB script) and never read froze the whole server (attack S9-A-1), as slow
request bodies once did (``http.body_reader``).

:func:`send_bytes` writes with non-blocking servlet I/O (``WriteListener``): Jetty calls back
when the socket takes more, on whatever thread is free then. A client that stops reading
costs a connection and no thread, until the connector's idle timeout fails the pending write
and the answer ends.
"""
from __future__ import absolute_import

from java.lang import IllegalStateException, Throwable
from java.util.concurrent.atomic import AtomicBoolean
from javax.servlet import AsyncListener, WriteListener

from sparkweb.log import logger

LOG = logger("http.write")
CHUNK_BYTES = 64 * 1024


def send_bytes(request, response, data):
    """Sends ``data`` (a Java byte[]) as the body of ``response``, whose status and headers
    are set already; returns at once. A HEAD request gets the headers only, at once (its
    response's output ignores a WriteListener, so the answer would never end: S9-V-1)."""
    response.setContentLength(len(data))
    if request.getMethod() == "HEAD":
        return
    async_context = request.startAsync()
    # No deadline of its own: a stalled write ends at the connector's idle timeout (onError),
    # and every other way ends in complete(). A timer per answer would also hold the writer,
    # and with it an unloaded plugin's classes, until it fired (the full 5.1.1 run at a
    # 10-minute deadline kept one more plugin class loader after reloads, twice).
    async_context.setTimeout(0)
    writer = _Writer(async_context, response.getOutputStream(), data)
    async_context.addListener(writer)
    writer.output.setWriteListener(writer)


class _Writer(WriteListener, AsyncListener):
    """One answer being written. The container calls onWritePossible one at a time."""

    def __init__(self, async_context, output, data):
        self._async = async_context
        self.output = output
        self._data = data
        self._offset = 0
        self._ended = AtomicBoolean(False)

    def onWritePossible(self):
        while self.output.isReady():
            if self._offset >= len(self._data):
                self._end()
                return
            count = min(CHUNK_BYTES, len(self._data) - self._offset)
            self.output.write(self._data, self._offset, count)
            self._offset += count

    def onError(self, failure):
        """WriteListener's onError(Throwable) and AsyncListener's onError(AsyncEvent): the
        client went away, or stopped reading for longer than the idle timeout."""
        error = failure if isinstance(failure, Throwable) else failure.getThrowable()
        LOG.debug("An answer was not sent whole: %s" % error)
        self._end()

    def onTimeout(self, event):
        self._end()

    def onComplete(self, event):
        self._data = None

    def onStartAsync(self, event):
        pass

    def _end(self):
        if not self._ended.compareAndSet(False, True):
            return
        try:
            self._async.complete()
        except IllegalStateException:   # completed by the container already (connection gone)
            pass
