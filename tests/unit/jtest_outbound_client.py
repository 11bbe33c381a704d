"""The guarded outbound HTTP client (DESIGN section 4 "Outbound HTTP"): refusals that never connect
(recorded by a real listener and by the client's connect hook), one resolution per hop,
redirects re-checked, timeouts, the size cap, what is sent."""
from __future__ import absolute_import

import jarray
from java.io import IOException
from java.lang import InterruptedException, Runnable, System, Thread
from java.net import InetAddress, ServerSocket
from java.util.concurrent import (Callable, CopyOnWriteArrayList, CountDownLatch, Executors,
                                  TimeUnit, TimeoutException)

from outbound_fixtures import Page, PageServer, RecordingListener
from sparkweb import config
from sparkweb.outbound.addresses import AddressPolicy
from sparkweb.outbound.client import USER_AGENT, OutboundClient
from sparkweb.outbound.errors import Failed, Refused
from support import raised, services


def client_with(allow="", resolve=None, **settings):
    app = services()
    app.settings.set(config.OUTBOUND_ALLOW, allow)
    for setting, value in settings.items():
        app.settings.set(getattr(config, setting), value)
    connects = CopyOnWriteArrayList()
    options = {"on_connect": lambda address, port: connects.add((address, port))}
    if resolve is not None:
        options["resolve"] = resolve
    return OutboundClient(app.settings, **options), connects


def refused_urls(port):
    return [
        "http://127.0.0.1:%d/" % port, "http://[::1]:%d/" % port, "http://169.254.169.254/",
        "http://10.0.0.1/", "http://0.0.0.0:%d/" % port, "http://2130706433:%d/" % port,
        "http://017700000001:%d/" % port, "http://0177.0.0.1:%d/" % port,
        "http://0x7f.0.0.1:%d/" % port, "http://0x7f000001:%d/" % port,
        "http://127.1:%d/" % port, "http://127.000.000.001:%d/" % port,
        "http://[::ffff:127.0.0.1]:%d/" % port, "http://[::ffff:7f00:1]:%d/" % port,
        "http://[0:0:0:0:0:ffff:127.0.0.1]:%d/" % port, "http://[::127.0.0.1]:%d/" % port,
        "http://user@127.0.0.1:%d/" % port, "http://user:pw@example.org/",
        "http://localhost:%d/" % port, "http://LOCALHOST.:%d/" % port,
        "file:///etc/passwd", "gopher://127.0.0.1:%d/" % port, "ftp://127.0.0.1:%d/" % port,
        "http://100.64.0.1/", "http://100.100.100.200/", "http://172.16.0.1/",
        "http://192.168.1.1/", "http://224.0.0.1/", "http://255.255.255.255/",
        "http://[fd00:ec2::254]/", "http://[fe80::1%%25eth0]/", "http://[fe80::1]/",
        "http://[ff02::1]/", "http://[::]:%d/" % port, "http://[2002:7f00:1::]/",
        "http://127.0.0.1%%2e:%d/" % port, "http://127.0.0.1\\@example.org/",
        "http:/127.0.0.1/", "HTTP://127.0.0.1:%d/" % port, "http://[::1]x/",
        "http://example.org:0/", "http://example.org:99999/", "javascript:alert(1)",
    ]


def test_the_default_policy_refuses_every_internal_address_and_spelling_without_connecting():
    listener = RecordingListener("127.0.0.1")
    client, connects = client_with()
    try:
        for url in refused_urls(listener.port):
            error = raised(lambda: client.request("GET", url))
            assert isinstance(error, Refused), "%s not refused: %r" % (url, error)
        assert connects.isEmpty(), "connections were attempted: %s" % list(connects)
        assert listener.count() == 0, "the listener saw %d connections" % listener.count()
    finally:
        listener.stop()


def test_a_name_with_one_internal_address_among_public_ones_is_refused():
    addresses = [InetAddress.getByName("93.184.215.14"), InetAddress.getByName("10.1.2.3")]
    client, connects = client_with(resolve=lambda name: addresses)
    error = raised(lambda: client.request("GET", "http://mixed.example/"))
    assert isinstance(error, Refused) and error.reason == "address", "mixed: %r" % error
    assert connects.isEmpty(), "connected: %s" % list(connects)


