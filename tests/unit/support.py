"""Shared set-up for the Jython unit tests: an in-memory Openfire with users, services on it,
a controllable clock, and a stand-in for the request a handler receives."""
from __future__ import absolute_import

import time

from java.lang import Throwable

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
    """An event stream that keeps what it is offered (stands in for the SSE servlet's)."""

    def __init__(self):
        self.events = []
        self.closed = False

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
