"""The cluster as SparkWeb uses it (issue 17, item 2): which node holds a user's client route,
and messages to SparkWeb on another node (``ClusterMessage``, a tiny Java cluster task).

``CacheFactory.doClusterTask(task, nodeID)`` is asynchronous: with the Hazelcast plugin (5.5)
it submits the task to the member and returns; the task runs there on Openfire's cluster
executor, which also routes packets between the nodes. A forwarded request may wait 20 s for
an IQ answer, so it never runs on that executor: the receiver hands it to SparkWeb's own
pool, and the answer comes back as a second asynchronous task (cluster.forwarding). The
synchronous ``doSynchronousClusterTask`` would hold the executor thread of the home node for
as long as the operation runs, and the sender's for up to ``hazelcast.max.execution.seconds``.
"""
from __future__ import absolute_import

from java.lang import String, Throwable
from java.nio.charset import StandardCharsets
from org.igniterealtime.openfire.plugin.sparkweb import ClusterMessage
from org.jivesoftware.openfire import XMPPServer
from org.jivesoftware.openfire.cluster import ClusterEventListener, ClusterManager
from org.jivesoftware.util.cache import CacheFactory

from sparkweb.log import log_failure, logger

LOG = logger("cluster")

# RoutingTableImpl.C2S_CACHE_NAME (5.0 and 5.1): full JID -> ClientRoute (its node id).
ROUTES_CACHE = "Routing Users Cache"


def node_name(node_id):
    """A NodeID's bytes as text (NodeID.toString does the same)."""
    return unicode(String(node_id, StandardCharsets.UTF_8))


def this_node():
    return unicode(XMPPServer.getInstance().getNodeID().toString())


def nodes():
    """[(node name, host name), ...] of the started cluster's members, oldest first."""
    if not ClusterManager.isClusteringStarted():
        return []
    members = sorted(ClusterManager.getNodesInfo(), key=lambda info: info.getJoinedTime())
    return [(unicode(info.getNodeID().toString()), unicode(info.getHostName()))
            for info in members]


def home_node(full_jid):
    node = route_holder(full_jid)
    return None if node == this_node() else node


def route_holder(full_jid):
    """The node named by the client route of ``full_jid`` (this one included); None when
    there is none or no cluster."""
    if not ClusterManager.isClusteringStarted():
        return None
    route = CacheFactory.createCache(ROUTES_CACHE).get(full_jid)
    return None if route is None else unicode(route.getNodeID().toString())


def send(node, envelope, body):
    CacheFactory.doClusterTask(ClusterMessage(envelope, body),
                               String(node).getBytes(StandardCharsets.UTF_8))


class _Receiver(ClusterMessage.Receiver):
    def __init__(self, receive):
        self._receive = receive

    def receive(self, envelope, body):
        try:
            self._receive(envelope, body)
        except (Exception, Throwable):   # a failure must not reach the cluster executor
            log_failure(LOG, "A message from another cluster node could not be handled.")


class _NodeEvents(ClusterEventListener):
    """Openfire's cluster events as ``joined(node)`` and ``left(node)`` (None: this node);
    exceptions are the callers' to handle (cluster.membership)."""

    def __init__(self, joined, left):
        self._joined = joined
        self._left = left

    def joinedCluster(self, *node_id):
        self._joined(node_name(node_id[0]) if node_id else None)

    def markedAsSeniorClusterMember(self):
        pass

    def leftCluster(self, *node_id):
        self._left(node_name(node_id[0]) if node_id else None)


def listen(receive):
    ClusterMessage.setReceiver(_Receiver(receive))
    return lambda: ClusterMessage.setReceiver(None)


def watch(joined, left):
    events = _NodeEvents(joined, left)
    ClusterManager.addListener(events)
    return lambda: ClusterManager.removeListener(events)


class SharedCache(object):
    """An Openfire cache as the facade's shared_cache (see there)."""

    def __init__(self, name):
        self._cache = CacheFactory.createCache(name)

    def get(self, key):
        return self._cache.get(key)

    def put(self, key, value):
        self._cache.put(key, value)

    def remove(self, key):
        self._cache.remove(key)

    def clear(self):
        self._cache.clear()

    def lock(self, key):
        return self._cache.getLock(key)
