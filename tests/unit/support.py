"""Shared set-up for the Jython unit tests: an in-memory Openfire with users, services on it,
a controllable clock, and a stand-in for the request a handler receives."""
from __future__ import absolute_import

import time

from java.lang import Thread, Throwable
from java.util.concurrent import ConcurrentLinkedQueue, CountDownLatch, TimeUnit

from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.services import build_services


class Clock(object):
    """Milliseconds since the epoch, moved by hand."""

    def __init__(self, millis=1800000000000):
        self.millis = millis

    def __call__(self):
        return self.millis

    def advance(self, seconds):
        self.millis += int(seconds * 1000)


def openfire_with_users():
    openfire = MemoryOpenfire(u"example.test")
    openfire.add_user(u"alice", u"alice-pw", name=u"Alice", email=u"alice@example.test")
    openfire.add_user(u"bob", u"bob-pw", name=u"Bob", email=u"bob@example.test")
    return openfire


def services(openfire=None, clock=None):
    openfire = openfire or openfire_with_users()
    return build_services(openfire, clock or Clock())


class FakeRequest(object):
    """The parts of sparkweb.http.request.Request that handlers use."""

    def __init__(self, app, claims=None, params=None):
        self.app = app
        self.claims = claims
        self.params = params or {}

    @property
    def user(self):
        return self.claims.username if self.claims is not None else None

    def header(self, name):
        return None


def raised(call):
    """What ``call()`` raised, Python or Java (Java exceptions are not Exceptions), or None."""
    try:
        call()
    except (Exception, Throwable) as error:
        return error
    return None


class RecordingStream(object):
    """An event stream that keeps what it is offered (stands in for the SSE servlet's);
    ``raw``: it asked for chatapi.xmpp events (SseStream's ``raw=true``)."""

    def __init__(self, raw=False):
        self.events = []
        self.closed = False
        self.raw = raw

    def offer(self, event):
        self.events.append(event)

    def close(self):
        self.closed = True

    def names(self):
        return [event.name for event in self.events]

    def named(self, name):
        return [event for event in self.events if event.name == name]


def wait_for(condition, what, seconds=20):
    """Polls ``condition`` until it holds; an AssertionError naming ``what`` after ``seconds``
    (threads under test get a bound, never a hang)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("not within %d s: %s" % (seconds, what))


def run_together(count, work, timeout=20):
    """Runs ``work(index)`` on ``count`` daemon threads released at once; fails (instead of
    hanging the whole unit run) when they have not all finished within ``timeout`` seconds,
    naming what the stuck threads were doing."""
    start, done = CountDownLatch(1), CountDownLatch(count)
    failures = ConcurrentLinkedQueue()
    threads = []

    def body(index):
        try:
            getattr(start, "await")()   # a Python 3 keyword: keep this file parseable there
            work(index)
        except (Exception, Throwable) as error:
            failures.add("%s: %s" % (index, error))
        finally:
            done.countDown()
    for index in range(count):
        thread = Thread(lambda index=index: body(index), "run-together-%d" % index)
        thread.setDaemon(True)    # a deadlocked thread must not keep the JVM alive
        threads.append(thread)
        thread.start()
    try:
        start.countDown()
        finished = getattr(done, "await")(timeout, TimeUnit.SECONDS)
    finally:
        start.countDown()
    if not finished:
        stuck = [t for t in threads if t.isAlive()]
        raise AssertionError("%d of %d threads still running after %ss (deadlock?): %s"
                             % (len(stuck), count, timeout, ", ".join(
                                 "%s %s" % (t.getName(), t.getState()) for t in stuck[:6])))
    assert failures.isEmpty(), "threads failed: %s" % list(failures)[:5]


def in_thread(work, timeout=20):
    """Runs ``work()`` on a daemon thread; its result, or AssertionError after ``timeout``."""
    result, done = ConcurrentLinkedQueue(), CountDownLatch(1)

    def body():
        try:
            result.add(("value", work()))
        except (Exception, Throwable) as error:
            result.add(("error", error))
        finally:
            done.countDown()
    thread = Thread(body)
    thread.setDaemon(True)
    thread.start()
    assert getattr(done, "await")(timeout, TimeUnit.SECONDS), "%r still running after %ss" % (
        work, timeout)
    kind, value = result.peek()
    if kind == "error":
        raise value
    return value


def loopback_jetty():
    """A Jetty server (not started) with one connector on 127.0.0.1 and a free port; the
    connector's getLocalPort() names it once the server has started."""
    from org.eclipse.jetty.server import Server, ServerConnector
    server = Server()
    connector = ServerConnector(server)
    connector.setHost("127.0.0.1")
    connector.setPort(0)
    server.addConnector(connector)
    return server, connector
