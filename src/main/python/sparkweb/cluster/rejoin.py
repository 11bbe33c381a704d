"""Duplicate sessions after a split heals (issue 17, item 4).

While a cluster is split, each side drops the other's routes, so a user's request on the side
without the session starts a second one there: two nodes then hold a session for the same
full JID. When the sides join again, Openfire writes the joining node's routes over the
cluster's (RoutingTableImpl.joinedCluster: last writer wins), so the route names one of the
two. On every joined event each node looks at the routes of the sessions it holds:

- the route names another node: this session is the duplicate and ends. Ending it makes
  Openfire remove the route, whichever node it names (RoutingTableImpl.removeClientRoute), so
  this node then asks the route's node to write its route again (cluster.operations
  REASSERT_ROUTE); until it has, that session is unreachable for a moment, and this node
  starts no session of the user but sends the user's requests to that node
  (SessionRegistry.end_yielding): a session started in that moment would be a duplicate that
  no cluster event ends.
- the route names nobody: this node writes its own.
- the route names this node: nothing to do.

The check runs on a thread of SparkWeb's own (never on Openfire's cluster event thread), a few
seconds after the event, when the joining node has restored its routes.
"""
from __future__ import absolute_import

from java.lang import Throwable

from sparkweb import config
from sparkweb.cluster import operations
from sparkweb.errors import ApiError
from sparkweb.log import log_failure, logger

LOG = logger("cluster")
# How much longer than the call asking for the route a node yields to the survivor at most.
YIELD_MARGIN_SECONDS = 5


class Duplicates(object):
    def __init__(self, openfire, settings, sessions, forwarding):
        self._openfire = openfire
        self._settings = settings
        self._sessions = sessions
        self._forwarding = forwarding
        self._later = None

    def start(self, later):
        """``later(task)`` runs ``task()`` on SparkWeb's own thread, after a delay."""
        self._later = later

    def joined(self, node):
        if self._later is not None:
            self._later(self.check)

    def check(self):
        """Ends this node's sessions that another node's route claims (see the module)."""
        resource = self._settings.get(config.SESSION_RESOURCE)
        here = self._openfire.cluster_node()
        for username in self._sessions.usernames():
            try:
                holder = self._openfire.route_holder(username, resource)
                if holder is None:
                    self._openfire.reassert_route(username, resource)
                elif holder != here:
                    self._end_duplicate(username, holder)
            except (Exception, Throwable):   # the next joined event looks again
                log_failure(LOG, "Checking the route of %s after a cluster join failed" %
                            username)

    def _end_duplicate(self, username, holder):
        LOG.info("The session of %s here duplicates the one on node %s (a healed split): "
                 "ending this one" % (username, holder))
        # Until the holder has written its route again, no session of the user starts here.
        self._sessions.end_yielding(username, holder, self._settings.get(
            config.CLUSTER_FORWARD_SECONDS) + YIELD_MARGIN_SECONDS)
        try:
            answer = self._forwarding.forward(holder, self._forwarding.new_call(
                username, u"POST", operations.REASSERT_ROUTE, {}, {}, {}, None, None))
            if answer.status >= 300:
                LOG.warn("Node %s did not restore the route of %s: %d %s" % (
                    holder, username, answer.status, answer.body))
        except ApiError as error:
            LOG.warn("Node %s could not be asked to restore the route of %s: %s" % (
                holder, username, error.message if hasattr(error, "message") else error))
        finally:
            self._sessions.stop_yielding(username)
