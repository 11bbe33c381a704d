"""Requests forwarded to the user's home cluster node (issue 17, item 2), on two in-memory nodes
joined by a MemoryCluster: what travels (the username and the operation, never the token), the
answer as the home node made it with the node header, and the refusals (503, never a hang)."""
from __future__ import absolute_import

import json
import threading
import time

from java.lang import String as JavaString
from java.nio.charset import StandardCharsets

from sparkweb import config
from sparkweb.api import ROUTES
from sparkweb.cluster.messages import Answer, Call, MessageError, decode, encode_answer, \
    encode_call
from sparkweb.http.response import NODE_HEADER
from sparkweb.http.routing import call_server
from sparkweb.openfire.memory_cluster import MemoryCluster
from jtest_credentials import FakeContext, answer, handler
from support import RecordingStream, openfire_with_users, raised, services, wait_for


def _bytes(text):
    return JavaString(text).getBytes(StandardCharsets.UTF_8)


def _text(data):
    return u"" if data is None else unicode(JavaString(data, StandardCharsets.UTF_8))


class TwoNodes(object):
    """Nodes "a" and "b", SparkWeb started on both (forwarding receiving)."""

    def __init__(self):
        self.cluster = MemoryCluster()
        self.undo = []
        self.apps = {}
        for node in (u"a", u"b"):
            openfire = openfire_with_users()
            openfire.add_contacts(u"alice", u"bob")
            self.cluster.join(openfire, node)
            app = services(openfire)
            app.settings.set(config.CLUSTER_FORWARD_SECONDS, 2)
            self.undo.append(app.forwarding.start(call_server(ROUTES, app)))
            self.apps[node] = app

    def close(self):
        for undo in self.undo:
            undo()
        for app in self.apps.values():
            app.sessions.end_all()
        self.cluster.stop()

    def token(self, node, username):
        token, _ = self.apps[node].authenticator.login(username, username + u"-pw")
        return token


def _call(body=u"hello"):
    return Call(u"id-1", u"b", u"alice", u"POST", u"/chat/message/{to}", {u"to": u"bob"},
                {u"x": [u"1", u"2"]}, {u"Content-Type": u"text/plain", u"Authorization":
                                       u"secret.token.here", u"Cookie": u"c=1"},
                u"10.1.2.3", body)


def test_a_call_carries_the_username_and_the_operation_and_nothing_else():
    envelope, body = encode_call(_call())
    text = _text(envelope)
    assert u"secret.token.here" not in text and u"Authorization" not in text, \
        "a token or the Authorization header travels: %s" % text
    assert u"Cookie" not in text, "a header no handler reads travels: %s" % text
    fields = json.loads(text)
    assert sorted(fields) == sorted(["kind", "id", "origin", "user", "method", "path", "params",
                                     "query", "headers", "client"]), sorted(fields)
    decoded = decode(envelope, body)
    assert (decoded.username, decoded.method, decoded.path, decoded.params, decoded.query,
            decoded.headers, decoded.client, decoded.body) == (
        u"alice", u"POST", u"/chat/message/{to}", {u"to": u"bob"}, {u"x": [u"1", u"2"]},
        {u"Content-Type": u"text/plain"}, u"10.1.2.3", u"hello"), vars(decoded)


def test_an_answer_round_trips_with_status_headers_body_and_node():
    envelope, body = encode_answer(Answer(429, u'{"error":"too_many_requests"}',
                                          {u"Retry-After": u"7"}, u"a", u"id-9"))
    decoded = decode(envelope, body)
    assert (decoded.status, decoded.headers, decoded.body, decoded.node, decoded.id) == (
        429, {u"Retry-After": u"7"}, u'{"error":"too_many_requests"}', u"a", u"id-9"), \
        vars(decoded)


def test_malformed_messages_are_refused():
    good = json.loads(_text(encode_call(_call())[0]))
    bad = [u"not json", u"[1]", u'{"kind": "other"}']
    for name, value in (("headers", {"Authorization": "x"}), ("user", None), ("user", 3),
                        ("query", {"x": "not a list"}), ("params", {"to": 1})):
        changed = dict(good)
        changed[name] = value
        bad.append(json.dumps(changed))
    bad.append(json.dumps({"kind": "answer", "id": "i", "node": "a", "status": 999,
                           "headers": {}}))
    for envelope in bad:
        error = raised(lambda: decode(_bytes(envelope), None))
        assert isinstance(error, MessageError), "%s was taken (%r)" % (envelope, error)


