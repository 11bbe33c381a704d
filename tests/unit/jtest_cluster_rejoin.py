"""Healing a split cluster (issue 17, item 4; review S8-R-2 to S8-R-5), on in-memory nodes: the
node ending a duplicate session starts no new one of the user until the survivor's route is
back, a lost re-assert is asked again, a re-assert never overwrites another node's route, the
duplicate's end leaves no room of the survivor and the survivor enters its rooms again, the
check never waits on the network, and cluster events are followed on SparkWeb's own thread."""
from __future__ import absolute_import

import threading
import time

from java.lang import Thread

from sparkweb import config
from sparkweb.cluster import operations
from sparkweb.cluster.membership import Membership
from sparkweb.errors import HomeElsewhere
from sparkweb.openfire.memory_cluster import MemoryCluster
from jtest_cluster_events import Cluster
from support import openfire_with_users, raised, wait_for

ROOM = u"club@conference.example.test"


def _wrap_receiver(openfire, decide):
    """Puts ``decide(envelope_text, deliver)`` in front of the node's cluster receiver."""
    real = openfire.receiver

    def receiver(envelope, body):
        text = u"".join(unichr(b & 0xff) for b in envelope[:400])
        decide(text, lambda: real(envelope, body))
    openfire.receiver = receiver


def _is_reassert(text):
    return operations.REASSERT_ROUTE in text


def _split_with_duplicates(nodes, usernames, before_split=None):
    a, b = nodes.apps[u"a"], nodes.apps[u"b"]
    for username in usernames:
        a.sessions.get_or_start(username)
    if before_split is not None:
        before_split(a)
    nodes.cluster.split(u"b")
    for username in usernames:
        b.sessions.get_or_start(username)
    return a, b


def test_a_request_on_the_yielding_node_before_the_reassert_lands_starts_no_second_session():
    nodes = Cluster()
    try:
        a, b = _split_with_duplicates(nodes, [u"alice"])

        def slow_reassert(text, deliver):
            if _is_reassert(text):
                time.sleep(2.0)          # the holder is busy for a moment (pool, route lock)
            deliver()
        _wrap_receiver(b.openfire, slow_reassert)
        nodes.cluster.rejoin(u"b")
        wait_for(lambda: a.sessions.get(u"alice") is None, "a did not end its duplicate",
                 seconds=5)
        # The closed stream's page reconnects to a (events.sse._open_session does this):
        home = a.forwarding.home_elsewhere(u"alice")
        refused = raised(lambda: a.sessions.get_or_start(u"alice")) if home is None else None
        assert home == u"b" or isinstance(refused, HomeElsewhere), \
            "a started alice's session again before b's route was back (home %r, %r)" % (
                home, refused)
        wait_for(lambda: nodes.cluster.home(u"alice") == u"b", "b's route is not back",
                 seconds=5)
        assert a.sessions.get(u"alice") is None and b.sessions.get(u"alice") is not None
        assert a.forwarding.home_elsewhere(u"alice") == u"b", "a's requests are not forwarded"
    finally:
        nodes.close()


def test_a_lost_reassert_is_asked_again_until_the_route_is_back():
    nodes = Cluster()
    try:
        a, b = _split_with_duplicates(nodes, [u"alice"])
        b.duplicates.check_delays = (0,)   # only a's asking can bring the route back
        lost = []

        def lose_first_reassert(text, deliver):
            if _is_reassert(text) and not lost:
                lost.append(text)            # refused: the holder's pool was full
                return
            deliver()
        _wrap_receiver(b.openfire, lose_first_reassert)
        nodes.cluster.rejoin(u"b")
        wait_for(lambda: lost, "no re-assert was sent", seconds=5)
        wait_for(lambda: nodes.cluster.home(u"alice") == u"b",
                 "b's surviving session has no route (route: %r) after its re-assert was "
                 "lost" % nodes.cluster.home(u"alice"), seconds=5)
        assert b.sessions.get(u"alice") is not None
    finally:
        nodes.close()


def test_when_every_reassert_is_lost_the_holder_writes_its_route_itself():
    nodes = Cluster()
    try:
        a, b = _split_with_duplicates(nodes, [u"alice"])
        _wrap_receiver(b.openfire, lambda text, deliver: None if _is_reassert(text)
                       else deliver())
        nodes.cluster.rejoin(u"b")
        wait_for(lambda: a.sessions.get(u"alice") is None, "a did not end its duplicate",
                 seconds=5)
        wait_for(lambda: nodes.cluster.home(u"alice") == u"b",
                 "b's surviving session has no route (route: %r): b never looked again" %
                 nodes.cluster.home(u"alice"), seconds=5)
        assert b.sessions.get(u"alice") is not None
    finally:
        nodes.close()