def test_public_addresses_pass_the_policy_and_internal_ones_need_the_allow_list():
    policy = AddressPolicy(("127.0.0.2", "fd12::/64", "intranet.example"),
                           resolve=lambda name: [InetAddress.getByName("10.9.9.9")])
    assert policy.address_for("[fd12::5]").getHostAddress().startswith("fd12"), "network"
    assert policy.address_for("127.0.0.2").getHostAddress() == "127.0.0.2", "address"
    assert policy.address_for("intranet.example").getHostAddress() == "10.9.9.9", "name"
    assert isinstance(raised(lambda: policy.address_for("127.0.0.1")), Refused), "127.0.0.1"
    assert isinstance(raised(lambda: policy.address_for("0x7f.0.0.2")), Refused), "spelling"
    public = AddressPolicy((), resolve=lambda name: [InetAddress.getByName("2a00:1450::1")])
    assert public.address_for("8.8.8.8").getHostAddress() == "8.8.8.8", "public IPv4"
    assert public.address_for("www.example").getHostAddress().startswith("2a00"), "IPv6"


def test_the_name_is_resolved_once_and_the_connection_goes_to_that_address():
    server = PageServer("127.0.0.2")
    server.pages["/"] = Page(body="hello")
    lookups = CopyOnWriteArrayList()

    def resolve(name):
        lookups.add(name)
        return [InetAddress.getByName("127.0.0.2")]
    client, connects = client_with("127.0.0.2", resolve=resolve)
    try:
        answer = client.request("GET", "http://fixture.example:%d/" % server.port)
        assert answer.status == 200, "status %s" % answer.status
        assert list(lookups) == ["fixture.example"], "lookups %s" % list(lookups)
        assert [(a.getHostAddress(), p) for a, p in connects] == [("127.0.0.2", server.port)], \
            "connected to %s" % list(connects)
        host = server.requests.get(0)["headers"]["host"]
        assert host == ["fixture.example:%d" % server.port], "Host header %s" % host
    finally:
        server.stop()


def test_an_allowed_host_redirecting_to_loopback_is_refused_before_connecting():
    listener = RecordingListener("127.0.0.1")
    server = PageServer("127.0.0.2")
    server.pages["/jump"] = Page(302, headers=[("Location", "http://127.0.0.1:%d/" %
                                                listener.port)])
    server.pages["/named"] = Page(301, headers=[("Location", "http://localhost:%d/x" %
                                                 listener.port)])
    client, connects = client_with("127.0.0.2")
    try:
        for path in ("/jump", "/named"):
            error = raised(lambda: client.request("GET", server.url(path)))
            assert isinstance(error, Refused) and error.reason == "address", \
                "%s: %r" % (path, error)
        assert listener.count() == 0, "the listener saw %d connections" % listener.count()
        assert len(connects) == 2, "connections %s" % list(connects)
    finally:
        server.stop()
        listener.stop()


def test_redirects_are_followed_three_times_at_most():
    server = PageServer("127.0.0.2")
    for number in range(5):
        server.pages["/r%d" % number] = Page(307, headers=[("Location", "/r%d" % (number + 1))])
    server.pages["/r5"] = Page(body="arrived")
    client, _ = client_with("127.0.0.2")
    try:
        answer = client.request("GET", server.url("/r2"))
        assert answer.status == 200 and answer.url == server.url("/r5"), \
            "three redirects: %s %s" % (answer.status, answer.url)
        error = raised(lambda: client.request("GET", server.url("/r1")))
        assert isinstance(error, Refused) and error.reason == "redirects", "four: %r" % error
        assert len(server.requests) == 8, "requests %d" % len(server.requests)
    finally:
        server.stop()


def test_bodies_beyond_the_cap_are_cut_there_whether_sized_or_chunked():
    server = PageServer("127.0.0.2")
    big = "x" * (3 * 1024 * 1024)
    server.pages["/sized"] = Page(body=big)
    server.pages["/chunked"] = Page(body=big, chunked=True)
    server.pages["/small"] = Page(body="small", chunked=True)
    client, _ = client_with("127.0.0.2")
    try:
        for path in ("/sized", "/chunked"):
            answer = client.request("GET", server.url(path), max_bytes=1024 * 1024)
            assert len(answer.body) == 1024 * 1024 and answer.truncated, \
                "%s: %d bytes, truncated %s" % (path, len(answer.body), answer.truncated)
        answer = client.request("GET", server.url("/small"))
        assert answer.body.tostring() == "small" and not answer.truncated, "chunked small"
    finally:
        server.stop()


def test_a_server_that_never_answers_times_out_after_the_read_seconds():
    listener = RecordingListener("127.0.0.2", hold=True)
    client, _ = client_with("127.0.0.2", OUTBOUND_READ_SECONDS=1)
    try:
        started = System.currentTimeMillis()
        error = raised(lambda: client.request("GET", "http://127.0.0.2:%d/" % listener.port))
        elapsed = System.currentTimeMillis() - started
        assert isinstance(error, Failed) and error.reason == "timeout", "got %r" % error
        assert elapsed < 8000, "took %d ms" % elapsed
        assert listener.count() == 1, "connections %d" % listener.count()
    finally:
        listener.stop()


