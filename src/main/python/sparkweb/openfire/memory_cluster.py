"""An in-memory stand-in for an Openfire cluster, for unit tests of forwarding and cluster
events (issue 17): nodes (MemoryOpenfire instances) joined by name, each user's home node as
Openfire's client routes would say it, cluster tasks delivered asynchronously on a thread of
their own, as Hazelcast's executor runs them, and the cluster events Openfire sends.

As in Openfire, a SparkWeb session opened on a node installs the user's route (last writer
wins) and closing it removes the route whichever node it names (RoutingTableImpl.
removeClientRoute). A node can die (:meth:`MemoryCluster.leave`), or be cut off and come back
(:meth:`MemoryCluster.split`, :meth:`MemoryCluster.rejoin`): while cut off it has routes and
caches of its own, as each side of a split has; on rejoining, its caches are dropped for the
cluster's (CacheFactory.joinedCluster) and its own routes written over the cluster's
(RoutingTableImpl.joinedCluster)."""
from __future__ import absolute_import

from java.lang import IllegalArgumentException, Thread
from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList, Executors, \
    ThreadFactory, TimeUnit
from java.util.concurrent.locks import ReentrantLock

from sparkweb.errors import HomeElsewhere


class _Partition(object):
    """The nodes that see each other, their routes and their clustered caches."""

    def __init__(self):
        self.homes = ConcurrentHashMap()    # username -> node name
        self.caches = ConcurrentHashMap()   # name -> SharedMemoryCache

    def cache(self, name):
        self.caches.putIfAbsent(name, SharedMemoryCache())
        return self.caches.get(name)


class MemoryCluster(object):
    def __init__(self):
        self._nodes = ConcurrentHashMap()   # node name -> MemoryOpenfire
        self._partitions = ConcurrentHashMap()   # node name -> _Partition it is in
        self._main = _Partition()
        self._executor = Executors.newCachedThreadPool(_Daemons())
        self._silent = ConcurrentHashMap()  # node name -> True: messages to it are lost
        self.sent = []                      # (node, envelope, body) of every message, in order

    def join(self, openfire, node):
        openfire.cluster = self
        openfire.node = node
        self._nodes.put(node, openfire)
        self._partitions.put(node, self._main)

    def leave(self, node):
        """``node`` leaves (dies): its routes go, the others are told."""
        self._nodes.remove(node)
        partition = self._partitions.remove(node)
        _drop_routes_of(partition, node)
        self._tell(self._members(partition), "left", node)

    def split(self, node):
        """``node`` is cut off from the others, alive: each side sees the other leave and drops
        its routes; ``node`` starts over with empty caches of its own (CacheFactory.
        leftCluster) and keeps its own routes."""
        others = self._partitions.get(node)
        alone = _Partition()
        for username, home in list(others.homes.items()):
            if home == node:
                alone.homes.put(username, node)
        _drop_routes_of(others, node)
        self._partitions.put(node, alone)
        self._tell(self._members(others), "left", node)
        for other in self._members(others):
            self._tell([node], "left", other)

    def rejoin(self, node):
        """``node`` comes back: its caches are dropped for the cluster's, its routes written over
        the cluster's, then it is told it joined and the others that it did."""
        alone = self._partitions.get(node)
        for username, home in list(alone.homes.items()):
            if home == node:
                self._main.homes.put(username, node)
        others = self._members(self._main)
        self._partitions.put(node, self._main)
        self._tell([node], "joined", None)
        self._tell(others, "joined", node)

    def silence(self, node):
        """Messages sent to ``node`` are taken and never run: a member Hazelcast still sees
        whose SparkWeb, still recorded as serving there, does not answer (hung, overloaded)."""
        self._silent.put(node, True)

    def node_names(self):
        return list(self._nodes.keySet())

    def place(self, username, node):
        """The user's session lives on ``node`` (its client route)."""
        self._partition_of(node).homes.put(username, node)

    def home(self, username, seen_from=None):
        """The node of the user's route, as ``seen_from`` (default: the first nodes) sees it."""
        return self._partition_of(seen_from).homes.get(username)

    def remove_route(self, username, seen_from):
        """What closing a session does to the route: removed, whichever node it names."""
        self._partition_of(seen_from).homes.remove(username)

    def deliver(self, node, envelope, body, sender=None):
        target = self._nodes.get(node)
        if target is None or (sender is not None and
                              self._partitions.get(node) is not self._partitions.get(sender)):
            raise IllegalArgumentException("Requested node %s not found in cluster" % node)
        self.sent.append((node, envelope, body))
        if self._silent.containsKey(node):
            return
        self._executor.execute(lambda: target.receiver is not None and target.receiver(
            envelope, body))

    def cache(self, name, seen_from=None):
        return self._partition_of(seen_from).cache(name)

    def stop(self):
        self._executor.shutdownNow()
        self._executor.awaitTermination(5, TimeUnit.SECONDS)

    def _partition_of(self, node):
        partition = self._partitions.get(node) if node is not None else None
        return partition if partition is not None else self._main

    def _members(self, partition):
        return [name for name, part in self._partitions.items() if part is partition]

    def _tell(self, nodes, event, node):
        for name in nodes:
            openfire = self._nodes.get(name)
            if openfire is not None:
                for joined, left in list(openfire.cluster_watches):
                    (joined if event == "joined" else left)(node)


