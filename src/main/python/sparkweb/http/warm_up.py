"""Warm-up after start: the REST path exercised in-process until the JVM has compiled it.

A fresh plugin answers its first requests many times slower than later ones: Jython's dispatch,
Jersey's routing and the pipeline run interpreted until the JIT has seen them often enough (the
side-by-side benchmark showed GET /user still getting faster a minute after start). So once the
web context is up (on Openfire's start only after every plugin has loaded: the thread waits for
Jersey, :meth:`WarmUp._jersey_when_ready`), one background thread sends requests straight into
Jersey's application handler (no socket, no servlet filters, nothing logged): GET /user with a
token signed by a key nobody has (the whole token check runs, ending in 401: nothing is ever
authorised) and a GET of a path that does not exist (404). Between requests it runs the other
hot paths in-process (issue 16): a token issued and verified by a throwaway token service (its
random key is dropped, its audience is no domain: nothing it signs is accepted anywhere), and a
chat event made as a session makes it (catalogue, JSON, numbered in an event log, SSE frame).
It stops after :data:`SECONDS` or :data:`REQUESTS`, yields between requests so that Openfire's
own start is not held up, gives way while real requests are being served (``busy``: they warm
the same code, and on two cores a warm-up thread beside them only took their CPU: the
side-by-side benchmark's first seconds got slower once the warm-up ran at all), and
:meth:`WarmUp.stop` ends it before the context goes away (plugin stop).
"""
from __future__ import absolute_import

import base64

from java.lang import Runnable, System, Thread, Throwable
from java.net import URI
from java.util.concurrent import TimeUnit
from java.util.concurrent.atomic import AtomicBoolean, AtomicInteger
from org.glassfish.jersey.internal import MapPropertiesDelegate
from org.glassfish.jersey.server import ContainerRequest

from sparkweb.auth.tokens import TokenService
from sparkweb.events import catalogue
from sparkweb.events.log import EventLog
from sparkweb.jsontext import to_json
from sparkweb.log import log_failure, logger
from sparkweb.secure_random import base64url, random_bytes, random_id
from sparkweb.xmpp import stanza as model

LOG = logger("http")
SECONDS = 10          # of requests, counted from when Jersey is ready
REQUESTS = 5000
WAIT_SECONDS = 600    # for Jersey: Openfire with many plugins, under load, starts slowly
WAITING_ROUNDS = 500  # of the paths without Jersey while Openfire is still starting
POLL_MILLIS = 100
PAUSE_MILLIS = 20     # while real requests are being served
BASE = URI.create("http://warm-up.invalid/sparkweb/api/rest/")
NOBODY = u"warm-up.invalid"
PATHS = ("user", "user", "user", "no-such-route")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip("=")


def unusable_token():
    """A well-formed HS256 token signed with a random key that is thrown away."""
    return ".".join([_b64('{"alg":"HS256","typ":"JWT"}'),
                     _b64('{"iss":"sparkweb","sub":"warm-up","exp":4102444800}'),
                     base64url(random_bytes(32))])


class HotPaths(object):
    """The in-process work of a REST send and its event, on throwaway state; ``counts`` says
    how often each part ran."""

    def __init__(self):
        self._tokens = TokenService(random_bytes(32), NOBODY, 60)
        self._log = EventLog(u"0", 16, 64 * 1024)
        self.counts = {"token": 0, "event": 0}

    def run_once(self, number):
        token, _ = self._tokens.issue(u"warm-up", u"warm-up")
        self._tokens.verify(token)
        self.counts["token"] += 1
        message = model.message(u"nobody@" + NOBODY, body=u"warm-up %d" % number,
                                chat_state="active", id=random_id())
        message.sender = u"warm-up@%s/sparkweb" % NOBODY
        for name, payload in catalogue.for_sent(message):
            self._log.append(name, to_json(payload)).frame
        self.counts["event"] += 1


class WarmUp(Runnable):
    def __init__(self, servlet_holder, seconds=SECONDS, requests=REQUESTS, busy=None):
        self._holder = servlet_holder
        self._busy = busy or (lambda: False)
        self._seconds = seconds
        self._requests = requests
        self._stopped = AtomicBoolean(False)
        self.sent = AtomicInteger()
        self.paused = AtomicInteger()   # times it gave way to real requests
        self.statuses = {}
        self.hot_paths = None
        self._thread = None

    def start(self):
        self._thread = Thread(self, "sparkweb-warm-up")
        self._thread.setDaemon(True)
        self._thread.setPriority(Thread.MIN_PRIORITY)
        self._thread.start()
        return self

    def stop(self, timeout_millis=10000):
        self._stopped.set(True)
        if self._thread is not None:
            self._thread.join(timeout_millis)

    def run(self):
        started = System.nanoTime()
        try:
            self.hot_paths = hot_paths = HotPaths()
            handler = self._jersey_when_ready(hot_paths)
            if handler is None:
                return
            self._send_requests(handler, hot_paths)
        except (Exception, Throwable):   # a warm-up that fails costs nothing but its benefit
            if not self._stopped.get():
                log_failure(LOG, "The start-up warm-up stopped early; SparkWeb serves as usual.")
        LOG.debug("Warm-up: %d requests in %d ms" % (
            self.sent.get(), (System.nanoTime() - started) // 1000000))

    def _jersey_when_ready(self, hot_paths):
        """Jersey's application handler once the REST servlet is initialised, or None (stopped,
        or not within :data:`WAIT_SECONDS`). Openfire starts its web server, and so this
        context and its servlets, only after every plugin has loaded: at plugin start the
        servlet is not there yet (the holder answers None). Meanwhile the paths that need no
        Jersey run, :data:`WAITING_ROUNDS` times at most (Openfire is still starting)."""
        give_up = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS)
        rounds = 0
        while not self._stopped.get() and System.nanoTime() < give_up:
            servlet = self._holder.getServlet()
            handler = servlet.getApplicationHandler() if servlet is not None else None
            if handler is not None:
                return handler
            if rounds < WAITING_ROUNDS:
                rounds += 1
                hot_paths.run_once(rounds)
                Thread.yield()
            else:
                Thread.sleep(POLL_MILLIS)
        return None

    def _send_requests(self, handler, hot_paths):
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(self._seconds)
        token = unusable_token()
        while not self._stopped.get() and System.nanoTime() < deadline and \
                self.sent.get() < self._requests:
            if self._busy():
                self.paused.incrementAndGet()
                Thread.sleep(PAUSE_MILLIS)
                continue
            path = PATHS[self.sent.get() % len(PATHS)]
            request = ContainerRequest(BASE, BASE.resolve(path), "GET", None,
                                       MapPropertiesDelegate(), handler.getConfiguration())
            request.getHeaders().add("Authorization", token)
            status = handler.apply(request).get(10, TimeUnit.SECONDS).getStatus()
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.sent.incrementAndGet()
            hot_paths.run_once(self.sent.get())
            Thread.yield()