def test_a_reassert_never_overwrites_another_nodes_route():
    nodes = Cluster(checks=False)
    try:
        a, b = _split_with_duplicates(nodes, [u"alice"])
        nodes.cluster.rejoin(u"b")               # b's route is written over the cluster's
        assert nodes.cluster.home(u"alice") == u"b"
        assert operations.run(a, a.forwarding.new_call(
            u"alice", u"POST", operations.REASSERT_ROUTE, {}, {}, {}, None, None))
        assert nodes.cluster.home(u"alice") != u"a", \
            "a's re-assert overwrote b's route: two sessions, one unreachable"
        assert a.sessions.get(u"alice") is None, "a's session, the duplicate now, lives on"
        wait_for(lambda: nodes.cluster.home(u"alice") == u"b", "b's route is not back "
                 "after a's duplicate ended (route: %r)" % nodes.cluster.home(u"alice"),
                 seconds=5)
    finally:
        nodes.close()


def _occupants(app, nick):
    room = app.openfire.muc._rooms.get(u"club")
    return [o for o in room.occupants if o.nick == nick] if room is not None else []


def test_the_duplicates_end_leaves_no_room_and_the_survivor_enters_its_rooms_again():
    nodes = Cluster()
    try:
        a, b = nodes.apps[u"a"], nodes.apps[u"b"]
        a.sessions.get_or_start(u"alice").rooms.join(ROOM, u"Alice")
        nodes.cluster.split(u"b")
        b.sessions.get_or_start(u"alice").rooms.join(ROOM, u"Alice")   # bookmarks autojoin
        b.sessions.get_or_start(u"bob").rooms.join(ROOM, u"Bob")
        sent_by_a = []
        process = a.openfire.muc.process
        a.openfire.muc.process = lambda session, stanza: (sent_by_a.append(stanza),
                                                          process(session, stanza))

        taken_out = []

        def shared_room_loses_alice(text, deliver):
            if _is_reassert(text) and not taken_out:   # what a's unavailable did to the room
                taken_out.append(text)                  # both nodes share
                room = b.openfire.muc._rooms.get(u"club")
                room.occupants = [o for o in room.occupants if o.nick != u"Alice"]
            deliver()
        _wrap_receiver(b.openfire, shared_room_loses_alice)
        nodes.cluster.rejoin(u"b")
        wait_for(lambda: a.sessions.get(u"alice") is None, "a did not end its duplicate",
                 seconds=5)
        leaves = [s for s in sent_by_a if s.kind == "presence" and s.type == "unavailable"]
        assert not leaves, "the duplicate left the survivor's rooms: %r" % [
            s.recipient for s in leaves]
        wait_for(lambda: taken_out, "b was not asked to restore its route", seconds=5)
        wait_for(lambda: _occupants(b, u"Alice"), "alice's surviving session is not in the "
                 "room any more", seconds=5)
        assert ROOM in b.sessions.get(u"alice").rooms.joined()
        b.sessions.get(u"alice").rooms.post(ROOM, u"still here", None)   # an occupant again
    finally:
        nodes.close()


def test_the_duplicate_check_does_not_wait_on_the_network():
    nodes = Cluster(checks=False)
    try:
        users = [u"alice", u"bob"]
        a, b = _split_with_duplicates(nodes, users)
        _wrap_receiver(b.openfire, lambda text, deliver: None)   # b answers nothing
        nodes.cluster.rejoin(u"b")
        started = time.time()
        a.duplicates.check()
        took = time.time() - started
        assert a.sessions.get(u"alice") is None and a.sessions.get(u"bob") is None
        assert took < 1.5, ("one duplicate check held its thread %.1f s (%d users, a silent "
                            "holder, forwardSeconds 3)" % (took, len(users)))
    finally:
        nodes.close()


def test_cluster_events_are_followed_on_a_thread_of_sparkwebs_own():
    openfire = openfire_with_users()
    MemoryCluster().join(openfire, u"a")
    membership = Membership()
    ran_on = []
    release = threading.Event()

    def slow(node):
        ran_on.append(Thread.currentThread().getName())
        release.wait(5)
    membership.on_joined(slow)
    undo = membership.start(openfire)
    try:
        started = time.time()
        for joined, left in list(openfire.cluster_watches):
            joined(u"b")        # Openfire's cluster event dispatcher calls this
        took = time.time() - started
        wait_for(lambda: ran_on, "the callback did not run", seconds=5)
        assert took < 1.0, "the event dispatcher waited %.1f s for SparkWeb" % took
        assert ran_on[0] != Thread.currentThread().getName(), ran_on
    finally:
        release.set()
        undo()
