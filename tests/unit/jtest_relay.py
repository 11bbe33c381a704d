"""Event streams opened on a node other than the user's home node, relayed from the home session
(issue 17, item 3), on two in-memory nodes joined by a MemoryCluster (whose cluster tasks run
on a pool, so they can overtake each other as Hazelcast's do): every event in the home log's
order under concurrent publishing, replay with Last-Event-ID across nodes, dead and slow relays
detached, the home session's end and a revocation closing the stream, nothing left behind."""
from __future__ import absolute_import

import json
import time

from java.lang import String
from java.nio.charset import StandardCharsets
from java.util.concurrent import ConcurrentLinkedQueue, CountDownLatch, Executors, TimeUnit

from sparkweb import config
from sparkweb.api import ROUTES
from sparkweb.cluster import relay_messages
from sparkweb.cluster.relay import BATCH_BYTES, Relays
from sparkweb.cluster.relay_sink import RelaySink
from sparkweb.events.sse import SseServlet
from sparkweb.http.routing import call_server
from sparkweb.openfire.memory_cluster import MemoryCluster
from sparkweb.xmpp import stanza
from jtest_sse_stream import FakeOutput, FakeRequest, FakeResponse
from support import Clock, RecordingStream, openfire_with_users, raised, run_together, \
    services, wait_for

ACK_SECONDS = 1.5
KEEPALIVE_SECONDS = 0.3


class StreamRequest(FakeRequest):
    """GET /sse with a Last-Event-ID header."""

    def __init__(self, response, token, last_event_id=None):
        FakeRequest.__init__(self, response, token)
        self._last_event_id = last_event_id

    def getHeader(self, name):
        return self._last_event_id if name == "Last-Event-ID" else None


class Browser(object):
    """One EventSource: what its stream wrote, as (id, event, data) frames."""

    def __init__(self, app, token, last_event_id=None):
        self.output = FakeOutput()
        self.response = FakeResponse(self.output)
        SseServlet(app).doGet(StreamRequest(self.response, token, last_event_id),
                              self.response)
        self.stream = self.output.listener
        assert self.stream is not None, "no stream opened: %s %r" % (
            self.response.status, self.response.body)
        self.stream.onWritePossible()    # the container says writing may start

    def frames(self):
        text = u"".join(unicode(String(chunk, StandardCharsets.UTF_8))
                        for chunk in list(self.output.written))
        frames = []
        for block in text.split(u"\n\n"):
            fields = dict(line.split(u": ", 1) for line in block.split(u"\n")
                          if u": " in line and not line.startswith(u":"))
            if u"event" in fields:
                frames.append((fields.get(u"id"), fields[u"event"], json.loads(fields[u"data"])))
        return frames

    def chats(self):
        return [(event_id, data[u"body"]) for event_id, name, data in self.frames()
                if name == u"chatapi.chat"]

    def close(self):
        self.stream.close()


class TwoNodes(object):
    """Nodes "a" (alice's home) and "b", SparkWeb's forwarding and relays started on both,
    with short relay timers."""

    def __init__(self, ack_seconds=ACK_SECONDS, **settings):
        self.cluster = MemoryCluster()
        self.undo = []
        self.apps = {}
        self.openfires = {}
        self.clock = Clock()
        for node in (u"a", u"b"):
            openfire = openfire_with_users()
            openfire.add_contacts(u"alice", u"bob")
            self.cluster.join(openfire, node)
            self.openfires[node] = openfire
            app = services(openfire, self.clock)
            for setting, value in settings.items():
                app.settings.set(getattr(config, setting), value)
            app.relays = Relays(openfire, app.settings, app.sessions,
                                app.authenticator.still_valid, ack_seconds, KEEPALIVE_SECONDS)
            app.forwarding.relays = app.relays
            scheduler = Executors.newSingleThreadScheduledExecutor()
            self.undo.append(lambda scheduler=scheduler: scheduler.shutdownNow())
            self.undo.append(app.forwarding.start(call_server(ROUTES, app)))
            self.undo.append(app.relays.start(scheduler))
            self.apps[node] = app
        self.home, self.other = self.apps[u"a"], self.apps[u"b"]
        self.home.sessions.get_or_start(u"alice")
        self.cluster.place(u"alice", u"a")

    def close(self):
        for undo in reversed(self.undo):
            undo()
        for app in self.apps.values():
            app.sessions.end_all()
        self.cluster.stop()

    def token(self, username=u"alice"):
        return self.other.authenticator.login(username, username + u"-pw")[0]

    def session(self):
        return self.home.sessions.get(u"alice")

    def send_to_alice(self, body):
        """bob (on the home node) writes to alice: an event in her home session's log."""
        self.home.sessions.get_or_start(u"bob").send(
            stanza.message(u"alice@example.test", body=body))


