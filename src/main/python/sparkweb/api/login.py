"""Web Credentials: password login and logout (compatible with the earlier plugin's pages).

``POST /login/{username}`` takes the raw password as the body, or JSON ``{"password": ...}``,
and answers ``{"token": ...}``, starting the user's XMPP session. Public. Any web page can make
a visitor's browser send a raw-password login (a text/plain POST needs no CORS preflight), and
so spend that user's failed-login allowance; ``sparkweb.login.requireJson`` closes that door
at the price of raw-password pages (see README). ``POST /logout``
revokes the token it is called with and ends the session. ``POST /renew`` trades a valid token
for a fresh one (same answer as login) so that a page never needs the password again.
"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.cluster import operations
from sparkweb.errors import BadRequest, HomeElsewhere, ServiceUnavailable, \
    UnsupportedMediaType
from sparkweb.api.schemas import ref
from sparkweb.http.routing import NO_BODY, PUBLIC, USER, Body, Route
from sparkweb.log import logger

LOG = logger("auth")


def password_from_body(request):
    """The password of a login-style body: JSON ``{"password": ...}`` (with a JSON content
    type: the only form accepted when ``sparkweb.login.requireJson`` is set), or else the raw
    text. Raw text is taken as JSON only when it is exactly such an object (``fetch`` sends a
    string body as text/plain), so a password that merely starts with ``{`` still works."""
    if request.is_json():
        return _password_member(request)
    text = request.text()   # read even when refused: Jetty drops a connection left unread
    if request.app.settings.get(config.LOGIN_REQUIRE_JSON):
        raise UnsupportedMediaType(
            'Send the password as JSON {"password": "..."} with Content-Type: application/json.')
    if text.lstrip().startswith(u"{"):
        try:
            return _password_member(request)
        except BadRequest:
            pass
    return text


def _password_member(request):
    expected = 'the raw password, or JSON {"password": "..."}'
    password = request.json_object(expected).get("password")
    if not isinstance(password, basestring):
        raise BadRequest("Expected %s." % expected)
    return password


def login(request):
    token, claims = request.app.authenticator.login(
        request.params["username"], password_from_body(request), request.client_address)
    return signed_in(request, token, claims)


def signed_in(request, token, claims):
    """The answer of every sign-in (password or passkey); the user's XMPP session starts,
    unless it lives on another cluster node already (where the token's requests go)."""
    request.claims = claims   # the caller is known now: the answer names the node (S6-A5)
    try:
        request.app.sessions.get_or_start(claims.username)
    except HomeElsewhere:
        pass
    return {"token": token, "username": claims.username, "expires": claims.expires_at}


def renew(request):
    """A fresh token for the signed-in user, without their password: pages call this before
    the current token expires. The current token keeps its own expiry."""
    token, claims = request.app.authenticator.renew(request.claims)
    return {"token": token, "username": claims.username, "expires": claims.expires_at}


def logout(request):
    """Revokes the token (its streams close) and ends the user's XMPP session, so others see
    the user go offline and rooms are left, unless another device or browser of the user, with
    a token of its own, still has a stream open on the shared session. The revocation holds on
    every cluster node at once; when the session lives on another node, that node closes the
    token's streams there and decides about the session (review S6-R-10)."""
    app = request.app
    app.revocations.revoke(request.claims)
    operations.end_unless_streaming(app, request.user)
    try:
        app.forwarding.ask_home(request.user, operations.SIGNED_OUT)
    except ServiceUnavailable:   # the token is refused everywhere; see README, Clustering
        LOG.info("The home node of %s could not be told of a sign-out" % request.user)
    return {}


_PASSWORD = Body("The password: raw, or JSON {\"password\"} (the only form accepted with "
                 "sparkweb.login.requireJson).", json=ref("Password"),
                 text="The raw password, as pages for the earlier plugin send it.")

ROUTES = [
    Route("POST", "/login/{username}", login,
          summary="Sign in with a password", tag="web_authentication", access=PUBLIC,
          params={"username": "The account to sign in to (Openfire's spelling is taken: "
                              "'Alice' and 'alice@<domain>' are 'alice')."},
          body=_PASSWORD,
          answers={200: ref("Token"),
                   401: "Wrong password, unknown user or locked-out account (one answer).",
                   415: "A raw-password body while sparkweb.login.requireJson is set.",
                   429: "Too many failed logins for this username or address (Retry-After)."}),
    Route("POST", "/renew", renew,
          summary="Trade a valid token for a fresh one", tag="web_authentication", access=USER,
          body=NO_BODY, answers={200: ref("Token")}, forwarded=False),  # the token, not the session
    Route("POST", "/logout", logout,
          summary="Revoke this token; end the XMPP session unless another device streams",
          tag="web_authentication",
          access=USER, body=NO_BODY, answers={200: ref("Empty")},
          forwarded=False),   # revokes the token itself; see README, Clustering
]
