"""An in-memory stand-in for an Openfire cluster, for unit tests of forwarding (issue 17): nodes
(MemoryOpenfire instances) joined by name, each user's home node as Openfire's client routes
would say it, and cluster tasks delivered asynchronously on a thread of their own, as
Hazelcast's executor runs them."""
from __future__ import absolute_import

from java.lang import IllegalArgumentException, Thread
from java.util.concurrent import ConcurrentHashMap, Executors, ThreadFactory, TimeUnit
from java.util.concurrent.locks import ReentrantLock


class MemoryCluster(object):
    def __init__(self):
        self._nodes = ConcurrentHashMap()   # node name -> MemoryOpenfire
        self._homes = ConcurrentHashMap()   # username -> node name
        self._caches = ConcurrentHashMap()  # name -> SharedMemoryCache, one for every node
        self._executor = Executors.newCachedThreadPool(_Daemons())
        self.sent = []                      # (node, envelope, body) of every message, in order

    def join(self, openfire, node):
        openfire.cluster = self
        openfire.node = node
        self._nodes.put(node, openfire)

    def leave(self, node):
        """``node`` leaves (dies): its routes go, the others are told."""
        self._nodes.remove(node)
        for username, home in list(self._homes.items()):
            if home == node:
                self._homes.remove(username)
        for openfire in list(self._nodes.values()):
            if openfire.node_left is not None:
                openfire.node_left(node)

    def node_names(self):
        return list(self._nodes.keySet())

    def place(self, username, node):
        """The user's session lives on ``node`` (its client route)."""
        self._homes.put(username, node)

    def home(self, username):
        return self._homes.get(username)

    def deliver(self, node, envelope, body):
        target = self._nodes.get(node)
        if target is None:
            raise IllegalArgumentException("Requested node %s not found in cluster" % node)
        self.sent.append((node, envelope, body))
        self._executor.execute(lambda: target.receiver is not None and target.receiver(
            envelope, body))

    def cache(self, name):
        self._caches.putIfAbsent(name, SharedMemoryCache())
        return self._caches.get(name)

    def stop(self):
        self._executor.shutdownNow()
        self._executor.awaitTermination(5, TimeUnit.SECONDS)


class MemoryClusterMixin(object):
    """The cluster methods of the facade for MemoryOpenfire: without a MemoryCluster, a node
    that is not clustered."""
    cluster = None
    node = u"memory"
    receiver = None
    node_left = None

    def _init_cluster(self):
        self._local_caches = ConcurrentHashMap()   # shared_cache's caches while not clustered

    def cluster_node(self):
        return self.node

    def cluster_nodes(self):
        if self.cluster is None:
            return []
        return [(node, u"%s.test" % node) for node in sorted(self.cluster.node_names())]

    def home_node(self, username, resource):
        home = self.cluster.home(username) if self.cluster is not None else None
        return home if home != self.node else None

    def send_to_node(self, node, envelope, body):
        if self.cluster is None:
            raise IllegalArgumentException("not clustered")
        self.cluster.deliver(node, envelope, body)

    def shared_cache(self, name):
        if self.cluster is not None:
            return self.cluster.cache(name)
        self._local_caches.putIfAbsent(name, SharedMemoryCache())
        return self._local_caches.get(name)

    def receive_from_cluster(self, receiver, node_left):
        self.receiver = receiver
        self.node_left = node_left

        def undo():
            self.receiver = None
            self.node_left = None
        return undo


class SharedMemoryCache(object):
    """A cache every node of a MemoryCluster shares, with a lock per key."""

    def __init__(self):
        self._entries = ConcurrentHashMap()
        self._locks = ConcurrentHashMap()

    def get(self, key):
        return self._entries.get(key)

    def put(self, key, value):
        self._entries.put(key, value)

    def remove(self, key):
        self._entries.remove(key)

    def lock(self, key):
        self._locks.putIfAbsent(key, ReentrantLock())
        return self._locks.get(key)


class _Daemons(ThreadFactory):
    def newThread(self, runnable):
        thread = Thread(runnable, "memory-cluster")
        thread.setDaemon(True)
        return thread