def relayed(nodes, browser):
    """Waits until the home session has the stream's relay attached."""
    wait_for(lambda: browser.frames(), "the relayed stream got no onConnect", 10)
    return nodes.session()


def test_a_stream_on_another_node_gets_every_event_in_the_home_logs_order():
    nodes = TwoNodes()
    try:
        local = RecordingStream()
        nodes.session().attach(local)
        browser = Browser(nodes.other, nodes.token())
        relayed(nodes, browser)
        assert browser.frames()[0][1] == u"onConnect", browser.frames()[:1]
        assert nodes.other.sessions.get(u"alice") is None, "node b started a second session"

        def publish(index):
            for number in range(40):
                nodes.send_to_alice(u"%d-%d" % (index, number))
        run_together(4, publish)
        wait_for(lambda: len(browser.chats()) >= 160,
                 "the relayed stream got %d of 160 messages" % len(browser.chats()))
        home_order = [(e.id, json.loads(e.text)[u"body"]) for e in local.named("chatapi.chat")]
        assert browser.chats() == home_order, \
            "the relayed stream's events differ from the home stream's (first 5: %r vs %r)" % (
                browser.chats()[:5], home_order[:5])
        assert not browser.stream.closed, "the relayed stream closed"
    finally:
        nodes.close()


def test_replay_after_reconnecting_on_the_other_node_uses_the_home_sessions_ids():
    nodes = TwoNodes()
    try:
        at_home = RecordingStream()
        nodes.session().attach(at_home)
        nodes.send_to_alice(u"one")
        nodes.send_to_alice(u"two")
        seen = at_home.named("chatapi.chat")[0].id     # the page saw "one" on the home node
        first = Browser(nodes.other, nodes.token(), seen)
        wait_for(lambda: len(first.chats()) == 1, "no replay on node b: %r" % first.frames())
        assert [body for _, body in first.chats()] == [u"two"], first.chats()
        nodes.send_to_alice(u"three")
        wait_for(lambda: len(first.chats()) == 2, "no live event on node b")
        last_seen = first.chats()[-1][0]
        first.close()
        wait_for(lambda: nodes.session().stream_count() == 1,
                 "the closed relay stays attached at home")
        nodes.send_to_alice(u"four")
        nodes.send_to_alice(u"five")
        second = Browser(nodes.other, nodes.token(), last_seen)
        wait_for(lambda: len(second.chats()) == 2, "missed events not replayed: %r"
                 % second.chats())
        assert [body for _, body in second.chats()] == [u"four", u"five"], second.chats()
        assert [event_id for event_id, _ in second.chats()] == [
            e.id for e in at_home.named("chatapi.chat")[3:]], "replayed ids are not the home's"
        greeting = second.frames()[0]
        assert greeting[1] == u"onConnect" and greeting[0] == last_seen and \
            greeting[2][u"stream"] == second.stream.id, greeting
    finally:
        nodes.close()


