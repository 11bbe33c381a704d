"""Event streams end with their token: a password change, the account's deletion, a revocation
(logout) or the token's expiry closes the streams opened with it, and only those. Changes made
on other threads (as Openfire's user events come) are waited for with time-outs."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import CountDownLatch, TimeUnit

from sparkweb import config
from jtest_sse_stream import open_stream
from support import Clock, openfire_with_users, services


class World(object):
    def __init__(self):
        self.openfire = openfire_with_users()
        self.clock = Clock()
        self.app = services(self.openfire, self.clock)
        self.app.accounts.watch()      # the plugin's start registers the user listener

    def token(self, username):
        return self.app.authenticator.login(username, username + u"-pw")

    def open(self, username, on_start_async=None):
        token, claims = self.token(username)
        request, response, output = open_stream(self.app, token, on_start_async)
        stream = output.listener
        assert response.status == 200 and stream is not None and not stream.closed, \
            "the stream of %s did not open (status %s)" % (username, response.status)
        return stream, claims


def within(condition, seconds=20):
    """Waits (polling a latch's timed wait) for ``condition()``; its last value."""
    tick = CountDownLatch(1)
    for _ in range(int(seconds * 20)):
        if condition():
            return True
        getattr(tick, "await")(50, TimeUnit.MILLISECONDS)
    return condition()


def closed_within(stream, seconds=20):
    return within(lambda: stream.closed, seconds)


def on_thread(work):
    thread = Thread(work)
    thread.setDaemon(True)
    thread.start()
    return thread


def test_a_password_change_closes_the_users_streams_and_no_one_elses():
    world = World()
    alice_stream, _ = world.open(u"alice")
    bob_stream, _ = world.open(u"bob")
    on_thread(lambda: world.openfire.change_password(u"alice", u"new-pw"))
    assert closed_within(alice_stream), "alice's stream outlived her password change"
    assert not bob_stream.closed, "bob's stream was closed by alice's password change"
    assert within(lambda: len(world.app.streams) == 1), "stream set: %d" % len(world.app.streams)


def test_deleting_the_account_closes_its_streams():
    world = World()
    stream, _ = world.open(u"alice")
    on_thread(lambda: world.openfire.delete_account(u"alice"))
    assert closed_within(stream), "a deleted account's stream stayed open"


def test_a_revocation_closes_the_streams_of_that_token_only():
    world = World()
    revoked, claims = world.open(u"alice")
    other, _ = world.open(u"alice")
    on_thread(lambda: world.app.revocations.revoke(claims))
    assert closed_within(revoked), "the stream of a revoked token stayed open"
    assert not other.closed, "a stream of another token of the user was closed"


def test_a_heartbeat_closes_the_streams_of_expired_tokens():
    world = World()
    old, _ = world.open(u"alice")
    world.clock.advance(world.app.settings.get(config.TOKEN_LIFETIME) - 10)
    fresh, _ = world.open(u"alice")
    world.app.streams.heartbeat()
    assert not old.closed and not fresh.closed, "closed before the token expired"
    world.clock.advance(120)
    world.app.streams.heartbeat()
    assert old.closed, "the stream of an expired token outlived a heartbeat"
    assert not fresh.closed, "the stream of a valid token was closed by a heartbeat"


def test_a_heartbeat_closes_streams_whose_account_changed_without_an_event_here():
    world = World()            # another cluster node changed the password: no event on this one
    stream, _ = world.open(u"alice")
    world.openfire.set_user_property(u"alice", config.ACCOUNT_ID_PROPERTY, u"changed-elsewhere")
    world.clock.advance(10)    # past the account check's cache time
    world.app.streams.heartbeat()
    assert stream.closed, "a stream whose account id changed elsewhere outlived a heartbeat"


def test_a_password_changed_while_the_stream_opens_still_closes_it():
    world = World()
    token, _ = world.token(u"alice")
    request, response, output = open_stream(
        world.app, token, lambda: world.openfire.change_password(u"alice", u"new-pw"))
    stream = output.listener
    assert stream is not None and stream.closed, "a stream opened with an ended token stays open"
    assert len(world.app.streams) == 0, "a closed stream stays in the set"


def test_logout_on_one_device_keeps_the_session_another_device_still_streams_on():
    """One shared XMPP session per user: signing out on the phone must not end the desktop's
    stream, rooms and presence; signing out on the last device ends the session."""
    from sparkweb.api.login import logout
    world = World()
    phone_token, phone = world.token(u"alice")
    desktop, desktop_claims = world.open(u"alice")
    session = world.app.sessions.get(u"alice")
    request = type("Request", (), {"app": world.app, "claims": phone, "user": u"alice"})()
    on_thread(lambda: logout(request)).join(20000)
    assert not session.ended, "the phone's logout ended the desktop's session"
    assert not desktop.closed, "the phone's logout closed the desktop's stream"
    request.claims = desktop_claims
    on_thread(lambda: logout(request)).join(20000)
    assert closed_within(desktop), "the desktop's own logout left its stream open"
    assert within(lambda: session.ended), "the last device's logout left the session running"
