"""Sends notifications to every subscription of a user, off the caller's thread.

Callers (message routing among them) only queue: a bounded pool with a bounded queue does the
database read, the encryption and the request, so a slow or dead push service never slows
delivery; when the queue is full the notification is dropped and counted. Per answer of the
push service (RFC 8030):

- 2xx: sent;
- 404, 410: the subscription is gone (unsubscribed, expired) and is deleted;
- 429, 5xx, no answer: sent again up to ``sparkweb.webpush.retries`` times, after 1, 2, 4 ...
  seconds or the ``Retry-After`` the service asked for, whichever is longer (at most 5 min);
  a delivery skipped while its host's breaker is open is offered again when it closes, within
  the same budget;
- anything else (400, 403 after a key rotation, 413): failed, counted;
- a subscription whose request cannot be built (corrupt keys): failed, counted, the user's
  other subscriptions still served.

Each subscription's delivery waits in its user's lane (push.lanes): a user's deliveries run at
most two at a time, a failing or slow push-service host gets one thread, and a host that keeps
failing is skipped for a minute (``circuit_open``), so one user's slow or hostile endpoints
cannot hold the pool. A delivery that waited, and every retry, first checks that the
subscription is still stored (counted ``unsubscribed`` if not), on a read of the user's
subscriptions made after it was queued and shared with the user's other waiting deliveries for
``SNAPSHOT_MILLIS``. At most ``MAX_PENDING_RETRIES`` retries wait at a time; beyond, they are dropped and counted
(``retry_dropped``).

Requests go out through the guarded outbound client (``transport``); an endpoint it refuses
(an address not allowed) is counted as refused, never retried, and after
``PRUNE_AFTER_REFUSALS`` refusals for its address in a row over an hour deleted (``pruned``).
"""
from __future__ import absolute_import

from java.lang import Thread, Throwable
from java.util.concurrent import (ArrayBlockingQueue, ConcurrentHashMap, Executors,
                                  LinkedBlockingQueue, RejectedExecutionException,
                                  ThreadFactory, ThreadPoolExecutor, TimeUnit)
from java.util.concurrent.atomic import AtomicLong

from sparkweb import config
from sparkweb.log import RepeatedFailures, logger
from sparkweb.push.encryption import origin
from sparkweb.push.lanes import MAX_THREADS_FACTOR, Delivery, DeliveryLanes

LOG = logger("webpush")
MAX_RETRY_DELAY_SECONDS = 300
COUNTERS = ("queued", "sent", "dropped", "failed", "refused", "pruned", "retried",
            "retry_dropped", "unsubscribed", "limited", "circuit_open", "breaker_opened",
            "user_breaker_opened")
# A fan-out to slow endpoints takes a while: after this long, the subscription list is read again
# before the next send, so that one the user deleted meanwhile gets nothing more.
RECHECK_AFTER_MILLIS = 1000
# Deliveries re-checking within this long of another's read of the same user's subscriptions
# share it (a read made after they were queued, so a deletion before that is still seen).
SNAPSHOT_MILLIS = 250
MAX_SNAPSHOTS = 10000
PRUNE_AFTER_REFUSALS = 3
PRUNE_AFTER_MILLIS = 3600 * 1000
MAX_TRACKED_REFUSALS = 10000


class TransportRefused(Exception):
    """The outbound client refused the endpoint (its address is not allowed)."""


class PushAnswer(object):
    def __init__(self, status, retry_after=None):
        self.status = status
        self.retry_after = retry_after   # the Retry-After header's text, if any


def _task(function, failures):
    """``function`` as a task for the pools, its outcome counted. A Python function, which
    Jython hands to Java as a plain proxy: an object of a Python class with Java bases (a
    Runnable subclass) would get a finalizer, at a cost per notification (see
    http.body_reader.arrived_whole)."""
    def run():
        try:
            function()
        except (Exception, Throwable):   # one bad notification must not end the worker
            failures.failed()
            return
        failures.succeeded()
    return run


class _DaemonThreads(ThreadFactory):
    def __init__(self, name):
        self._name = name
        self._count = AtomicLong(0)

    def newThread(self, runnable):
        thread = Thread(runnable, "%s-%d" % (self._name, self._count.incrementAndGet()))
        thread.setDaemon(True)
        return thread


def retry_delay_seconds(attempt, retry_after):
    """1, 2, 4 ... seconds for the attempt-th retry, or longer if the service asked."""
    delay = 2 ** attempt
    if retry_after:
        try:
            delay = max(delay, int(retry_after.strip()))
        except ValueError:
            pass   # an HTTP date: the exponential delay stands
    return min(delay, MAX_RETRY_DELAY_SECONDS)


