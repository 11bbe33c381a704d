"""The session registry and user sessions against the in-memory Openfire, on a hand clock."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import CountDownLatch, ConcurrentLinkedQueue

from sparkweb import config
from sparkweb.xmpp import stanza
from support import Clock, openfire_with_users, services


class RecordingStream(object):
    def __init__(self):
        self.events = []
        self.closed = False

    def offer(self, event):
        self.events.append(event)

    def close(self):
        self.closed = True

    def names(self):
        return [event.name for event in self.events]


def setup():
    openfire = openfire_with_users()
    openfire.add_contacts(u"alice", u"bob")
    clock = Clock()
    app = services(openfire, clock)
    return openfire, clock, app


def presences_from(stream, node, kind):
    return [e for e in stream.events if e.name == "chatapi.presence"
            and u'"from":"%s@' % node in e.text and u'"type":"%s"' % kind in e.text]


def test_session_ends_after_grace_once_its_last_stream_closes():
    openfire, clock, app = setup()
    watcher = RecordingStream()
    app.sessions.get_or_start(u"alice").attach(watcher)
    bob = app.sessions.get_or_start(u"bob")
    stream = RecordingStream()
    bob.attach(stream)
    clock.advance(3600)
    app.sessions.expire()
    assert app.sessions.get(u"bob") is bob, "session with an open stream expired"
    bob.detach(stream)
    clock.advance(app.settings.get(config.SESSION_GRACE) - 1)
    app.sessions.expire()
    assert app.sessions.get(u"bob") is bob, "session ended within the grace period"
    clock.advance(2)
    app.sessions.expire()
    assert app.sessions.get(u"bob") is None, "session outlived the grace period"
    assert presences_from(watcher, u"bob", u"unavailable"), "contact not told: %r" % watcher.names()


def test_rest_activity_after_the_stream_keeps_the_session_until_idle():
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    stream = RecordingStream()
    bob.attach(stream)
    bob.detach(stream)
    clock.advance(1)
    app.sessions.touch(u"bob")
    clock.advance(app.settings.get(config.SESSION_GRACE) + 1)
    app.sessions.expire()
    assert app.sessions.get(u"bob") is bob, "REST-active session ended after grace"
    clock.advance(app.settings.get(config.SESSION_IDLE))
    app.sessions.expire()
    assert app.sessions.get(u"bob") is None, "idle session not ended"


def test_deleted_user_session_ends_and_streams_close():
    openfire, clock, app = setup()
    stream = RecordingStream()
    app.sessions.get_or_start(u"bob").attach(stream)
    openfire.delete_user(u"bob")
    app.sessions.expire()
    assert app.sessions.get(u"bob") is None, "session of a deleted user kept"
    assert stream.closed, "stream of a deleted user left open"


def test_replay_after_last_event_id_and_nothing_for_foreign_ids():
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    first = RecordingStream()
    bob.attach(first)
    alice = app.sessions.get_or_start(u"alice")
    for text in (u"one", u"two", u"three"):
        alice.send(stanza.message(u"bob@example.test", body=text))
    chats = [e for e in first.events if e.name == "chatapi.chat" and u'"body"' in e.text]
    assert len(chats) == 3, first.names()
    again = RecordingStream()
    bob.attach(again, chats[0].id)
    bodies = [e.text for e in again.events if e.name == "chatapi.chat" and u'"body"' in e.text]
    assert len(bodies) == 2 and u'"two"' in bodies[0] and u'"three"' in bodies[1], bodies
    foreign = RecordingStream()
    bob.attach(foreign, u"0-1")
    assert not foreign.events, "replayed for an id of another session: %r" % foreign.names()


def test_concurrent_first_requests_create_one_session():
    openfire, clock, app = setup()
    start, done = CountDownLatch(1), CountDownLatch(16)
    seen = ConcurrentLinkedQueue()

    def worker():
        getattr(start, "await")()   # a Python 3 keyword: keep this file parseable there
        seen.add(app.sessions.get_or_start(u"alice"))
        done.countDown()
    for _ in range(16):
        Thread(worker).start()
    start.countDown()
    getattr(done, "await")()
    assert len(set(id(s) for s in seen)) == 1, "several sessions for one user"
    assert len(openfire.xmpp.sessions_of(u"alice")) == 1, "several XMPP sessions opened"


def test_end_sends_unavailable_and_closes_streams():
    openfire, clock, app = setup()
    watcher = RecordingStream()
    app.sessions.get_or_start(u"alice").attach(watcher)
    stream = RecordingStream()
    app.sessions.get_or_start(u"bob").attach(stream)
    app.sessions.end(u"bob")
    assert stream.closed, "stream not closed at logout"
    assert presences_from(watcher, u"bob", u"unavailable"), watcher.names()
    assert not openfire.xmpp.sessions_of(u"bob"), "XMPP session left open"


def test_first_stream_gets_events_from_before_it_later_streams_do_not():
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    app.sessions.get_or_start(u"alice").send(stanza.message(u"bob@example.test", body=u"early"))
    first, second = RecordingStream(), RecordingStream()
    bob.attach(first)
    bob.attach(second)
    assert [e for e in first.events if u'"early"' in e.text], first.names()
    assert not [e for e in second.events if u'"early"' in e.text], second.names()