def test_a_relay_whose_node_takes_no_batches_is_detached_and_its_stream_closes():
    nodes = TwoNodes()
    try:
        browser = Browser(nodes.other, nodes.token())
        session = relayed(nodes, browser)
        assert session.stream_count() == 1, "relay not attached at home"
        openfire_b = nodes.openfires[u"b"]
        receiver = openfire_b.receiver
        openfire_b.receiver = lambda envelope, body: None     # node b stops taking messages
        nodes.send_to_alice(u"lost")
        wait_for(lambda: session.stream_count() == 0,
                 "the home node kept a relay whose node took nothing", 10)
        wait_for(lambda: browser.stream.closed,
                 "node b kept a stream its home node stopped feeding", 10)
        openfire_b.receiver = receiver
        assert nodes.home.relays.summary()["out"] == 0 and \
            nodes.other.relays.summary()["in"] == 0, (nodes.home.relays.summary(),
                                                      nodes.other.relays.summary())
        assert not nodes.session().ended, "the session ended with its relay"
    finally:
        nodes.close()


def test_a_relay_that_falls_behind_is_closed_at_once_with_bounded_memory():
    nodes = TwoNodes(ack_seconds=30, SSE_QUEUE_EVENTS=10)
    try:
        browser = Browser(nodes.other, nodes.token())
        session = relayed(nodes, browser)
        openfire_b = nodes.openfires[u"b"]
        openfire_b.receiver = lambda envelope, body: None     # no acknowledgement comes back
        for number in range(12):
            nodes.send_to_alice(u"m%d" % number)
        wait_for(lambda: session.stream_count() == 0,
                 "a relay holding more than sparkweb.sse.queueEvents stayed attached", 5)
    finally:
        nodes.close()


def test_the_stream_node_leaving_detaches_the_relay_and_the_home_leaving_closes_the_stream():
    nodes = TwoNodes(ack_seconds=30)
    try:
        browser = Browser(nodes.other, nodes.token())
        session = relayed(nodes, browser)
        nodes.home.forwarding.node_left(u"b")       # as the cluster tells node a
        wait_for(lambda: session.stream_count() == 0, "relay to a departed node kept", 5)
        second = Browser(nodes.other, nodes.token())
        relayed(nodes, second)
        nodes.other.forwarding.node_left(u"a")      # as the cluster tells node b
        wait_for(lambda: second.stream.closed, "stream of a departed home node kept open", 5)
    finally:
        nodes.close()


def test_a_stream_whose_home_node_does_not_run_sparkweb_is_refused_503_at_once():
    nodes = TwoNodes(ack_seconds=30)
    try:
        nodes.undo[1]()                 # SparkWeb on a (alice's home) stopped: it is reloading
        output = FakeOutput()
        response = FakeResponse(output)
        started = time.time()
        SseServlet(nodes.other).doGet(StreamRequest(response, nodes.token()), response)
        took = time.time() - started
        assert (response.status, response.headers.get("Retry-After")) == (503, "1"), \
            "a stream relayed from a node without SparkWeb: %r %r" % (response.status,
                                                                    response.headers)
        assert response.json()["error"] == "service_unavailable", response.json()
        assert output.listener is None and took < 1, "a stream was opened (%.1f s)" % took
        assert nodes.cluster.sent == [], "an open was sent to a node where nothing receives it"
    finally:
        nodes.close()


def test_the_home_session_ending_closes_the_relayed_stream():
    nodes = TwoNodes()
    try:
        browser = Browser(nodes.other, nodes.token())
        relayed(nodes, browser)
        nodes.home.sessions.end(u"alice")
        wait_for(lambda: browser.stream.closed, "the relayed stream outlived its session", 5)
        wait_for(lambda: len(nodes.other.streams) == 0, "node b keeps the closed stream", 5)
    finally:
        nodes.close()


def test_a_relayed_stream_keeps_the_home_session_alive_like_a_local_one():
    nodes = TwoNodes()
    try:
        browser = Browser(nodes.other, nodes.token())
        session = relayed(nodes, browser)
        nodes.clock.advance(24 * 3600)
        nodes.home.sessions.expire()
        assert not session.ended, "the home session expired with a relayed stream open"
        browser.close()
        wait_for(lambda: session.stream_count() == 0, "relay not detached after close", 5)
        nodes.clock.advance(24 * 3600)
        nodes.home.sessions.expire()
        assert session.ended, "the session did not expire once its relayed stream closed"
    finally:
        nodes.close()


