"""Errors an API handler raises, and the one JSON shape every error answer has:

    {"error": "<short code>", "message": "<text for people>"}

Handlers never pick status codes with try/except; they raise one of these. Answers the web
server or Jersey make by themselves (no such route, a body Jetty refuses) become an ApiError
through :func:`for_status`. :meth:`ApiError.body` is the only place the shape is built;
``http.response`` writes it (JAX-RS or servlet).
"""
from __future__ import absolute_import

from sparkweb.jsontext import to_json


# The shape above as a JSON Schema, for the API's description (api.schemas, http.openapi).
SCHEMA = {"type": "object", "required": ["error", "message"],
          "properties": {"error": {"type": "string", "description": "A short code, e.g. "
                                                                    "bad_request."},
                         "message": {"type": "string", "description": "What went wrong."}},
          "examples": [{"error": "unauthorized", "message": "A valid token is required."}]}


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message, headers=None):
        Exception.__init__(self, message)
        self.message = message
        self.headers = headers or {}

    def body(self):
        return {"error": self.code, "message": self.message}

    def json(self):
        return to_json(self.body())


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, message="A valid token is required."):
        ApiError.__init__(self, message, {"WWW-Authenticate": 'Bearer realm="sparkweb"'})


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"


class RequestTimeout(ApiError):
    status = 408
    code = "request_timeout"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(ApiError):
    status = 429
    code = "too_many_requests"


class PluginMissing(ApiError):
    """The operation needs one of Openfire's optional plugins, which is not installed;
    ``service``, where given, names what the plugin provides (the answer names both)."""
    status = 501
    code = "not_implemented"     # as the README documents every 501

    def __init__(self, plugin, service=None):
        ApiError.__init__(self, "This server has no %s: an administrator can install Openfire's "
                                "%s plugin." % (service, plugin) if service else
                          "This needs Openfire's %s plugin, which is not installed on this "
                          "server." % plugin)
        self.plugin = plugin


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"


class HomeElsewhere(ServiceUnavailable):
    """The user's session lives on another node of the Openfire cluster (cluster.forwarding
    runs the request there)."""

    def __init__(self):
        ServiceUnavailable.__init__(
            self, "Your session is served by another node of this Openfire cluster; try again.",
            {"Retry-After": "1"})


# Status codes that Jersey answers by itself (no route matched, wrong method, ...) mapped to the
# error code used in our JSON body, so that those answers share the shape of ours.
CODES_BY_STATUS = dict((cls.status, cls.code) for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, RequestTimeout, Conflict,
    PayloadTooLarge, UnsupportedMediaType, TooManyRequests, PluginMissing, ServiceUnavailable,
    ApiError))
CODES_BY_STATUS[406] = "not_acceptable"

GENERIC_MESSAGES = {400: "Bad request.", 404: "Not found.", 405: "Method not allowed.",
                    413: "The body is too large.", 415: "Unsupported media type.",
                    503: "Service unavailable."}


def for_status(status, message=None):
    """The ApiError for an answer whose status someone else chose; ``message`` defaults to a
    generic text (the web server's own may quote the request or, for a 500, an exception)."""
    if message is None:
        message = GENERIC_MESSAGES.get(status, "Internal error." if status >= 500 else
                                       "The request was refused.")
    error = ApiError(message)
    error.status = status
    error.code = CODES_BY_STATUS.get(status, "error")
    return error