class PushSender(object):
    # Retries waiting for their time; beyond, a retry is dropped and counted: a push service
    # failing for hours must not grow the scheduler's queue without bound.
    MAX_PENDING_RETRIES = 1000
    """``builder`` makes the encrypted request (push.encryption.RequestBuilder); ``transport``
    sends it: ``transport(url, headers, body)`` -> PushAnswer, raising
    TransportRefused or any other error for no answer."""

    def __init__(self, openfire, settings, builder, transport, clock):
        self._openfire = openfire
        self._settings = settings
        self._builder = builder
        self._transport = transport
        self._clock = clock
        threads = settings.get(config.WEBPUSH_THREADS)
        # Fan-outs (reading a user's subscriptions) queue here, bounded; the deliveries they make
        # wait in the lanes, which hand the delivery threads no more than there are, so that
        # queue never grows and a delivery is never refused for a queue full of fan-outs.
        self._pool = ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                                        ArrayBlockingQueue(settings.get(config.WEBPUSH_QUEUE)),
                                        _DaemonThreads("sparkweb-push"))
        self._pool.allowCoreThreadTimeOut(True)
        most = threads * MAX_THREADS_FACTOR   # threads waiting on hanging hosts count apart
        self._delivering = ThreadPoolExecutor(most, most, 30, TimeUnit.SECONDS,
                                              LinkedBlockingQueue(),
                                              _DaemonThreads("sparkweb-push-send"))
        self._delivering.allowCoreThreadTimeOut(True)
        self._later = Executors.newSingleThreadScheduledExecutor(
            _DaemonThreads("sparkweb-push-retry"))
        self._failures = RepeatedFailures(LOG, "Sending a push notification")
        self._counts = dict((name, AtomicLong(0)) for name in COUNTERS)
        self._pending_retries = AtomicLong(0)
        self._refusals = ConcurrentHashMap()   # endpoint -> refusals in a row
        self._snapshots = ConcurrentHashMap()  # username -> (read at, their subscriptions)
        self._lanes = DeliveryLanes(lambda function: self._delivering.execute(
            _task(function, self._failures)), threads, settings.get(config.WEBPUSH_QUEUE),
            clock, self._count, lambda millis, function: self._later.schedule(
                _task(function, self._failures), millis, TimeUnit.MILLISECONDS))

    def counts(self):
        return dict((name, counter.get()) for name, counter in self._counts.items())

    def _count(self, name):
        self._counts[name].incrementAndGet()

    def count(self, name):
        """Counts one of COUNTERS from outside (automatic pushes count ``limited``)."""
        self._count(name)

    def submit(self, function):
        """Runs ``function`` on the pool; False (counted as dropped) when the queue is full."""
        try:
            self._pool.execute(_task(function, self._failures))
        except RejectedExecutionException:
            self._count("dropped")
            return False
        return True

    def send_to_user(self, username, notification, subscriptions=None):
        """Queues ``notification`` (push.notifications.Notification) for all of the user's
        subscriptions (``subscriptions``: the list the caller just read); False when it was
        dropped."""
        queued = self.submit(lambda: self._fan_out(username, notification, subscriptions))
        if queued:
            self._count("queued")
        return queued

    def _fan_out(self, username, notification, subscriptions=None):
        payload = notification.payload_bytes()
        read_at = self._clock()
        if subscriptions is None:
            subscriptions = self._openfire.push_subscriptions(username)
        for subscription in subscriptions:
            self._offer(subscription, notification, payload, 0, read_at)

    def _offer(self, subscription, notification, payload, attempt, read_at):
        try:
            host = origin(subscription.endpoint)
        except (Exception, Throwable):   # no URI (a corrupt row): the sender refuses it anyway
            host = u""
        self._lanes.offer(Delivery(subscription.username, host, lambda: self._guarded(
            subscription, notification, payload, attempt, read_at),
            lambda millis: self._defer(subscription, notification, payload, attempt, millis)))

    def _defer(self, subscription, notification, payload, attempt, millis):
        """A delivery skipped because its host's breaker is open: offered again once the
        breaker time is over, as a retry (the same budget and bound); False when none is left."""
        if attempt >= self._settings.get(config.WEBPUSH_RETRIES):
            return False
        if self._pending_retries.incrementAndGet() > self.MAX_PENDING_RETRIES:
            self._pending_retries.decrementAndGet()
            self._count("retry_dropped")
            return False
        self._count("retried")
        self._retry_later(subscription, notification, payload, attempt + 1,
                          max(1, (millis + 999) // 1000))
        return True

    def _guarded(self, subscription, notification, payload, attempt, read_at):
        """One delivery on a pool thread: whether the push service answered (see
        lanes.Delivery: None when no request was made)."""
        try:   # one subscription that cannot be sent to must not cost the others theirs
            return self._deliver(subscription, notification, payload, attempt, read_at)
        except (Exception, Throwable):
            self._count("failed")
            self._failures.failed()
            return None

    def _stored_since(self, username, read_at):
        """The user's subscriptions as read after ``read_at``: a read by another delivery of the
        user at most SNAPSHOT_MILLIS ago is shared, so that a backlog of waiting deliveries
        reads the table once per user and moment, not once each (S5-13-9)."""
        now = self._clock()
        snapshot = self._snapshots.get(username)
        if snapshot is not None and snapshot[0] > read_at and \
                now - snapshot[0] <= SNAPSHOT_MILLIS:
            return snapshot[1]
        stored = self._openfire.push_subscriptions(username)
        if self._snapshots.size() >= MAX_SNAPSHOTS:
            self._snapshots.clear()
        self._snapshots.put(username, (now, stored))
        return stored

    def _still_stored(self, subscription, read_at):
        """Whether the user still has this very subscription (same endpoint and keys): one
        deleted (unsubscribed, account deleted) or replaced since it was read gets nothing."""
        for stored in self._stored_since(subscription.username, read_at):
            if stored.endpoint == subscription.endpoint and stored.p256dh == \
                    subscription.p256dh and stored.auth == subscription.auth:
                return True
        self._count("unsubscribed")
        return False

    def _deliver(self, subscription, notification, payload, attempt, read_at):
        """True: the push service answered; False: no connection or no answer; None: no
        request was made, which tells nothing about the host (S6-13-2)."""
        if (attempt > 0 or self._clock() - read_at > RECHECK_AFTER_MILLIS) and \
                not self._still_stored(subscription, read_at):   # a retry, or one that waited
            return None
        if subscription.expiration_time is not None and \
                subscription.expiration_time <= self._clock():
            self._prune(subscription)
            return None
        try:
            request = self._builder.build(subscription, payload, self._settings.get(
                config.WEBPUSH_TTL), notification.urgency, notification.topic)
        except (Exception, Throwable):   # corrupt keys: this subscription only
            self._count("failed")
            self._failures.failed()
            return None
        try:
            answer = self._transport(request.url, request.headers, request.body)
        except TransportRefused as refused:
            self._count("refused")
            if self._refused_again(subscription.endpoint, refused.args[0] if refused.args
                                   else None):
                self._prune(subscription)
            return None
        except (Exception, Throwable):   # no answer: as a 5xx, and the host's own failure
            self._judge(subscription, notification, payload, attempt, PushAnswer(503))
            return False
        self._refusals.remove(subscription.endpoint)
        # An answer, even 429 or 5xx, is about this subscription or request: push services
        # carry every user's pushes, and one user's failing subscription must not close the
        # host to all (S5-13-2).
        self._judge(subscription, notification, payload, attempt, answer)
        return True

    def _judge(self, subscription, notification, payload, attempt, answer):
        status = answer.status
        if 200 <= status < 300:
            self._count("sent")
        elif status in (404, 410):
            self._prune(subscription)
        elif (status == 429 or status >= 500) and \
                attempt < self._settings.get(config.WEBPUSH_RETRIES):
            if self._pending_retries.incrementAndGet() > self.MAX_PENDING_RETRIES:
                self._pending_retries.decrementAndGet()
                self._count("retry_dropped")
            else:
                self._count("retried")
                self._retry_later(subscription, notification, payload, attempt + 1,
                                  retry_delay_seconds(attempt, answer.retry_after))
        else:
            self._count("failed")
            LOG.debug("A push service answered %d; notification not delivered" % status)

    def _retry_later(self, subscription, notification, payload, attempt, delay_seconds):
        def again():
            self._pending_retries.decrementAndGet()
            self._offer(subscription, notification, payload, attempt, self._clock())
        try:
            self._later.schedule(_task(again, self._failures), delay_seconds, TimeUnit.SECONDS)
        except RejectedExecutionException:   # stopping
            self._pending_retries.decrementAndGet()

    def _refused_again(self, endpoint, reason):
        """Whether ``endpoint`` is refused for good: its host resolved to an address SparkWeb
        may not reach (reason ``address``) at least PRUNE_AFTER_REFUSALS times in a row over at
        least PRUNE_AFTER_MILLIS. Such a subscription is deleted rather than kept in one of its
        user's slots forever. A failed look-up (``unknown_host``: a resolver hiccup) is never
        grounds to delete."""
        if reason != "address":
            return False
        now = self._clock()
        if self._refusals.size() >= MAX_TRACKED_REFUSALS:
            self._refusals.clear()
        count, first = self._refusals.get(endpoint) or (0, now)
        if count + 1 >= PRUNE_AFTER_REFUSALS and now - first >= PRUNE_AFTER_MILLIS:
            self._refusals.remove(endpoint)
            return True
        self._refusals.put(endpoint, (count + 1, first))
        return False

    def _prune(self, subscription):
        self._openfire.delete_push_subscription(subscription.username,
                                                endpoint=subscription.endpoint)
        self._snapshots.remove(subscription.username)
        self._count("pruned")

    def stop(self, timeout_seconds=10):
        """Ends the thread pools and waits (bounded) for them: nothing of an unloaded plugin
        runs on."""
        executors = (self._later, self._pool, self._delivering)
        for executor in executors:
            executor.shutdownNow()
        for executor in executors:
            if not executor.awaitTermination(timeout_seconds, TimeUnit.SECONDS):
                LOG.warn("SparkWeb's push threads did not end within %d s." % timeout_seconds)
