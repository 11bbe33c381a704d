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
"""
from __future__ import absolute_import

from java.lang import IllegalStateException, String
from java.nio import ByteBuffer
from java.nio.charset import StandardCharsets

from sparkweb.errors import CODES_BY_STATUS
from sparkweb.http.jetty import ErrorHandler
from sparkweb.jsontext import to_json

JSON_TYPE = "application/json;charset=utf-8"

GENERIC = {400: "Bad request.", 404: "Not found.", 405: "Method not allowed.",
           413: "The body is too large.", 415: "Unsupported media type.",
           503: "Service unavailable."}


def error_json(status):
    """The body for ``status``. Jetty's own message is not passed on: it may quote the request
    or, for a 500, an exception."""
    return to_json({"error": CODES_BY_STATUS.get(status, "error"),
                    "message": GENERIC.get(status, "Internal error." if status >= 500 else
                                           "The request was refused.")})


def _utf8(text):
    return String(text).getBytes(StandardCharsets.UTF_8)


def write_error(response, error, close=False):
    """Answers a servlet response with ``error`` (an ApiError) outside Jersey; ``close`` asks
    the server to close the connection after it (a body left unread)."""
    response.setStatus(error.status)
    for name, value in error.headers.items():
        response.setHeader(name, value)
    if close:
        response.setHeader("Connection", "close")
    response.setContentType(JSON_TYPE)
    response.getOutputStream().write(_utf8(to_json(error.body())))


class JsonErrorHandler(ErrorHandler):
    def errorPageForMethod(self, method):
        return True     # Jetty's default gives PUT and DELETE an empty body

    def generateAcceptableResponse(self, *args):
        # Both overloads (with and without a MIME type) come here: (base, request, response,
        # status, message[, mime]).
        response, status = args[2], args[3]
        response.setContentType("application/json")
        response.setCharacterEncoding("UTF-8")
        body = error_json(status)
        try:
            response.getWriter().write(body)
        except IllegalStateException:   # the stream, not the writer, was taken already
            response.getOutputStream().write(_utf8(body))

    def badMessageError(self, status, reason, fields):
        fields.put("Content-Type", "application/json")
        return ByteBuffer.wrap(_utf8(error_json(status)))


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
            response.write(True, ByteBuffer.wrap(_utf8(error_json(code))), callback)
    return JsonCoreErrorHandler()
