"""Hands a session's events to its streams in log order, on one thread at a time (issue 16).

Publishers (Openfire's routing threads, REST requests echoing a sent message) queue what they
logged, with the streams attached at that moment, and call :meth:`Deliveries.deliver`: the
thread that finds no delivery under way drains the queue, the others return at once. Offers
never block (a stream queues, or closes when full), so a drain ends; a thread that queued
just as the drainer let go finds the flag free and drains itself.

One drain run is bounded (S6-R-2): a publisher delivers at most ``RUN_DELIVERIES`` queued
deliveries (its own and what others queued meanwhile), then hands the rest to a small shared
pool (:class:`Continuations`) and returns, so that a routing thread or a REST request is not
kept writing other publishers' events. The flag stays taken while the rest waits in the pool:
later publishers only queue, and order is kept. Without a pool (stopped, or full) the
publisher goes on draining itself: late, never lost.

Nothing a stream or an event raises leaves the drain (S6-R-1): a failing stream is closed
(and a failing close only logged), an event whose frame cannot be built is skipped for all
streams, and the queue is never left behind with the flag taken.
"""
from __future__ import absolute_import

from java.lang import Runnable, Thread, Throwable
from java.util.concurrent import (ConcurrentLinkedQueue, LinkedBlockingQueue,
                                  RejectedExecutionException, ThreadFactory,
                                  ThreadPoolExecutor, TimeUnit)
from java.util.concurrent.atomic import AtomicBoolean

from sparkweb.log import log_failure, logger

LOG = logger("session")

# Deliveries one drain run offers before it hands the rest to the pool. A delivery is one
# published stanza's events (or one stream's replay); a publisher that finds the queue empty
# delivers its own and, typically, a few others that arrived meanwhile.
RUN_DELIVERIES = 8
# Sessions whose rest waits for a pool thread before publishers drain again themselves.
CONTINUATION_BACKLOG = 10000


class _Delivery(object):
    """Events to offer, in order, to the streams attached when they were logged."""
    __slots__ = ("events", "streams")

    def __init__(self, events, streams):
        self.events = events
        self.streams = streams


class _BrokenEvent(Exception):
    """The event itself cannot be offered (its frame fails to build): not the stream's fault."""


class Deliveries(object):
    def __init__(self, username, continuations=None):
        self._username = username            # for the log only
        self._continuations = continuations  # a Continuations, or None: drain to the end
        self._queue = ConcurrentLinkedQueue()    # _Delivery, in the order add() was called
        self._draining = AtomicBoolean(False)
        self._rest = _Rest(self)

    def add(self, events, streams):
        """Queues ``events`` for ``streams``. The caller holds the session's lock, so that the
        queue's order is the log's."""
        self._queue.add(_Delivery(events, streams))

    def deliver(self):
        """Offers what is queued, unless another thread (or the pool) is at it."""
        while not self._queue.isEmpty() and self._draining.compareAndSet(False, True):
            if self._drain_run():
                return      # the rest went to the pool, which holds the flag now

    def continue_delivering(self):
        """The pool's part: holds the flag already (handed over by _drain_run)."""
        if self._drain_run():
            return
        self.deliver()      # queued just as the flag was let go: another run

    def _drain_run(self):
        """Offers up to RUN_DELIVERIES deliveries; True when the rest was handed to the pool
        (the flag stays taken), False when the queue was found empty (the flag is free)."""
        handed_over = False
        try:
            for _ in range(RUN_DELIVERIES):
                delivery = self._queue.poll()
                if delivery is None:
                    return False
                self._offer_all(delivery)
            handed_over = not self._queue.isEmpty() and self._hand_over()
            if not handed_over:
                while self._drain_some():     # no pool: drain to the end, as before
                    pass
            return handed_over
        finally:
            if not handed_over:
                self._draining.set(False)

    def _drain_some(self):
        delivery = self._queue.poll()
        if delivery is None:
            return False
        self._offer_all(delivery)
        return True

    def _hand_over(self):
        return self._continuations is not None and self._continuations.submit(self._rest)

    def _offer_all(self, delivery):
        for event in delivery.events:
            for stream in delivery.streams:
                try:
                    self._offer_quietly(stream, event)
                except _BrokenEvent:
                    log_failure(LOG, "An event for %s could not be encoded; skipped"
                                % self._username)
                    break

    def _offer_quietly(self, stream, event):
        """One stream failing must not stop the delivery of this event to the others, nor of
        later events (the drainer is some publisher's thread)."""
        try:
            stream.offer(event)
        except (Exception, Throwable):
            if not _encodes(event):
                raise _BrokenEvent()
            log_failure(LOG, "Offering an event to a stream of %s failed" % self._username)
            _close_quietly(stream, self._username)


def _encodes(event):
    """Whether the event's frame can be built (raw events build it on first use)."""
    try:
        event.frame
        return True
    except (Exception, Throwable):
        return False


def _close_quietly(stream, username):
    try:
        stream.close()
    except (Exception, Throwable):
        log_failure(LOG, "Closing a failed stream of %s failed" % username)


class _Rest(Runnable):
    """The rest of one session's queue, as a task for the pool."""

    def __init__(self, deliveries):
        self._deliveries = deliveries

    def run(self):
        self._deliveries.continue_delivering()


class Continuations(object):
    """The shared pool that takes over a drain run's rest. Two daemon threads that end when
    idle; ``stop()`` (plugin stop) ends them."""

    def __init__(self, threads=2):
        self._pool = ThreadPoolExecutor(threads, threads, 5, TimeUnit.SECONDS,
                                        LinkedBlockingQueue(CONTINUATION_BACKLOG),
                                        _DaemonThreads())
        self._pool.allowCoreThreadTimeOut(True)

    def submit(self, task):
        """False when the pool is stopped or full: the caller drains itself."""
        try:
            self._pool.execute(task)
            return True
        except RejectedExecutionException:
            return False

    def stop(self):
        """Ends the threads; what they still hold is delivered first (at most a few runs)."""
        self._pool.shutdown()
        if not self._pool.awaitTermination(5, TimeUnit.SECONDS):
            self._pool.shutdownNow()


class _DaemonThreads(ThreadFactory):
    def newThread(self, runnable):
        thread = Thread(runnable, "sparkweb-delivery")
        thread.setDaemon(True)
        return thread
