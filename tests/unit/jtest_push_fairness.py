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
from support import Clock, openfire_with_users, wait_for

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
        wait_for(lambda: transport.hanging.get() >= 1, "carol's first request")
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
        wait_for(lambda: sender.counts()["breaker_opened"] == 1,
                  "the breaker to open after %d failures: %r" % (lanes.BREAKER_FAILURES,
                                                                  sender.counts()))
        for n in range(5):
            sender.send_to_user(u"carol", Notification(u"T", u"later %d" % n, "chat"))
        wait_for(lambda: sender.counts()["circuit_open"] == 5,
                  "the five later ones skipped: %r" % sender.counts())
        assert transport.bad_requests.get() == lanes.BREAKER_FAILURES, \
            "requests went to the failing host while its breaker was open: %d" % \
            transport.bad_requests.get()
        clock.advance(lanes.BREAKER_MILLIS / 1000 + 1)
        sender.send_to_user(u"carol", Notification(u"T", u"trial", "chat"))
        wait_for(lambda: transport.bad_requests.get() == lanes.BREAKER_FAILURES + 1,
                  "one trial request after the breaker's time")
        wait_for(lambda: sender.counts()["breaker_opened"] == 2,
                  "the failed trial to open it again: %r" % sender.counts())
    finally:
        app.webpush.stop()


def test_a_users_lane_holds_user_queue_deliveries_and_the_overflow_is_dropped():
    """Deliveries wait in their user's lane; beyond USER_QUEUE they are dropped and counted,
    never queued without bound (S6-13-7: exact counts; round robin is
    test_users_are_served_round_robin)."""
    transport = TarpitTransport()
    openfire, app = _app(transport, retries=0)
    sender = app.webpush.sender
    try:
        subscribe(app, u"carol", u"slow", u"https://tarpit.example/x")
        for n in range(lanes.USER_QUEUE + lanes.USER_IN_FLIGHT + 10):
            sender.send_to_user(u"carol", Notification(u"T", u"n%d" % n, "chat"))
        wait_for(lambda: sender.counts()["queued"] == lanes.USER_QUEUE + lanes.USER_IN_FLIGHT +
                 10 and sender._pool.getCompletedTaskCount() == sender.counts()["queued"],
                 "every fan-out done: %r" % sender.counts())
        # The fan-outs are done; the requests they started may still be on their way to
        # the transport on a loaded machine.
        wait_for(lambda: transport.hanging.get() == lanes.USER_IN_FLIGHT,
                 "%d requests running" % transport.hanging.get())
        assert transport.hanging.get() == lanes.USER_IN_FLIGHT, \
            "%d requests running" % transport.hanging.get()
        assert sender._lanes.waiting() == lanes.USER_QUEUE, \
            "%d waiting" % sender._lanes.waiting()
        assert sender.counts()["dropped"] == 10, "counts %r" % sender.counts()
    finally:
        transport.release.countDown()
        app.webpush.stop()


def test_two_users_hanging_endpoints_do_not_hold_every_thread():
    """findings-13 S5-A1: two attackers, each with endpoints on hosts of their own that never
    answer, filled the four threads (two each) and every other push waited the read timeout.
    Requests running longer than SLOW_MILLIS no longer count against the threads."""
    transport = TarpitTransport()
    clock = Clock()
    openfire, app = _app(transport, clock=clock)
    openfire.add_user(u"dave", u"dave-pw")
    sender = app.webpush.sender
    try:
        for user in (u"carol", u"dave"):
            for n in range(3):
                subscribe(app, user, u"slow%d" % n, u"https://%s%d.tarpit.example/x" % (user, n))
            for n in range(5):
                sender.send_to_user(user, Notification(u"T", u"spam %d" % n, "chat"))
        wait_for(lambda: transport.hanging.get() == 4, "four hanging requests")
        clock.advance(lanes.SLOW_MILLIS / 1000.0 + 1)
        subscribe(app, u"alice", u"phone", u"https://push.example/alice")
        sender.send_to_user(u"alice", Notification(u"T", u"for alice", "chat"))
        url = transport.answered.poll(5, TimeUnit.SECONDS)
        assert url == u"https://push.example/alice", \
            "alice's push waited behind two users' hanging endpoints (%d hanging)" % (
                transport.hanging.get(),)
    finally:
        transport.release.countDown()
        app.webpush.stop()


