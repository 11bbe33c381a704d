"""Hands a session's events to its streams in log order, on one thread at a time (issue 16).

Publishers (Openfire's routing threads, REST requests echoing a sent message) queue what they
logged, with the streams attached at that moment, and call :meth:`Deliveries.deliver`: the
thread that finds no delivery under way drains the queue, the others return at once. Offers
never block (a stream queues, or closes when full), so draining ends once the queue is empty;
a thread that queued just as the drainer let go finds the flag free and drains itself.

Nothing a stream or an event raises leaves the drain (S6-R-1): a failing stream is closed
(and a failing close only logged), an event whose frame cannot be built is skipped for all
streams, and the queue is never left behind with the flag taken.
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


class _BrokenEvent(Exception):
    """The event itself cannot be offered (its frame fails to build): not the stream's fault."""


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
                    self._offer_all(delivery)
                    delivery = self._queue.poll()
            finally:
                self._draining.set(False)

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
