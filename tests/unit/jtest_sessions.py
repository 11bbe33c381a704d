"""The session registry and user sessions against the in-memory Openfire, on a hand clock."""
from __future__ import absolute_import

from java.lang import RuntimeException, System, Thread, Throwable
from java.util.concurrent import CopyOnWriteArraySet, CountDownLatch, ConcurrentLinkedQueue, \
    TimeUnit

from sparkweb import config
from sparkweb.errors import PayloadTooLarge, ServiceUnavailable
from sparkweb.session.registry import SessionRegistry
from sparkweb.xmpp import stanza
from support import Clock, RecordingStream, in_thread, openfire_with_users, run_together, \
    services


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


def test_replay_after_last_event_id_and_all_for_ids_of_another_session():
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
    # A page that signed out and in again (or whose session expired) still holds an id of
    # the old session: it saw none of this one's events, so it gets all of them.
    foreign = RecordingStream()
    bob.attach(foreign, u"0-1")
    assert [e.id for e in foreign.events] == [e.id for e in first.events], \
        "an id of another session did not replay all: %r" % foreign.names()


def test_on_connect_says_where_the_stream_starts_so_resuming_from_it_misses_nothing():
    """onConnect's id is the position the stream starts from: the id before the first event
    replayed to it, or the newest when nothing is replayed. A page that received onConnect
    and nothing else resumes from that id: it gets what that stream was about to send, not
    the whole log again (the page's own fallback before: the session's start, "<epoch>-0")."""
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    watcher = RecordingStream()
    bob.attach(watcher)
    alice = app.sessions.get_or_start(u"alice")
    for text in (u"one", u"two", u"three"):
        alice.send(stanza.message(u"bob@example.test", body=text))
    chats = [e for e in watcher.events if e.name == "chatapi.chat" and u'"body"' in e.text]
    greeting = (u"onConnect", {u"username": u"bob"})

    def attached(last_event_id):
        stream = RecordingStream()
        bob.attach(stream, last_event_id, greeting)
        assert stream.events and stream.events[0].name == "onConnect", stream.names()
        return stream

    resumed = attached(chats[0].id)
    assert resumed.events[0].id == chats[0].id, \
        "onConnect of a stream resuming from %s says %s" % (chats[0].id, resumed.events[0].id)
    dropped = attached(resumed.events[0].id)     # lost right after its onConnect
    assert [e.id for e in dropped.events[1:]] == [e.id for e in resumed.events[1:]], \
        "resuming from onConnect's id lost events: %r" % dropped.names()
    newest = watcher.events[-1].id
    joining = attached(None)                     # a later stream: nothing replayed
    assert [e.id for e in joining.events] == [newest], \
        "a stream without replay: %r, newest %s" % ([e.id for e in joining.events], newest)
    foreign = attached(u"0-1")                   # everything replayed
    first = foreign.events[1].id
    epoch, _, number = first.partition(u"-")
    assert foreign.events[0].id == u"%s-%d" % (epoch, int(number) - 1), \
        "onConnect %s before a full replay from %s" % (foreign.events[0].id, first)


def test_the_first_stream_of_a_new_session_with_the_old_sessions_id_gets_everything():
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    old = RecordingStream()
    bob.attach(old)
    alice = app.sessions.get_or_start(u"alice")
    alice.send(stanza.message(u"bob@example.test", body=u"before"))
    old_id = old.events[-1].id
    app.sessions.end(u"bob")
    clock.advance(1)    # a session's epoch is its start time
    alice.send(stanza.message(u"bob@example.test", body=u"while signed out"))
    again = app.sessions.get_or_start(u"bob")
    assert again is not bob, "the ended session was handed out again"
    page = RecordingStream()
    again.attach(page, old_id)
    bodies = [e.text for e in page.events if e.name == "chatapi.chat" and u'"body"' in e.text]
    assert any(u"while signed out" in body for body in bodies), \
        "the offline message was not replayed after sign-in: %r (from %s)" % (page.names(), old_id)