def test_revoking_the_token_on_either_node_closes_the_relayed_stream():
    nodes = TwoNodes()
    try:
        for revoking in (nodes.home, nodes.other):
            token = nodes.token()
            browser = Browser(nodes.other, token)
            session = relayed(nodes, browser)
            claims = nodes.other.authenticator.authenticate(token)   # the key of node b
            revoking.revocations.revoke(claims)
            wait_for(lambda: browser.stream.closed,
                     "a relayed stream outlived its token's revocation", 5)
            wait_for(lambda: session.stream_count() == 0, "its relay stays attached", 5)
    finally:
        nodes.close()


def test_nothing_is_left_behind_after_many_relayed_streams_close():
    nodes = TwoNodes()
    try:
        token = nodes.token()

        def open_and_close(index):
            for _ in range(5):
                browser = Browser(nodes.other, token)
                nodes.send_to_alice(u"x%d" % index)
                browser.close()
        run_together(4, open_and_close)
        session = nodes.session()
        wait_for(lambda: session.stream_count() == 0 and nodes.home.relays.summary()["out"] == 0,
                 "relays left at home: %r, session streams %d" % (
                     nodes.home.relays.summary(), session.stream_count()), 10)
        assert nodes.other.relays.summary()["in"] == 0, nodes.other.relays.summary()
        assert len(nodes.other.streams) == 0, "node b keeps closed streams"
    finally:
        nodes.close()


def test_a_relayed_streams_page_visibility_reaches_the_home_session():
    from jtest_credentials import FakeContext, handler
    nodes = TwoNodes()
    try:
        browser = Browser(nodes.other, nodes.token())
        session = relayed(nodes, browser)
        assert session.has_visible_stream(), "a new relayed stream counts as hidden"
        response = handler(nodes.other, "PUT", "/webpush/visibility/{stream}")(FakeContext(
            {"stream": browser.stream.id}, body=u'{"hidden": true}',
            headers={"Authorization": nodes.token(), "Content-Type": "application/json"}))
        assert response.getStatus() == 200, response.getStatus()
        assert not session.has_visible_stream(), \
            "the home session still counts the hidden relayed page as visible (Web Push waits)"
    finally:
        nodes.close()


def test_relay_messages_round_trip_and_malformed_ones_are_refused():
    envelope, body = relay_messages.encode(relay_messages.EVENTS, u"r-1", 7, u"node-a")
    assert relay_messages.is_relay(envelope), "own envelope not recognised"
    message = relay_messages.decode(envelope, body)
    assert (message.kind, message.relay, message.number, message.node) == (
        u"events", u"r-1", 7, u"node-a"), vars(message) if hasattr(message, "__dict__") else 0
    for text in (u'{"kind": "call"}', u"relay nonsense r 1 n", u"relay events r x n",
                 u"relay events r 1", u"relay  r 1 n"):
        data = String(text).getBytes(StandardCharsets.UTF_8)
        assert raised(lambda: relay_messages.decode(data, None)) is not None, text
    bad_open = String(u'{"user": 3}').getBytes(StandardCharsets.UTF_8)
    assert raised(lambda: relay_messages.read_open(bad_open)) is not None, "bad open taken"


def test_a_relayed_stream_that_did_not_ask_for_raw_events_does_not_make_the_home_log_them():
    # The home session logs raw events only while a stream wants them (S6-A3): a relayed
    # stream must say whether it does, as a local one does.
    from sparkweb.cluster.relay_sink import RelaySink
    from sparkweb.session.user_session import _wants_raw
    plain, raw = [RelaySink(u"r%d" % wants, u"n", u"alice", wants, (10, 10000, 1000),
                            lambda number, body: None, lambda sink, tell: None)
                  for wants in (False, True)]
    assert not _wants_raw([plain]), "a plain relayed stream made the home log raw events"
    assert _wants_raw([plain, raw]), "a raw relayed stream got no raw events"


