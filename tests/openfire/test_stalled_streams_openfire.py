"""Event streams whose reader stopped reading, closed for falling behind, on a real Openfire.

Whoever publishes the event that overflows a stream closes it: often an XMPP routing thread
(here bob's client connection). Completing the response there while a write was still pending
made Jetty fail that write and log three warnings with long stack traces per stream: any
signed-in user could fill Openfire's log at will with their own never-reading streams.
"""
import socket
import time
import urllib.parse


from harness.openfire_log import sparkweb_problems
from harness.xmpp import XmppPeer

STREAMS = 3
FELL_BEHIND = "Closing an event stream that fell behind"
BODY = "y" * 30000
MAX_MESSAGES = 2000
# Jetty's idle timeout (30 s) ends a connection whose pending write makes no progress.
CLOSE_SECONDS = 60


def never_reading_stream(target, token):
    url = urllib.parse.urlsplit(target.base_url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect((url.hostname, url.port))
    sock.sendall(("GET /sparkweb/sse?raw=true&token=%s HTTP/1.1\r\nHost: %s\r\n\r\n"
                  % (token, url.netloc)).encode())
    received = b""
    while b"event: onConnect" not in received:
        chunk = sock.recv(4096)
        assert chunk, "the stream closed before its onConnect"
        received += chunk
    return sock


def ended_by_server(sock, seconds):
    """True once the server has closed the connection (reading what is left meanwhile)."""
    deadline = time.time() + seconds
    sock.settimeout(1)
    while time.time() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:      # reset: closed too
            return True
    return False


def test_streams_closed_for_falling_behind_end_quietly(target, server):
    log_start = len(server.read_log("logs/openfire.log"))
    closed_before = server.read_log("logs/openfire.log").count(FELL_BEHIND)
    token = target.login("alice")
    streams = [never_reading_stream(target, token) for _ in range(STREAMS)]
    bob = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    try:
        for number in range(MAX_MESSAGES):
            bob.send_message("alice@" + target.domain, BODY + str(number))
            if number % 20 == 19 and server.read_log("logs/openfire.log").count(
                    FELL_BEHIND) >= closed_before + STREAMS:
                break
            time.sleep(0.005)
        server.wait_for_log(FELL_BEHIND, closed_before + STREAMS, timeout=60)
        for sock in streams:
            assert ended_by_server(sock, CLOSE_SECONDS), \
                "a stream closed for falling behind kept its connection %ds" % CLOSE_SECONDS
    finally:
        bob.close()
        for sock in streams:
            sock.close()
    problems = sparkweb_problems(server.read_log("logs/openfire.log")[log_start:])
    assert not problems, "%d warnings while closing %d stalled streams:\n%s" % (
        len(problems), STREAMS, "\n".join(problem[:300] for problem in problems[:5]))