def _drop_routes_of(partition, node):
    for username, home in list(partition.homes.items()):
        if home == node:
            partition.homes.remove(username)


class MemoryClusterMixin(object):
    """The cluster methods of the facade for MemoryOpenfire: without a MemoryCluster, a node
    that is not clustered."""
    cluster = None
    node = u"memory"
    receiver = None

    def _init_cluster(self):
        self._local_caches = ConcurrentHashMap()   # shared_cache's caches while not clustered
        self.cluster_watches = CopyOnWriteArrayList()   # (joined, left) of watch_cluster

    def cluster_node(self):
        return self.node

    def cluster_nodes(self):
        if self.cluster is None:
            return []
        return [(node, u"%s.test" % node) for node in sorted(self.cluster.node_names())]

    def home_node(self, username, resource):
        home = self.route_holder(username, resource)
        return home if home != self.node else None

    def route_holder(self, username, resource):
        return self.cluster.home(username, self.node) if self.cluster is not None else None

    def open_clustered_session(self, username, resource, open_session):
        """``open_session()``, refused when another node holds the route, installing the
        route when clustered; closing the session removes the route (as Openfire does)."""
        if self.home_node(username, resource) is not None:   # as live_home refuses
            raise HomeElsewhere()
        session = open_session()
        if self.cluster is None:
            return session
        self.cluster.place(username, self.node)
        return _RoutedSession(session, lambda: self.cluster.remove_route(username, self.node))

    def reassert_route(self, username, resource):
        if self.cluster is None or self.home_node(username, resource) is not None:
            return False      # another node's route is never overwritten (live_home)
        self.cluster.place(username, self.node)
        return True

    def send_to_node(self, node, envelope, body):
        if self.cluster is None:
            raise IllegalArgumentException("not clustered")
        self.cluster.deliver(node, envelope, body, self.node)

    def shared_cache(self, name):
        if self.cluster is not None:
            return _NodeCache(self, name)
        self._local_caches.putIfAbsent(name, SharedMemoryCache())
        return self._local_caches.get(name)

    def receive_from_cluster(self, receiver):
        self.receiver = receiver

        def undo():
            self.receiver = None
        return undo

    def watch_cluster(self, joined, left):
        watch = (joined, left)
        self.cluster_watches.add(watch)
        return lambda: self.cluster_watches.remove(watch)


class _RoutedSession(object):
    """An XMPP session whose close also removes the user's route."""

    def __init__(self, session, remove_route):
        self._session = session
        self._remove_route = remove_route

    def __getattr__(self, name):
        return getattr(self._session, name)

    def close(self):
        self._session.close()
        self._remove_route()


class _NodeCache(object):
    """A node's handle on a shared cache: the cache of the part of the cluster it is in (as
    Openfire's CacheWrapper switches between local and clustered caches)."""

    def __init__(self, openfire, name):
        self._openfire = openfire
        self._name = name

    def _current(self):
        return self._openfire.cluster.cache(self._name, self._openfire.node)

    def get(self, key):
        return self._current().get(key)

    def put(self, key, value):
        self._current().put(key, value)

    def remove(self, key):
        self._current().remove(key)

    def clear(self):
        self._current().clear()

    def lock(self, key):
        return self._current().lock(key)


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

    def clear(self):
        self._entries.clear()

    def lock(self, key):
        self._locks.putIfAbsent(key, ReentrantLock())
        return self._locks.get(key)


class _Daemons(ThreadFactory):
    def newThread(self, runnable):
        thread = Thread(runnable, "memory-cluster")
        thread.setDaemon(True)
        return thread
