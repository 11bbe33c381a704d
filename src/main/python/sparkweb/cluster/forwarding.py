"""Requests for a user whose session lives on another cluster node run on that node, the
user's home (issue 17, item 2).

The node where a request arrives verifies its token, then sends the home node a call (the
username and the operation: cluster.messages) as an asynchronous cluster task, and waits, up
to ``sparkweb.cluster.forwardSeconds``, for the answer. The home node's receiver runs on
Openfire's cluster executor, which also routes packets between the nodes, so it only queues
the call on SparkWeb's own bounded pool; the pool runs the operation as that user (it may
wait 20 s for an IQ answer) and sends the answer back as a second asynchronous task, whose
receiver completes the waiting request. Nothing ever waits on the cluster executor.

A call that cannot be sent, is refused (pool full), is not answered in time or whose node
leaves the cluster is answered 503 with ``Retry-After``: the browser tries again, by which time
Openfire has dropped the routes of a dead node and the session starts on a live one. A call
for a node where SparkWeb is not serving (reloading, stopped: cluster.serving) is not sent at
all but answered 503 at once, since nothing there would answer it.

Bounds (review S6-R-3, S6-R-5):
- Requests waiting on this node for one other node are at most twice that node's
  ``forwardThreads``; beyond that a request is answered 503 at once, so a home node that is
  alive for Hazelcast but does not answer cannot hold every web-server thread (shared with
  BOSH and WebSocket) for ``forwardSeconds`` each.
- One user has at most ``PER_USER_WAITING`` of those places (attack S8-A-3): beyond, that
  user's request is answered 429, so one page or script cannot take every place and have
  other users of the same home node refused. Cluster operations (a sign-out to announce, a
  route to re-assert) have a reserve of their own and never wait behind requests.
- The home node starts a call only while its origin still waits for it: one that waited in
  the queue longer than ``forwardSeconds`` less a margin (measured on the home node's own clock
  from its arrival, so no clocks need agree) is dropped, never run after the origin answered
  503 and the browser retried. A call that started in time and then ran past the origin's
  wait (an IQ answer taking up to ``sparkweb.session.iqWaitSeconds``) may still take effect
  after that 503: keep ``forwardSeconds`` above ``iqWaitSeconds``.
"""
from __future__ import absolute_import

import uuid

from java.lang import System, Thread, Throwable
from java.util.concurrent import ArrayBlockingQueue, CompletableFuture, ConcurrentHashMap, \
    RejectedExecutionException, Semaphore, ThreadPoolExecutor, TimeUnit, \
    TimeoutException
from java.util.concurrent.atomic import AtomicBoolean, AtomicInteger, AtomicLong

from sparkweb import config
from sparkweb.cluster.messages import Answer, Call, MessageError, decode, encode_answer, \
    encode_call
from sparkweb.cluster.relay_messages import is_relay
from sparkweb.errors import HomeElsewhere, ServiceUnavailable, TooManyRequests
from sparkweb.cluster.threads import DaemonThreads, run_with
from sparkweb.log import RepeatedFailures, log_failure, logger

LOG = logger("cluster")
QUEUED_CALLS = 256
RETRY_AFTER = {"Retry-After": "1"}
# Requests that may wait here for one other node, per forwarded-request thread it runs.
WAITING_PER_THREAD = 2
# One user's share of them: a browser has at most six HTTP/1.1 connections to one host.
PER_USER_WAITING = 8
# Cluster operations (paths starting with "#") that may wait here for one other node.
OPERATIONS_WAITING = 8
# A queued call starts only if its origin will wait this much longer (at most half its wait).
START_MARGIN_SECONDS = 2.0


def unavailable(message):
    return ServiceUnavailable(message, dict(RETRY_AFTER))


