"""Connections kept open between requests (outbound.pool, ``keep_alive=True``, what the push
sender uses): far fewer connections than requests; never one kept for another address, nor for
a host the policy refuses now; one the server closed while idle replaced before anything is
sent, a request the server took and dropped never sent twice; bounds, idle expiry, threads."""
from __future__ import absolute_import

import threading
import time

import jarray
from java.io import BufferedInputStream, IOException
from java.lang import String
from java.net import InetAddress, ServerSocket
from java.util.concurrent import CopyOnWriteArrayList

from jtest_outbound_client import client_with
from outbound_fixtures import Page, PageServer
from sparkweb import config
from sparkweb.outbound.client import OutboundClient
from sparkweb.outbound.errors import Failed, Refused
from sparkweb.outbound.pool import ConnectionPool
from support import raised, wait_for

ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"


class ScriptedServer(object):
    """A raw HTTP server on 127.0.0.2 whose every connection follows ``script(connection
    number, request number on it)``: ``"answer"`` (200, kept open), ``"answer_then_close"``
    (200 without saying it will close, then closes), ``"close"`` (reads the request, closes
    without answering), ``"close_header"`` (200 with Connection: close), ``"http10"`` (an
    HTTP/1.0 answer). Records (connection, request line) and the connections that ended."""

    def __init__(self, script, port=0, host="127.0.0.2"):
        self.script = script
        self.requests = CopyOnWriteArrayList()
        self.ended = CopyOnWriteArrayList()
        self.connections = 0
        self.listener = ServerSocket(port, 50, InetAddress.getByName(host))
        self.port = self.listener.getLocalPort()
        self.host = host
        self.sockets = []
        thread = threading.Thread(target=self._accept)
        thread.daemon = True
        thread.start()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def _accept(self):
        while True:
            try:
                socket = self.listener.accept()
            except IOException:
                return
            self.connections += 1
            self.sockets.append(socket)
            thread = threading.Thread(target=self._serve, args=(socket, self.connections))
            thread.daemon = True
            thread.start()

    def _serve(self, socket, number):
        stream = BufferedInputStream(socket.getInputStream())
        try:
            for index in range(1000):
                line = _read_request(stream)
                if line is None:
                    return
                self.requests.add((number, line))
                action = self.script(number, index)
                if action == "close":
                    return
                body = line.split(" ")[1]
                extra = {"close_header": "Connection: close\r\n"}.get(action, "")
                answer = ANSWER % (len(body), extra, body)
                if action == "http10":
                    answer = answer.replace("HTTP/1.1", "HTTP/1.0", 1)
                socket.getOutputStream().write(String(answer).getBytes("ISO-8859-1"))
                socket.getOutputStream().flush()
                if action == "answer_then_close":
                    return
        except IOException:
            return
        finally:
            socket.close()
            self.ended.add(number)

    def stop(self):
        self.listener.close()
        for socket in self.sockets:
            socket.close()


