"""Slow request bodies must not freeze the web server (issue 9.1).

Hundreds of connections each declare a 100 kB body for ``POST /login/nobody{i}`` and then send
it one byte at a time. On Openfire, REST, the static pages and Openfire's own BOSH share one
thread pool (200 threads, as on the dev host); a body read that holds a thread per slow client
froze all of them. Meanwhile a REST login, a static page and (on Openfire) a BOSH session
request are timed: each must be answered promptly for the whole attack.

Loopback only; the attack stops by itself after ATTACK_SECONDS and closes every socket.
"""
import selectors
import socket
import threading
import time

import httpx

from harness import raw_http

SLOW_CONNECTIONS = 320          # more than the web server's 200 threads
ATTACK_SECONDS = 20
TRICKLE_SECONDS = 4             # one byte per connection this often (Jetty's idle timeout: 30 s)
DECLARED_BODY = 10000           # under the sign-in routes' body limit (16 KiB)
PROBE_TIMEOUT = 5.0             # a frozen server fails a probe; a working one answers in ms


class SlowBodyAttack(threading.Thread):
    """Keeps SLOW_CONNECTIONS connections trickling their bodies until its deadline, and opens
    a new one for each the server answers or closes (as an attacker would)."""

    def __init__(self, base_url):
        threading.Thread.__init__(self, daemon=True)
        self.base_url = base_url
        self.host = "%s:%d" % raw_http.address(base_url)
        self.ready = threading.Event()      # every connection has sent its head and a byte
        self.opened = 0
        self.answered = {}                  # first line of each answer the server gave
        self.error = None
        self._selector = selectors.DefaultSelector()
        self._number = 0

    def _open(self):
        self._number += 1
        sock = raw_http.connect(self.base_url, timeout=10)
        sock.sendall(raw_http.request_head(
            "POST", "/sparkweb/api/rest/login/nobody%d" % self._number, self.host,
            [("Content-Type", "text/plain"), ("Content-Length", str(DECLARED_BODY))]) + b"x")
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ)
        self.opened += 1

    def _drop(self, sock):
        try:
            first = sock.recv(200).split(b"\r\n")[0].decode("latin-1") or "closed"
        except OSError as error:
            first = type(error).__name__
        self.answered[first] = self.answered.get(first, 0) + 1
        self._selector.unregister(sock)
        sock.close()

    def run(self):
        try:
            for _ in range(SLOW_CONNECTIONS):
                self._open()
            self.ready.set()
            deadline = time.monotonic() + ATTACK_SECONDS
            next_trickle = time.monotonic() + TRICKLE_SECONDS
            while time.monotonic() < deadline:
                for key, _ in self._selector.select(timeout=0.2):
                    self._drop(key.fileobj)
                    self._open()
                if time.monotonic() >= next_trickle:
                    next_trickle += TRICKLE_SECONDS
                    for key in list(self._selector.get_map().values()):
                        try:
                            key.fileobj.send(b"x")
                        except OSError:
                            self._drop(key.fileobj)
                            self._open()
        except Exception as error:  # reported by the test, not lost in a thread
            self.error = error
        finally:
            self.ready.set()
            for key in list(self._selector.get_map().values()):
                key.fileobj.close()
            self._selector.close()


def bosh_session_request(domain):
    return ("<body rid='1000' xmlns='http://jabber.org/protocol/httpbind' to='%s' "
            "xml:lang='en' wait='10' hold='1' ver='1.6' xmpp:version='1.0' "
            "xmlns:xmpp='urn:xmpp:xbosh'/>" % domain)


def timed(probe):
    """(seconds, outcome): the outcome is the status code, or the error's name."""
    started = time.monotonic()
    try:
        outcome = probe().status_code
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    return time.monotonic() - started, outcome


def probes(target):
    # A fresh connection per probe, as a new visitor would open: Jetty may still serve an
    # established keep-alive connection from its selector thread while every pool thread is
    # blocked, which hid the freeze from a reused client.
    client = httpx.Client(timeout=PROBE_TIMEOUT, limits=httpx.Limits(max_keepalive_connections=0))
    checks = {
        "REST login": (lambda: client.post(target.rest_url + "/login/alice",
                                           content=target.users["alice"]), 200),
        "static page": (lambda: client.get(target.base_url + "/sparkweb/index.html"), 200),
    }
    if target.name == "openfire":
        checks["BOSH"] = (lambda: client.post(
            target.base_url + "/http-bind/", content=bosh_session_request(target.domain),
            headers={"Content-Type": "text/xml; charset=utf-8"}), 200)
    return client, checks


def probe_while(checks, going_on):
    """Runs every probe about twice a second while ``going_on(rounds so far)``; the worst time
    of each, the failures, and how many rounds ran."""
    worst = dict((name, 0.0) for name in checks)
    failures = []
    rounds = 0
    while going_on(rounds):
        rounds += 1
        for name, (probe, expected) in checks.items():
            seconds, outcome = timed(probe)
            worst[name] = max(worst[name], seconds)
            if outcome != expected:
                failures.append("%s: %s after %.1f s" % (name, outcome, seconds))
        time.sleep(0.5)   # pacing of the probes, not synchronisation
    return worst, failures, rounds


def test_slow_bodies_leave_rest_static_pages_and_bosh_responsive(target):
    client, checks = probes(target)
    for name, (probe, expected) in checks.items():   # warm up: each answers before the attack
        assert timed(probe)[1] == expected, "%s does not work before the attack" % name
    attack = SlowBodyAttack(target.base_url)
    attack.start()
    try:
        assert attack.ready.wait(60), "the attack could not open its connections"
        assert attack.error is None, "the attack failed: %r" % attack.error
        worst, failures, rounds = probe_while(
            checks, lambda rounds: attack.is_alive() and rounds < ATTACK_SECONDS)
    finally:
        attack.join(ATTACK_SECONDS + 30)
        client.close()
    assert not attack.is_alive(), "the attack did not stop by itself"
    assert attack.error is None, "the attack failed: %r" % attack.error
    print("slow-body attack on %s: %d connections opened, answers %r; worst probe times %s"
          % (target.name, attack.opened, attack.answered,
             ", ".join("%s %.3f s" % item for item in sorted(worst.items()))))
    assert not failures, "while %d slow bodies trickled in: %s" % (
        SLOW_CONNECTIONS, "; ".join(failures[:10]))
    assert rounds >= 5, "only %d probe rounds ran during the attack" % rounds
