"""Event streams opened on a node that is not the user's home node (issue 17, item 3): the home
node relays the session's events to the stream's node.

The stream's node verifies the token and opens the stream as usual (the browser sees no
difference), then sends the home node an ``open`` (cluster.relay_messages). The home node
attaches a :class:`~sparkweb.cluster.relay_sink.RelaySink` to the session in the stream's place:
replay from ``Last-Event-ID`` (the home session's ids), the onConnect greeting and live events
reach it exactly as they reach a local stream, and it keeps the session alive as one does. The
sink sends them in bounded batches, one in flight; the stream's node writes each batch to the
stream and acknowledges it.

Either end closing closes the other (``close``): the browser closing, the stream's queue
overflowing, the sink's node falling behind or leaving, the session ending, the stream limit.
A node hearing nothing from the other end of a relay for long (its node died silently, its
SparkWeb stopped) closes its end: the home node sends a keepalive batch after
``keepalive_seconds`` of silence, and each end gives up on the other after ``ack_seconds``
(plus two keepalives, on the stream's side). The stream's node checks its relayed streams'
tokens on each keepalive period, revocation included, since a sign-out on another node is not
announced here. A closed stream makes the browser reconnect, to a live node.

Threads: messages arrive on Openfire's cluster executor, which must not wait: batches and
acknowledgements are handled there (they only queue bytes and send the next batch), an ``open``
runs on a small pool of its own (attaching may start the session), which takes at most
QUEUED_OPENS_PER_USER opens of one user at a time. The timers run on a thread of their own.
"""
from __future__ import absolute_import

from java.lang import System, Thread, Throwable
from java.util.concurrent import ArrayBlockingQueue, ConcurrentHashMap, Executors, \
    RejectedExecutionException, ThreadPoolExecutor, TimeUnit
from java.util.concurrent.atomic import AtomicLong
from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.cluster import relay_messages as messages
from sparkweb.cluster.relay_sink import RelaySink
from sparkweb.errors import ApiError
from sparkweb.cluster.threads import DaemonThreads, run_with
from sparkweb.log import log_failure, logger

LOG = logger("cluster")
ACK_SECONDS = 10
KEEPALIVE_SECONDS = 5
BATCH_BYTES = 64 * 1024
OPEN_THREADS = 2
QUEUED_OPENS = 64
# One user's opens queued or running at once: a burst beyond it is that user's to retry.
QUEUED_OPENS_PER_USER = 4
_NANOS = 1000000000


