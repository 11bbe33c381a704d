"""The home node's end of a relayed event stream (issue 17, item 3): attached to the user's
session like a local stream, it sends the events the session offers it to the stream's node.

Order: the session offers events in log order on one delivering thread at a time
(session.delivery); the sink queues their frames and sends them in batches with at most one
batch in flight: the next leaves only when the stream's node has acknowledged the last.
Hazelcast runs cluster tasks on a pool, so two messages in flight could arrive swapped; one at
a time cannot.

Bounds: the queue holds at most the events and bytes a local stream would
(``sparkweb.sse.queueEvents``, ``queueBytes``) and a batch at most ``batch_bytes`` (and at
least one event). A relay whose node does not take its batch within ``ack_seconds``, or whose
queue overflows meanwhile, is closed like a slow local stream: the browser reconnects.
"""
from __future__ import absolute_import

import jarray

from java.lang import System, Throwable
from java.util.concurrent import ConcurrentLinkedQueue
from java.util.concurrent.atomic import AtomicBoolean, AtomicInteger, AtomicLong

from sparkweb.log import logger

LOG = logger("cluster")
# "A batch is being made": no acknowledgement can match it yet.
_CLAIMED = -1


class RelaySink(object):
    """One relayed stream, seen from its user's home node.

    ``send(number, body)`` sends batch ``number`` (body None: a keepalive);
    ``on_close(sink, tell)`` is called once when it closes, ``tell`` False when the stream's
    node closed it (nothing to tell it then)."""

    def __init__(self, relay, node, username, raw, limits, send, on_close):
        self.id = relay          # the page's stream id, as PUT /webpush/visibility names it
        self.relay = relay
        self.node = node         # where the stream is
        self.username = username
        self.hidden = False      # set on the home node by the forwarded visibility call
        self.claims = None       # its token was checked on the stream's node
        self.raw = raw           # the page asked for raw events: only then are they logged
        self._max_events, self._max_bytes, self._batch_bytes = limits
        self._send = send
        self._on_close = on_close
        self._queue = ConcurrentLinkedQueue()
        self._queued_events = AtomicInteger(0)
        self._queued_bytes = AtomicLong(0)
        self._numbers = AtomicLong(0)
        self._awaiting = AtomicLong(0)     # the batch in flight, _CLAIMED, or 0 for none
        self._sent_nanos = AtomicLong(System.nanoTime())
        self._closed = AtomicBoolean(False)

    @property
    def closed(self):
        return self._closed.get()

    def offer(self, event):
        if event.raw and not self.raw:
            return
        self.offer_bytes(event.frame)

    def offer_bytes(self, chunk):
        if self._closed.get():
            return
        size = len(chunk)
        events = self._queued_events.incrementAndGet()
        queued = self._queued_bytes.addAndGet(size)
        if events > self._max_events or (queued > size and queued > self._max_bytes):
            LOG.info("Closing a relayed event stream of %s: node %s fell behind by %d events"
                     % (self.username, self.node, events))
            self.close()
            return
        self._queue.add(chunk)
        self._send_next()

    def acknowledged(self, number):
        """The stream's node took batch ``number``: the next may go."""
        if self._awaiting.compareAndSet(number, 0):
            self._send_next()

    def check(self, ack_nanos, keepalive_nanos):
        """On the relays' timer thread: closes a relay whose batch went unacknowledged for
        ``ack_nanos``; sends a keepalive after ``keepalive_nanos`` of silence, so that the
        stream's node knows this end still lives."""
        # The batch in flight first, then its send time: a batch sent between the two reads
        # is then judged by its own send time, never by the one before (review S7-R-8).
        awaiting = self._awaiting.get()
        idle = System.nanoTime() - self._sent_nanos.get()
        if awaiting > 0 and idle > ack_nanos:
            LOG.info("Closing a relayed event stream of %s: node %s took no batch for %d s"
                     % (self.username, self.node, idle // 1000000000))
            self.close()
        elif awaiting == 0 and idle > keepalive_nanos and self._awaiting.compareAndSet(
                0, _CLAIMED):
            self._send_batch(None)

    def _send_next(self):
        """Sends the next batch unless one is in flight. An acknowledgement clears the flag
        before looking at the queue, an offer queues before trying the flag: an event is
        never left behind by both."""
        while not self._closed.get() and not self._queue.isEmpty() and \
                self._awaiting.compareAndSet(0, _CLAIMED):
            body = self._take_batch()
            if body is None:      # emptied by close()
                self._awaiting.set(0)
                continue
            self._send_batch(body)
            return

    def _take_batch(self):
        chunks, size = [], 0
        while True:
            chunk = self._queue.peek()
            if chunk is None or (chunks and size + len(chunk) > self._batch_bytes):
                break
            self._queue.poll()
            chunks.append(chunk)
            size += len(chunk)
        if not chunks:
            return None
        self._queued_events.addAndGet(-len(chunks))
        self._queued_bytes.addAndGet(-size)
        return chunks[0] if len(chunks) == 1 else _joined(chunks, size)

    def _send_batch(self, body):
        number = self._numbers.incrementAndGet()
        self._sent_nanos.set(System.nanoTime())
        self._awaiting.set(number)
        try:
            self._send(number, body)
        except (Exception, Throwable) as error:     # the node left: the stream is gone
            LOG.info("A relayed event stream of %s could not reach node %s: %s"
                     % (self.username, self.node, error))
            self.close(tell=False)

    def close(self, tell=True):
        if self._closed.compareAndSet(False, True):
            self._queue.clear()
            self._queued_events.set(0)
            self._queued_bytes.set(0)
            self._on_close(self, tell)

    def queued(self):
        """Events waiting here (for tests and the settings page)."""
        return self._queued_events.get()


def _joined(chunks, size):
    joined = jarray.zeros(size, "b")
    offset = 0
    for chunk in chunks:
        System.arraycopy(chunk, 0, joined, offset, len(chunk))
        offset += len(chunk)
    return joined
