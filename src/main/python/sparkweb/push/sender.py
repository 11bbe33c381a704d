"""Sends notifications to every subscription of a user, off the caller's thread.

Callers (message routing among them) only queue: a bounded pool with a bounded queue does the
database read, the encryption and the request, so a slow or dead push service never slows
delivery; when the queue is full the notification is dropped and counted. Per answer of the
push service (RFC 8030):

- 2xx: sent;
- 404, 410: the subscription is gone (unsubscribed, expired) and is deleted;
- 429, 5xx, no answer: sent again up to ``sparkweb.webpush.retries`` times, after 1, 2, 4 ...
  seconds or the ``Retry-After`` the service asked for, whichever is longer (at most 5 min);
- anything else (400, 403 after a key rotation, 413): failed, counted;
- a subscription whose request cannot be built (corrupt keys): failed, counted, the user's
  other subscriptions still served.

A retry, and a send late in a slow fan-out, first checks that the subscription is still stored
(counted ``unsubscribed`` if not). At most ``MAX_PENDING_RETRIES`` retries wait at a time; beyond, they are dropped and counted
(``retry_dropped``).

Requests go out through the guarded outbound client (``transport``); an endpoint it refuses
(an address not allowed) is counted as refused, never retried.
"""
from __future__ import absolute_import

from java.lang import Runnable, Thread, Throwable
from java.util.concurrent import (ArrayBlockingQueue, Executors, RejectedExecutionException,
                                  ThreadFactory, ThreadPoolExecutor, TimeUnit)
from java.util.concurrent.atomic import AtomicLong

from sparkweb import config
from sparkweb.log import RepeatedFailures, logger

LOG = logger("webpush")
MAX_RETRY_DELAY_SECONDS = 300
COUNTERS = ("queued", "sent", "dropped", "failed", "refused", "pruned", "retried",
            "retry_dropped", "unsubscribed", "limited")
# A fan-out to slow endpoints takes a while: after this long, the subscription list is read again
# before the next send, so that one the user deleted meanwhile gets nothing more.
RECHECK_AFTER_MILLIS = 1000


class TransportRefused(Exception):
    """The outbound client refused the endpoint (its address is not allowed)."""


class PushAnswer(object):
    def __init__(self, status, retry_after=None):
        self.status = status
        self.retry_after = retry_after   # the Retry-After header's text, if any


class _Task(Runnable):
    def __init__(self, function, failures):
        self._function = function
        self._failures = failures

    def run(self):
        try:
            self._function()
        except (Exception, Throwable):   # one bad notification must not end the worker
            self._failures.failed()
            return
        self._failures.succeeded()


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
        self._pool = ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                                        ArrayBlockingQueue(settings.get(config.WEBPUSH_QUEUE)),
                                        _DaemonThreads("sparkweb-push"))
        self._pool.allowCoreThreadTimeOut(True)
        self._later = Executors.newSingleThreadScheduledExecutor(
            _DaemonThreads("sparkweb-push-retry"))
        self._failures = RepeatedFailures(LOG, "Sending a push notification")
        self._counts = dict((name, AtomicLong(0)) for name in COUNTERS)
        self._pending_retries = AtomicLong(0)

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
            self._pool.execute(_Task(function, self._failures))
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
            if self._clock() - read_at > RECHECK_AFTER_MILLIS:
                if not self._still_stored(subscription):
                    continue
            try:   # one subscription that cannot be sent to must not cost the others theirs
                self._deliver(subscription, notification, payload, 0)
            except (Exception, Throwable):
                self._count("failed")
                self._failures.failed()

    def _still_stored(self, subscription):
        """Whether the user still has this very subscription (same endpoint and keys): one
        deleted (unsubscribed, account deleted) or replaced since it was read gets nothing."""
        for stored in self._openfire.push_subscriptions(subscription.username):
            if stored.endpoint == subscription.endpoint and stored.p256dh == \
                    subscription.p256dh and stored.auth == subscription.auth:
                return True
        self._count("unsubscribed")
        return False

    def _deliver(self, subscription, notification, payload, attempt):
        if attempt > 0 and not self._still_stored(subscription):   # a retry, seconds later
            return
        if subscription.expiration_time is not None and \
                subscription.expiration_time <= self._clock():
            self._prune(subscription)
            return
        try:
            request = self._builder.build(subscription, payload, self._settings.get(
                config.WEBPUSH_TTL), notification.urgency, notification.topic)
        except (Exception, Throwable):   # corrupt keys: this subscription only
            self._count("failed")
            self._failures.failed()
            return
        try:
            answer = self._transport(request.url, request.headers, request.body)
        except TransportRefused:
            self._count("refused")
            return
        except (Exception, Throwable):   # no answer: as a 5xx
            answer = PushAnswer(503)
        self._judge(subscription, notification, payload, attempt, answer)

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
                return
            self._count("retried")
            self._retry_later(subscription, notification, payload, attempt + 1,
                              retry_delay_seconds(attempt, answer.retry_after))
        else:
            self._count("failed")
            LOG.debug("A push service answered %d; notification not delivered" % status)

    def _retry_later(self, subscription, notification, payload, attempt, delay_seconds):
        def again():
            self._pending_retries.decrementAndGet()
            if not self.submit(lambda: self._deliver(subscription, notification, payload,
                                                     attempt)):
                LOG.debug("Push retry dropped: the sending queue is full")
        try:
            self._later.schedule(_Task(again, self._failures), delay_seconds, TimeUnit.SECONDS)
        except RejectedExecutionException:   # stopping
            self._pending_retries.decrementAndGet()

    def _prune(self, subscription):
        self._openfire.delete_push_subscription(subscription.username,
                                                endpoint=subscription.endpoint)
        self._count("pruned")

    def stop(self, timeout_seconds=10):
        """Ends both threads pools and waits (bounded) for them: nothing of an unloaded plugin
        runs on."""
        self._later.shutdownNow()
        self._pool.shutdownNow()
        for executor in (self._later, self._pool):
            if not executor.awaitTermination(timeout_seconds, TimeUnit.SECONDS):
                LOG.warn("SparkWeb's push threads did not end within %d s." % timeout_seconds)