def test_a_429_for_one_users_subscription_does_not_close_the_host_to_others():
    """findings-13 S5-13-2: push services answer 429 per device; the breaker (and one at a
    time) is for hosts that do not answer at all."""
    statuses = []

    def per_subscription(url, headers, body_bytes):
        statuses.append(url)
        return PushAnswer(429 if url.endswith(u"/carol") else 201)
    openfire, app = _app(per_subscription, retries=0)
    sender = app.webpush.sender
    try:
        subscribe(app, u"carol", u"phone", u"https://push.example/carol")
        subscribe(app, u"alice", u"phone", u"https://push.example/alice")
        for n in range(lanes.BREAKER_FAILURES + 1):
            sender.send_to_user(u"carol", Notification(u"T", u"n%d" % n, "chat"))
        for n in range(5):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
        wait_for(lambda: sender.counts()["sent"] == 5, "alice's five: %r" % sender.counts())
        counts = sender.counts()
        assert counts["circuit_open"] == 0 and counts["breaker_opened"] == 0, counts
    finally:
        app.webpush.stop()


def test_users_are_served_round_robin():
    """findings-13 S5-13-6: with one thread, the users waiting take turns."""
    first = CountDownLatch(1)
    order = LinkedBlockingQueue()

    def recording(url, headers, body_bytes):
        order.put(url.split(u"/")[-1])
        if order.size() == 1:
            getattr(first, "await")(WAIT_SECONDS, TimeUnit.SECONDS)
        return PushAnswer(201)
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw")
    openfire.set_property(config.WEBPUSH_THREADS.key, u"1")
    app = build_services(openfire, Clock(), push_transport=recording)
    sender = app.webpush.sender
    try:
        for user in (u"alice", u"bob", u"carol"):
            subscribe(app, user, u"phone", u"https://%s.example/%s" % (user, user))
        for user, times in ((u"alice", 3), (u"bob", 2), (u"carol", 2)):
            for n in range(times):
                sender.send_to_user(user, Notification(u"T", u"n%d" % n, "chat"))
        wait_for(lambda: sender._lanes.waiting() == 6, "six deliveries waiting")
        first.countDown()
        served = [order.poll(WAIT_SECONDS, TimeUnit.SECONDS) for _ in range(7)]
        assert served == [u"alice", u"alice", u"bob", u"carol", u"alice", u"bob", u"carol"], \
            "not round robin: %r" % served
    finally:
        first.countDown()
        app.webpush.stop()


def test_failed_hosts_are_forgotten_once_idle():
    """findings-13 S5-13-3: a failing host was remembered for ever; a user with wildcard DNS
    grew the map with every new host name."""
    counted = []
    delivery_lanes = lanes.DeliveryLanes(lambda function: function(), 4, 100000, Clock(),
                                         counted.append)
    for n in range(lanes.MAX_HOSTS + 500):   # many users: one user's breaker would stop it
        delivery_lanes.offer(lanes.Delivery(u"mallory%d" % n, u"https://h%d.evil.example" % n,
                                            lambda: False))
    # the map is swept at most once a second unless it has doubled (S6-13-5): the clock stands
    assert len(delivery_lanes._hosts) <= 2 * lanes.MAX_HOSTS + 1, \
        "%d hosts remembered" % len(delivery_lanes._hosts)


class _Pool(object):
    """A cached thread pool and a scheduler for DeliveryLanes under test."""

    def __init__(self):
        from java.util.concurrent import Executors
        self.threads = Executors.newCachedThreadPool()
        self.later = Executors.newSingleThreadScheduledExecutor()

    def submit(self, function):
        from sparkweb.push.sender import _task
        from sparkweb.log import RepeatedFailures, logger
        self.threads.execute(_task(function, RepeatedFailures(logger("test"), "test")))

    def schedule(self, millis, function):
        from sparkweb.push.sender import _task
        from sparkweb.log import RepeatedFailures, logger
        self.later.schedule(_task(function, RepeatedFailures(logger("test"), "test")), millis,
                            TimeUnit.MILLISECONDS)

    def stop(self):
        self.threads.shutdownNow()
        self.later.shutdownNow()


