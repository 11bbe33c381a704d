"""Cluster membership as SparkWeb's parts follow it (issue 17, item 4).

Openfire tells every ClusterEventListener when this node joins or leaves a cluster and when
another node does. SparkWeb listens once, here, and tells the parts that hold something per
node: forwarding (requests waiting on a node that left end with a 503 at once), revocations
(a cache that may be older than the stored lists after a (re)join), the sessions (duplicates
after a split). Other parts register with :meth:`Membership.on_left` and
:meth:`Membership.on_joined`.

Openfire calls its listeners one after the other on one "ClusterManager events dispatcher"
thread, SparkWeb's first (sequence 0), before its own RoutingTableImpl restores this node's
routes after a join (review S8-R-5). So nothing runs there: each event is handed to one thread
of SparkWeb's own, which runs the callbacks in the order of the events. A failing callback is
logged and does not stop the others.
"""
from __future__ import absolute_import

from java.lang import Runnable, Thread, Throwable
from java.util.concurrent import CopyOnWriteArrayList, CountDownLatch, Executors, \
    RejectedExecutionException, TimeUnit

from sparkweb.cluster.threads import DaemonThreads, run_with

from sparkweb.log import log_failure, logger

LOG = logger("cluster")


class Membership(object):
    def __init__(self):
        self._left = CopyOnWriteArrayList()     # callables(node)
        self._joined = CopyOnWriteArrayList()   # callables(node)
        self._events = None                     # the one thread that runs the callbacks

    def on_left(self, callback):
        """``callback(node)`` when ``node`` left the cluster; ``callback(None)`` when this node
        left it (for this node, every other node is gone then)."""
        self._left.add(callback)

    def on_joined(self, callback):
        """``callback(node)`` when ``node`` joined (or, after a split, rejoined) the cluster;
        ``callback(None)`` when this node did."""
        self._joined.add(callback)

    def start(self, openfire):
        """Follows ``openfire``'s cluster events; returns the undo."""
        self._events = Executors.newSingleThreadExecutor(DaemonThreads(
            "sparkweb-cluster-events", Thread.currentThread().getContextClassLoader()))
        unwatch = openfire.watch_cluster(self.joined, self.left)

        def undo():
            unwatch()
            self._events.shutdownNow()
            if not self._events.awaitTermination(10, TimeUnit.SECONDS):
                LOG.warn("A cluster event was still being followed 10 s after SparkWeb "
                         "stopped.")
        return undo

    def joined(self, node):
        """On Openfire's cluster event thread: hands the event on, never waits."""
        LOG.info("SparkWeb: %s joined the cluster" % _which(node))
        self._hand_on(self._joined, node)

    def left(self, node):
        LOG.info("SparkWeb: %s left the cluster" % _which(node))
        self._hand_on(self._left, node)

    def settle(self, seconds=5):
        """Waits (at most ``seconds``) until the events handed on so far have been followed."""
        if self._events is None:
            return
        followed = CountDownLatch(1)
        try:
            self._events.execute(run_with(lambda _: followed.countDown(), None))
        except RejectedExecutionException:
            return
        getattr(followed, "await")(int(seconds * 1000), TimeUnit.MILLISECONDS)

    def _hand_on(self, callbacks, node):
        if self._events is None:     # not started (tests of the callbacks themselves)
            return _run(callbacks, node)
        try:
            self._events.execute(_Event(callbacks, node))
        except RejectedExecutionException:   # stopping: nothing to follow any more
            pass


def _which(node):
    return "this node" if node is None else "node %s" % node


class _Event(Runnable):
    def __init__(self, callbacks, node):
        self._callbacks = callbacks
        self._node = node

    def run(self):
        _run(self._callbacks, self._node)


def _run(callbacks, node):
    for callback in list(callbacks):
        try:
            callback(node)
        except (Exception, Throwable):   # never break Openfire's cluster event dispatch
            log_failure(LOG, "SparkWeb could not follow a cluster event.")
