"""One user's slow or hostile push endpoints must not hold the sending pool (findings-13 13-1/A7):
a user's deliveries run at most two at a time, and a host that keeps failing is skipped for a
while (circuit breaker). Threads and latches, every wait bounded."""
from __future__ import absolute_import

import time

from java.util.concurrent import CountDownLatch, LinkedBlockingQueue, TimeUnit
from java.util.concurrent.atomic import AtomicInteger

from sparkweb import config
from sparkweb.push import lanes
from sparkweb.push.notifications import Notification
from sparkweb.push.sender import PushAnswer
from sparkweb.services import build_services

from jtest_webpush import subscribe
from support import Clock, openfire_with_users

WAIT_SECONDS = 20


class TarpitTransport(object):
    """Requests to tarpit.example hang until released (or WAIT_SECONDS); requests to
    bad.example get no answer; everything else is answered 201 at once."""

    def __init__(self):
        self.release = CountDownLatch(1)
        self.hanging = AtomicInteger(0)
        self.most_hanging = AtomicInteger(0)
        self.answered = LinkedBlockingQueue()
        self.bad_requests = AtomicInteger(0)

    def __call__(self, url, headers, body_bytes):
        if u"tarpit.example" in url:
            now = self.hanging.incrementAndGet()
            if now > self.most_hanging.get():
                self.most_hanging.set(now)
            try:
                getattr(self.release, "await")(WAIT_SECONDS, TimeUnit.SECONDS)
            finally:
                self.hanging.decrementAndGet()
            raise IOError("read timed out")
        if u"bad.example" in url:
            self.bad_requests.incrementAndGet()
            raise IOError("read timed out")
        self.answered.put(url)
        return PushAnswer(201)


def _app(transport, retries=3, clock=None):
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw", name=u"Carol")
    openfire.set_property(config.WEBPUSH_RETRIES.key, unicode(retries))
    return openfire, build_services(openfire, clock or Clock(), push_transport=transport)


def _wait_for(condition, what):
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("not within %d s: %s" % (WAIT_SECONDS, what))


def test_one_users_hung_endpoints_do_not_delay_another_users_push():
    transport = TarpitTransport()
    openfire, app = _app(transport)
    sender = app.webpush.sender
    try:
        for n in range(5):
            subscribe(app, u"carol", u"slow%d" % n, u"https://tarpit.example/%d" % n)
        subscribe(app, u"alice", u"phone", u"https://push.example/alice")
        for n in range(20):   # 100 deliveries to endpoints that never answer
            sender.send_to_user(u"carol", Notification(u"T", u"spam %d" % n, "chat"))
        _wait_for(lambda: transport.hanging.get() >= 1, "carol's first request")
        started = time.time()
        assert sender.send_to_user(u"alice", Notification(u"T", u"for alice", "chat")), \
            "alice's notification was dropped"
        url = transport.answered.poll(5, TimeUnit.SECONDS)
        assert url == u"https://push.example/alice", \
            "alice's push waited behind carol's hung endpoints (%r after %.1f s, %d hanging)" % (
                url, time.time() - started, transport.hanging.get())
        assert transport.most_hanging.get() <= lanes.USER_IN_FLIGHT, \
            "carol held %d threads at once" % transport.most_hanging.get()
    finally:
        transport.release.countDown()
        app.webpush.stop()


def test_a_host_that_keeps_failing_is_skipped_until_its_breaker_lets_one_try():
    transport = TarpitTransport()
    clock = Clock()
    openfire, app = _app(transport, retries=0, clock=clock)
    sender = app.webpush.sender
    try:
        subscribe(app, u"carol", u"phone", u"https://bad.example/carol")
        for n in range(lanes.BREAKER_FAILURES):
            sender.send_to_user(u"carol", Notification(u"T", u"n%d" % n, "chat"))
        _wait_for(lambda: sender.counts()["breaker_opened"] == 1,
                  "the breaker to open after %d failures: %r" % (lanes.BREAKER_FAILURES,
                                                                  sender.counts()))
        for n in range(5):
            sender.send_to_user(u"carol", Notification(u"T", u"later %d" % n, "chat"))
        _wait_for(lambda: sender.counts()["circuit_open"] == 5,
                  "the five later ones skipped: %r" % sender.counts())
        assert transport.bad_requests.get() == lanes.BREAKER_FAILURES, \
            "requests went to the failing host while its breaker was open: %d" % \
            transport.bad_requests.get()
        clock.advance(lanes.BREAKER_MILLIS / 1000 + 1)
        sender.send_to_user(u"carol", Notification(u"T", u"trial", "chat"))
        _wait_for(lambda: transport.bad_requests.get() == lanes.BREAKER_FAILURES + 1,
                  "one trial request after the breaker's time")
        _wait_for(lambda: sender.counts()["breaker_opened"] == 2,
                  "the failed trial to open it again: %r" % sender.counts())
    finally:
        app.webpush.stop()


def test_a_lane_is_served_round_robin_and_bounded_per_user():
    """Deliveries wait in their user's lane; beyond USER_QUEUE they are dropped and counted,
    never queued without bound."""
    transport = TarpitTransport()
    openfire, app = _app(transport, retries=0)
    sender = app.webpush.sender
    try:
        subscribe(app, u"carol", u"slow", u"https://tarpit.example/x")
        for n in range(lanes.USER_QUEUE + lanes.USER_IN_FLIGHT + 10):
            sender.send_to_user(u"carol", Notification(u"T", u"n%d" % n, "chat"))
        _wait_for(lambda: sender.counts()["dropped"] >= 10,
                  "carol's overflow dropped: %r" % sender.counts())
    finally:
        transport.release.countDown()
        app.webpush.stop()
