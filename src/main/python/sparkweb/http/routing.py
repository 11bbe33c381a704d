"""Routes, their declarations, and the pipeline every request goes through.

How to declare a route
======================
An API area (``sparkweb/api/<area>.py``) ends with its route table. Every route states, next to
its handler, what it is: the OpenAPI description (``GET /sparkweb/api/openapi.json``) and the
schemathesis run are made from these declarations, and ``tests/unit/jtest_route_declarations.py``
fails for a route that leaves any of them out::

    from sparkweb.api.schemas import ref
    from sparkweb.http.routing import USER, Body, Param, Route

    ROUTES = [
        Route("POST", "/chat/message/{to}", post_message,
              summary="Post chat message", tag="chat", access=USER,
              params={"to": "The recipient: a username of this server or a JID."},
              body=Body("The message.", json=ref("ChatMessage"), text="The message text."),
              answers={200: ref("SentMessage"),
                       400: "The recipient is not a JID, or the message is empty."}),
    ]

- ``summary``: one line, as the spec's list of endpoints words it. ``description`` (optional):
  more, for people reading the docs page.
- ``tag``: the spec tag of the area, one of :data:`TAGS`.
- ``access``: :data:`PUBLIC` (anyone; the sign-in ceremonies only), :data:`USER` (a valid token;
  the handler acts on ``request.user``) or :data:`ADMIN` (a valid token of an Openfire
  administrator; others get 403). The pipeline enforces it; docs/authorization.md explains it.
- ``params``: every ``{name}`` of the path, and every query parameter the handler reads, as
  ``name -> description`` or ``name -> Param(description, schema=..., required=...)``. A name
  in the path template is a path parameter, any other a query parameter.
- ``body``: for ``POST``/``PUT``/``PATCH`` either :data:`NO_BODY` or ``Body(description,
  json=<schema>, text=<description of the raw-text form>, required=True)``: ``json`` for
  ``application/json``, ``text`` where the route also takes raw text (``text/plain``), like
  the login's raw password. Other methods take no body unless they declare one.
- ``answers``: status -> what comes back. A success (2xx) maps to the JSON Schema of its body;
  an error status maps to a sentence saying when it happens (its body is always the shared
  error shape ``{"error", "message"}``, :data:`sparkweb.api.schemas.ERROR`). List what the
  handler itself answers; the pipeline's own answers are added for every route by
  :func:`pipeline_answers` (401 without a valid token, 403 for admin routes, 400/408/413/415/503
  for bodies), so don't repeat them.

Schemas are plain JSON Schema dicts (OpenAPI 3.1 uses JSON Schema 2020-12). The spec's models and
the shared shapes live once in ``sparkweb/api/schemas.py``: refer to them with ``ref("Name")``;
a model only your area uses may stay in your module as ``MODELS = {"Name": {...}}``, which the
OpenAPI builder collects from every area. Put an ``"examples": [...]`` in a schema to show one on
the docs page.

The pipeline
============
An area's ``ROUTES`` are mounted by ``app``. For each request the pipeline: normalises a
``{username}`` path parameter (the account a sign-in is for) into the one spelling Openfire gives
it (auth.usernames), authenticates (unless the route is public) and checks administrator rights
(admin routes), calls the handler with a :class:`~sparkweb.http.request.Request`, and turns its
return value into a JSON response.
Raised :class:`~sparkweb.errors.ApiError` become their JSON error; anything else is logged and
answered 500 without details.
"""
from __future__ import absolute_import

import re
import traceback

from java.lang import Throwable

from sparkweb import config
from sparkweb.auth.credentials import token_from_header
from sparkweb.auth.usernames import normalize
from sparkweb.cluster import operations
from sparkweb.cluster.forwarding import refuse_second_hop
from sparkweb.cluster.messages import FORWARDED_HEADERS, Answer
from sparkweb.errors import ApiError, Forbidden, NotFound
from sparkweb.http.request import ForwardedRequest, Request
from sparkweb.http.response import Reply, answer_response
from sparkweb.jsontext import to_json
from sparkweb.log import logger

LOG = logger("http")

# Set on every request the pipeline answered, so the error filter leaves those responses alone.
HANDLED_PROPERTY = "sparkweb.handled"
# The path parameter that names an account, normalised once here and nowhere else.
ACCOUNT_PARAMETER = "username"


PUBLIC = "public"
USER = "user"
ADMIN = "admin"
ACCESS = (PUBLIC, USER, ADMIN)

