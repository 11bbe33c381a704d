"""From credentials to a signed-in user: login, the Authorization header, revocation."""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.auth.credentials import ACCOUNT_CHECK_MILLIS, token_from_header
from sparkweb.errors import Unauthorized
from support import Clock, openfire_with_users, services


def unauthorized(call, *args):
    try:
        call(*args)
    except Unauthorized as error:
        return error
    return None


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


def test_deleted_or_locked_out_user_cannot_use_a_token():
    openfire, clock = openfire_with_users(), Clock()
    app = services(openfire, clock)
    alice, _ = app.authenticator.login(u"alice", u"alice-pw")
    bob, _ = app.authenticator.login(u"bob", u"bob-pw")
    assert app.authenticator.authenticate(alice) and app.authenticator.authenticate(bob)
    openfire.lock_out(u"alice")
    openfire.delete_user(u"bob")
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)   # the account check is cached that long
    assert unauthorized(app.authenticator.authenticate, alice), "locked-out user accepted"
    assert unauthorized(app.authenticator.authenticate, bob), "deleted user accepted"
    assert unauthorized(app.authenticator.login, u"alice", u"alice-pw"), "locked-out login"
