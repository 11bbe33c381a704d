"""Clients that do not read large answers must not freeze the web server (attack S9-A-1).

More connections than the web server has threads each ask, three times in one packet, for
Swagger UI's script (about 1.5 MB, public) with a tiny receive window, and never read. A
blocking write held a thread per connection until Jetty's idle timeout, and REST, the static
pages and BOSH stopped answering. Meanwhile the probes of the slow-body test (a REST login, a
static page and, on Openfire, a BOSH session request) are timed: each must be answered for the
whole attack.

Loopback only; the attack ends after ATTACK_SECONDS and closes every socket.
"""
import socket
import time

import httpx

from harness import raw_http
from test_slow_bodies import probe_while, probes, timed

READERS = 230                   # more than the web server's 200 threads
REQUESTS_EACH = 3               # pipelined: more than loopback's send buffer takes
ASSET = "/sparkweb/api/docs/swagger-ui-bundle.js"
ATTACK_SECONDS = 15


def open_readers(target):
    host = "%s:%d" % raw_http.address(target.base_url)
    request = raw_http.request_head("GET", ASSET, host, []) * REQUESTS_EACH
    readers = []
    for _ in range(READERS):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)   # a window kept tiny
        sock.settimeout(10)
        sock.connect(raw_http.address(target.base_url))
        sock.sendall(request)
        readers.append(sock)
    return readers


def test_clients_that_do_not_read_leave_rest_static_pages_and_bosh_responsive(target):
    client, checks = probes(target)
    for name, (probe, expected) in checks.items():   # warm up: each answers before the attack
        assert timed(probe)[1] == expected, "%s does not work before the attack" % name
    first = client.get(target.base_url + ASSET)
    assert first.status_code == 200 and len(first.content) > 1000000, \
        "the asset is not served (or too small for this test): %r" % first
    readers = open_readers(target)
    try:
        deadline = time.monotonic() + ATTACK_SECONDS
        worst, failures, rounds = probe_while(checks, lambda _: time.monotonic() < deadline)
    finally:
        for sock in readers:
            sock.close()
        client.close()
    print("slow readers on %s: worst probe times %s" % (
        target.name, ", ".join("%s %.3f s" % item for item in sorted(worst.items()))))
    assert not failures, "while %d clients did not read: %s" % (READERS, "; ".join(failures[:10]))
    assert rounds >= 5, "only %d probe rounds ran during the attack" % rounds


def test_head_of_the_large_answers_gets_their_headers_at_once(target):
    """S9-V-1: HEAD's response ignores a WriteListener, so the non-blocking write never
    ended and the connection was held for good."""
    with httpx.Client(timeout=10) as client:
        for path in (ASSET, "/sparkweb/api/openapi.json"):
            whole = client.get(target.base_url + path)
            head = client.head(target.base_url + path)
            assert head.status_code == 200, (path, head)
            assert head.headers.get("content-length") == str(len(whole.content)), \
                (path, head.headers)
            assert head.content == b"", (path, head.content[:100])