# The spec's tags (sparkweb-api.txt), in its order: name -> what the area provides.
TAGS = [
    ("chat", "Chat services for the signed-in user."),
    ("group_chat", "Group chat: rooms, their occupants and messages."),
    ("presence", "Presence of the signed-in user and of their contacts."),
    ("collaboration", "File upload slots and link previews."),
    ("user_management", "The signed-in user, their account and groups."),
    ("contact_management", "The signed-in user's roster (contact list)."),
    ("web_authentication", "Password sign-in and passkeys (Web Authentication)."),
    ("web_push", "Web Push subscriptions and sending."),
    ("global_and_user_properties", "Global and user properties."),
    ("bookmarks", "Openfire bookmarks."),
]
TAG_NAMES = [name for name, _ in TAGS]

BODY_METHODS = ("POST", "PUT", "PATCH")
_TEMPLATE_NAME = re.compile(r"\{(\w+)\}")


class Param(object):
    """A path or query parameter: ``schema`` defaults to a string; path parameters are always
    required."""

    def __init__(self, description, schema=None, required=False, example=None):
        self.description = description
        self.schema = schema if schema is not None else {"type": "string"}
        self.required = required
        self.example = example


class Body(object):
    """A request body: ``json`` is the JSON Schema of an ``application/json`` body, ``text``
    (a description) says the route also takes raw ``text/plain``."""

    def __init__(self, description, json=None, text=None, required=True):
        self.description = description
        self.json = json
        self.text = text
        self.required = required


NO_BODY = Body("No body.")


class Route(object):
    """One operation: method, path template (below ``/sparkweb/api/rest``), handler, and its
    declaration (see the module docstring)."""

    def __init__(self, method, path, handler, summary=None, tag=None, access=None, params=None,
                 body=None, answers=None, description=None, forwarded=True):
        self.method = method
        self.path = path
        self.handler = handler
        self.summary = summary
        self.tag = tag
        self.access = access
        self.params = dict([(name, value if isinstance(value, Param) else Param(value))
                            for name, value in (params or {}).items()])
        self.body = body
        self.answers = answers or {}
        self.description = description
        # Run on the user's home node when the session lives on another cluster node
        # (cluster.forwarding); False for the few routes that act on the token itself.
        self.forwarded = forwarded and access != PUBLIC

    @property
    def public(self):
        return self.access == PUBLIC

    @property
    def path_names(self):
        return _TEMPLATE_NAME.findall(self.path)

    def takes_body(self):
        return self.body is not None and self.body is not NO_BODY

    def __repr__(self):
        return "%s %s" % (self.method, self.path)


def declaration_problems(route):
    """What ``route`` leaves out of its declaration (see the module docstring); [] when none."""
    problems = []
    if not route.summary:
        problems.append("no summary")
    if route.tag not in TAG_NAMES:
        problems.append("tag %r is not one of the spec's tags" % (route.tag,))
    if route.access not in ACCESS:
        problems.append("access %r is not public, user or admin" % (route.access,))
    undescribed = [name for name in route.path_names if name not in route.params]
    if undescribed:
        problems.append("path parameters without a description: %s" % ", ".join(undescribed))
    problems.extend(["parameter %s has no description" % name
                     for name, param in route.params.items() if not param.description])
    if route.method in BODY_METHODS and route.body is None:
        problems.append("no body declared (Body(...) or NO_BODY)")
    if route.takes_body() and route.body.json is None and not route.body.text:
        problems.append("a body with neither a JSON schema nor a text form")
    successes = [status for status in route.answers if 200 <= status < 300]
    if not successes:
        problems.append("no success answer")
    for status, answer in sorted(route.answers.items()):
        if 200 <= status < 300 and not isinstance(answer, dict):
            problems.append("answer %d is not a JSON Schema" % status)
        elif status >= 400 and not (isinstance(answer, basestring) and answer.strip()):
            problems.append("error answer %d does not say when it happens" % status)
    return problems


def pipeline_answers(route):
    """The error answers the pipeline itself may give on ``route``, status -> when."""
    answers = {}
    if route.access != PUBLIC:
        answers[401] = "No token, or one that is not (or no longer) valid."
    if route.access == ADMIN:
        answers[403] = "The caller is not an Openfire administrator."
    if route.takes_body():
        answers[400] = "The body is not UTF-8, or not JSON this server accepts."
        answers[408] = "The body took longer than sparkweb.http.bodyReadSeconds to arrive."
        answers[413] = "The body is larger than the limit."
        answers[415] = "The body's content type is not one the route takes."
        answers[503] = "Too many request bodies are being received; retry later."
    return answers