def _hanging(release, started=None):
    def run():
        if started is not None:
            started.countDown()
        getattr(release, "await")(WAIT_SECONDS, TimeUnit.SECONDS)
        return False
    return run


def test_a_waiting_push_starts_when_the_running_ones_turn_slow_without_another_offer():
    """S6-13-1: the pump ran only on an offer or a finish, so a delivery waiting behind hung
    requests started only when one of them ended (up to connect + read seconds)."""
    from java.lang import System
    slow = lanes.SLOW_MILLIS
    lanes.SLOW_MILLIS = 500
    pool, release, ran = _Pool(), CountDownLatch(1), CountDownLatch(1)
    started = CountDownLatch(2)
    delivery_lanes = lanes.DeliveryLanes(pool.submit, 2, 1000, System.currentTimeMillis,
                                         lambda name: None)
    delivery_lanes._schedule = pool.schedule   # as the sender's scheduler is given
    try:
        for n in range(2):
            delivery_lanes.offer(lanes.Delivery(u"mallory", u"https://tarpit.example",
                                                _hanging(release, started)))
        assert getattr(started, "await")(5, TimeUnit.SECONDS), "the hanging ones did not start"
        delivery_lanes.offer(lanes.Delivery(u"alice", u"https://push.example",
                                            lambda: ran.countDown() or True))
        assert delivery_lanes.waiting() == 1, "alice's push did not wait"
        assert getattr(ran, "await")(lanes.SLOW_MILLIS + 2000, TimeUnit.MILLISECONDS), \
            "alice's push stayed waiting after the running ones turned slow"
    finally:
        lanes.SLOW_MILLIS = slow
        release.countDown()
        pool.stop()


def test_a_delivery_that_made_no_request_leaves_the_breaker_as_it_was():
    """S6-13-2: a delivery that never contacted the host (subscription deleted meanwhile,
    expired, refused address, unbuildable) counted as an answer: it closed the breaker."""
    clock = Clock()
    delivery_lanes = lanes.DeliveryLanes(lambda function: function(), 4, 1000, clock,
                                         lambda name: None)
    for n in range(lanes.BREAKER_FAILURES):
        delivery_lanes.offer(lanes.Delivery(u"u%d" % n, u"https://dead.example", lambda: False))
    host = delivery_lanes._hosts[u"https://dead.example"]
    assert host.open_until > clock(), "the breaker did not open"
    clock.advance((lanes.BREAKER_MILLIS + 1) / 1000.0)
    delivery_lanes.offer(lanes.Delivery(u"v", u"https://dead.example", lambda: None))
    assert host.failures >= lanes.BREAKER_FAILURES, \
        "the breaker closed (failures %d) without the host answering" % host.failures
    delivery_lanes.offer(lanes.Delivery(u"w", u"https://dead.example", lambda: True))
    assert host.failures == 0, "an answer did not close the breaker"


def test_a_users_dead_device_does_not_hold_back_their_working_phone():
    """S6-13-3: only the lane's head was looked at; after one no-answer the dead host takes one
    request at a time, and the phone's delivery behind a waiting dead-host one waited too."""
    pool, release, phone = _Pool(), CountDownLatch(1), CountDownLatch(1)
    started = CountDownLatch(1)
    from java.lang import System
    delivery_lanes = lanes.DeliveryLanes(pool.submit, 4, 1000, System.currentTimeMillis,
                                         lambda name: None)
    try:
        failed = CountDownLatch(1)
        delivery_lanes.offer(lanes.Delivery(u"carol", u"https://dead.example",
                                            lambda: failed.countDown() or False))
        assert getattr(failed, "await")(5, TimeUnit.SECONDS), "fixture"
        wait_for(lambda: delivery_lanes._running == 0, "the failed delivery finishing", 5)
        delivery_lanes.offer(lanes.Delivery(u"carol", u"https://dead.example",
                                            _hanging(release, started)))
        assert getattr(started, "await")(5, TimeUnit.SECONDS), "the hanging one did not start"
        delivery_lanes.offer(lanes.Delivery(u"carol", u"https://dead.example",
                                            _hanging(release)))
        delivery_lanes.offer(lanes.Delivery(u"carol", u"https://phone.example",
                                            lambda: phone.countDown() or True))
        assert getattr(phone, "await")(2, TimeUnit.SECONDS), \
            "carol's phone waited behind her dead device (waiting %d)" % delivery_lanes.waiting()
    finally:
        release.countDown()
        pool.stop()