def test_a_sign_out_on_the_home_node_keeps_the_session_another_devices_relayed_stream_uses():
    # Review S7-R-2: the README's "unless another device still has a stream open with a
    # token of its own" holds when that device's stream is on another node.
    import time
    from sparkweb.api.login import logout
    nodes = TwoNodes()
    try:
        phone_token = nodes.home.authenticator.login(u"alice", u"alice-pw")[0]
        phone = Browser(nodes.home, phone_token)            # a local stream on the home node
        desktop = Browser(nodes.other, nodes.token())       # relayed from the home node
        session = relayed(nodes, desktop)
        claims = nodes.home.authenticator.authenticate(phone_token)
        request = type("Request", (), {"app": nodes.home, "claims": claims,
                                       "user": u"alice"})()
        logout(request)
        wait_for(lambda: phone.stream.closed, "the phone's stream still open", 5)
        time.sleep(1)
        assert not session.ended, "the phone's sign-out ended the desktop's (relayed) session"
        assert not desktop.stream.closed, "the phone's sign-out closed the desktop's stream"
    finally:
        nodes.close()


class _SlowSessions(object):
    """Sessions whose attach waits for ``release``, as one starting an XMPP session does."""

    def __init__(self):
        self.release = CountDownLatch(1)
        self.attached = ConcurrentLinkedQueue()

    def get(self, username):
        return object()          # a session here: no second hop

    def attach(self, username, sink, last_event_id, greeting):
        getattr(self.release, "await")(10, TimeUnit.SECONDS)
        self.attached.add(username)

    def detach(self, username, sink):
        pass


class _RecordingNode(object):
    """The facade's cluster side of the home node "a": what it sends, as envelope texts."""

    def __init__(self):
        self.sent = ConcurrentLinkedQueue()

    def cluster_node(self):
        return u"a"

    def send_to_node(self, node, envelope, body):
        self.sent.add(unicode(String(envelope, StandardCharsets.UTF_8)))

    def closed(self, relay):
        return [text for text in list(self.sent) if text.endswith(u"close %s 0 a" % relay)]


def test_one_users_burst_of_relayed_opens_does_not_close_another_users_stream():
    node, sessions = _RecordingNode(), _SlowSessions()
    relays = Relays(node, services(openfire_with_users()).settings, sessions)
    undo = relays.start()

    def open_from_b(username, relay):
        relays.receive(*relay_messages.encode(relay_messages.OPEN, relay, 0, u"b",
                                              relay_messages.open_body(username, None, False,
                                                                       (u"onConnect", {}))))
    try:
        for number in range(80):                 # mallory's page opens streams in a loop
            open_from_b(u"mallory", u"m%d" % number)
        open_from_b(u"alice", u"alice-stream")
        assert not node.closed(u"alice-stream"), \
            "alice's relayed stream was closed: mallory's burst filled the shared open queue"
        assert node.closed(u"m79"), "mallory's opens beyond her share were all queued"
        sessions.release.countDown()
        wait_for(lambda: u"alice" in list(sessions.attached), "alice's stream never attached",
                 10)
    finally:
        sessions.release.countDown()
        undo()


class _SendsWhenRead(object):
    """A sink's send time whose read lets a batch go out right after it, as another thread's
    event may between the check's two reads (review S7-R-8)."""

    def __init__(self, real, send_now):
        self._real = real
        self._send_now = send_now

    def get(self):
        value = self._real.get()
        send_now, self._send_now = self._send_now, None
        if send_now is not None:
            send_now()
        return value

    def set(self, value):
        self._real.set(value)


def test_a_batch_sent_while_the_relay_is_checked_is_not_judged_by_the_previous_send_time():
    sent, closed = [], []
    sink = RelaySink(u"relay-1", u"b", u"alice", False, (100, 1 << 20, BATCH_BYTES),
                     lambda number, body: sent.append(number),
                     lambda sink, tell: closed.append(tell))
    time.sleep(0.05)                  # quiet for longer than the acknowledgement wait below
    sink._sent_nanos = _SendsWhenRead(sink._sent_nanos, lambda: sink.offer_bytes(
        String(u"data: x\n\n").getBytes(StandardCharsets.UTF_8)))
    sink.check(1000000, 3600 * 1000000000)    # acknowledgements within 1 ms, no keepalive
    assert sent == [1], "the event's batch was not sent: %r" % sent
    assert not closed and not sink.closed, \
        "a batch sent during the check was judged unacknowledged by the previous send time"
