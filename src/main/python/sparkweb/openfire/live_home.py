"""One home node per user in an Openfire cluster (issue 17, item 1): the user's SparkWeb session
is created on one node only.

Openfire's route for ``user@domain/<resource>`` is the directory: it says which node holds the
session, and Openfire removes it when that node dies. Two nodes must never both create it: a
client route is last-writer-wins, and when the stale copy ends, its removal takes the
survivor's route with it. So creation runs as Openfire's own resource binding does
(``SessionManager.resolveConflictAndBind``, 5.1.1): under Openfire's lock for the user's client
routes (``RoutingTable.getClientRouteLock``, 5.1; on 5.0 the same lock of the "Routing User
Sessions" cache), waited for with a timeout, the route re-checked, the session created (which
installs the route), the lock released. Only then does the caller route anything (the
session's initial presence): nothing is routed while the lock is held.

A route held by another node means the session lives there: HomeElsewhere, and requests are
forwarded to that node (cluster.forwarding; issue 17, item 2). A route held by this node
belongs to another client that bound the same resource; it is replaced, as before.
"""
from __future__ import absolute_import

from java.util.concurrent import TimeUnit
from org.jivesoftware.openfire import XMPPServer
from org.jivesoftware.openfire.session import LocalClientSession
from org.jivesoftware.util.cache import CacheFactory

from sparkweb.errors import HomeElsewhere, ServiceUnavailable
from sparkweb.log import logger
from sparkweb.openfire import live_cluster

LOG = logger("cluster")

# The cache whose per-bare-JID lock guards a user's client routes (RoutingTableImpl).
ROUTES_BY_USER_CACHE = "Routing User Sessions"
LOCK_SECONDS = 10


def route_lock(full_jid):
    """Openfire's lock over the client routes of ``full_jid``'s user, cluster-wide once the
    node has joined a cluster."""
    routing = XMPPServer.getInstance().getRoutingTable()
    if hasattr(routing, "getClientRouteLock"):      # Openfire 5.1
        return routing.getClientRouteLock(full_jid)
    return CacheFactory.createCache(ROUTES_BY_USER_CACHE).getLock(full_jid.toBareJID())


def held_elsewhere(full_jid):
    """Whether another node holds the client route of ``full_jid``."""
    routing = XMPPServer.getInstance().getRoutingTable()
    return routing.hasClientRoute(full_jid) and not routing.isLocalRoute(full_jid)


def create_at_home(full_jid, create):
    """``create()``, run under the route lock when no other node holds ``full_jid``'s route;
    its result. HomeElsewhere when another node holds it, 503 when the lock is not had in time
    (failing closed, as Openfire's binding does)."""
    lock = route_lock(full_jid)
    if not lock.tryLock(LOCK_SECONDS, TimeUnit.SECONDS):
        raise ServiceUnavailable("Your session could not be started in time; try again.",
                                 {"Retry-After": "1"})
    try:
        if held_elsewhere(full_jid):
            raise HomeElsewhere()
        return create()
    finally:
        lock.unlock()


def reassert_route(full_jid):
    """Writes this node's client route for ``full_jid`` again, under the route lock, when this
    node holds that session and no other node's route names it: after another node ended a
    duplicate of it (cluster.rejoin), Openfire's removal of the duplicate's route removed this
    one with it, and the duplicate's unavailable presence told the contacts the user left. So
    the session's current presence is broadcast again too (as Openfire's own joinedCluster does
    for a joining node's sessions), once the lock is released. False when nothing was written:
    no session here, or another node's route (this session is then the duplicate, review
    S8-R-2; it is never overwritten blindly)."""
    server = XMPPServer.getInstance()
    routing = server.getRoutingTable()
    lock = route_lock(full_jid)
    if not lock.tryLock(LOCK_SECONDS, TimeUnit.SECONDS):
        raise ServiceUnavailable("The route could not be locked in time.", {"Retry-After": "1"})
    try:
        holder = live_cluster.route_holder(full_jid.toString())   # the cache's key: text
        if holder is not None and holder != live_cluster.this_node():
            return False
        session = routing.getClientRoute(full_jid)   # this node's own table first
        if not isinstance(session, LocalClientSession):
            return False
        routing.addClientRoute(full_jid, session)
    finally:
        lock.unlock()
    presence = session.getPresence()
    available = presence is not None and presence.isAvailable()
    if available:
        server.getPresenceUpdateHandler().process(presence.createCopy())
    LOG.info("The route of %s was written again%s" % (
        full_jid, ", its presence broadcast" if available else " (no available presence)"))
    return True
