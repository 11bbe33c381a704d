"""From credentials to a signed-in user: login, the Authorization header, revocation, one name
per account, and tokens bound to the account they were issued for."""
from __future__ import absolute_import

import json

import jarray

from java.io import ByteArrayInputStream
from java.lang import String as JavaString
from java.nio.charset import StandardCharsets
from javax.ws.rs.core import MediaType

from sparkweb import config
from sparkweb.api import ROUTES
from sparkweb.auth.accounts import ACCOUNT_CHECK_MILLIS
from sparkweb.auth.credentials import token_from_header
from sparkweb.errors import Unauthorized
from sparkweb.http.body_reader import BODY_ATTRIBUTE
from sparkweb.http.client_address import ATTRIBUTE
from sparkweb.http.routing import pipeline
from support import Clock, openfire_with_users, services


def unauthorized(call, *args):
    try:
        call(*args)
    except Unauthorized as error:
        return error
    return None


class FakeContext(object):
    """The parts of Jersey's ContainerRequestContext (and its UriInfo) the pipeline reads. A
    body comes as on the servlet: in the request attribute the body filter fills
    (http.body_reader), with the entity stream already read to its end."""

    def __init__(self, params, body=u"", headers=None, address=u"10.9.9.9"):
        self._params = params
        self._data = JavaString(body).getBytes(StandardCharsets.UTF_8)
        self._headers = headers or {}
        self._properties = {ATTRIBUTE: address}
        if body:
            self._properties[BODY_ATTRIBUTE] = self._data

    def getUriInfo(self):
        return self

    def getPathParameters(self, decode):
        return dict((name, [value]) for name, value in self._params.items())

    def getQueryParameters(self, decode):
        return {}

    def getHeaderString(self, name):
        return self._headers.get(name)

    def getMediaType(self):
        kind = self._headers.get("Content-Type")
        return MediaType.valueOf(kind) if kind else None

    def getLength(self):
        return len(self._data)

    def getEntityStream(self):
        return ByteArrayInputStream(self._data if BODY_ATTRIBUTE not in self._properties
                                    else jarray.zeros(0, "b"))

    def setProperty(self, name, value):
        self._properties[name] = value

    def getProperty(self, name):
        return self._properties.get(name)


def handler(app, method, path):
    """What Jersey calls for that route: the full pipeline."""
    route = [route for route in ROUTES if route.method == method and route.path == path][0]
    return pipeline(route, app)


def answer(response):
    return response.getStatus(), json.loads(response.getEntity())


def test_header_takes_raw_token_or_bearer():
    assert token_from_header(u"abc.def.ghi") == u"abc.def.ghi", "raw token not taken"
    assert token_from_header(u"Bearer abc.def.ghi") == u"abc.def.ghi", "Bearer not stripped"
    assert token_from_header(u"bearer   abc") == u"abc", "case or spacing not tolerated"
    assert token_from_header(None) is None, "missing header gave a token"
    assert token_from_header(u"Bearer ") is None, "empty bearer gave a token"


def test_login_gives_a_token_that_authenticates():
    app = services()
    token, _ = app.authenticator.login(u"alice", u"alice-pw")
    assert app.authenticator.authenticate(token).username == u"alice", "token not accepted"


def test_wrong_password_and_unknown_user_fail_alike():
    app = services()
    wrong = unauthorized(app.authenticator.login, u"alice", u"nope")
    unknown = unauthorized(app.authenticator.login, u"mallory", u"nope")
    empty = unauthorized(app.authenticator.login, u"alice", u"")
    assert wrong and unknown and empty, "a bad login succeeded"
    assert wrong.message == unknown.message, "messages differ: %r / %r" % (wrong.message,
                                                                          unknown.message)


def test_logout_revokes_only_that_token_and_survives_a_restart():
    openfire, clock = openfire_with_users(), Clock()
    app = services(openfire, clock)
    first, claims = app.authenticator.login(u"alice", u"alice-pw")
    second, _ = app.authenticator.login(u"alice", u"alice-pw")
    app.revocations.revoke(claims)
    restarted = services(openfire, clock)   # same stored state, fresh services
    assert unauthorized(restarted.authenticator.authenticate, first), "revoked token accepted"
    assert restarted.authenticator.authenticate(second), "other token of the user was revoked"


def test_revocation_list_forgets_expired_tokens():
    openfire, clock = openfire_with_users(), Clock()
    app = services(openfire, clock)
    _, old = app.authenticator.login(u"alice", u"alice-pw")
    app.revocations.revoke(old)
    clock.advance(app.settings.get(config.TOKEN_LIFETIME) + 1)
    _, new = app.authenticator.login(u"alice", u"alice-pw")
    app.revocations.revoke(new)
    stored = openfire.get_user_properties(u"alice")[config.REVOKED_TOKENS_PROPERTY]
    assert old.token_id not in stored, "expired revocation kept: %r" % stored
    assert new.token_id in stored, "new revocation missing: %r" % stored


def test_locked_out_user_cannot_use_a_token_or_sign_in():
    openfire, clock = openfire_with_users(), Clock()
    app = services(openfire, clock)
    alice, _ = app.authenticator.login(u"alice", u"alice-pw")
    assert app.authenticator.authenticate(alice), "fresh token refused"
    openfire.lock_out(u"alice")
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)   # the account check is cached that long
    assert unauthorized(app.authenticator.authenticate, alice), "locked-out user accepted"
    assert unauthorized(app.authenticator.login, u"alice", u"alice-pw"), "locked-out login"


