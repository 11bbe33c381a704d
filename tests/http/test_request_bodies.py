"""Reading request bodies: a body slower than the read deadline is answered 408 and its
connection closed (issue 9.1); a client that goes away mid-body, or is too slow, is one quiet
log line, not an ERROR with a traceback (issue 8.6).

These tests read the server's log, so they run on a dev host of their own, with a short
deadline and SparkWeb's HTTP loggers at DEBUG.
"""
import socket
import threading
import time

import pytest

from harness import raw_http
from harness.devhost import DevHost
from harness.target import TEST_PROPERTIES

DEADLINE_SECONDS = 2
QUIET_LINE = "Request body not read"     # what the body reader logs for each such client
LOUD_SIGNS = (" ERROR ", " WARN ", "Traceback", "\tat ", "Exception")


@pytest.fixture(scope="module")
def host():
    properties = dict(TEST_PROPERTIES)
    properties["sparkweb.http.bodyReadSeconds"] = str(DEADLINE_SECONDS)
    server = DevHost(jvm_options=["-Dorg.slf4j.simpleLogger.log.sparkweb.http=debug"],
                     properties=properties)
    target = server.start()
    yield server, target
    server.stop()


def partial_body(target, path, declared=100, sent=b"0123456789"):
    """A connection that declared ``declared`` body bytes and sent only ``sent``."""
    sock = raw_http.connect(target.base_url, timeout=DEADLINE_SECONDS + 15)
    sock.sendall(raw_http.request_head("POST", "/sparkweb/api/rest" + path, "localhost", [
        ("Content-Type", "text/plain"), ("Content-Length", str(declared))]) + sent)
    return sock


def wait_for_lines(server, start, needle, count, timeout=20):
    """The log lines after ``start`` once ``count`` of them contain ``needle`` (or at the
    timeout, whatever is there)."""
    finished = threading.Event()
    deadline = time.monotonic() + timeout
    while not finished.wait(0.1):
        lines = list(server.output[start:])
        if sum(needle in line for line in lines) >= count or time.monotonic() > deadline:
            return lines
    return list(server.output[start:])


def loud_lines(lines):
    """Lines other than the quiet ones that look like an error or a stack trace."""
    return [line for line in lines if QUIET_LINE not in line and
            any(sign in line for sign in LOUD_SIGNS)]


def test_a_body_slower_than_the_deadline_is_408_and_the_connection_closes(host):
    server, target = host
    start = len(server.output)
    sock = partial_body(target, "/login/alice")
    try:
        started = time.monotonic()
        answer = raw_http.read_answer(sock)
        waited = time.monotonic() - started
        assert answer.status == 408, answer
        assert answer.headers.get("content-type", "").startswith("application/json"), answer
        assert answer.json()["error"] == "request_timeout", answer
        assert waited < DEADLINE_SECONDS + 5, "408 after %.1f s" % waited
        assert raw_http.is_closed_by_server(sock), "the connection stayed open after the 408"
    finally:
        sock.close()
    lines = wait_for_lines(server, start, QUIET_LINE, 1)
    assert sum(QUIET_LINE in line for line in lines) == 1, "no quiet line: %s" % lines[-20:]
    assert not loud_lines(lines), "a slow client is logged loudly:\n%s" % "".join(lines[-40:])


def test_bodies_the_client_abandons_are_logged_quietly(host):
    server, target = host
    start = len(server.output)
    sockets = [partial_body(target, "/login/nobody%d" % number) for number in range(5)]
    for sock in sockets:
        sock.close()
    lines = wait_for_lines(server, start, QUIET_LINE, len(sockets))
    assert sum(QUIET_LINE in line for line in lines) == len(sockets), \
        "expected one quiet line per abandoned body:\n%s" % "".join(lines[-40:])
    assert not loud_lines(lines), "abandoned bodies are logged loudly:\n%s" % "".join(lines[-40:])


def test_a_complete_body_after_a_slow_start_is_served(host):
    server, target = host
    body = b"wrong-password"
    sock = partial_body(target, "/login/alice", declared=len(body), sent=body[:4])
    try:
        time.sleep(DEADLINE_SECONDS / 4.0)   # a pause well inside the deadline (pacing)
        sock.sendall(body[4:])
        answer = raw_http.read_answer(sock)
    finally:
        sock.close()
    assert answer.status == 401, answer
    assert answer.json()["error"] == "unauthorized", answer


def chunked_body(target, path, chunks):
    """A connection that sent ``chunks`` (raw bytes) as a chunked body."""
    sock = raw_http.connect(target.base_url, timeout=DEADLINE_SECONDS + 15)
    sock.sendall(raw_http.request_head("POST", "/sparkweb/api/rest" + path, "localhost", [
        ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]) + chunks)
    return sock


def test_a_body_that_ends_early_or_breaks_its_framing_is_400_not_an_empty_200(host):
    """S9-A-2: each of these was answered an empty 200, though nothing was handled."""
    server, target = host
    cut_short = partial_body(target, "/login/alice")            # 10 of 100 bytes, then
    cut_short.shutdown(socket.SHUT_WR)                          # the client's side ends
    broken = [chunked_body(target, "/login/alice", b'5\r\n{"bod\r\nzz\r\n'),   # bad size
              chunked_body(target, "/login/alice", b'5\r\n{"bodyX')]          # no CRLF
    for sock in [cut_short] + broken:
        try:
            answer = raw_http.read_answer(sock)
            assert answer.status == 400, answer
            assert answer.json()["error"] == "bad_request", answer
            assert raw_http.is_closed_by_server(sock), "the connection stayed open"
        finally:
            sock.close()