class Relays(object):
    """Both ends of relayed streams on this node: sinks for sessions here whose streams are
    elsewhere, relayed streams here whose sessions are elsewhere."""

    def __init__(self, openfire, settings, sessions, still_valid=None,
                 ack_seconds=ACK_SECONDS, keepalive_seconds=KEEPALIVE_SECONDS):
        self._openfire = openfire
        self._settings = settings
        self._sessions = sessions
        self._still_valid = still_valid     # Authenticator.still_valid(claims, revocation)
        self._ack_nanos = int(ack_seconds * _NANOS)
        self._keepalive_nanos = int(keepalive_seconds * _NANOS)
        self._sinks = ConcurrentHashMap()     # "<node> <relay>" -> RelaySink
        self._relayed = ConcurrentHashMap()   # relay (the stream's id) -> _Relayed
        self._pool = None
        self._opens_waiting = {}          # username -> its opens queued or running here
        self._opens_lock = ReentrantLock()
        self._last_token_check = AtomicLong(System.nanoTime())
        self.counts = {"batches_sent": AtomicLong(0), "batches_received": AtomicLong(0)}

    # --- lifecycle ------------------------------------------------------------------------
    def start(self, scheduler=None):
        """Opens on a pool of its own; the timers run every second on ``scheduler`` (a
        ScheduledExecutorService) or, by default, on a thread of their own: not on the
        plugin's housekeeping thread, where ending sessions (storing their unread messages)
        may take long, and a late keepalive closes every relayed stream (review S7-R-8).
        Returns the undo: every relay closes, both ways."""
        loader = Thread.currentThread().getContextClassLoader()
        self._pool = ThreadPoolExecutor(OPEN_THREADS, OPEN_THREADS, 60, TimeUnit.SECONDS,
                                        ArrayBlockingQueue(QUEUED_OPENS),
                                        DaemonThreads("sparkweb-relay", loader))
        self._pool.allowCoreThreadTimeOut(True)
        own_timer = None
        if scheduler is None:
            scheduler = own_timer = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads("sparkweb-relay-timer", loader))
        timer = scheduler.scheduleWithFixedDelay(run_with(self._check_quietly, None), 1, 1,
                                                 TimeUnit.SECONDS)

        def undo():
            timer.cancel(False)
            if own_timer is not None:
                own_timer.shutdownNow()
                own_timer.awaitTermination(10, TimeUnit.SECONDS)
            self._pool.shutdownNow()
            self.close_all()
        return undo

    def close_all(self):
        for sink in list(self._sinks.values()):
            sink.close()
        for relayed in list(self._relayed.values()):
            self._close_relayed(relayed, tell=True)

    # --- the stream's node ----------------------------------------------------------------
    def open(self, home, username, stream, last_event_id, greeting, raw):
        """Relays ``home``'s session of ``username`` to ``stream`` (an SseStream here, already
        answering the browser): the greeting, the replay after ``last_event_id``, then live
        events. A stream the home node refuses, or never answers, is closed."""
        relayed = _Relayed(stream.id, home, stream)
        self._relayed.put(relayed.relay, relayed)
        if stream.closed:   # the browser left before it was here: stream_closed came too early
            self._close_relayed(relayed, tell=False)
            return
        body = messages.open_body(username, last_event_id, raw, greeting)
        if not self._send(home, messages.OPEN, relayed.relay, 0, body):
            self._close_relayed(relayed, tell=False)

    def stream_closed(self, stream):
        """A stream of this node closed (the browser left, its queue overflowed, its token
        ended): if it was relayed, the home node detaches its end."""
        relayed = self._relayed.get(stream.id)
        if relayed is not None and relayed.stream is stream:
            self._close_relayed(relayed, tell=True)

    def _take_batch(self, message):
        relayed = self._relayed.get(message.relay)
        if relayed is None or relayed.home != message.node:
            self._send(message.node, messages.CLOSE, message.relay, 0)   # gone here
            return
        if message.number != relayed.expected:
            LOG.warn("A relayed event stream got batch %d instead of %d; closing it."
                     % (message.number, relayed.expected))
            self._close_relayed(relayed, tell=True)
            return
        relayed.expected += 1
        relayed.heard()
        if message.body is not None and len(message.body):
            self.counts["batches_received"].incrementAndGet()
            relayed.stream.offer_bytes(message.body)
        if not relayed.stream.closed:
            self._send(message.node, messages.ACK, message.relay, message.number)

    def _close_relayed(self, relayed, tell):
        if self._relayed.remove(relayed.relay, relayed):
            if tell:
                self._send(relayed.home, messages.CLOSE, relayed.relay, 0)
            relayed.stream.close()     # stream_closed then finds nothing more to do

    # --- the home node --------------------------------------------------------------------
    def _open_queued(self, queued):
        message, opening = queued
        try:
            self._open_here(message, opening)
        finally:
            self._open_done(opening[0])

    def _open_here(self, message, opening):
        """On the relay pool: attaches a sink for the stream to the user's session here."""
        username, last_event_id, raw, greeting = opening
        sink = RelaySink(message.relay, message.node, username, raw, self._limits(),
                         lambda number, body: self._send_events(sink, number, body),
                         self._sink_closed)
        if self._sinks.putIfAbsent(_key(message.node, message.relay), sink) is not None:
            return     # a repeated open: the first one stands
        try:
            self._refuse_second_hop(username)
            self._sessions.attach(username, sink, last_event_id,
                                  (greeting[0], dict(greeting[1], stream=message.relay)))
        except ApiError as error:   # the session kept ending, or lives on a third node now
            LOG.debug("A relayed stream of %s was not attached: %s" % (username, error.message))
            sink.close()
        except (Exception, Throwable):
            log_failure(LOG, "A relayed event stream of %s could not be attached" % username)
            sink.close()

    def _refuse_second_hop(self, username):
        """Relays are never passed on: a session that moved to a third node meanwhile closes
        the stream, and the browser's reconnect finds the right node."""
        if self._sessions.get(username) is None and self._openfire.home_node(
                username, self._settings.get(config.SESSION_RESOURCE)) is not None:
            raise ApiError("The session lives on another node.")

    def _limits(self):
        return (self._settings.get(config.SSE_QUEUE_EVENTS),
                self._settings.get(config.SSE_QUEUE_BYTES), BATCH_BYTES)

    def _send_events(self, sink, number, body):
        if body is not None:
            self.counts["batches_sent"].incrementAndGet()
        self._openfire.send_to_node(sink.node, *messages.encode(
            messages.EVENTS, sink.relay, number, self._openfire.cluster_node(), body))

    def _sink_closed(self, sink, tell):
        self._sinks.remove(_key(sink.node, sink.relay), sink)
        self._sessions.detach(sink.username, sink)
        if tell:
            self._send(sink.node, messages.CLOSE, sink.relay, 0)

    # --- what other nodes send ------------------------------------------------------------
    def receive(self, envelope, body):
        """On the cluster executor's thread; never waits."""
        try:
            message = messages.decode(envelope, body)
        except messages.RelayMessageError as error:
            LOG.warn("A malformed relay message was dropped (%s)." % error)
            return
        if message.kind == messages.EVENTS:
            self._take_batch(message)
        elif message.kind == messages.ACK:
            sink = self._sinks.get(_key(message.node, message.relay))
            if sink is not None:
                sink.acknowledged(message.number)
            else:   # the home end is gone (SparkWeb restarted there): close the stream's end
                self._send(message.node, messages.CLOSE, message.relay, 0)
        elif message.kind == messages.CLOSE:
            self._closed_by(message.node, message.relay)
        else:
            self._queue_open(message)

    def _queue_open(self, message):
        """Queues an open on the relay pool, at most QUEUED_OPENS_PER_USER of one user at a
        time (attack S7-A-9): one user's burst of opens is refused (its streams close and
        retry) instead of filling the pool's queue, which every user shares."""
        try:
            opening = messages.read_open(message.body)
        except messages.RelayMessageError as error:
            LOG.warn("A malformed relay opening from node %s was dropped (%s)."
                     % (message.node, error))
            return self._send(message.node, messages.CLOSE, message.relay, 0)
        username = opening[0]
        if not self._open_admitted(username):
            LOG.debug("A relayed stream of %s was refused: %d of its opens wait already"
                      % (username, QUEUED_OPENS_PER_USER))
            return self._send(message.node, messages.CLOSE, message.relay, 0)
        try:
            self._pool.execute(run_with(self._open_queued, (message, opening)))
        except (RejectedExecutionException, AttributeError):   # busy, or not started
            self._open_done(username)
            self._send(message.node, messages.CLOSE, message.relay, 0)

    def _open_admitted(self, username):
        self._opens_lock.lock()
        try:
            waiting = self._opens_waiting.get(username, 0)
            if waiting >= QUEUED_OPENS_PER_USER:
                return False
            self._opens_waiting[username] = waiting + 1
            return True
        finally:
            self._opens_lock.unlock()

    def _open_done(self, username):
        self._opens_lock.lock()
        try:
            waiting = self._opens_waiting.get(username, 1) - 1
            if waiting > 0:
                self._opens_waiting[username] = waiting
            else:
                self._opens_waiting.pop(username, None)
        finally:
            self._opens_lock.unlock()

    def _closed_by(self, node, relay):
        sink = self._sinks.get(_key(node, relay))
        if sink is not None:
            sink.close(tell=False)
        relayed = self._relayed.get(relay)
        if relayed is not None and relayed.home == node:
            self._close_relayed(relayed, tell=False)

    def node_left(self, node):
        """Relays to and from ``node`` close (every relay, for None: this node left)."""
        for sink in list(self._sinks.values()):
            if node is None or sink.node == node:
                sink.close(tell=False)
        for relayed in list(self._relayed.values()):
            if node is None or relayed.home == node:
                self._close_relayed(relayed, tell=False)

    # --- timers ---------------------------------------------------------------------------
    def _check_quietly(self, _):
        try:
            self.check()
        except (Exception, Throwable):   # an escaping error would end the schedule
            log_failure(LOG, "Checking relayed event streams failed")

    def check(self):
        """Every second: unacknowledged batches, keepalives, silent home nodes, and (once a
        keepalive period) the tokens of relayed streams."""
        for sink in list(self._sinks.values()):
            sink.check(self._ack_nanos, self._keepalive_nanos)
        silence = self._ack_nanos + 2 * self._keepalive_nanos
        now = System.nanoTime()
        for relayed in list(self._relayed.values()):
            if now - relayed.heard_nanos > silence:
                LOG.info("Closing a relayed event stream: node %s was silent for %d s"
                         % (relayed.home, (now - relayed.heard_nanos) // _NANOS))
                self._close_relayed(relayed, tell=True)
        last = self._last_token_check.get()
        if now - last > self._keepalive_nanos and self._last_token_check.compareAndSet(last, now):
            self._check_tokens()

    def _check_tokens(self):
        if self._still_valid is None:
            return
        for relayed in list(self._relayed.values()):
            claims = relayed.stream.claims
            try:
                valid = claims is None or self._still_valid(claims, True)
            except (Exception, Throwable):   # Openfire unreachable: the next check decides
                log_failure(LOG, "Could not check the token of a relayed event stream")
                continue
            if not valid:
                self._close_relayed(relayed, tell=True)

    # --- the settings page ----------------------------------------------------------------
    def summary(self):
        """Relays of this node: ``out`` to streams on other nodes, ``in`` from sessions on
        other nodes, and batches sent and received so far."""
        return {"out": self._sinks.size(), "in": self._relayed.size(),
                "batches_sent": self.counts["batches_sent"].get(),
                "batches_received": self.counts["batches_received"].get()}

    def _send(self, node, kind, relay, number, body=None):
        """Sends a message; False when the node cannot be reached (it left)."""
        try:
            self._openfire.send_to_node(node, *messages.encode(
                kind, relay, number, self._openfire.cluster_node(), body))
            return True
        except (Exception, Throwable) as error:
            LOG.debug("A relay message to node %s was not sent: %s" % (node, error))
            return False


class _Relayed(object):
    """A stream of this node fed by the user's home node."""

    def __init__(self, relay, home, stream):
        self.relay = relay
        self.home = home
        self.stream = stream
        self.expected = 1        # the next batch's number: touched by one message at a time
        self.heard_nanos = System.nanoTime()

    def heard(self):
        self.heard_nanos = System.nanoTime()


def _key(node, relay):
    return u"%s %s" % (node, relay)
