"""Hands a session's events to its streams in log order, on one thread at a time, with no
thread of its own (issue 16).

Publishers (Openfire's routing threads, REST requests echoing a sent message) queue what they
logged, with the streams attached at that moment, and call :meth:`Deliveries.deliver`: the
thread that finds no delivery under way drains the queue, the others return at once. Offers
never block (a stream queues, or closes when full), so draining ends once the queue is empty;
a thread that queued just as the drainer let go finds the flag free and drains itself.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import ConcurrentLinkedQueue
from java.util.concurrent.atomic import AtomicBoolean

from sparkweb.log import log_failure, logger

LOG = logger("session")


class _Delivery(object):
    """Events to offer, in order, to the streams attached when they were logged."""
    __slots__ = ("events", "streams")

    def __init__(self, events, streams):
        self.events = events
        self.streams = streams


class Deliveries(object):
    def __init__(self, username):
        self._username = username            # for the log only
        self._queue = ConcurrentLinkedQueue()    # _Delivery, in the order add() was called
        self._draining = AtomicBoolean(False)

    def add(self, events, streams):
        """Queues ``events`` for ``streams``. The caller holds the session's lock, so that the
        queue's order is the log's."""
        self._queue.add(_Delivery(events, streams))

    def deliver(self):
        """Offers what is queued, unless another thread is at it (then it does)."""
        while not self._queue.isEmpty() and self._draining.compareAndSet(False, True):
            try:
                delivery = self._queue.poll()
                while delivery is not None:
                    for event in delivery.events:
                        for stream in delivery.streams:
                            self._offer_quietly(stream, event)
                    delivery = self._queue.poll()
            finally:
                self._draining.set(False)

    def _offer_quietly(self, stream, event):
        """One stream failing must not stop the delivery of this event to the others, nor of
        later events (the drainer is some publisher's thread)."""
        try:
            stream.offer(event)
        except (Exception, Throwable):
            log_failure(LOG, "Offering an event to a stream of %s failed" % self._username)
            stream.close()