def test_an_expired_subscription_pruned_at_a_dead_host_leaves_its_breaker_open():
    """S6-13-2 through the sender: a delivery that pruned its expired subscription without a
    request counted as the host's answer and closed its breaker."""
    from jtest_webpush import browser_keys
    from sparkweb.openfire.facade import PushSubscriptionRecord
    clock = Clock()
    transport = TarpitTransport()
    openfire, app = _app(transport, retries=0, clock=clock)
    sender = app.webpush.sender
    try:
        subscribe(app, u"alice", u"phone", u"https://bad.example/alice")
        for n in range(lanes.BREAKER_FAILURES):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
            wait_for(lambda: transport.bad_requests.get() == n + 1, "no-answer %d" % (n + 1))
        wait_for(lambda: sender.counts()["breaker_opened"] == 1, "the breaker opening")
        clock.advance((lanes.BREAKER_MILLIS + 1) / 1000.0)
        keys = browser_keys()
        openfire.save_push_subscription(PushSubscriptionRecord(
            u"bob", u"old", u"https://bad.example/bob", keys["p256dh"], keys["auth"],
            clock() - 1000, clock()), 10)
        sender.send_to_user(u"bob", Notification(u"T", u"expired", "chat"))
        wait_for(lambda: sender.counts()["pruned"] == 1, "the expired subscription pruned")
        wait_for(lambda: sender._lanes._running == 0, "the delivery finishing")
        host = sender._lanes._hosts[u"https://bad.example"]
        assert host.failures >= lanes.BREAKER_FAILURES, \
            "the breaker closed (failures %d) without a request to the host" % host.failures
    finally:
        app.webpush.stop()


class _OutageTransport(object):
    """shared.example gives no answer while ``down``; every answer is recorded."""

    def __init__(self):
        self.down = True
        self.answered = LinkedBlockingQueue()

    def __call__(self, url, headers, body_bytes):
        if self.down:
            raise IOError("read timed out")
        self.answered.put(url)
        return PushAnswer(201)


def test_a_push_skipped_by_an_open_breaker_is_sent_once_the_host_is_back():
    """S6-13-8: three no-answers from a shared push service (a short outage) opened its breaker,
    and every user's notification to it was dropped for the breaker's minute."""
    from java.lang import System
    breaker = lanes.BREAKER_MILLIS
    lanes.BREAKER_MILLIS = 3000
    transport = _OutageTransport()
    openfire, app = _app(transport, retries=1, clock=System.currentTimeMillis)
    sender = app.webpush.sender
    try:
        subscribe(app, u"alice", u"phone", u"https://shared.example/alice")
        subscribe(app, u"bob", u"phone", u"https://shared.example/bob")
        for n in range(lanes.BREAKER_FAILURES):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
        wait_for(lambda: sender.counts()["breaker_opened"] == 1, "the breaker opening", 10)
        transport.down = False
        sender.send_to_user(u"bob", Notification(u"T", u"during the outage", "chat"))
        wait_for(lambda: sender.counts()["circuit_open"] >= 1, "bob's push skipped", 10)
        urls = set()
        deadline = time.time() + 10
        while u"https://shared.example/bob" not in urls and time.time() < deadline:
            url = transport.answered.poll(1, TimeUnit.SECONDS)
            if url is not None:
                urls.add(url)
        assert u"https://shared.example/bob" in urls, \
            "bob's push was lost to the open breaker (counts %r)" % sender.counts()
    finally:
        lanes.BREAKER_MILLIS = breaker
        app.webpush.stop()