def pipeline(route, app):
    """The function Jersey calls for ``route``: ContainerRequestContext in, Response out. The
    token is verified here; when the user's session lives on another cluster node, the
    operation runs there (cluster.forwarding) and its answer is given as it came."""
    def handle(context):
        context.setProperty(HANDLED_PROPERTY, True)
        request = None
        try:
            request = Request(context, app, app.settings.get(config.MAX_BODY_BYTES))
            _normalise_account_name(request, app)
            if not route.public:
                request.claims = app.authenticator.authenticate(
                    token_from_header(request.header("Authorization")))
                home = app.forwarding.home_elsewhere(request.user) if route.forwarded else None
                if home is not None:
                    return answer_response(app.forwarding.forward(home, _call(route, request,
                                                                               app)))
        except ApiError as error:
            return answer_response(_anonymous(_error_answer(error, app), request))
        except (Exception, Throwable):   # Java exceptions are not Python Exceptions
            LOG.error("Unexpected failure in %r:\n%s" % (route, traceback.format_exc()))
            return answer_response(_anonymous(_error_answer(ApiError("Internal error."), app),
                                              request))
        return answer_response(_anonymous(serve(route, request, app), request))
    return handle


def _anonymous(answer, request):
    """``answer`` without the node's name unless the caller is known (attack S6-A5): a valid
    token, or a sign-in that just succeeded (signed_in sets the claims). An outsider can
    neither count the nodes nor see which one a load balancer chose."""
    if request is None or getattr(request, "claims", None) is None:
        answer.node = None
    return answer


def serve(route, request, app):
    """Runs ``route`` for ``request``, whose user (if any) is known: verified here, or on the
    node that forwarded it. The Answer, errors included."""
    try:
        if not route.public:
            app.sessions.touch(request.user)
        if route.access == ADMIN and not app.openfire.is_admin(request.user):
            raise Forbidden("This needs Openfire administrator rights.")
        return _answer(route.handler(request), app)
    except ApiError as error:
        return _error_answer(error, app)
    except (Exception, Throwable):   # Java exceptions are not Python Exceptions
        LOG.error("Unexpected failure in %r:\n%s" % (route, traceback.format_exc()))
        return _error_answer(ApiError("Internal error."), app)


def call_server(routes, app):
    """``serve(call) -> Answer`` for calls forwarded from other nodes: the call names a route
    by method and template; only routes that are forwarded at all are run."""
    by_key = dict([((route.method, route.path), route) for route in routes if route.forwarded])

    def serve_call(call):
        route = by_key.get((call.method, call.path))
        if route is None and call.path not in operations.OPERATIONS:
            return _error_answer(NotFound("No such operation."), app)
        try:
            refuse_second_hop(app.forwarding, call)
            if route is None:
                operations.run(app, call)
                return _answer(None, app)
        except ApiError as error:
            return _error_answer(error, app)
        except (Exception, Throwable):   # Java exceptions are not Python Exceptions
            LOG.error("Unexpected failure in %s:\n%s" % (call.path, traceback.format_exc()))
            return _error_answer(ApiError("Internal error."), app)
        return serve(route, ForwardedRequest(call, app), app)
    return serve_call


def _call(route, request, app):
    """What travels to the home node: the username and the operation, never the token."""
    headers = dict([(name, request.header(name)) for name in FORWARDED_HEADERS])
    body = request.text() if route.takes_body() else None
    return app.forwarding.new_call(request.user, route.method, route.path, request.params,
                                   request.query_lists(), headers, request.client_address, body)


def _normalise_account_name(request, app):
    """``ALICE``, `` alice`` and ``alice@<our domain>`` are the account ``alice``: one name
    for the lock-out check, the login limits, the token subject, passkeys and the session."""
    if ACCOUNT_PARAMETER in request.params:
        request.params[ACCOUNT_PARAMETER] = normalize(request.params[ACCOUNT_PARAMETER],
                                                      app.openfire.xmpp_domain())


def _answer(result, app):
    if isinstance(result, Reply):
        return Answer(result.status, to_json(result.body), _header_texts(result.headers),
                      app.openfire.cluster_node())
    return Answer(200, to_json({} if result is None else result), None,
                  app.openfire.cluster_node())


def _error_answer(error, app):
    return Answer(error.status, error.json(), _header_texts(error.headers),
                  app.openfire.cluster_node())


def _header_texts(headers):
    return dict([(name, unicode(value)) for name, value in (headers or {}).items()])
