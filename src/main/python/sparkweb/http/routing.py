"""Routes and the pipeline every request goes through.

An API area declares ``ROUTES = [Route("GET", "/user", get_user), ...]``; ``app`` mounts them.
For each request the pipeline: normalises a ``{username}`` path parameter (the account a
sign-in is for) into the one spelling Openfire gives it (auth.usernames), authenticates (unless
the route is public), calls the handler with a :class:`~sparkweb.http.request.Request`, and
turns its return value into a JSON response.
Raised :class:`~sparkweb.errors.ApiError` become their JSON error; anything else is logged and
answered 500 without details.
"""
from __future__ import absolute_import

import traceback

from java.lang import Throwable

from sparkweb import config
from sparkweb.auth.credentials import token_from_header
from sparkweb.auth.usernames import normalize
from sparkweb.errors import ApiError
from sparkweb.http.request import Request
from sparkweb.http.response import Reply, error_response, json_response
from sparkweb.log import logger

LOG = logger("http")

# Set on every request the pipeline answered, so the error filter leaves those responses alone.
HANDLED_PROPERTY = "sparkweb.handled"
# The path parameter that names an account, normalised once here and nowhere else.
ACCOUNT_PARAMETER = "username"


class Route(object):
    def __init__(self, method, path, handler, public=False):
        self.method = method
        self.path = path
        self.handler = handler
        self.public = public

    def __repr__(self):
        return "%s %s" % (self.method, self.path)


def pipeline(route, app):
    """The function Jersey calls for ``route``: ContainerRequestContext in, Response out."""
    def handle(context):
        context.setProperty(HANDLED_PROPERTY, True)
        try:
            request = Request(context, app, app.settings.get(config.MAX_BODY_BYTES))
            _normalise_account_name(request, app)
            if not route.public:
                request.claims = app.authenticator.authenticate(
                    token_from_header(request.header("Authorization")))
                app.sessions.touch(request.claims.username)
            return _respond(route.handler(request))
        except ApiError as error:
            return error_response(error)
        except (Exception, Throwable):   # Java exceptions are not Python Exceptions
            LOG.error("Unexpected failure in %r:\n%s" % (route, traceback.format_exc()))
            return error_response(ApiError("Internal error."))
    return handle


def _normalise_account_name(request, app):
    """``ALICE``, `` alice`` and ``alice@<our domain>`` are the account ``alice``: one name
    for the lock-out check, the login limits, the token subject, passkeys and the session."""
    if ACCOUNT_PARAMETER in request.params:
        request.params[ACCOUNT_PARAMETER] = normalize(request.params[ACCOUNT_PARAMETER],
                                                      app.openfire.xmpp_domain())


def _respond(result):
    if isinstance(result, Reply):
        return json_response(result.status, result.body, result.headers)
    return json_response(200, {} if result is None else result)