def test_waiting_deliveries_of_one_user_read_the_subscriptions_once_not_each():
    """S5-13-9: every delivery that waited re-read its user's subscriptions, so a backlog of
    twenty pushes to one user read the table twenty times; a subscription deleted meanwhile
    must still get nothing."""
    clock = Clock()
    release = CountDownLatch(1)

    def held(url, headers, body_bytes):
        getattr(release, "await")(WAIT_SECONDS, TimeUnit.SECONDS)
        return PushAnswer(201)
    openfire, app = _app(held, clock=clock)
    sender = app.webpush.sender
    reads = AtomicInteger(0)
    read = openfire.push_subscriptions

    def counted(username):
        reads.incrementAndGet()
        return read(username)
    openfire.push_subscriptions = counted
    try:
        subscribe(app, u"alice", u"phone", u"https://push.example/alice")
        subscribe(app, u"alice", u"old", u"https://push.example/old")
        for n in range(10):
            sender.send_to_user(u"alice", Notification(u"T", u"n%d" % n, "chat"))
        wait_for(lambda: sender._lanes.waiting() == 18, "eighteen deliveries waiting")
        openfire.delete_push_subscription(u"alice", device=u"old")
        clock.advance(2)   # they waited: each re-checks before sending
        reads.set(0)
        release.countDown()
        wait_for(lambda: sender.counts()["sent"] + sender.counts()["unsubscribed"] == 20,
                 "every delivery done")
        # the two running when "old" was deleted may have been either device's
        assert sender.counts()["unsubscribed"] >= 8, "counts %r" % sender.counts()
        assert reads.get() <= 3, "eighteen waiting deliveries read the table %d times" % reads.get()
    finally:
        release.countDown()
        app.webpush.stop()


def test_a_failed_host_awaiting_its_breakers_trial_is_not_forgotten():
    """S6-13-5: forgetting idle hosts also forgot one whose breaker time was over but whose
    trial had not happened; its next deliveries started with full concurrency."""
    clock = Clock()
    most = lanes.MAX_HOSTS
    lanes.MAX_HOSTS = 10
    try:
        delivery_lanes = lanes.DeliveryLanes(lambda function: function(), 4, 1000, clock,
                                             lambda name: None)
        for n in range(lanes.BREAKER_FAILURES):
            delivery_lanes.offer(lanes.Delivery(u"u%d" % n, u"https://dead.example",
                                                lambda: False))
        clock.advance(lanes.BREAKER_MILLIS / 1000.0 + 2)   # and a sweep is due
        for n in range(15):
            delivery_lanes.offer(lanes.Delivery(u"v%d" % n, u"https://ok%d.example" % n,
                                                lambda: True))
        assert len(delivery_lanes._hosts) <= 2 * lanes.MAX_HOSTS + 1, "not swept"
        host = delivery_lanes._hosts.get(u"https://dead.example")
        assert host is not None and host.failures >= lanes.BREAKER_FAILURES, \
            "the failed host was forgotten before its trial"
    finally:
        lanes.MAX_HOSTS = most


def test_fresh_host_names_do_not_evade_the_breaker():
    """S6-13-4: every new host name starts healthy, so a user re-subscribing at fresh names of a
    wildcard-DNS tarpit kept getting requests that hang (and enough such accounts held every
    thread). After USER_BREAKER_HOSTS hosts' first no-answers were the user's, the user's
    deliveries are skipped (handed back for later) while others' still run; and one working
    subscription of the user does not reset that."""
    clock = Clock()
    counted, requests, deferred = [], [], []

    def delivery(username, host, answer):
        def run():
            requests.append((username, host))
            return answer
        return lanes.Delivery(username, host, run, lambda millis: deferred.append(
            (username, host, millis)) or True)
    delivery_lanes = lanes.DeliveryLanes(lambda function: function(), 4, 1000, clock,
                                         counted.append)
    for n in range(getattr(lanes, "USER_BREAKER_HOSTS", 3)):
        delivery_lanes.offer(delivery(u"mallory", u"https://push.example", True))
        delivery_lanes.offer(delivery(u"mallory", u"https://x%d.tarpit.example" % n, False))
    del requests[:]
    delivery_lanes.offer(delivery(u"mallory", u"https://fresh.tarpit.example", False))
    delivery_lanes.offer(delivery(u"alice", u"https://push.example", True))
    assert requests == [(u"alice", u"https://push.example")], \
        "requests while mallory's breaker is open: %r" % requests
    assert counted.count("user_breaker_opened") == 1, "counted %r" % counted
    assert [d[:2] for d in deferred] == [(u"mallory", u"https://fresh.tarpit.example")] and \
        deferred[0][2] == lanes.BREAKER_MILLIS, "deferred %r" % deferred
    clock.advance(lanes.BREAKER_MILLIS / 1000.0 + 1)
    delivery_lanes.offer(delivery(u"mallory", u"https://fresh2.tarpit.example", False))
    delivery_lanes.offer(delivery(u"mallory", u"https://fresh3.tarpit.example", False))
    assert requests[1:] == [(u"mallory", u"https://fresh2.tarpit.example")], \
        "after the breaker time one more fresh host re-opens it: %r" % requests


