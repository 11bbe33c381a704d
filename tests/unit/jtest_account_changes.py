"""What an administrator does to an account reaches its tokens and its session: a changed
password, a deletion, a deleted and re-created account. Each mechanism on its own."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import CountDownLatch, TimeUnit

from sparkweb import config
from sparkweb.auth.accounts import ACCOUNT_CHECK_MILLIS
from sparkweb.errors import Unauthorized
from support import Clock, openfire_with_users, services


def refused(app, token):
    try:
        app.authenticator.authenticate(token)
    except Unauthorized:
        return True
    return False


def watched(clock=None):
    """Services on an in-memory Openfire, listening to its user events as the plugin does."""
    openfire = openfire_with_users()
    app = services(openfire, clock or Clock())
    app.accounts.watch()
    return openfire, app


def test_a_password_change_revokes_every_earlier_token_at_once():
    openfire, app = watched()
    first, _ = app.authenticator.login(u"bob", u"bob-pw")
    second, claims = app.authenticator.login(u"bob", u"bob-pw")
    alice, _ = app.authenticator.login(u"alice", u"alice-pw")
    assert not refused(app, first) and not refused(app, second), "fresh tokens refused"
    openfire.set_password(u"bob", u"new-pw")
    assert refused(app, first) and refused(app, second), "a token from before the change works"
    assert not refused(app, alice), "another user's token was revoked"
    renewed, _ = app.authenticator.renew(claims)
    assert refused(app, renewed), "a token from before the change was renewed into a working one"
    fresh, _ = app.authenticator.login(u"bob", u"new-pw")
    assert not refused(app, fresh), "a login with the new password does not work"


def test_a_password_change_on_another_node_takes_effect_within_the_account_check():
    clock = Clock()
    openfire, here = watched(clock)
    there = services(openfire, clock)   # shares the properties, not the events
    token, _ = there.authenticator.login(u"bob", u"bob-pw")
    assert not refused(there, token), "fresh token refused"
    openfire.set_password(u"bob", u"new-pw")
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)
    assert refused(there, token), "the other node accepts a token from before the change"


def test_a_deleted_account_is_refused_because_it_is_gone():
    """Deleted and not re-created: the account check finds no user (no event needed)."""
    clock = Clock()
    openfire = openfire_with_users()
    app = services(openfire, clock)       # not listening: only the account check works
    token, _ = app.authenticator.login(u"bob", u"bob-pw")
    assert not refused(app, token), "fresh token refused"
    openfire.delete_user(u"bob")
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)
    assert refused(app, token), "a deleted user's token works"


def test_a_recreated_account_is_another_account():
    """Deleted and re-created with the same name and password, outside SparkWeb's events:
    only the account id tells the two apart."""
    clock = Clock()
    openfire = openfire_with_users()
    app = services(openfire, clock)       # not listening: nothing forgets the old account
    token, _ = app.authenticator.login(u"bob", u"bob-pw")
    openfire.delete_user(u"bob")
    openfire.add_user(u"bob", u"bob-pw")
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)
    assert refused(app, token), "the old account's token works for the new account"
    fresh, _ = app.authenticator.login(u"bob", u"bob-pw")
    assert not refused(app, fresh), "the new account cannot sign in"


def test_a_deletion_refuses_tokens_at_once_on_this_node():
    openfire, app = watched()
    token, _ = app.authenticator.login(u"bob", u"bob-pw")
    assert not refused(app, token), "fresh token refused"
    openfire.delete_user(u"bob")
    openfire.add_user(u"bob", u"bob-pw")
    assert refused(app, token), "the old account's token works right after the deletion"


def test_the_account_id_is_never_shown_to_pages():
    _, app = watched()
    app.authenticator.login(u"alice", u"alice-pw")
    assert app.openfire.get_user_properties(u"alice").get(config.ACCOUNT_ID_PROPERTY), "no id"
    assert app.settings.is_protected_property(config.ACCOUNT_ID_PROPERTY), "id not protected"


def test_the_session_ends_when_the_server_closes_it_on_deletion():
    """The admin console closes a deleted user's sessions: no expiry run needed."""
    openfire, app = watched()
    session = app.sessions.get_or_start(u"bob")
    openfire.delete_user(u"bob", close_sessions=True)
    assert app.sessions.get(u"bob") is None, "session kept after the server closed it"
    assert session is not None


def test_the_session_ends_at_expiry_when_the_server_leaves_it_open():
    """Deleting through UserManager alone leaves sessions open: the expiry run notices."""
    openfire, app = watched()
    app.sessions.get_or_start(u"bob")
    openfire.delete_user(u"bob", close_sessions=False)
    assert app.sessions.get(u"bob") is not None, "the server closed it after all"
    app.sessions.expire()
    assert app.sessions.get(u"bob") is None, "session of a deleted user kept"


class HeldPropertyRead(object):
    """Wraps the facade's ``get_user_properties`` so that the first call made on ``thread``
    reads the properties, then waits (with a timeout) until the test lets it return them: the
    account check is held open between its read and its caching."""

    def __init__(self, openfire):
        self._read = openfire.get_user_properties
        self.thread = None
        self.has_read = CountDownLatch(1)
        self.may_return = CountDownLatch(1)
        openfire.get_user_properties = self

    def __call__(self, username):
        properties = dict(self._read(username))
        if Thread.currentThread() is self.thread and self.has_read.getCount() > 0:
            self.has_read.countDown()
            self.may_return.await(20, TimeUnit.SECONDS)
        return properties


def check_held_open_across(change):
    """A token checked while ``change`` (an event that ends the account's tokens) runs between
    the check's read of the account id and its caching is refused once ``change`` is done."""
    clock = Clock()
    openfire, app = watched(clock)
    token, _ = app.authenticator.login(u"bob", u"bob-pw")
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)   # the next check reads the property
    held = HeldPropertyRead(openfire)
    outcome = []
    checker = Thread(lambda: outcome.append(refused(app, token)), "account-check")
    held.thread = checker
    checker.start()
    try:
        assert held.has_read.await(20, TimeUnit.SECONDS), "the check never read the account id"
        change(openfire)
    finally:
        held.may_return.countDown()
        checker.join(20000)
    assert not checker.isAlive(), "the account check hung"
    assert outcome == [False], "the check that read before the change: %r" % outcome
    assert refused(app, token), "a token from before the change works after it (cached)"


def test_a_password_change_during_an_account_check_is_not_undone_by_its_cache():
    check_held_open_across(lambda openfire: openfire.set_password(u"bob", u"new-pw"))


def test_a_deletion_during_an_account_check_is_not_undone_by_its_cache():
    def delete_and_recreate(openfire):
        openfire.delete_user(u"bob")
        openfire.add_user(u"bob", u"bob-pw")
    check_held_open_across(delete_and_recreate)