def _read_request(stream):
    """The request line of the next request (headers and body consumed), None at the end."""
    lines, line = [], []
    while True:
        value = stream.read()
        if value < 0:
            return None
        if value == 10:
            text = "".join(line).rstrip("\r")
            if not text:
                break
            lines.append(text)
            line = []
        else:
            line.append(chr(value))
    length = [int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length")]
    if length:
        stream.read(jarray.zeros(length[0], "b"), 0, length[0])
    return lines[0]


def keep_alive_client(allow="127.0.0.2", resolve=None, pool=None):
    client, connects = client_with(allow, resolve=resolve)
    if pool is not None:   # the same settings and hooks, another pool
        client.stop()
        client = OutboundClient(client._settings, on_connect=lambda a, p: connects.add((a, p)),
                                pool=pool, **({"resolve": resolve} if resolve else {}))
    return client, connects


def post(client, url):
    return client.request("POST", url, headers=[("TTL", "60")], body=jarray.array("x", "b"),
                          redirects=0, keep_alive=True)


def test_requests_to_one_server_share_one_connection_and_get_their_own_answers():
    server = PageServer("127.0.0.2")
    server.pages["/echo"] = lambda request: Page(body=request["path"])
    client, connects = keep_alive_client()
    try:
        for number in range(30):
            answer = post(client, server.url("/echo?n=%d" % number))
            assert answer.status == 200, "status %s" % answer.status
            body = answer.body.tostring()
            assert body == "/echo?n=%d" % number, "answer %r to request %d" % (body, number)
        assert connects.size() == 1, "30 requests used %d connections" % connects.size()
        for number in range(3):   # requests without keep_alive (link previews): one each
            assert client.request("GET", server.url("/echo?p=%d" % number)).status == 200
        assert connects.size() == 4, "%d connections" % connects.size()
    finally:
        client.stop()
        server.stop()


def test_a_host_resolving_to_another_address_gets_a_new_connection_there():
    first = ScriptedServer(lambda connection, request: "answer", host="127.0.0.2")
    second = ScriptedServer(lambda connection, request: "answer", port=first.port,
                            host="127.0.0.3")
    answers = ["127.0.0.2"]
    client, connects = keep_alive_client(
        "push.example", resolve=lambda name: [InetAddress.getByName(answers[0])])
    url = "http://push.example:%d/p" % first.port
    try:
        assert post(client, url).status == 200 and post(client, url).status == 200, "fixture"
        answers[0] = "127.0.0.3"
        assert post(client, url).status == 200, "after the address changed"
        assert [a.getHostAddress() for a, _ in connects] == ["127.0.0.2", "127.0.0.3"], \
            "connections: %s" % list(connects)
        assert first.requests.size() == 2 and second.requests.size() == 1, \
            "first %s, second %s" % (list(first.requests), list(second.requests))
    finally:
        client.stop()
        first.stop()
        second.stop()


def test_the_policy_refuses_loopback_for_a_host_no_longer_allow_listed_despite_a_kept_connection():
    server = ScriptedServer(lambda connection, request: "answer")
    client, connects = keep_alive_client("127.0.0.2")
    try:
        assert post(client, server.url("/a")).status == 200, "fixture"
        assert client._pool.idle() == 1, "the connection was not kept"
        client._settings.set(config.OUTBOUND_ALLOW, "")
        error = raised(lambda: post(client, server.url("/b")))
        assert isinstance(error, Refused) and error.reason == "address", "got %r" % error
        assert server.requests.size() == 1, "requests sent: %s" % list(server.requests)
        assert connects.size() == 1, "connections: %s" % list(connects)
    finally:
        client.stop()
        server.stop()


def test_a_connection_the_server_closed_while_idle_is_replaced_before_anything_is_sent():
    server = ScriptedServer(lambda connection, request: "answer_then_close")
    client, connects = keep_alive_client(pool=ConnectionPool(stale_after_millis=0))
    try:
        assert post(client, server.url("/1")).status == 200, "first"
        wait_for(lambda: server.ended.size() == 1, "the server closing the connection", 5)
        assert post(client, server.url("/2")).status == 200, "second"
        assert sorted(server.requests) == [(1, "POST /1 HTTP/1.1"), (2, "POST /2 HTTP/1.1")], \
            "requests: %s" % list(server.requests)
    finally:
        client.stop()
        server.stop()


def test_a_request_a_kept_connection_took_and_dropped_is_not_sent_again():
    server = ScriptedServer(lambda connection, request: "answer" if request == 0 else "close")
    client, connects = keep_alive_client()
    try:
        assert post(client, server.url("/1")).status == 200, "first"
        error = raised(lambda: post(client, server.url("/2")))
        assert isinstance(error, Failed), "got %r" % error
        assert list(server.requests) == [(1, "POST /1 HTTP/1.1"), (1, "POST /2 HTTP/1.1")], \
            "requests: %s" % list(server.requests)
        assert server.connections == 1, "%d connections" % server.connections
    finally:
        client.stop()
        server.stop()


def test_answers_that_end_the_connection_are_not_kept():
    for action in ("close_header", "http10"):
        server = ScriptedServer(lambda connection, request: action)
        client, connects = keep_alive_client()
        try:
            assert post(client, server.url("/1")).status == 200, action
            assert client._pool.idle() == 0, "%s: kept" % action
            assert post(client, server.url("/2")).status == 200, action
            assert server.connections == 2, "%s: %d connections" % (action, server.connections)
        finally:
            client.stop()
            server.stop()


def test_idle_connections_expire_and_stop_closes_the_kept_ones():
    server = ScriptedServer(lambda connection, request: "answer")
    client, connects = keep_alive_client(pool=ConnectionPool(idle_millis=300))
    try:
        assert post(client, server.url("/1")).status == 200, "first"
        time.sleep(0.5)
        assert post(client, server.url("/2")).status == 200, "second"
        assert server.connections == 2, "an expired connection was used"
        wait_for(lambda: server.ended.size() == 1, "the expired connection closed", 5)
        assert client._pool.idle() == 1, "not kept"
        client.stop()
        wait_for(lambda: server.ended.size() == 2, "stop() closing the kept connection", 5)
    finally:
        client.stop()
        server.stop()


def test_threads_share_a_bounded_number_of_connections():
    server = ScriptedServer(lambda connection, request: "answer")
    client, connects = keep_alive_client(pool=ConnectionPool(per_key=2))
    failures = CopyOnWriteArrayList()

    def work(thread):
        for number in range(20):
            path = "/t%d-%d" % (thread, number)
            try:
                answer = post(client, server.url(path))
                body = answer.body.tostring()
                if answer.status != 200 or body != path:
                    failures.add((path, answer.status, body))
            except Exception as error:   # noqa: BLE001 - reported below
                failures.add((path, repr(error)))
    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads), "threads still running"
        assert failures.isEmpty(), "failures: %s" % list(failures)[:5]
        assert server.requests.size() == 120, "%d requests" % server.requests.size()
        assert connects.size() <= 6 + 120 // 3, "%d connections" % connects.size()
        assert client._pool.idle() <= 2, "%d idle connections kept" % client._pool.idle()
    finally:
        client.stop()
        server.stop()


