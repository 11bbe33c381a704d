"""The cluster nodes where SparkWeb is serving now (issue 17, item 2).

A user's route may name a node where SparkWeb is not running: it is being reloaded there, or
was stopped or never installed while the route stayed (a client of its own bound the resource).
A call forwarded there gets no answer (nothing receives it) and would wait out
``sparkweb.cluster.forwardSeconds`` before its 503. So each node records itself in a clustered
cache once SparkWeb has started there and removes itself when SparkWeb stops; forwarding
answers 503 with ``Retry-After`` at once for a node without an entry.

Keeping the record right:
- Openfire drops a cache's contents at each clustering switch (joining, leaving, a healed
  split), and its cluster events reach listeners after that switch: on every join or leave
  event a serving node writes itself again.
- A node that leaves (dies, or is cut off) cannot remove itself: the nodes that see it leave
  remove its entry.
- Openfire caches expire their entries (6 hours unless configured) and may evict them, and
  an administrator may clear the cache on the admin console's cache page: a serving node
  writes itself again every ``REFRESH_SECONDS`` (the plugin's housekeeping), so a lost entry
  refuses its node's calls for at most that long (review S8-V-1).

Serving means that forwarding receives and runs calls here: :meth:`ServingNodes.start` when it
starts, :meth:`ServingNodes.stop` when unloading first refuses calls (cluster.forwarding).
"""
from __future__ import absolute_import

from java.lang import System, Throwable
from java.util.concurrent.locks import ReentrantLock

from sparkweb.log import log_failure, logger

LOG = logger("cluster")
CACHE = "SparkWeb Serving Nodes"
REFRESH_SECONDS = 10


class ServingNodes(object):
    def __init__(self, openfire):
        self._openfire = openfire
        self._cache = openfire.shared_cache(CACHE)   # node name -> when it started serving
        # Held while writing or removing this node's entry, so that a refresh never writes
        # it back after stop() removed it.
        self._lock = ReentrantLock()
        self._since = None        # this node's entry while it serves, else None

    def start(self):
        """This node serves from now on (forwarding receives calls: cluster.forwarding)."""
        self._lock.lock()
        try:
            self._since = unicode(System.currentTimeMillis())
            self._write_self()
        finally:
            self._lock.unlock()

    def stop(self):
        """This node no longer serves: other nodes answer its users' calls 503 at once."""
        self._lock.lock()
        try:
            self._since = None
            self._cache.remove(self._openfire.cluster_node())
        finally:
            self._lock.unlock()

    def serving(self, node):
        """Whether SparkWeb is serving on ``node``, as far as the cluster's record says."""
        return self._cache.get(node) is not None

    # --- cluster events (cluster.membership), on Openfire's cluster event thread -----------
    def joined(self, node):
        self.refresh()

    def left(self, node):
        if node is not None:
            self._cache.remove(node)
        self.refresh()

    def refresh(self):
        """Writes this node's entry again while it serves (every ``REFRESH_SECONDS``, the
        plugin's housekeeping; and on every cluster event)."""
        try:
            self._lock.lock()
            try:
                self._write_self()
            finally:
                self._lock.unlock()
        except (Exception, Throwable):   # a cluster hiccup: the next event or refresh repairs
            log_failure(LOG, "SparkWeb could not record this node as serving")

    def _write_self(self):
        if self._since is not None:
            self._cache.put(self._openfire.cluster_node(), self._since)