def test_a_request_on_another_node_runs_on_the_home_session_and_names_that_node():
    nodes = TwoNodes()
    try:
        home = nodes.apps[u"a"]
        home.sessions.get_or_start(u"alice")
        nodes.cluster.place(u"alice", u"a")
        bob = RecordingStream()
        home.sessions.get_or_start(u"bob").attach(bob)
        token = nodes.token(u"b", u"alice")
        response = handler(nodes.apps[u"b"], "POST", "/chat/message/{to}")(FakeContext(
            {"to": u"bob"}, body=u"through b", headers={"Authorization": token,
                                                        "Content-Type": "text/plain"}))
        status, body = answer(response)
        assert status == 200, (status, body)
        assert response.getHeaderString(NODE_HEADER) == u"a", \
            "the answer names node %r" % response.getHeaderString(NODE_HEADER)
        assert nodes.apps[u"b"].sessions.get(u"alice") is None, "b started a second session"
        sent = [_text(envelope) + _text(data) for _, envelope, data in nodes.cluster.sent]
        assert sent and not any(token in message for message in sent), \
            "the token travelled between the nodes"
        wait_for(lambda: [e for e in bob.named("chatapi.chat") if u"through b" in e.text],
                 "bob (on node a) did not get the message sent through node b")
        chat = [e for e in bob.named("chatapi.chat") if u"through b" in e.text][0]
        assert u"alice@example.test/sparkweb" in chat.text, \
            "the message did not come from alice's session on node a: %s" % chat.text
    finally:
        nodes.close()


def test_a_request_with_the_session_here_is_not_forwarded():
    nodes = TwoNodes()
    try:
        app = nodes.apps[u"b"]
        app.sessions.get_or_start(u"alice")
        token = nodes.token(u"b", u"alice")
        response = handler(app, "GET", "/presence/roster")(FakeContext({}, headers={
            "Authorization": token}))
        assert response.getStatus() == 200, answer(response)
        assert response.getHeaderString(NODE_HEADER) == u"b", response.getHeaderString(
            NODE_HEADER)
        assert nodes.cluster.sent == [], "a local request was forwarded"
    finally:
        nodes.close()


def test_a_home_node_that_does_not_answer_gives_503_within_the_wait_not_a_hang():
    nodes = TwoNodes()
    try:
        nodes.cluster.place(u"alice", u"a")
        nodes.cluster.silence(u"a")         # SparkWeb on a serves but does not answer (hung)
        token = nodes.token(u"b", u"alice")
        started = time.time()
        response = handler(nodes.apps[u"b"], "GET", "/presence/roster")(FakeContext(
            {}, headers={"Authorization": token}))
        took = time.time() - started
        status, body = answer(response)
        assert (status, body.get("error")) == (503, "service_unavailable"), (status, body)
        assert response.getHeaderString("Retry-After") == "1", "no Retry-After"
        assert 1.5 < took < 6, "the 2 s wait took %.1f s" % took
    finally:
        nodes.close()


def test_a_home_node_where_sparkweb_is_not_serving_gives_503_at_once_and_nothing_is_sent():
    nodes = TwoNodes()
    try:
        nodes.apps[u"b"].settings.set(config.CLUSTER_FORWARD_SECONDS, 10)
        nodes.cluster.place(u"alice", u"a")    # the route stays (a client of alice's bound it)
        nodes.undo[0]()                        # SparkWeb on a stopped (unloaded, reloading)
        token = nodes.token(u"b", u"alice")
        started = time.time()
        response = handler(nodes.apps[u"b"], "GET", "/presence/roster")(FakeContext(
            {}, headers={"Authorization": token}))
        took = time.time() - started
        status, body = answer(response)
        assert (status, body.get("error")) == (503, "service_unavailable"), (status, body)
        assert response.getHeaderString("Retry-After") == "1", "no Retry-After"
        assert took < 1, "the request waited %.1f s for a node where SparkWeb is not " \
                         "running (forwardSeconds 10)" % took
        assert nodes.cluster.sent == [], "a call was sent to a node where nothing receives it"
    finally:
        nodes.close()