def test_concurrent_first_requests_create_one_session():
    openfire, clock, app = setup()
    seen = ConcurrentLinkedQueue()
    run_together(16, lambda index: seen.add(app.sessions.get_or_start(u"alice")))
    assert len(set(id(s) for s in seen)) == 1, "several sessions for one user"
    assert len(openfire.xmpp.sessions_of(u"alice")) == 1, "several XMPP sessions opened"


def test_contacts_starting_their_sessions_at_the_same_time_do_not_deadlock():
    # Each user's initial presence is delivered to the contact's session, and the contact's
    # probe answer to this one: with a lock held while routing, a pair starting together hung.
    openfire, clock, app = setup()
    names = [u"user%d" % index for index in range(24)]
    for name in names:
        openfire.add_user(name, u"pw")
    for index, name in enumerate(names):      # a ring: everyone has two contacts
        openfire.add_contacts(name, names[(index + 1) % len(names)])
    for _ in range(5):
        run_together(len(names), lambda index: app.sessions.get_or_start(names[index]))
        for name in names:
            assert len(openfire.xmpp.sessions_of(name)) == 1, "%s has no XMPP session" % name
        app.sessions.end_all()
        assert app.sessions.count() == 0, "sessions left after end_all"


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


class SlowStart(object):
    """The in-memory Openfire, but opening an XMPP session waits until the test releases it,
    so that something can happen while a session is starting."""

    def __init__(self, openfire):
        self._openfire = openfire
        self.opening = CountDownLatch(1)
        self.release = CountDownLatch(1)

    def __getattr__(self, name):
        return getattr(self._openfire, name)

    def open_session(self, username, resource, listener):
        self.opening.countDown()
        assert getattr(self.release, "await")(20, TimeUnit.SECONDS), "never released"
        return self._openfire.open_session(username, resource, listener)


class StreamsWithTimerInTheGap(CopyOnWriteArraySet):
    """A session's stream set that, when a stream is removed, runs the expiry timer on its own
    thread in the gap before detach() records the closing time, as Jetty and the timer thread
    can. Under the session's lock the timer waits out the gap; without it, it ends the session."""

    def __init__(self, expire):
        CopyOnWriteArraySet.__init__(self)
        self._expire = expire
        self.timer = None

    def remove(self, stream):
        removed = self.super__remove(stream)   # Jython: the Java method, not this override
        if removed and self.timer is None:
            self.timer = Thread(lambda: self._expire(), "expiry-in-the-gap")
            self.timer.start()
            self.timer.join(300)     # give an unguarded expiry the chance to run in the gap
        return removed


def test_expiry_cannot_end_a_session_in_the_middle_of_a_page_reload():
    openfire = openfire_with_users()
    clock = Clock()
    app = services(openfire, clock)
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    streams = StreamsWithTimerInTheGap(app.sessions.expire)
    streams.add(page)
    bob._streams = streams
    clock.advance(3600)                      # the page was open for an hour, then reloads
    bob.detach(page)
    assert streams.timer is not None, "the stream was not removed through the set"
    streams.timer.join(10000)
    assert not streams.timer.isAlive(), "the expiry timer hung"
    assert not bob.ended, "the timer thread ended the session while its last stream detached"


def test_a_session_handed_out_is_not_expired_right_after():
    openfire, clock, app = setup()
    idle = app.sessions.get_or_start(u"bob")
    clock.advance(app.settings.get(config.SESSION_IDLE) + app.settings.get(config.SESSION_GRACE))
    handed = app.sessions.get_or_start(u"bob")          # a login, before the timer ran
    app.sessions.expire()
    assert not handed.ended, "login handed out a session that the next expiry run ended"
    assert app.sessions.get(u"bob") is handed, "session gone after being handed out"