def test_a_post_sends_the_callers_headers_and_body_a_fixed_agent_and_no_credentials():
    server = PageServer("127.0.0.2")
    server.pages["/push"] = Page(201, body="created", headers=[("Location", "/elsewhere")])
    client, _ = client_with("127.0.0.2")
    try:
        answer = client.request("POST", server.url("/push"), body="\x00\x01payload",
                                headers=[("TTL", "60"), ("Authorization", "vapid t=x, k=y")],
                                redirects=0)
        assert answer.status == 201 and answer.header("location") == "/elsewhere", \
            "answer %s %s" % (answer.status, answer.headers)
        seen = server.requests.get(0)
        assert seen["method"] == "POST" and seen["body"] == "\x00\x01payload", "%r" % seen
        headers = seen["headers"]
        assert headers["user-agent"] == [USER_AGENT], "agent %s" % headers.get("user-agent")
        assert headers["ttl"] == ["60"] and headers["authorization"] == ["vapid t=x, k=y"], \
            "caller headers %s" % headers
        assert "cookie" not in headers, "cookie sent: %s" % headers
        assert isinstance(raised(lambda: client.request(
            "GET", server.url("/"), headers=[("Cookie", "a=b")])), ValueError), "cookie header"
        assert isinstance(raised(lambda: client.request(
            "GET", server.url("/"), headers=[("X-A", "b\r\nHost: evil")])), ValueError), "CRLF"
    finally:
        server.stop()


def test_a_closed_port_is_a_connection_failure():
    listener = RecordingListener("127.0.0.2")
    port = listener.port
    listener.stop()
    client, _ = client_with("127.0.0.2")
    error = raised(lambda: client.request("GET", "http://127.0.0.2:%d/" % port))
    assert isinstance(error, Failed) and error.reason == "connect", "got %r" % error


class _Drip(Runnable):
    """Accepts connections and sends a TLS record header announcing 16 KiB, then one byte every
    ``pause`` ms: each read gets a byte in time, the handshake never ends."""

    def __init__(self, server, pause):
        self.server = server
        self.pause = pause

    def run(self):
        while not self.server.isClosed():
            try:
                connection = self.server.accept()
            except IOException:
                return
            try:
                output = connection.getOutputStream()
                output.write(jarray.array("\x16\x03\x03\x40\x00", "b"))
                for _ in range(200):
                    output.flush()
                    Thread.sleep(self.pause)   # pacing the drip, not synchronising
                    output.write(1)
            except (IOException, InterruptedException):
                pass
            finally:
                connection.close()


class _Raised(Callable):
    """What ``call()`` raised, as a Callable (a plain lambda would be taken as a Runnable, whose
    Future answers None)."""

    def __init__(self, call):
        self.call_ = call

    def call(self):
        return raised(self.call_)


def _request_on_thread(client, url):
    pool = Executors.newSingleThreadExecutor()
    try:
        started = System.currentTimeMillis()
        future = pool.submit(_Raised(lambda: client.request("GET", url)))
        try:
            error = future.get(20, TimeUnit.SECONDS)
        except TimeoutException:
            error = None
        return error, System.currentTimeMillis() - started
    finally:
        pool.shutdownNow()


def test_a_tls_server_dripping_bytes_cannot_hold_the_request_past_the_deadline():
    server = ServerSocket(0, 5, InetAddress.getByName("127.0.0.2"))
    dripping = Thread(_Drip(server, 300), "dripping-server")
    dripping.setDaemon(True)
    dripping.start()
    client, _ = client_with("127.0.0.2", OUTBOUND_READ_SECONDS=1, OUTBOUND_CONNECT_SECONDS=1)
    try:
        error, elapsed = _request_on_thread(client, "https://127.0.0.2:%d/" % server.getLocalPort())
        assert error is not None, "the request was still running after 20 s"
        assert isinstance(error, Failed) and error.reason == "timeout", "got %r" % error
        assert elapsed < 2000 + 3000, "took %d ms for a 1+1 s deadline" % elapsed
    finally:
        server.close()
        getattr(client, "stop", lambda: None)()   # (named so the test fails on its assertion)


def test_stop_ends_requests_blocked_on_a_silent_server():
    listener = RecordingListener("127.0.0.2", hold=True)
    client, _ = client_with("127.0.0.2", OUTBOUND_READ_SECONDS=60)
    pool = Executors.newSingleThreadExecutor()
    try:
        future = pool.submit(_Raised(lambda: client.request(
            "GET", "http://127.0.0.2:%d/" % listener.port)))
        deadline = System.currentTimeMillis() + 10000
        while listener.count() == 0 and System.currentTimeMillis() < deadline:
            Thread.onSpinWait()
        assert listener.count() == 1, "the client never connected"
        client.stop()
        try:
            error = future.get(10, TimeUnit.SECONDS)
        except TimeoutException:
            error = None
        assert isinstance(error, Failed), "the request outlived stop(): %r" % error
    finally:
        pool.shutdownNow()
        listener.stop()


