"""Keeping the subscription table honest: device names compare alike in every store (13-13), a
key rotation deletes the subscriptions made for the old key (13-12), endpoints the sender keeps
refusing for good are pruned (13-4), never for a failed look-up (S5-13-8)."""
from __future__ import absolute_import

from sparkweb.errors import BadRequest, Conflict
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.push import subscriptions
from sparkweb.push.notifications import Notification
from sparkweb.push.sender import (PRUNE_AFTER_MILLIS, PRUNE_AFTER_REFUSALS, PushAnswer,
                                  TransportRefused)

from jtest_webpush import Transport, app_with, body, subscribe
from support import Clock, raised, wait_for


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
    clock = Clock()
    openfire, app = app_with(refusing, clock)
    sender = app.webpush.sender
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        for n in range(PRUNE_AFTER_REFUSALS):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
            wait_for(lambda: sender.counts()["refused"] == n + 1, "refusal %d" % (n + 1))
            clock.advance(PRUNE_AFTER_MILLIS / 1000 / (PRUNE_AFTER_REFUSALS - 1))
        wait_for(lambda: openfire.push_subscriptions(u"alice") == [],
                  "the refused subscription pruned: %r" % sender.counts())
        assert sender.counts()["pruned"] == 1, sender.counts()
    finally:
        app.webpush.stop()


def test_failed_look_ups_and_quick_refusals_never_prune():
    """findings-13 S5-13-8: a resolver hiccup (unknown_host, cached negatively for seconds)
    deleted every active subscription after three pushes."""
    answers = ["unknown_host"] * 3 + ["address"] * 3

    def refusing(url, headers, body_bytes):
        if answers:
            raise TransportRefused(answers.pop(0))
        return PushAnswer(201)
    openfire, app = app_with(refusing)
    sender = app.webpush.sender
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        for n in range(7):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
            wait_for(lambda: sender.counts()["refused"] + sender.counts()["sent"] == n + 1,
                      "answer %d" % (n + 1))
        assert sender.counts()["sent"] == 1 and sender.counts()["pruned"] == 0, sender.counts()
        assert openfire.push_subscriptions(u"alice"), "the subscription was deleted"
    finally:
        app.webpush.stop()


def test_a_device_stored_before_names_were_normalised_is_the_same_device():
    """findings-13 S5-13-5 (a): a row stored as "Laptop" could not be deleted by the name the
    user sees, and re-subscribing it took a second slot."""
    openfire, app = app_with(Transport())
    try:
        old = body(u"https://push.example/old")
        openfire.save_push_subscription(PushSubscriptionRecord(
            u"alice", u"Laptop", old["endpoint"], old["keys"]["p256dh"], old["keys"]["auth"],
            None, app.webpush.clock()), 10)
        _subscribe_as(app, u"alice", u"Laptop", u"https://push.example/new")
        assert [(s.device, s.endpoint) for s in openfire.push_subscriptions(u"alice")] == \
            [(u"laptop", u"https://push.example/new")], "the old spelling kept its own slot"
        openfire.save_push_subscription(PushSubscriptionRecord(
            u"alice", u"Phone ", old["endpoint"], old["keys"]["p256dh"], old["keys"]["auth"],
            None, app.webpush.clock()), 10)
        subscriptions.delete(openfire, u"alice", subscriptions.device_name(u"Phone"))
        assert [s.device for s in openfire.push_subscriptions(u"alice")] == [u"laptop"], \
            "DELETE by the listed name left the old spelling"
    finally:
        app.webpush.stop()


class _SubscribeRequest(object):
    """POST /webpush/subscribe/{device} as the handler sees it."""

    def __init__(self, app, username, device, json_body):
        self.app = app
        self.user = username
        self.params = {"resource": device}
        self._body = json_body

    def json_object(self, shape):
        return self._body


def test_a_subscription_made_with_the_key_before_a_rotation_is_409_stale_key_and_not_stored():
    """S5-13-5(b): a page read GET /webpush/vapidkey, the administrator rotated the key, then the
    page subscribed: the row was stored, bound to the old key, and never worked nor was removed
    (rotation deletes the rows that exist when it runs)."""
    from sparkweb.api.webpush import post_subscription
    openfire, app = app_with(Transport())
    try:
        read_by_the_page = app.webpush.keys.current.public_key
        app.rotate_vapid_key()
        stale = body(u"https://93.184.215.14/push/1", applicationServerKey=read_by_the_page)
        error = raised(lambda: post_subscription(_SubscribeRequest(app, u"alice", u"laptop",
                                                                   stale)))
        assert isinstance(error, Conflict) and error.code == "stale_key", "got %r" % error
        assert "rotated" in error.message, error.message
        assert openfire.push_subscriptions(u"alice") == [], "the stale subscription was stored"
        current = body(u"https://93.184.215.14/push/1",
                       applicationServerKey=app.webpush.keys.current.public_key)
        answer = post_subscription(_SubscribeRequest(app, u"alice", u"laptop", current))
        assert answer["resource"] == u"laptop", answer
        unsaid = body(u"https://93.184.215.14/push/2")   # clients that do not say: as before
        post_subscription(_SubscribeRequest(app, u"alice", u"phone", unsaid))
        assert len(openfire.push_subscriptions(u"alice")) == 2, "not stored"
        key = app.webpush.keys.current.public_key
        for malformed in (42, u"", u"x" * 200000, key + u"\0", key[:-4], u"!" + key[1:]):
            error = raised(lambda: post_subscription(_SubscribeRequest(
                app, u"alice", u"tablet", body(u"https://93.184.215.14/push/3",
                                               applicationServerKey=malformed))))
            assert isinstance(error, BadRequest) and error.status == 400, \
                "attack S6-A4: a malformed key %r must be 400, got %r" % (malformed[:20] if
                                                                       isinstance(malformed, basestring) else malformed, error)
    finally:
        app.webpush.stop()