def test_a_users_own_dead_device_counts_once_for_the_users_breaker():
    """The user's breaker is for many fresh hosts, not for one dead device failing again and
    again (its host's breaker handles that): the user's other devices keep being served."""
    clock = Clock()
    counted, requests = [], []

    def delivery(host, answer):
        def run():
            requests.append(host)
            return answer
        return lanes.Delivery(u"carol", host, run, lambda millis: True)
    delivery_lanes = lanes.DeliveryLanes(lambda function: function(), 4, 1000, clock,
                                         counted.append)
    for n in range(10):
        delivery_lanes.offer(delivery(u"https://dead.example", False))
        delivery_lanes.offer(delivery(u"https://phone.example", True))
        clock.advance(lanes.BREAKER_MILLIS / 1000.0 + 1)   # the dead host's trial each time
    assert "user_breaker_opened" not in counted, "counted %r" % counted
    assert requests.count(u"https://phone.example") == 10, "requests %r" % requests


def test_a_users_breaker_remembers_a_bounded_number_of_users():
    clock = Clock()
    most = lanes.MAX_USERS_TRACKED
    lanes.MAX_USERS_TRACKED = 50
    try:
        delivery_lanes = lanes.DeliveryLanes(lambda function: function(), 4, 100000, clock,
                                             lambda name: None)
        for n in range(500):
            delivery_lanes.offer(lanes.Delivery(u"u%d" % n, u"https://h%d.example" % n,
                                                lambda: False))
            if n % 40 == 0:
                clock.advance(lanes.USER_BREAKER_WINDOW_MILLIS / 1000.0 + 1)
        assert len(delivery_lanes._user_failures) <= 2 * lanes.MAX_USERS_TRACKED, \
            "%d users remembered" % len(delivery_lanes._user_failures)
        for n in range(500):   # all within the window, the clock standing: the hard bound
            delivery_lanes.offer(lanes.Delivery(u"w%d" % n, u"https://w%d.example" % n,
                                                lambda: False))
        assert len(delivery_lanes._user_failures) <= 2 * lanes.MAX_USERS_TRACKED, \
            "%d users remembered within the window" % len(delivery_lanes._user_failures)
    finally:
        lanes.MAX_USERS_TRACKED = most


def test_while_half_open_a_host_gets_one_request_and_the_others_wait():
    """S6-13-7: after the breaker time one trial request goes to the host; other deliveries to
    it wait for the trial's answer (not skipped, not sent alongside), then all go."""
    clock, pool, release = Clock(), _Pool(), CountDownLatch(1)
    counted, started = [], AtomicInteger(0)
    delivery_lanes = lanes.DeliveryLanes(pool.submit, 4, 1000, clock, counted.append,
                                         pool.schedule)

    def trial():
        started.incrementAndGet()
        getattr(release, "await")(WAIT_SECONDS, TimeUnit.SECONDS)
        return True
    try:
        for n in range(lanes.BREAKER_FAILURES):
            delivery_lanes.offer(lanes.Delivery(u"u%d" % n, u"https://dead.example",
                                                lambda: False))
        wait_for(lambda: "breaker_opened" in counted and delivery_lanes._running == 0,
                 "the breaker opening: %r" % counted, 5)
        clock.advance(lanes.BREAKER_MILLIS / 1000.0 + 1)
        for n in range(3):
            delivery_lanes.offer(lanes.Delivery(u"v%d" % n, u"https://dead.example", trial))
        wait_for(lambda: started.get() >= 1, "the trial starting", 5)
        time.sleep(0.5)
        assert started.get() == 1 and delivery_lanes.waiting() == 2, \
            "half open: %d requests started, %d waiting" % (started.get(),
                                                             delivery_lanes.waiting())
        assert "circuit_open" not in counted, "deliveries were skipped: %r" % counted
        release.countDown()
        wait_for(lambda: started.get() == 3, "the others after the trial's answer", 5)
    finally:
        release.countDown()
        pool.stop()
