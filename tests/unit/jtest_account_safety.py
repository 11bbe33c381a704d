"""PUT and DELETE /user never answer success for a change that did not happen, never leave a
change half-applied, and guard the account email like the password."""
from __future__ import absolute_import

from java.lang import RuntimeException

from sparkweb.api import account, users
from sparkweb.errors import BadRequest, Forbidden, ServiceUnavailable
from sparkweb import config
from contacts_support import World
from support import raised

PW = {"currentPassword": u"alice-pw"}


def with_pw(body):
    body.update(PW)
    return body


def test_a_password_the_server_did_not_store_is_503_not_200():
    world = World()
    world.openfire.password_store_fails = True     # User.setPassword logs and swallows it
    error = raised(lambda: world.call(account.update_account, u"alice",
                                      {"password": u"new-pw", "currentPassword": u"alice-pw"}))
    assert isinstance(error, ServiceUnavailable), "a password change that did not happen: %r" % (
        error,)
    assert world.openfire.authenticate(u"alice", u"alice-pw"), "the old password is gone"


def test_a_password_change_ends_tokens_even_without_openfires_event():
    world = World()
    world.openfire.remove_user_listener(world.app.accounts)   # a provider firing no event
    world.call(account.update_account, u"alice", {"password": u"new-pw",
                                                  "currentPassword": u"alice-pw"})
    assert not world.token_works(u"alice"), "a token from before the change still works"


def test_a_required_email_set_empty_is_refused_before_the_name_is_written():
    world = World()
    world.openfire.email_required = True
    error = raised(lambda: world.call(account.update_account, u"alice",
                                      with_pw({"name": u"New", "email": u""})))
    assert isinstance(error, BadRequest), repr(error)
    user = world.openfire.get_user(u"alice")
    assert user.name == u"Alice" and user.email == u"alice@example.test", \
        "half-applied: %r %r" % (user.name, user.email)
    world.openfire.name_required = True
    assert isinstance(raised(lambda: world.call(account.update_account, u"alice",
                                                {"name": u"  "})), BadRequest)
    assert world.openfire.get_user(u"alice").name == u"Alice", "a required name was cleared"


def test_a_write_failing_midway_leaves_nothing_changed():
    world = World()
    world.call(account.update_account, u"alice", {"vcard": {"nickname": u"Al"}})

    def failing_vcard(username, changes):
        raise RuntimeException("vCard store gone")
    original = world.openfire.set_vcard
    world.openfire.set_vcard = failing_vcard
    assert raised(lambda: world.call(account.update_account, u"alice", with_pw({
        "name": u"New", "email": u"new@example.test", "vcard": {"nickname": u"X"}}))) is not None
    world.openfire.set_vcard = original
    body = world.call(users.get_user, u"alice")
    assert (body["name"], body["email"]) == (u"Alice", u"alice@example.test"), \
        "name/email kept after the vCard failed: %r" % body
    world.openfire.password_store_fails = True     # the last write fails: the others undone
    assert isinstance(raised(lambda: world.call(account.update_account, u"alice", with_pw({
        "name": u"New", "vcard": {"nickname": u"X", "fullName": u"F"},
        "password": u"new-pw"}))), ServiceUnavailable)
    body = world.call(users.get_user, u"alice")
    assert body["name"] == u"Alice", "name kept after the password failed: %r" % body
    assert body["vcard"].get("nickname") == u"Al" and "fullName" not in body["vcard"], \
        "vCard kept after the password failed: %r" % body["vcard"]


def test_an_email_change_needs_the_current_password():
    world = World()
    for body, kind in (({"email": u"evil@example.test"}, BadRequest),
                       ({"email": u"evil@example.test", "currentPassword": u"no"}, Forbidden)):
        error = raised(lambda: world.call(account.update_account, u"alice", body))
        assert isinstance(error, kind), "%r: %r" % (body, error)
    assert world.openfire.get_user(u"alice").email == u"alice@example.test", \
        "the account email changed without the password"
    world.call(account.update_account, u"alice", {"name": u"A", "email": u"alice@example.test"})
    assert world.openfire.get_user(u"alice").name == u"A", "a form resending the same email"
    world.call(account.update_account, u"alice", with_pw({"email": u"new@example.test"}))
    assert world.openfire.get_user(u"alice").email == u"new@example.test", "not changed"
    assert world.token_works(u"alice"), "an email change ended the token"


def test_a_failed_deletion_leaves_the_user_signed_in_and_is_not_a_500():
    world = World()
    world.app.settings.set(config.ACCOUNT_DELETE_ENABLED, u"true")
    stream = world.stream(u"alice")

    def failing_delete(username):
        raise RuntimeException("database gone")
    world.openfire.delete_account = failing_delete
    error = raised(lambda: world.call(account.delete_account, u"alice",
                                      {"password": u"alice-pw"}))
    assert isinstance(error, ServiceUnavailable), "a failed deletion answered %r" % error
    assert world.openfire.get_user(u"alice") is not None, "the account is gone"
    assert world.token_works(u"alice"), "signed out although the account still exists"
    session = world.app.sessions.get(u"alice")
    assert session is not None and not session.ended and not stream.closed, \
        "the session ended although the account still exists"