def test_an_idn_host_is_resolved_and_sent_in_its_ascii_form():
    server = PageServer("127.0.0.2")
    server.pages["/"] = Page(body="hello")
    lookups = CopyOnWriteArrayList()

    def resolve(name):
        lookups.add(name)
        return [InetAddress.getByName("127.0.0.2")]
    client, _ = client_with("127.0.0.2", resolve=resolve)
    try:
        error = raised(lambda: client.request("GET", u"http://b\u00fccher.example:%d/" %
                                              server.port))
        assert error is None, "an IDN host failed: %r" % error
        assert list(lookups) == ["xn--bcher-kva.example"], "lookups %s" % list(lookups)
        host = server.requests.get(0)["headers"]["host"]
        assert host == ["xn--bcher-kva.example:%d" % server.port], "Host header %s" % host
    finally:
        server.stop()


def test_a_dns_server_that_never_answers_fails_the_request_at_the_connect_deadline():
    """InetAddress has no lookup timeout: a dead resolver held the request thread (or push
    sender) for as long as the system resolver retried."""
    stuck = CountDownLatch(1)

    def resolve(name):
        stuck.await(30, TimeUnit.SECONDS)
        return [InetAddress.getByName("93.184.215.14")]
    client, connects = client_with(resolve=resolve, OUTBOUND_CONNECT_SECONDS=1)
    try:
        error, elapsed = _request_on_thread(client, "http://slow-dns.example/")
        assert error is not None, "the request still waited for the resolver after 20 s"
        assert isinstance(error, Failed) and error.reason == "timeout", "got %r" % error
        assert elapsed < 1000 + 3000, "took %d ms for a 1 s lookup deadline" % elapsed
        assert connects.isEmpty(), "connected: %s" % list(connects)
    finally:
        stuck.countDown()
        client.stop()


def test_lookups_that_hang_do_not_pile_up_threads():
    stuck = CountDownLatch(1)

    def resolve(name):
        stuck.await(30, TimeUnit.SECONDS)
        return []
    client, _ = client_with(resolve=resolve, OUTBOUND_CONNECT_SECONDS=1)
    before = set(_lookup_threads())   # other tests' clients keep idle ones for a while
    callers = Executors.newFixedThreadPool(40)
    try:
        futures = [callers.submit(_Raised(lambda n=n: client.request(
            "GET", "http://dead-dns%d.example/" % n))) for n in range(40)]
        outcomes = [future.get(20, TimeUnit.SECONDS) for future in futures]
        assert all(isinstance(o, Failed) and o.reason in ("timeout", "busy") for o in outcomes),\
            "outcomes %r" % set(repr(o) for o in outcomes)
        lookups = set(_lookup_threads()) - before
        assert len(lookups) <= 8, "%d lookup threads for 40 hung lookups" % len(lookups)
    finally:
        callers.shutdownNow()
        stuck.countDown()
        client.stop()


def _lookup_threads():
    return [thread for thread in Thread.getAllStackTraces().keySet()
            if thread.getName().startswith("sparkweb-outbound-dns")]


def test_finished_requests_leave_no_alarm_queued():
    """findings-14 14-5: cancelled watchdog alarms stayed queued until their deadline, each
    holding its closed socket."""
    server = PageServer("127.0.0.2")
    server.pages["/"] = Page(body="ok")
    client, _ = client_with("127.0.0.2", OUTBOUND_READ_SECONDS=60)
    try:
        for _ in range(20):
            assert client.request("GET", server.url("/")).status == 200, "fixture failed"
        queued = len([task for task in client._watchdog.getQueue() if not task.isPeriodic()])
        assert queued == 0, "%d alarms still queued after 20 finished requests" % queued
    finally:
        client.stop()
        server.stop()


def test_non_ascii_paths_and_redirects_are_percent_encoded_as_utf8():
    """What urllib.quote did before outbound/urls.py stopped importing urllib (Python's socket
    layer, tests/selftest/test_no_python_sockets.py): only bytes outside 33-126 change."""
    from sparkweb.outbound import urls
    target = urls.parse(u"https://example.org/caf\u00e9/\u2603?q=%41&x=[1]")
    assert target.path == "/caf%C3%A9/%E2%98%83?q=%41&x=[1]", target.path
    assert target.resolve(u"/n\u00e4chste seite") == \
        "https://example.org/n%C3%A4chste%20seite", target.resolve(u"/n\u00e4chste seite")
