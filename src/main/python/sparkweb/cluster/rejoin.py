"""Duplicate sessions after a split heals (issue 17, item 4).

While a cluster is split, each side drops the other's routes, so a user's request on the side
without the session starts a second one there: two nodes then hold a session for the same
full JID. When the sides join again, Openfire writes the joining node's routes over the
cluster's (RoutingTableImpl.joinedCluster: last writer wins), so the route names one of the
two. After every joined event each node looks at the routes of the sessions it holds:

- the route names another node, the holder, and still does a moment later (not a transient
  write of a closing duplicate there): this session is the duplicate and ends. Ending it
  makes Openfire remove the route, whichever node it names (RoutingTableImpl.
  removeClientRoute), so this node then asks the holder to write its route again
  (cluster.operations REASSERT_ROUTE).
- the route names nobody: this node writes its own (unless another node wrote one meanwhile:
  live_home.reassert_route looks under the route lock).
- the route names this node: nothing to do.

Between the duplicate's end and the holder's re-assert the user has no route anywhere, and a
request of the user on this node would start a new session here that the re-assert then
overwrites (review S8-R-2). So this node *yields* the user to the holder as it ends the
duplicate (SessionRegistry.end_yielding): it starts no session of the user and forwards the
user's requests to the holder (cluster.forwarding) until it sees the holder's route again,
asking again every few seconds (a re-assert can be lost: the holder's pool full, its route
lock busy), or until :data:`YIELD_SECONDS` have passed. Every node also looks again a while
after each join, so a holder whose route is still missing writes it itself.

The duplicate's end forgets its rooms instead of leaving them: a leave from the shared full
JID would take the survivor out of them (review S8-R-3). Openfire's MUC matches an unavailable
presence to its occupant by full JID (MultiUserChatServiceImpl.process(Presence), 5.1.1), and
the unavailable presence of the closing session is also sent to every room the full JID sent
a directed presence to (PresenceUpdateHandler.broadcastUnavailableForDirectedPresences), which
SparkWeb cannot suppress: so the holder, on re-asserting its route, also enters its rooms
again (session.muc JoinedRooms.rejoin_all).

Nothing here waits on the network or runs on a shared thread (review S8-R-4): the checks run
on a thread of their own (``later``), and the re-assert is sent without waiting for an answer;
the follow-ups see whether it took effect.
"""
from __future__ import absolute_import

import time

from java.lang import Throwable

from sparkweb import config
from sparkweb.cluster import operations
from sparkweb.cluster.messages import encode_call
from sparkweb.log import log_failure, logger

LOG = logger("cluster")

# After a join event: first when the joining node has restored its routes, then again, so that
# a holder whose route a duplicate's end removed (and whose re-assert was lost) writes it.
CHECK_DELAYS_SECONDS = (3, 15, 45)
# How long a route naming another node must stay so before this node's session counts as the
# duplicate (see Duplicates.check).
CONFIRM_SECONDS = 1
# How often the yielding node looks whether the holder's route is back, and asks again.
FOLLOW_UP_SECONDS = 2
# How long at most a node starts no session of a user it yielded to another node.
YIELD_SECONDS = 30


class Duplicates(object):
    def __init__(self, openfire, settings, sessions, forwarding):
        self._openfire = openfire
        self._settings = settings
        self._sessions = sessions
        self._forwarding = forwarding
        self._later = None
        self.check_delays = CHECK_DELAYS_SECONDS
        self.follow_up_seconds = FOLLOW_UP_SECONDS
        self.confirm_seconds = CONFIRM_SECONDS
        self.yield_seconds = YIELD_SECONDS

    def start(self, later):
        """``later(task, seconds)`` runs ``task()`` on SparkWeb's own thread after ``seconds``
        (never on the housekeeping thread: these checks may end sessions)."""
        self._later = later

    def joined(self, node):
        if self._later is not None:
            for seconds in self.check_delays:
                self._later(self.check, seconds)

    def node_left(self, node):
        """A node that left restores no route: the users yielded to it (every user, for None:
        this node left) may start here again."""
        self._sessions.stop_yielding_to(node)

    # --- the check ------------------------------------------------------------------------
    def check(self):
        """Ends this node's sessions that another node's route claims, writes the routes that
        are missing (see the module). Out of a cluster there are no routes to look at."""
        if not self._openfire.cluster_nodes():
            return
        claimed = {}
        for username in self._sessions.usernames():
            self._guarded(username, lambda: self._check_user(username, claimed))
        if not claimed:
            return
        # A route names another node for a moment while that node's own duplicate closes
        # (its unavailable presence writes its route before the removal): only one that
        # still names it a moment later makes this session the duplicate.
        time.sleep(self.confirm_seconds)
        for username, holder in claimed.items():
            self._guarded(username, lambda: self._route_holder(username) == holder and
                          self.end_duplicate(username, holder))

    def _check_user(self, username, claimed):
        holder = self._route_holder(username)
        if holder is None:
            self.reassert(username)
        elif holder != self._openfire.cluster_node():
            claimed[username] = holder

    def _guarded(self, username, work):
        try:
            work()
        except (Exception, Throwable):   # the next check looks again
            log_failure(LOG, "Checking the route of %s after a cluster join failed" % username)

    def reassert(self, username):
        """Writes this node's route for the user's session here, and enters its rooms again;
        when another node holds the route by now, this session is the duplicate and ends."""
        session = self._sessions.get(username)
        if session is None:
            return
        if self._openfire.reassert_route(username, self._resource()):
            session.rejoin_rooms()
            return
        holder = self._route_holder(username)
        if holder is not None and holder != self._openfire.cluster_node():
            self.end_duplicate(username, holder)

    # --- ending a duplicate -----------------------------------------------------------------
    def end_duplicate(self, username, holder):
        LOG.info("The session of %s here duplicates the one on node %s (a healed split): "
                 "ending this one" % (username, holder))
        self._sessions.end_yielding(username, holder, self.yield_seconds)
        self._ask_reassert(username, holder)
        self._follow_up(username, holder)

    def _follow_up(self, username, holder):
        if self._later is None:
            return
        self._later(lambda: self._look_again(username, holder), self.follow_up_seconds)

    def _look_again(self, username, holder):
        """Until the route is back: asks ``holder`` again (the yield ends by itself after
        :data:`YIELD_SECONDS`)."""
        if self._sessions.yielding_to(username) != holder:
            return
        if self._route_holder(username) is not None:
            self._sessions.stop_yielding(username, holder)
            return
        self._ask_reassert(username, holder)
        self._follow_up(username, holder)

    def _ask_reassert(self, username, holder):
        """Sends REASSERT_ROUTE to ``holder`` without waiting for its answer (which arrives
        for no waiting request and is dropped): the follow-up looks at the route instead."""
        call = self._forwarding.new_call(username, u"POST", operations.REASSERT_ROUTE, {}, {},
                                         {}, None, None)
        try:
            self._openfire.send_to_node(holder, *encode_call(call))
        except (Exception, Throwable) as error:   # gone: its routes go, the user starts anew
            LOG.info("Node %s could not be asked to restore the route of %s: %s" % (
                holder, username, error))

    def _route_holder(self, username):
        return self._openfire.route_holder(username, self._resource())

    def _resource(self):
        return self._settings.get(config.SESSION_RESOURCE)
