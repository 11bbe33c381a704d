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
Openfire has dropped the routes of a dead node and the session starts on a live one.
"""
from __future__ import absolute_import

import uuid

from java.lang import Runnable, Thread, Throwable
from java.util.concurrent import ArrayBlockingQueue, CompletableFuture, ConcurrentHashMap, \
    RejectedExecutionException, ThreadFactory, ThreadPoolExecutor, TimeUnit, TimeoutException
from java.util.concurrent.atomic import AtomicLong

from sparkweb import config
from sparkweb.cluster.messages import Answer, Call, MessageError, decode, encode_answer, \
    encode_call
from sparkweb.cluster.relay_messages import is_relay
from sparkweb.errors import HomeElsewhere, ServiceUnavailable
from sparkweb.log import RepeatedFailures, log_failure, logger

LOG = logger("cluster")
QUEUED_CALLS = 256
RETRY_AFTER = {"Retry-After": "1"}


def unavailable(message):
    return ServiceUnavailable(message, dict(RETRY_AFTER))


class Forwarding(object):
    """Both ends of forwarded requests on this node: :meth:`forward` where a request arrives,
    :meth:`receive` for what other nodes send here."""

    def __init__(self, openfire, settings, sessions):
        self._openfire = openfire
        self._settings = settings
        self._sessions = sessions
        self._pending = ConcurrentHashMap()   # call id -> _Pending
        self._pool = None
        self._serve = None
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
        returns the undo."""
        self._serve = serve
        threads = self._settings.get(config.CLUSTER_FORWARD_THREADS)
        # The pool's threads start on the cluster executor's: they get the plugin's loader,
        # as the web server's threads have it in SparkWeb's context.
        loader = Thread.currentThread().getContextClassLoader()
        self._pool = ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                                        ArrayBlockingQueue(QUEUED_CALLS),
                                        _DaemonThreads("sparkweb-forwarded", loader))
        self._pool.allowCoreThreadTimeOut(True)
        stop_receiving = self._openfire.receive_from_cluster(self.receive, self.node_left)

        def undo():
            stop_receiving()
            self._pool.shutdownNow()
            if not self._pool.awaitTermination(10, TimeUnit.SECONDS):
                LOG.warn("Forwarded requests were still running 10 s after SparkWeb stopped.")
            self.node_left(None)   # requests waiting here end now, with a 503
        return undo

    # --- where the request arrived --------------------------------------------------------
    def home_elsewhere(self, username):
        """The node the user's session lives on when that is another node; else None (no
        cluster, a session here, or none anywhere: then it starts here)."""
        if self._sessions.get(username) is not None:
            return None
        return self._openfire.home_node(username, self._settings.get(config.SESSION_RESOURCE))

    def new_call(self, username, method, path, params, query, headers, client, body):
        return Call(uuid.uuid4().hex, self._openfire.cluster_node(), username, method, path,
                    params, query, headers, client, body)

    def forward(self, node, call):
        """The Answer of ``node`` to ``call``; ServiceUnavailable when there is none in time."""
        pending = _Pending(node)
        self._pending.put(call.id, pending)
        self.counts["forwarded"].incrementAndGet()
        try:
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

    def node_left(self, node):
        """Requests waiting for ``node`` (every one, for None: this node left) end with 503."""
        for call_id in list(self._pending.keySet()):
            pending = self._pending.get(call_id)
            if pending is not None and (node is None or pending.node == node):
                pending.fail()
        if self.relays is not None:
            self.relays.node_left(node)

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
            pending = self._pending.get(message.id)
            if pending is not None:   # else it timed out, and its request was answered 503
                pending.complete(message)
            return
        try:
            self._pool.execute(_Run(self._answer, message))
        except RejectedExecutionException:   # busy or stopping: the caller retries
            self._send_answer(message, self._refusal(unavailable(
                "Too many requests are forwarded to this cluster node; try again.")))

    def _answer(self, call):
        """On SparkWeb's pool: runs the call, sends its answer to the node it came from."""
        self.counts["served"].incrementAndGet()
        try:
            answer = self._serve(call)
        except (Exception, Throwable):   # serve answers errors itself; this is a bug
            log_failure(LOG, "A forwarded request failed.")
            answer = self._refusal(unavailable("The request failed on the user's node."))
        self._send_answer(call, answer)

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


class _Run(Runnable):
    def __init__(self, function, argument):
        self._function = function
        self._argument = argument

    def run(self):
        self._function(self._argument)


class _DaemonThreads(ThreadFactory):
    def __init__(self, name, loader):
        self._name = name
        self._loader = loader

    def newThread(self, runnable):
        thread = Thread(runnable, self._name)
        thread.setDaemon(True)
        thread.setContextClassLoader(self._loader)
        return thread
