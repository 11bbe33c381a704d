"""The cluster's record of the nodes where SparkWeb serves (cluster.serving; issue 17), on
in-memory nodes: a node is recorded while its forwarding receives calls and removed when it
stops, the others drop a node that left, the record is whole again after a split heals (each
side's cache is dropped at the switch), and a lost entry comes back on the refresh."""
from __future__ import absolute_import

from sparkweb.api import ROUTES
from sparkweb.cluster.serving import CACHE
from sparkweb.http.routing import call_server
from sparkweb.openfire.memory_cluster import MemoryCluster
from support import openfire_with_users, services


class Nodes(object):
    """Nodes "a" and "b" with SparkWeb's forwarding started and following cluster events."""

    def __init__(self):
        self.cluster = MemoryCluster()
        self.apps = {}
        self.stops = {}
        self.undo = []
        for node in (u"a", u"b"):
            openfire = openfire_with_users()
            self.cluster.join(openfire, node)
            app = services(openfire)
            self.stops[node] = app.forwarding.start(call_server(ROUTES, app))
            self.undo.append(app.membership.start(openfire))
            self.apps[node] = app

    def settle(self):
        """Waits until every node has followed the cluster events so far (on SparkWeb's own
        thread: review S8-R-5)."""
        for app in self.apps.values():
            app.membership.settle()

    def sees(self, node, other):
        """Whether ``node`` finds ``other`` serving."""
        return self.apps[node].serving.serving(other)

    def close(self):
        for undo in self.undo + list(self.stops.values()):
            undo()
        self.cluster.stop()


def test_a_node_is_recorded_while_sparkweb_serves_there_and_removed_when_it_stops():
    nodes = Nodes()
    try:
        assert (nodes.sees(u"b", u"a"), nodes.sees(u"a", u"b")) == (True, True)
        nodes.stops[u"a"]()               # SparkWeb on a unloads
        assert not nodes.sees(u"b", u"a"), "a node whose SparkWeb stopped is still recorded"
        assert nodes.sees(u"a", u"b"), "stopping one node removed another's entry"
    finally:
        nodes.close()


def test_a_node_that_leaves_the_cluster_is_dropped_by_the_others():
    nodes = Nodes()
    try:
        nodes.cluster.leave(u"a")         # dies: it cannot remove its entry itself
        nodes.settle()
        assert not nodes.sees(u"b", u"a"), "the entry of a node that left was kept"
        assert nodes.sees(u"b", u"b")
    finally:
        nodes.close()


def test_after_a_split_heals_every_serving_node_is_recorded_again():
    nodes = Nodes()
    try:
        nodes.cluster.split(u"b")         # each side sees the other leave; b's caches start over
        nodes.settle()
        assert not nodes.sees(u"a", u"b") and not nodes.sees(u"b", u"a")
        assert nodes.sees(u"b", u"b"), "b's own entry is gone from its side's new cache"
        nodes.cluster.rejoin(u"b")        # b's caches are dropped for the cluster's
        nodes.settle()
        assert nodes.sees(u"a", u"b") and nodes.sees(u"b", u"a"), \
            "after the rejoin: a sees b %s, b sees a %s" % (nodes.sees(u"a", u"b"),
                                                           nodes.sees(u"b", u"a"))
    finally:
        nodes.close()


def test_a_lost_entry_comes_back_on_the_refresh_but_not_once_the_node_stopped():
    nodes = Nodes()
    try:
        cache = nodes.cluster.cache(CACHE)
        cache.remove(u"a")                # expired or evicted by Openfire's cache
        nodes.apps[u"a"].serving.refresh()
        assert nodes.sees(u"b", u"a"), "the refresh did not write the entry again"
        nodes.stops[u"a"]()
        nodes.apps[u"a"].serving.refresh()
        nodes.apps[u"a"].serving.joined(None)
        assert not nodes.sees(u"b", u"a"), "a stopped node wrote itself back"
    finally:
        nodes.close()