def test_a_request_arriving_while_the_session_ends_gets_a_live_one():
    openfire, clock, app = setup()
    watcher = RecordingStream()
    app.sessions.get_or_start(u"alice").attach(watcher)
    bob = app.sessions.get_or_start(u"bob")
    handed = []
    forget = bob._on_ended

    def request_in_the_window(session):       # between "ended" and leaving the registry
        handed.append(app.sessions.get_or_start(u"bob"))
        forget(session)
    bob._on_ended = request_in_the_window
    app.sessions.end(u"bob")
    assert handed and not handed[0].ended, "get_or_start returned the session that was ending"
    assert app.sessions.get(u"bob") is handed[0], "the live session is not the registered one"
    assert len(openfire.xmpp.sessions_of(u"bob")) == 1, "XMPP sessions of bob: %d" % len(
        openfire.xmpp.sessions_of(u"bob"))
    last = presences_from(watcher, u"bob", u"available") + presences_from(
        watcher, u"bob", u"unavailable")
    last.sort(key=lambda event: watcher.events.index(event))
    assert u'"type":"available"' in last[-1].text, "contacts last saw bob go offline"


def test_end_during_a_start_neither_waits_for_it_nor_leaks_its_xmpp_session():
    openfire, clock, app = setup()
    slow = SlowStart(openfire)
    registry = SessionRegistry(slow, app.settings, clock)
    starting = ConcurrentLinkedQueue()
    starter = Thread(lambda: starting.add(registry.get_or_start(u"bob")))
    starter.setDaemon(True)
    starter.start()
    assert getattr(slow.opening, "await")(20, TimeUnit.SECONDS), "start never began"
    first = registry.get(u"bob")
    try:
        in_thread(first.end, timeout=10)     # a logout while the XMPP session is opening
    finally:
        slow.release.countDown()
    starter.join(20000)
    assert not starter.isAlive(), "the start never finished"
    assert first.ended and first.jid is None, "the ended session came back to life"
    handed = starting.peek()
    assert handed is not None and handed is not first and not handed.ended, \
        "the request racing the logout got no live session: %r" % handed
    assert len(openfire.xmpp.sessions_of(u"bob")) == 1, \
        "XMPP session opened after end() left open: %d sessions" % len(
            openfire.xmpp.sessions_of(u"bob"))


def test_a_session_caps_its_streams_and_closes_the_oldest_first():
    openfire, clock, app = setup()
    openfire.set_property(u"sparkweb.sse.maxStreamsPerUser", u"3")
    bob = app.sessions.get_or_start(u"bob")
    streams = [RecordingStream() for _ in range(5)]
    for stream in streams:
        bob.attach(stream)
    assert [s.closed for s in streams] == [True, True, False, False, False], \
        "closed: %r" % [s.closed for s in streams]
    assert bob.stream_count() == 3, "streams attached: %d" % bob.stream_count()


