"""Errors the servlet container answers by itself inside ``/sparkweb``, in our JSON shape
instead of Jetty's HTML page: through the servlet layer's error handler (a Content-Type Jersey
cannot parse, a query that is not UTF-8, a static file not found, the gate's 503 while
unloading) and, on Jetty 12, the core context's (``/WEB-INF/*`` and ``/META-INF/*``, refused
before any servlet runs).

Refusals while the request line is parsed, before any context is chosen (``%2F``, ``%00``,
``..`` encoded in the path, a URI or headers over the connector's limits), belong to the web
server, Openfire's in production: Jetty has replaced the path with ``/badURI`` or
``/badMessage`` by then, so nothing can tell they were meant for ``/sparkweb``. They stay 400
in the server's own format.

Jetty's own message is never passed on: it may quote the request or, for a 500, an exception.
"""
from __future__ import absolute_import

from java.nio import ByteBuffer

from sparkweb.errors import for_status
from sparkweb.http.jetty import ErrorHandler
from sparkweb.http.response import JSON_TYPE, error_bytes, send_error


class JsonErrorHandler(ErrorHandler):
    def errorPageForMethod(self, method):
        return True     # Jetty's default gives PUT and DELETE an empty body

    def generateAcceptableResponse(self, *args):
        # Both overloads (with and without a MIME type) come here: (base, request, response,
        # status, message[, mime]).
        send_error(args[2], for_status(args[3]))

    def badMessageError(self, status, reason, fields):
        fields.put("Content-Type", JSON_TYPE)
        return ByteBuffer.wrap(error_bytes(for_status(status)))


def core_error_handler():
    """A JSON error handler for Jetty 12's core context (the layer under the ee8 context)."""
    from org.eclipse.jetty.server.handler import ErrorHandler as CoreErrorHandler

    class JsonCoreErrorHandler(CoreErrorHandler):
        """The error handler of the Jetty 12 core context under ours: protected targets
        (``/WEB-INF``, ``/META-INF``) are refused there, before the servlet layer."""

        def errorPageForMethod(self, method):
            return True

        def generateResponse(self, request, response, code, message, cause, callback):
            response.getHeaders().put("Content-Type", JSON_TYPE)
            response.write(True, ByteBuffer.wrap(error_bytes(for_status(code))), callback)
    return JsonCoreErrorHandler()