class _Uncancellable(object):
    def cancel(self, interrupt):
        return False   # an alarm already running cannot be stopped


class LateAlarms(object):
    """The client's watchdog, except that alarms fire only when the test says: each alarm as if
    it had started running just as its request ended (``cancel(False)`` does not stop it)."""

    def __init__(self, real):
        self.real = real
        self.alarms = []
        self.on_schedule = None

    def schedule(self, task, delay, unit):
        if self.on_schedule is not None:
            self.on_schedule()
        self.alarms.append(task)
        return _Uncancellable()

    def shutdownNow(self):
        return self.real.shutdownNow()


def test_an_alarm_firing_as_its_request_ends_does_not_close_the_connection_the_next_one_took():
    """findings S6-R-8: request A ends at its deadline while its alarm is already running; A's
    connection is kept and taken by request B, and A's alarm then closed it under B: B failed
    after sending (the push sender retries it: a duplicate notification). The first request's
    alarm fires here right after B took the kept connection."""
    server = ScriptedServer(lambda connection, request: "answer")
    client, connects = keep_alive_client()
    alarms = client._watchdog = LateAlarms(client._watchdog)
    try:
        assert post(client, server.url("/a")).status == 200, "first"
        assert client._pool.idle() == 1 and len(alarms.alarms) == 1, "fixture"
        first_alarm = alarms.alarms[0]
        alarms.on_schedule = first_alarm.run   # B has taken the connection by then
        error = raised(lambda: post(client, server.url("/b")))
        assert error is None, "the next request failed: %r" % error
        assert list(server.requests) == [(1, "POST /a HTTP/1.1"), (1, "POST /b HTTP/1.1")], \
            "requests: %s" % list(server.requests)
        assert client._pool.idle() == 1, "the connection was not kept after B"
    finally:
        client.stop()
        server.stop()


def test_a_push_service_that_accepts_and_never_answers_holds_a_thread_for_the_push_read_timeout():
    """S6-13-4: push requests waited the outbound read timeout (10 s by default, meant for link
    previews reading whole pages) on a host that accepts and never answers; push services answer
    at once, so pushes have a read timeout of their own, shorter unless the setting is."""
    from sparkweb.push import transport as push_transport
    listener = ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"))
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()))
    thread.daemon = True
    thread.start()
    client, connects = keep_alive_client()
    read_seconds = getattr(push_transport, "PUSH_READ_SECONDS", None)
    push_transport.PUSH_READ_SECONDS = 1
    send = push_transport.outbound_transport(client)
    try:
        started = time.time()
        error = raised(lambda: send("http://127.0.0.2:%d/p" % listener.getLocalPort(),
                                    {"TTL": "60"}, jarray.array("x", "b")))
        took = time.time() - started
        assert isinstance(error, Failed) and error.reason == "timeout", "got %r" % error
        assert took < 4, "the push waited %.1f s (outbound read timeout %d s)" % (
            took, client._settings.get(config.OUTBOUND_READ_SECONDS))
    finally:
        push_transport.PUSH_READ_SECONDS = read_seconds
        client.stop()
        listener.close()
        for socket in accepted:
            socket.close()