def test_a_home_node_serves_again_once_sparkweb_has_started_there_again():
    nodes = TwoNodes()
    try:
        nodes.cluster.place(u"alice", u"a")
        nodes.undo[0]()                        # SparkWeb on a stopped ...
        home = nodes.apps[u"a"]
        nodes.undo.append(home.forwarding.start(call_server(ROUTES, home)))   # ... and back
        home.sessions.get_or_start(u"alice")
        token = nodes.token(u"b", u"alice")
        response = handler(nodes.apps[u"b"], "GET", "/presence/roster")(FakeContext(
            {}, headers={"Authorization": token}))
        assert response.getStatus() == 200, answer(response)
        assert response.getHeaderString(NODE_HEADER) == u"a", response.getHeaderString(
            NODE_HEADER)
    finally:
        nodes.close()


def test_after_the_home_node_left_the_cluster_requests_run_where_they_arrive():
    nodes = TwoNodes()
    try:
        nodes.cluster.place(u"alice", u"a")
        nodes.cluster.leave(u"a")
        token = nodes.token(u"b", u"alice")
        started = time.time()
        status, body = answer(handler(nodes.apps[u"b"], "GET", "/presence/roster")(FakeContext(
            {}, headers={"Authorization": token})))
        assert status == 200, "with a's routes gone, b serves alice: %r" % body
        assert nodes.cluster.sent == [], "a request was sent to the node that left"
        assert time.time() - started < 2, "it waited"
    finally:
        nodes.close()


def test_waiting_requests_end_with_503_when_their_node_leaves():
    nodes = TwoNodes()
    try:
        app = nodes.apps[u"b"]
        call = app.forwarding.new_call(u"alice", u"GET", u"/presence/roster", {}, {}, {}, None,
                                       None)
        nodes.cluster.silence(u"a")         # a never answers
        outcome = []
        waiting = threading.Thread(target=lambda: outcome.append(
            raised(lambda: app.forwarding.forward(u"a", call))))
        started = time.time()
        waiting.start()
        wait_for(lambda: nodes.cluster.sent, "the call was not sent")
        app.forwarding.node_left(u"a")
        waiting.join(5)
        assert outcome and getattr(outcome[0], "status", None) == 503, outcome
        assert time.time() - started < 1.5, "the request waited out its timeout"
    finally:
        nodes.close()


def test_the_home_node_refuses_unknown_operations_and_never_passes_a_call_on():
    nodes = TwoNodes()
    try:
        serve = call_server(ROUTES, nodes.apps[u"a"])
        unknown = serve(Call(u"i", u"b", u"alice", u"GET", u"/no/such/route"))
        public = serve(Call(u"i", u"b", u"alice", u"POST", u"/login/{username}",
                            {u"username": u"alice"}, body=u"alice-pw"))
        nodes.cluster.place(u"alice", u"c")     # moved on to a third node meanwhile
        moved = serve(Call(u"i", u"b", u"alice", u"GET", u"/presence/roster"))
        assert (unknown.status, public.status, moved.status) == (404, 404, 503), \
            (unknown.status, public.status, moved.status)
        assert nodes.apps[u"a"].sessions.get(u"alice") is None, "a session was started"
        assert nodes.cluster.sent == [], "a call was passed on"
    finally:
        nodes.close()


def test_sign_in_on_another_node_gives_a_token_and_leaves_the_session_at_home():
    nodes = TwoNodes()
    try:
        nodes.cluster.place(u"alice", u"a")
        status, body = answer(handler(nodes.apps[u"b"], "POST", "/login/{username}")(
            FakeContext({"username": u"alice"}, body=u"alice-pw")))
        assert status == 200 and body.get("token"), (status, body)
        assert nodes.apps[u"b"].sessions.get(u"alice") is None, "b started a second session"
    finally:
        nodes.close()
