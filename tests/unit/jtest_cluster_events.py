"""Cluster events and what follows a user across nodes (issue 17, item 4; review S6-R-10), on
in-memory nodes over one database: a sign-out on another node closes the token's streams on
the home node and ends the session there; a node leaving answers the requests waiting on it at
once; after a split heals, the duplicate session is ended and the surviving route restored."""
from __future__ import absolute_import

import threading
import time

from java.util.concurrent import Executors, TimeUnit

from sparkweb import config
from sparkweb.api import ROUTES
from sparkweb.cluster.threads import run_with
from sparkweb.http.response import NODE_HEADER
from sparkweb.http.routing import call_server
from sparkweb.openfire.memory_cluster import MemoryCluster
from jtest_credentials import FakeContext, answer, handler
from support import RecordingStream, openfire_with_users, raised, services, wait_for


class Cluster(object):
    """Nodes over one database (users, properties: one signing key), SparkWeb's services on
    each forwarding, following cluster events, checking for duplicates at once after a join
    (and again shortly after), on a thread of the test's own; ``checks=False``: the checks are
    only recorded in ``later`` (a test runs them itself)."""

    def __init__(self, names=(u"a", u"b"), checks=True):
        self.cluster = MemoryCluster()
        database = openfire_with_users()
        self.apps = {}
        self.undo = []
        self.later = []                  # (task, seconds) asked for, when checks=False
        self._timer = Executors.newSingleThreadScheduledExecutor()

        def later(task, seconds=0):
            if checks:
                self._timer.schedule(run_with(lambda _: task(), None), long(seconds * 1000),
                                     TimeUnit.MILLISECONDS)
            else:
                self.later.append((task, seconds))
        for node in names:
            openfire = openfire_with_users()
            openfire._users, openfire._properties = database._users, database._properties
            self.cluster.join(openfire, node)
            app = services(openfire)
            app.settings.set(config.CLUSTER_FORWARD_SECONDS, 3)
            self.undo.append(app.forwarding.start(call_server(ROUTES, app)))
            self.undo.append(app.membership.start(openfire))
            app.duplicates.start(later)
            app.duplicates.check_delays = (0, 1.5)          # 3 s and more in SparkWeb
            app.duplicates.follow_up_seconds = 0.5
            app.duplicates.confirm_seconds = 0.2
            self.apps[node] = app
        for change in ("split", "rejoin", "leave"):   # as if Openfire's events were at once
            setattr(self.cluster, change, self._settling(getattr(self.cluster, change)))

    def _settling(self, change):
        """``change``, then waits until every node has followed the cluster events it sent
        (SparkWeb follows them on a thread of its own: review S8-R-5)."""
        def changed(node):
            change(node)
            for app in self.apps.values():
                app.membership.settle()
        return changed

    def token(self, username):
        return self.apps.values()[0].authenticator.login(username, username + u"-pw")[0]

    def close(self):
        for undo in self.undo:
            undo()
        self._timer.shutdownNow()
        self._timer.awaitTermination(5, TimeUnit.SECONDS)
        for app in self.apps.values():
            app.sessions.end_all()
        self.cluster.stop()


class _TokenStream(RecordingStream):
    """A stream opened with ``claims`` that leaves the session when closed, as the servlet's."""

    def __init__(self, claims, app=None):
        RecordingStream.__init__(self)
        self.claims = claims
        self._app = app

    def close(self):
        RecordingStream.close(self)
        if self._app is not None:
            self._app.streams.remove(self)
            self._app.sessions.detach(self.claims.username, self)

    def offer_bytes(self, chunk):
        pass


def test_a_sign_out_on_another_node_closes_the_tokens_streams_on_the_home_node():
    nodes = Cluster()
    try:
        home = nodes.apps[u"a"]
        token = nodes.token(u"alice")
        stream = _TokenStream(home.authenticator.authenticate(token), home)
        home.sessions.attach(u"alice", stream)
        home.streams.add(stream)
        assert nodes.cluster.home(u"alice") == u"a", nodes.cluster.home(u"alice")
        status, body = answer(handler(nodes.apps[u"b"], "POST", "/logout")(FakeContext(
            {}, headers={"Authorization": token})))
        assert status == 200, (status, body)
        wait_for(lambda: stream.closed, "the signed-out token's stream on the home node is "
                                        "still open", seconds=2)
        wait_for(lambda: home.sessions.get(u"alice") is None,
                 "the session on the home node did not end", seconds=2)
    finally:
        nodes.close()


def test_a_sign_out_on_another_node_keeps_the_session_of_a_device_still_streaming():
    nodes = Cluster()
    try:
        home = nodes.apps[u"a"]
        leaving, staying = nodes.token(u"alice"), nodes.token(u"alice")
        streams = [_TokenStream(home.authenticator.authenticate(t), home)
                   for t in (leaving, staying)]
        for stream in streams:
            home.sessions.attach(u"alice", stream)
            home.streams.add(stream)
        status, _ = answer(handler(nodes.apps[u"b"], "POST", "/logout")(FakeContext(
            {}, headers={"Authorization": leaving})))
        assert status == 200
        wait_for(lambda: streams[0].closed, "the signed-out token's stream is open", seconds=2)
        time.sleep(0.3)
        assert not streams[1].closed, "the other device's stream was closed"
        assert home.sessions.get(u"alice") is not None, "the session ended under a live stream"
    finally:
        nodes.close()