def test_a_message_larger_than_the_limit_is_refused_before_it_is_sent():
    openfire, clock, app = setup()
    watcher = RecordingStream()
    app.sessions.get_or_start(u"bob").attach(watcher)
    limit = 2048
    openfire.set_property(u"sparkweb.chat.maxMessageBytes", unicode(limit))
    alice = app.sessions.get_or_start(u"alice")
    alice.send(stanza.message(u"bob@example.test", body=u"x" * limit))
    for body, data in ((u"x" * (limit + 1), None), (u"\u00e9" * (limit // 2 + 1), None),
                       (u"x" * (limit // 2), u'"%s"' % (u"y" * (limit // 2)))):
        try:
            alice.send(stanza.message(u"bob@example.test", body=body, data=data))
        except PayloadTooLarge:
            pass
        else:
            raise AssertionError("a message of %d characters was sent" % len(body + (data or u"")))
    bodies = [e for e in watcher.events if e.name == "chatapi.chat"]
    assert len(bodies) == 1, "messages delivered: %d" % len(bodies)


def test_a_start_that_fails_is_tried_afresh_by_the_next_request():
    openfire, clock, app = setup()
    failing = SlowStart(openfire)
    failing.release.countDown()
    attempts = []

    def open_once_failing(username, resource, listener):
        attempts.append(username)
        if len(attempts) == 1:
            raise RuntimeException("Openfire refused")
        return openfire.open_session(username, resource, listener)
    failing.open_session = open_once_failing
    registry = SessionRegistry(failing, app.settings, clock)
    try:
        registry.get_or_start(u"bob")
    except RuntimeException:
        pass
    else:
        raise AssertionError("a failed start passed for a success")
    assert registry.get(u"bob") is None, "the failed session stayed registered"
    session = registry.get_or_start(u"bob")
    assert not session.ended and session.jid, "the next request got no live session"
    assert len(openfire.xmpp.sessions_of(u"bob")) == 1, "XMPP sessions of bob"


def _wait_until_waiting(threads, deadline):
    """Until every other live thread of ``threads`` waits (on a start), or ``deadline``."""
    waiting = (Thread.State.WAITING, Thread.State.TIMED_WAITING)
    me = Thread.currentThread()
    while System.currentTimeMillis() < deadline and not all(
            thread.getState() in waiting for thread in threads
            if thread is not me and thread.isAlive()):
        Thread.onSpinWait()


def test_requests_waiting_on_a_refused_start_get_its_answer_not_a_conflict():
    """Issue 17: a start refused with an API error (503: the session lives on another cluster
    node) must give every request waiting on it that answer. They got 409 instead: each woke
    to an ended session, the registry's retries made one of them the next opener, and after
    three rounds the rest ran out of attempts (SessionEnded). Each start here is refused only
    once every other request waits on it, as when the refusal takes a cluster-wide lock."""
    openfire, clock, app = setup()
    threads, outcomes = [], ConcurrentLinkedQueue()
    refusing = SlowStart(openfire)

    def open_refused(username, resource, listener):
        _wait_until_waiting(threads, System.currentTimeMillis() + 20000)
        raise ServiceUnavailable("Your session is served by another node.")
    refusing.open_session = open_refused
    registry = SessionRegistry(refusing, app.settings, clock)

    def request():
        try:
            registry.get_or_start(u"bob")
            outcomes.add("started")
        except (Exception, Throwable) as error:
            outcomes.add(getattr(error, "status", repr(error)))
    threads.extend(Thread(request) for _ in range(6))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60000)
        assert not thread.isAlive(), "a request hung"
    assert sorted(outcomes) == [503] * 6, \
        "every request must get the start's 503: %r" % sorted(outcomes)
    assert registry.get(u"bob") is None, "the refused session stayed registered"


def test_iq_requests_from_others_are_answered_pings_with_a_result():
    """Review R11-3: a client answers every IQ get/set (RFC 6120 8.2.3). Openfire's MUC
    service pings idle occupants and removes those that do not answer; the session answered
    nothing."""
    from sparkweb.xmpp import stanza as model
    openfire, clock, app = setup()
    session = app.sessions.get_or_start(u"alice")
    routed = []
    original = openfire.xmpp.route
    openfire.xmpp.route = lambda sender, sent: routed.append(sent) or original(sender, sent)
    room = u"lounge@conference.example.test"
    for id, child in ((u"p1", u"<ping xmlns='urn:xmpp:ping'/>"),
                      (u"d1", u"<query xmlns='http://jabber.org/protocol/disco#info'/>")):
        session.on_stanza(model.Stanza("iq", type="get", id=id, sender=room,
                                       recipient=session.jid,
                                       xml=u"<iq type='get' id='%s'>%s</iq>" % (id, child)))
    session.on_stanza(model.Stanza("iq", type="result", id=u"r1", sender=room))
    answers = [(s.type, s.id, s.recipient) for s in routed if s.kind == "iq"]
    assert answers == [(u"result", u"p1", room), (u"error", u"d1", room)], answers
    assert u"service-unavailable" in routed[1].get_xml(), routed[1].get_xml()


# --- raw events and replay gaps (attack S6-A3) ----------------------------------------------
def sequences(events):
    return [int(event.id.rpartition(u"-")[2]) for event in events]


def test_raw_events_take_no_place_in_the_log_unless_a_stream_asked_for_them():
    """Before: every stanza also logged a chatapi.xmpp event, so the log held half as many
    chat messages as replayEvents said, and ids stepped by two with no raw stream open."""
    openfire, clock, app = setup()
    openfire.set_property(config.SSE_REPLAY_EVENTS.key, u"4")
    bob = app.sessions.get_or_start(u"bob")
    plain = RecordingStream()
    bob.attach(plain)
    alice = app.sessions.get_or_start(u"alice")
    for number in range(4):
        alice.send(stanza.message(u"bob@example.test", body=u"m%d" % number))
    chats = plain.named("chatapi.chat")
    assert len(chats) == 4 and "chatapi.xmpp" not in plain.names(), plain.names()
    numbers = sequences(chats)
    assert numbers == range(numbers[0], numbers[0] + 4), "ids step: %r" % numbers
    again = RecordingStream()
    bob.attach(again, u"0-0")     # an id of another session: all the log keeps
    assert [e.id for e in again.named("chatapi.chat")] == [e.id for e in chats], \
        "the log kept %r of 4 chat messages" % again.names()
    raw = RecordingStream(raw=True)
    bob.attach(raw)
    alice.send(stanza.message(u"bob@example.test", body=u"seen raw"))
    assert raw.names() == ["chatapi.chat", "chatapi.xmpp"], raw.names()


def greeting_fields(stream):
    import json
    assert stream.events[0].name == u"onConnect", stream.names()
    return json.loads(stream.events[0].text)


def test_on_connect_says_when_the_replay_misses_events_after_the_last_event_id():
    """Before: a replay starting later than the client's Last-Event-ID (the log had dropped
    what followed it) looked like a complete one; the page could not know it lost messages."""
    openfire, clock, app = setup()
    openfire.set_property(config.SSE_REPLAY_EVENTS.key, u"3")
    bob = app.sessions.get_or_start(u"bob")
    watcher = RecordingStream()
    bob.attach(watcher)
    alice = app.sessions.get_or_start(u"alice")
    greeting = (u"onConnect", {u"username": u"bob"})
    alice.send(stanza.message(u"bob@example.test", body=u"first"))
    read = watcher.named("chatapi.chat")[-1].id
    alice.send(stanza.message(u"bob@example.test", body=u"second"))
    within = RecordingStream()
    bob.attach(within, read, greeting)
    assert greeting_fields(within)[u"gap"] is False, within.names()
    for number in range(5):
        alice.send(stanza.message(u"bob@example.test", body=u"later %d" % number))
    behind = RecordingStream()
    bob.attach(behind, read, greeting)
    assert greeting_fields(behind)[u"gap"] is True, "a replay with a hole said nothing"
    fresh = RecordingStream()
    bob.attach(fresh, None, greeting)
    assert greeting_fields(fresh)[u"gap"] is False, "no Last-Event-ID, no gap to tell"


def test_the_replay_log_holds_at_least_what_a_stream_may_fall_behind():
    """Before: queueEvents 1000 > replayEvents 500, so a stream closed for falling behind
    could never get back what it missed."""
    openfire, clock, app = setup()
    assert app.settings.get(config.SSE_REPLAY_EVENTS) >= app.settings.get(
        config.SSE_QUEUE_EVENTS)
    assert app.settings.get(config.SSE_REPLAY_BYTES) >= app.settings.get(
        config.SSE_QUEUE_BYTES)