class Forwarding(object):
    """Both ends of forwarded requests on this node: :meth:`forward` where a request arrives,
    :meth:`receive` for what other nodes send here."""

    def __init__(self, openfire, settings, sessions, serving=None):
        self._openfire = openfire
        self._settings = settings
        self._sessions = sessions
        self._serving = serving               # cluster.serving.ServingNodes
        self._pending = ConcurrentHashMap()   # call id -> _Pending
        self._places = ConcurrentHashMap()    # node -> Semaphore: requests that may wait on it
        self._operation_places = ConcurrentHashMap()   # node -> Semaphore, for operations
        self._waiting_by_user = ConcurrentHashMap()    # node + user -> AtomicInteger
        self._closed = AtomicBoolean()        # no more requests are forwarded (unload)
        self._pool = None
        self._serve = None
        self._stop_receiving = None
        self._failures = RepeatedFailures(LOG, "Answering a forwarded request")
        # Relayed event streams share this node's one cluster receiver (cluster.relay).
        self.relays = None
        # For the settings page: calls sent to other nodes, of those the ones answered 503
        # here, and calls of other nodes run here.
        self.counts = {"forwarded": AtomicLong(0), "unanswered": AtomicLong(0),
                       "served": AtomicLong(0)}

    # --- lifecycle ------------------------------------------------------------------------
    def start(self, serve):
        """Receives calls from other nodes, running each with ``serve(call) -> Answer``;
        returns the undo (:meth:`stop`)."""
        self._serve = serve
        threads = self._settings.get(config.CLUSTER_FORWARD_THREADS)
        # The pool's threads start on the cluster executor's: they get the plugin's loader,
        # as the web server's threads have it in SparkWeb's context.
        loader = Thread.currentThread().getContextClassLoader()
        self._pool = ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                                        ArrayBlockingQueue(QUEUED_CALLS),
                                        DaemonThreads("sparkweb-forwarded", loader))
        self._pool.allowCoreThreadTimeOut(True)
        self._stop_receiving = self._openfire.receive_from_cluster(self.receive)
        if self._serving is not None:    # only now may other nodes send calls here
            self._serving.start()
        return self.stop

    def close(self):
        """Where requests arrive: refuses new forwards and ends the waiting ones with a 503 now.
        Unloading runs it before the web context waits for its requests (review S6-R-4): a
        request waiting here for another node must not keep Jersey busy while it is removed."""
        self._closed.set(True)
        self._fail_waiting(None)

    def stop_serving(self):
        """Calls arriving from now on are refused at once with a 503 (their origin's browser
        retries) instead of waiting out ``forwardSeconds`` there; running ones get up to 10 s
        to finish. Unloading runs it before the sessions end, and stops receiving after.
        Other nodes are told first (cluster.serving): from then on they send no calls here."""
        if self._serving is not None:
            self._serving.stop()
        if self._pool is None:
            return
        self._pool.shutdownNow()
        if not self._pool.awaitTermination(10, TimeUnit.SECONDS):
            LOG.warn("Forwarded requests were still running 10 s after SparkWeb stopped.")

    def stop(self):
        self.close()
        self.stop_serving()
        if self._stop_receiving is not None:
            self._stop_receiving()
            self._stop_receiving = None

    # --- where the request arrived --------------------------------------------------------
    def home_elsewhere(self, username):
        """The node the user's session lives on when that is another node; else None (no
        cluster, a session here, or none anywhere: then it starts here)."""
        if self._sessions.get(username) is not None:
            return None
        home = self._openfire.home_node(username, self._settings.get(config.SESSION_RESOURCE))
        # No route while a healed split's survivor restores it: its node, not a new session
        return home if home is not None else self._sessions.yielding_to(username)

    def new_call(self, username, method, path, params, query, headers, client, body):
        return Call(uuid.uuid4().hex, self._openfire.cluster_node(), username, method, path,
                    params, query, headers, client, body)

    def ask_home(self, username, operation):
        """Runs ``operation`` (cluster.operations) for ``username`` on the user's home node
        when that is another node; its Answer, or None when there is nothing to ask.
        ServiceUnavailable as :meth:`forward`."""
        home = self.home_elsewhere(username)
        if home is None:
            return None
        return self.forward(home, self.new_call(username, u"POST", operation, {}, {}, {}, None,
                                                None))

    def check_serving(self, node):
        """ServiceUnavailable at once when SparkWeb is not serving on ``node`` (reloading,
        stopped, not installed: cluster.serving): nothing there would answer."""
        if self._serving is not None and not self._serving.serving(node):
            self.counts["unanswered"].incrementAndGet()
            LOG.debug("A request for node %s was refused: SparkWeb is not serving there" % node)
            raise unavailable("SparkWeb is not running on your session's cluster node just "
                              "now; try again.")

    def forward(self, node, call):
        """The Answer of ``node`` to ``call``; ServiceUnavailable when there is none in time,
        when SparkWeb is not serving on that node, or when too many requests wait for that
        node already."""
        self.check_serving(node)
        if call.path.startswith(u"#"):
            places = self._semaphore(self._operation_places, node, OPERATIONS_WAITING)
            return self._within(places, node, call)
        user_key = u"%s\n%s" % (node, call.username)
        waiting = self._waiting_by_user.get(user_key)
        if waiting is None:
            fresh = AtomicInteger()
            waiting = self._waiting_by_user.putIfAbsent(user_key, fresh)
            if waiting is None:   # (an AtomicInteger at 0 is false in Jython: no "or" here)
                waiting = fresh
        try:
            if waiting.incrementAndGet() > PER_USER_WAITING:
                raise TooManyRequests("Too many of your requests wait for your session's "
                                      "cluster node; try again.", dict(RETRY_AFTER))
            return self._within(self._places_on(node), node, call)
        finally:
            if waiting.decrementAndGet() == 0:
                self._waiting_by_user.remove(user_key, waiting)

    def _within(self, places, node, call):
        if not places.tryAcquire():
            LOG.debug("A request for node %s was refused: too many wait for it" % node)
            raise unavailable("Too many requests wait for your session's cluster node; "
                              "try again.")
        try:
            return self._send_and_wait(node, call)
        finally:
            places.release()

    def _send_and_wait(self, node, call):
        pending = _Pending(node)
        self._pending.put(call.id, pending)
        self.counts["forwarded"].incrementAndGet()
        try:
            if self._closed.get():     # after the put: close() fails it, or it is seen here
                raise unavailable("SparkWeb is stopping on this node; try again.")
            envelope, body = encode_call(call)
            try:
                self._openfire.send_to_node(node, envelope, body)
            except (Exception, Throwable) as error:   # e.g. the node has left the cluster
                LOG.info("A request could not be forwarded to node %s: %s" % (node, error))
                self.counts["unanswered"].incrementAndGet()
                raise unavailable("Your session's cluster node cannot be reached; try again.")
            answer = pending.result(self._settings.get(config.CLUSTER_FORWARD_SECONDS))
            if answer is None:
                self.counts["unanswered"].incrementAndGet()
                raise unavailable("Your session's cluster node did not answer in time; "
                                  "try again.")
            return answer
        finally:
            self._pending.remove(call.id)

    def _places_on(self, node):
        return self._semaphore(self._places, node, WAITING_PER_THREAD *
                               self._settings.get(config.CLUSTER_FORWARD_THREADS))

    @staticmethod
    def _semaphore(by_node, node, permits):
        places = by_node.get(node)
        if places is None:
            by_node.putIfAbsent(node, Semaphore(permits))
            places = by_node.get(node)
        return places

    def node_left(self, node):
        """Requests waiting for ``node`` (every one, for None: this node left) end with 503."""
        for by_node in (self._places, self._operation_places):
            if node is None:
                by_node.clear()
            else:
                by_node.remove(node)   # a waiting request releases the one it holds
        self._fail_waiting(node)
        if self.relays is not None:
            self.relays.node_left(node)

    def _fail_waiting(self, node):
        for call_id in list(self._pending.keySet()):
            pending = self._pending.get(call_id)
            if pending is not None and (node is None or pending.node == node):
                pending.fail()

    # --- what other nodes send ------------------------------------------------------------
    def receive(self, envelope, body):
        """On the cluster executor's thread: queues a call, completes a waiting request with
        an answer; never waits."""
        if self.relays is not None and is_relay(envelope):
            return self.relays.receive(envelope, body)
        try:
            message = decode(envelope, body)
        except MessageError as error:
            LOG.warn("A malformed message from another cluster node was dropped (%s)." % error)
            return
        if isinstance(message, Answer):
            self._complete(message)
            return
        try:
            self._pool.execute(run_with(self._answer, _Arrived(message)))
        except RejectedExecutionException:   # busy or stopping: the caller retries
            self._send_answer(message, self._refusal(unavailable(
                "Too many requests are forwarded to this cluster node; try again.")))

    def _complete(self, answer):
        """Completes the request waiting for ``answer``, if it is still waiting (else it timed
        out and was answered 503) and the answer comes from the node it was sent to (review
        S6-R-7: cluster members are trusted, this only guards against a mix-up)."""
        pending = self._pending.get(answer.id)
        if pending is None:
            return
        if pending.node != answer.node:
            LOG.warn("An answer from node %s for a request sent to node %s was dropped." % (
                answer.node, pending.node))
            return
        pending.complete(answer)

    def _answer(self, arrived):
        """On SparkWeb's pool: runs the call, unless its origin has given up on it (or is
        about to), and sends the answer to the node it came from."""
        call = arrived.call
        self.counts["served"].incrementAndGet()
        if arrived.waited_seconds() > self._start_limit_seconds():
            LOG.info("A forwarded request waited %.1f s for a thread and was dropped: its node "
                     "answered it 503 by now." % arrived.waited_seconds())
            self._send_answer(call, self._refusal(unavailable(
                "This cluster node was too busy to answer in time; try again.")))
            return
        try:
            answer = self._serve(call)
        except (Exception, Throwable):   # serve answers errors itself; this is a bug
            log_failure(LOG, "A forwarded request failed.")
            answer = self._refusal(unavailable("The request failed on the user's node."))
        self._send_answer(call, answer)

    def _start_limit_seconds(self):
        wait = self._settings.get(config.CLUSTER_FORWARD_SECONDS)
        return wait - min(START_MARGIN_SECONDS, wait / 2.0)

    def _refusal(self, error):
        return Answer(error.status, error.json(), error.headers, self._openfire.cluster_node())

    def _send_answer(self, call, answer):
        answer.id = call.id
        answer.node = answer.node or self._openfire.cluster_node()
        try:
            self._openfire.send_to_node(call.origin, *encode_answer(answer))
            self._failures.succeeded()
        except (Exception, Throwable):   # the origin left: its request ends with a 503 there
            self._failures.failed()


def refuse_second_hop(forwarding, call):
    """HomeElsewhere when the session has moved to a third node since the call was sent: the
    origin answers 503 and the browser's retry goes to the right node; a call is never passed
    on."""
    if forwarding.home_elsewhere(call.username) is not None:
        raise HomeElsewhere()


class _Pending(object):
    """A request waiting on this node for another node's answer."""

    def __init__(self, node):
        self.node = node
        self._future = CompletableFuture()

    def complete(self, answer):
        self._future.complete(answer)

    def fail(self):
        self._future.complete(None)

    def result(self, seconds):
        try:
            return self._future.get(seconds, TimeUnit.SECONDS)
        except TimeoutException:
            return None


class _Arrived(object):
    """A call and when it reached this node (this node's clock: no clocks need agree)."""

    def __init__(self, call):
        self.call = call
        self._at = System.nanoTime()

    def waited_seconds(self):
        return (System.nanoTime() - self._at) / 1e9