# --- one account, one name (Openfire lower-cases; its lock-out compares exactly) -----------

def test_memory_openfire_finds_users_as_openfire_does():
    openfire = openfire_with_users()
    for spelling in (u"ALICE", u" Alice "):
        assert openfire.get_user(spelling) is not None, "%r not found" % spelling
        assert openfire.get_user(spelling).username == u"alice", "stored name %r" % spelling
    assert openfire.authenticate(u"ALICE@example.test", u"alice-pw"), "own domain not stripped"
    assert not openfire.authenticate(u"alice@other.test", u"alice-pw"), "other domain accepted"
    openfire.set_user_property(u"Alice", u"theme", u"dark")
    assert openfire.get_user_properties(u"alice").get(u"theme") == u"dark", "property lost"
    openfire.lock_out(u"alice")
    assert openfire.is_locked_out(u"alice"), "lock-out not kept"
    assert not openfire.is_locked_out(u"ALICE"), "lock-out is exact in Openfire"


def test_a_case_variant_of_a_locked_out_name_is_refused():
    openfire = openfire_with_users()
    app = services(openfire)
    login = handler(app, "POST", "/login/{username}")
    assert answer(login(FakeContext({"username": u"alice"}, u"alice-pw")))[0] == 200, "control"
    openfire.lock_out(u"alice")
    for spelling in (u"alice", u"ALICE", u"Alice", u" alice", u"alice@example.test"):
        status, body = answer(login(FakeContext({"username": spelling}, u"alice-pw")))
        assert status == 401, "%r signed in to a locked-out account: %s %r" % (spelling, status,
                                                                              body)


def test_every_spelling_signs_in_to_one_account_under_one_limit():
    app = services()
    login = handler(app, "POST", "/login/{username}")
    status, body = answer(login(FakeContext({"username": u" ALICE@Example.Test"}, u"alice-pw")))
    assert status == 200 and body["username"] == u"alice", "%s %r" % (status, body)
    claims = app.authenticator.authenticate(body["token"])
    assert claims.username == u"alice", "token subject %r" % claims.username
    assert app.sessions.get(u"alice") is not None, "no session under the account's name"
    assert app.sessions.count() == 1, "%d sessions for one account" % app.sessions.count()
    spellings = (u"BOB", u"Bob", u" bob", u"bob@example.test")
    for attempt in range(app.settings.get(config.LOGIN_FAILURES_PER_USER)):
        context = FakeContext({"username": spellings[attempt % 4]}, u"wrong",
                              address=u"10.8.0.%d" % attempt)
        assert answer(login(context))[0] == 401, "wrong password %d" % attempt
    status, body = answer(login(FakeContext({"username": u"bob"}, u"bob-pw", address=u"10.8.1.1")))
    assert status == 429, "spellings of bob had separate limits: %s %r" % (status, body)


def test_a_token_whose_subject_is_not_a_normal_name_is_refused():
    from jtest_tokens import KEY, signed_with_key
    from sparkweb.auth.tokens import TokenService
    clock = Clock()
    service = TokenService(KEY, u"example.test", 3600, clock)
    for subject in (u"ALICE", u" alice", u"a b"):
        assert unauthorized(service.verify, signed_with_key(subject=subject, clock=clock)), \
            "subject %r accepted" % subject
    assert service.verify(signed_with_key(clock=clock)).username == u"alice", "control refused"


# --- the login body --------------------------------------------------------------------------

ODD_PASSWORDS = (u'{"not json', u"{'a': 1}", u'{"password": 5}', u' {x} ', u'a"b\\c\n\u00e9',
                 u"\U0001F600 \u0000 {")


def test_any_password_signs_in_raw_and_as_json():
    app = services()
    login = handler(app, "POST", "/login/{username}")
    for number, password in enumerate(ODD_PASSWORDS):
        name = u"odd%d" % number
        app.openfire.add_user(name, password)
        for body, kind in ((password, None), (password, u"text/plain; charset=UTF-8"),
                           (json.dumps({"password": password}), u"application/json"),
                           (json.dumps({"password": password}), None)):
            headers = {"Content-Type": kind} if kind else {}
            status, answer_body = answer(login(FakeContext({"username": name}, body, headers)))
            assert status == 200, "%r sent as %r (%s): %s %r" % (password, body, kind, status,
                                                                answer_body)


def test_a_required_json_body_refuses_raw_passwords_without_counting_them():
    app = services()
    app.settings.set(config.LOGIN_REQUIRE_JSON, u"true")
    login = handler(app, "POST", "/login/{username}")
    for _ in range(app.settings.get(config.LOGIN_FAILURES_PER_USER) + 2):
        for kind in (None, u"text/plain", u"application/x-www-form-urlencoded"):
            headers = {"Content-Type": kind} if kind else {}
            status, body = answer(login(FakeContext({"username": u"bob"}, u"wrong", headers)))
            assert status == 415 and body["error"] == u"unsupported_media_type", \
                "raw password with %s: %s %r" % (kind, status, body)
    json_login = FakeContext({"username": u"bob"}, json.dumps({"password": u"bob-pw"}),
                             {"Content-Type": u"application/json"})
    status, body = answer(login(json_login))
    assert status == 200, "JSON login after refused raw ones: %s %r" % (status, body)
