"""Keeping the subscription table honest: device names compare alike in every store (13-13), a
key rotation deletes the subscriptions made for the old key (13-12), endpoints the sender keeps
refusing are pruned (13-4), and entries of accounts deleted while SparkWeb was not loaded are
never used (13-10)."""
from __future__ import absolute_import

import time

from sparkweb.errors import Conflict
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.push import subscriptions
from sparkweb.push.notifications import Notification
from sparkweb.push.sender import PRUNE_AFTER_REFUSALS, TransportRefused

from jtest_webpush import Transport, app_with, body, subscribe
from support import raised

WAIT_SECONDS = 20


def _wait_for(condition, what):
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("not within %d s: %s" % (WAIT_SECONDS, what))


def _subscribe_as(app, username, spelling, endpoint):
    """What POST /webpush/subscribe/{spelling} does."""
    record = subscriptions.parse(body(endpoint), username, subscriptions.device_name(spelling),
                                 app.settings, app.webpush.clock())
    subscriptions.store(app.openfire, app.settings, record)


def test_device_names_differing_in_case_or_spaces_are_one_device():
    """MySQL and SQL Server collations call "Laptop", "laptop" and "laptop " one name,
    PostgreSQL and the in-memory facade three: a user at the limit got 409 re-subscribing
    "Laptop", and DELETE /webpush/subscribe/LAPTOP was 404 here and 200 on MySQL."""
    openfire, app = app_with(Transport())
    try:
        openfire.set_property("sparkweb.webpush.maxSubscriptionsPerUser", u"2")
        _subscribe_as(app, u"alice", u"laptop", u"https://push.example/1")
        _subscribe_as(app, u"alice", u"phone", u"https://push.example/2")
        error = raised(lambda: _subscribe_as(app, u"alice", u"Laptop ", u"https://push.example/3"))
        assert error is None, "re-subscribing the same device in another spelling: %r" % error
        devices = sorted(s.device for s in openfire.push_subscriptions(u"alice"))
        assert devices == [u"laptop", u"phone"], devices
        subscriptions.delete(openfire, u"alice", subscriptions.device_name(u"LAPTOP"))
        assert [s.device for s in openfire.push_subscriptions(u"alice")] == [u"phone"], \
            "DELETE /webpush/subscribe/LAPTOP did not remove 'laptop'"
        error = raised(lambda: _subscribe_as(app, u"alice", u"tablet", u"https://push.example/4"))
        assert error is None, error
        error = raised(lambda: _subscribe_as(app, u"alice", u"other", u"https://push.example/5"))
        assert isinstance(error, Conflict), "the limit no longer holds: %r" % error
    finally:
        app.webpush.stop()


def test_rotating_the_vapid_key_deletes_every_subscription():
    openfire, app = app_with(Transport())
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        subscribe(app, u"bob", u"phone", u"https://push.example/2")
        app.rotate_vapid_key()
        left = openfire.push_subscriptions(u"alice") + openfire.push_subscriptions(u"bob")
        assert left == [], "subscriptions of the old key kept: %r" % [s.endpoint for s in left]
    finally:
        app.webpush.stop()


def test_an_endpoint_the_sender_keeps_refusing_is_pruned():
    def refusing(url, headers, body_bytes):
        raise TransportRefused("address")
    openfire, app = app_with(refusing)
    sender = app.webpush.sender
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        for n in range(PRUNE_AFTER_REFUSALS):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
            _wait_for(lambda: sender.counts()["refused"] == n + 1, "refusal %d" % (n + 1))
        _wait_for(lambda: openfire.push_subscriptions(u"alice") == [],
                  "the refused subscription pruned: %r" % sender.counts())
        assert sender.counts()["pruned"] == 1, sender.counts()
    finally:
        app.webpush.stop()


def test_entries_older_than_the_account_are_never_used_and_swept_at_start():
    """Deleted while SparkWeb was not loaded (no user event), and re-created: the old owner's
    browser must not get the new account's notifications, nor be listed to the new owner."""
    transport = Transport()
    openfire, app = app_with(transport)
    sender = app.webpush.sender
    try:
        for username, endpoint in ((u"bob", u"https://push.example/old-owner"),
                                   (u"ghost", u"https://push.example/deleted-user")):
            old = body(endpoint)
            openfire.save_push_subscription(PushSubscriptionRecord(
                username, u"phone", endpoint, old["keys"]["p256dh"], old["keys"]["auth"], None,
                1000), 10)   # made in 1970: long before either account of that name
        openfire.delete_user(u"bob")              # as if unloaded: nobody listening
        openfire.add_user(u"bob", u"new-pw")      # created now
        subscribe(app, u"bob", u"laptop", u"https://push.example/new-owner")
        sender.send_to_user(u"bob", Notification(u"T", u"for the new bob", "chat"))
        assert transport.next()[0] == u"https://push.example/new-owner", "wrong device first"
        assert transport.nothing_more(2), "the old owner's browser got the new bob's push"
        assert [s.endpoint for s in openfire.push_subscriptions(u"bob")] == \
            [u"https://push.example/new-owner"], "the old owner's row was kept"
        app.webpush.listen()()                    # a start: the sweep, then stop listening
        _wait_for(lambda: openfire.push_subscriptions(u"ghost") == [],
                  "the deleted account's row swept at start")
    finally:
        app.webpush.stop()