def test_requests_waiting_on_a_node_that_leaves_are_answered_503_at_once():
    nodes = Cluster()
    try:
        nodes.cluster.silence(u"a")     # SparkWeb on a serves but does not answer
        nodes.cluster.place(u"alice", u"a")
        token = nodes.token(u"alice")
        outcome = []
        started = time.time()
        waiting = threading.Thread(target=lambda: outcome.append(answer(handler(
            nodes.apps[u"b"], "GET", "/presence/roster")(FakeContext(
                {}, headers={"Authorization": token})))))
        waiting.start()
        wait_for(lambda: nodes.cluster.sent, "the request was not forwarded")
        nodes.cluster.leave(u"a")
        waiting.join(5)
        took = time.time() - started
        assert outcome and outcome[0][0] == 503, outcome
        assert took < 1.5, "the request waited %.1f s for a node that had left" % took
    finally:
        nodes.close()


def test_after_a_split_heals_one_session_is_left_and_its_route_restored():
    nodes = Cluster()
    try:
        a, b = nodes.apps[u"a"], nodes.apps[u"b"]
        a.sessions.get_or_start(u"alice")
        nodes.cluster.split(u"b")
        b.sessions.get_or_start(u"alice")         # b no longer sees a's route: a second one
        assert a.sessions.get(u"alice") and b.sessions.get(u"alice")
        nodes.cluster.rejoin(u"b")                # b's route is written over the cluster's
        wait_for(lambda: a.sessions.get(u"alice") is None,
                 "the duplicate session on a was not ended")
        assert b.sessions.get(u"alice") is not None, "the surviving session on b ended"
        wait_for(lambda: nodes.cluster.home(u"alice") == u"b",
                 "the surviving route was not restored (route: %r)" % nodes.cluster.home(
                     u"alice"), seconds=5)
        response = handler(a, "GET", "/presence/roster")(FakeContext(
            {}, headers={"Authorization": nodes.token(u"alice")}))
        assert response.getStatus() == 200, answer(response)
        assert response.getHeaderString(NODE_HEADER) == u"b", \
            "alice's request on a was served by %r" % response.getHeaderString(NODE_HEADER)
        assert a.sessions.get(u"alice") is None, "a started a session again"
    finally:
        nodes.close()


def test_while_the_survivor_restores_its_route_the_duplicates_node_starts_no_new_session():
    nodes = Cluster()
    try:
        a, b = nodes.apps[u"a"], nodes.apps[u"b"]
        a.sessions.get_or_start(u"alice")
        nodes.cluster.split(u"b")
        b.sessions.get_or_start(u"alice")
        nodes.cluster.silence(u"b")     # b is slow to restore its route (a busy node)
        healing = threading.Thread(target=lambda: nodes.cluster.rejoin(u"b"))
        healing.setDaemon(True)
        healing.start()                 # a ends its duplicate, which removes alice's route
        wait_for(lambda: a.sessions.get(u"alice") is None, "a's duplicate was not ended")
        assert nodes.cluster.home(u"alice") != u"a", "the model keeps a's route"
        token = nodes.token(u"alice")
        for request in (lambda: handler(a, "POST", "/login/{username}")(FakeContext(
                {"username": u"alice"}, body=u"alice-pw")),           # at once
                        lambda: handler(a, "GET", "/presence/roster")(FakeContext(
                            {}, headers={"Authorization": token}))):   # waits for b, 503
            request()
            assert a.sessions.get(u"alice") is None, \
                "a started a new session while b's route was being restored: two again"
        # (b's own later check may have written b's route by now: S8-R-2)
        assert nodes.cluster.home(u"alice") != u"a", "a wrote a route of its own"
        healing.join(10)
    finally:
        nodes.close()


def test_only_callers_who_proved_who_they_are_are_told_the_node():
    app = services(openfire_with_users())
    no_token = handler(app, "GET", "/presence/roster")(FakeContext({}))
    wrong = handler(app, "POST", "/login/{username}")(FakeContext({"username": u"alice"},
                                                                  body=u"wrong"))
    right = handler(app, "POST", "/login/{username}")(FakeContext({"username": u"alice"},
                                                                  body=u"alice-pw"))
    token = answer(right)[1]["token"]
    with_token = handler(app, "GET", "/presence/roster")(FakeContext(
        {}, headers={"Authorization": token}))
    told = [r.getHeaderString(NODE_HEADER) for r in (no_token, wrong, right, with_token)]
    assert told == [None, None, u"memory", u"memory"], \
        "node named to (no token, wrong password, signed in, token): %r (attack S6-A5)" % told
    app.sessions.end_all()
