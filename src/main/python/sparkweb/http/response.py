"""Writing answers: JSON always, with optional extra headers. Errors are written here only, as
JAX-RS responses (the REST pipeline) or on servlet responses (the event stream, the
container's error pages), always from :meth:`sparkweb.errors.ApiError.body`."""
from __future__ import absolute_import

from java.lang import IllegalStateException, String
from java.nio.charset import StandardCharsets
from javax.ws.rs.core import Response

from sparkweb.errors import MethodNotAllowed
from sparkweb.jsontext import to_json

JSON_TYPE = "application/json; charset=UTF-8"
# The cluster node that made an answer (cluster.forwarding): every REST answer and event
# stream names it, so an administrator can see where a user's requests are served.
NODE_HEADER = "SparkWeb-Node"


def json_response(status, value, headers=None):
    builder = Response.status(status).entity(to_json(value)).type(JSON_TYPE)
    for name, header in (headers or {}).items():
        builder = builder.header(name, header)
    return builder.build()


def answer_response(answer):
    """The JAX-RS response for a :class:`~sparkweb.cluster.messages.Answer` (JSON text made
    here or on the user's home node)."""
    builder = Response.status(answer.status).entity(answer.body).type(JSON_TYPE)
    for name, header in answer.headers.items():
        builder = builder.header(name, header)
    if answer.node is not None:
        builder = builder.header(NODE_HEADER, answer.node)
    return builder.build()


def error_response(error):
    """The JAX-RS response for an :class:`~sparkweb.errors.ApiError`."""
    return json_response(error.status, error.body(), error.headers)


def error_bytes(error):
    """The JSON of an :class:`~sparkweb.errors.ApiError` as UTF-8 bytes (a Java byte[])."""
    return String(error.json()).getBytes(StandardCharsets.UTF_8)


def send_error(response, error, close=False):
    """Writes an :class:`~sparkweb.errors.ApiError` on a servlet response, outside Jersey:
    through its output stream or, where the writer was taken already, through that. ``close``
    asks the server to close the connection after it (a body left unread)."""
    response.setStatus(error.status)
    for name, value in error.headers.items():
        response.setHeader(name, value)
    if close:
        response.setHeader("Connection", "close")
    response.setContentType(JSON_TYPE)
    try:
        response.getOutputStream().write(error_bytes(error))
    except IllegalStateException:
        response.getWriter().write(error.json())


class Reply(object):
    """What a handler returns when 200 with a JSON body is not what it means."""

    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = {} if body is None else body
        self.headers = headers or {}


def refuse_method(allow):
    """A servlet method (``doTrace = refuse_method("GET, HEAD, OPTIONS")``) answering 405 JSON
    with ``Allow``. Assigned in each servlet's class body: Jython's proxy overrides only the
    methods of the class body it is made from. HttpServlet's own TRACE answers 200 with the
    request echoed, Authorization and cookies included (attack S10-A-1)."""
    def refuse(servlet, request, response):
        send_error(response, MethodNotAllowed("Allowed here: %s." % allow, {"Allow": allow}))
    return refuse


def answer_options(allow):
    """A servlet's doOptions: 204 with ``Allow`` (HttpServlet's own lists TRACE always, and
    every method Jython's proxy passes through)."""
    def options(servlet, request, response):
        response.setHeader("Allow", allow)
        response.setStatus(204)
    return options
