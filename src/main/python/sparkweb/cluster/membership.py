"""Cluster membership as SparkWeb's parts follow it (issue 17, item 4).

Openfire tells every ClusterEventListener when this node joins or leaves a cluster and when
another node does. SparkWeb listens once, here, and tells the parts that hold something per
node: forwarding (requests waiting on a node that left end with a 503 at once), revocations
(a cache that may be older than the stored lists after a (re)join), the sessions (duplicates
after a split). Other parts register with :meth:`Membership.on_left` and
:meth:`Membership.on_joined`.

Callbacks run on Openfire's cluster event thread: they must return quickly and hand anything
slow to a thread of SparkWeb's own. A failing callback is logged and does not stop the others.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import CopyOnWriteArrayList

from sparkweb.log import log_failure, logger

LOG = logger("cluster")


class Membership(object):
    def __init__(self):
        self._left = CopyOnWriteArrayList()     # callables(node)
        self._joined = CopyOnWriteArrayList()   # callables(node)

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
        return openfire.watch_cluster(self.joined, self.left)

    def joined(self, node):
        LOG.info("SparkWeb: %s joined the cluster" % _which(node))
        _run(self._joined, node)

    def left(self, node):
        LOG.info("SparkWeb: %s left the cluster" % _which(node))
        _run(self._left, node)


def _which(node):
    return "this node" if node is None else "node %s" % node


def _run(callbacks, node):
    for callback in list(callbacks):
        try:
            callback(node)
        except (Exception, Throwable):   # never break Openfire's cluster event dispatch
            log_failure(LOG, "SparkWeb could not follow a cluster event.")
