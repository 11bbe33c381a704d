"""How a session hands its events to its streams when many threads publish at once (issue 16):
no thread waits on the session's lock for a stream write, for another publisher, or to claim
a live session; and every stream still sees each event once, in order."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import CopyOnWriteArraySet, CountDownLatch, TimeUnit

from sparkweb.session.user_session import SessionEnded
from sparkweb.xmpp import stanza
from support import Clock, RecordingStream, in_thread, openfire_with_users, raised, \
    run_together, services, wait_for


def setup(**properties):
    openfire = openfire_with_users()
    openfire.add_contacts(u"alice", u"bob")
    for name, value in properties.items():
        openfire.set_property(name, value)
    clock = Clock()
    return openfire, clock, services(openfire, clock)


class StallingStream(RecordingStream):
    """A stream whose write of the first chat message stalls until the test releases it: a
    slow write, as a stream's offer was before it only queued (or an Openfire routing thread
    descheduled in the middle of one)."""

    def __init__(self):
        RecordingStream.__init__(self)
        self.stalled = CountDownLatch(1)
        self.release = CountDownLatch(1)

    def offer(self, event):
        if event.name == "chatapi.chat" and self.stalled.getCount():
            self.stalled.countDown()
            assert getattr(self.release, "await")(20, TimeUnit.SECONDS), "never released"
        RecordingStream.offer(self, event)

    def bodies(self):
        return [e.text for e in self.named("chatapi.chat") if u'"body"' in e.text]


def started_in_thread(work):
    thread = Thread(work, "publisher")
    thread.setDaemon(True)
    thread.start()
    return thread


def stall_a_publisher(app, bob, slow):
    """Alice's message to bob, on a thread of its own that stalls in bob's slow stream."""
    alice = app.sessions.get_or_start(u"alice")
    publisher = started_in_thread(
        lambda: alice.send(stanza.message(u"bob@example.test", body=u"one")))
    assert getattr(slow.stalled, "await")(20, TimeUnit.SECONDS), "the message never came"
    return alice, publisher


def test_a_slow_stream_write_does_not_hold_the_session_lock():
    """Before: the offer ran under the session's lock, so attaching a second stream (or any
    REST request for bob: start_and_claim) waited for the slowest stream write."""
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    slow = StallingStream()
    bob.attach(slow)
    alice, publisher = stall_a_publisher(app, bob, slow)
    later = RecordingStream()
    try:
        attached = in_thread(lambda: bob.attach(later, None, (u"onConnect", {})), timeout=5)
    finally:
        slow.release.countDown()
    assert attached, "the second stream was not attached"
    publisher.join(20000)
    assert not publisher.isAlive(), "the publisher never finished"
    alice.send(stanza.message(u"bob@example.test", body=u"two"))
    wait_for(lambda: len(slow.bodies()) == 2, "both messages on the slow stream")
    assert later.names()[0] == "onConnect", later.names()
    assert [u'"two"' in text for text in
            [e.text for e in later.named("chatapi.chat") if u'"body"' in e.text]] == [True], \
        "the later stream: %r" % later.names()


def test_publishers_do_not_wait_for_each_other_or_for_a_slow_stream():
    """Before: a second publisher (another Openfire routing thread) queued on the session's
    lock behind the first one's stalled write. Now it hands its event to the delivering
    thread and leaves; the stream still gets both messages in order."""
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    slow = StallingStream()
    bob.attach(slow)
    alice, publisher = stall_a_publisher(app, bob, slow)
    try:
        in_thread(lambda: alice.send(stanza.message(u"bob@example.test", body=u"two")),
                  timeout=5)
    finally:
        slow.release.countDown()
    publisher.join(20000)
    assert not publisher.isAlive(), "the first publisher never finished"
    wait_for(lambda: len(slow.bodies()) == 2, "both messages delivered")
    assert u'"one"' in slow.bodies()[0] and u'"two"' in slow.bodies()[1], slow.bodies()


def sequence(event):
    return int(event.id.rpartition(u"-")[2])


def test_streams_see_every_event_once_and_in_order_while_publishers_and_attaches_race():
    """Publishers on many threads, and streams attaching meanwhile, some resuming from a
    Last-Event-ID: each stream's events run without a gap, a repeat or a swap from where its
    onConnect says it starts to the newest event."""
    openfire, clock, app = setup(**{u"sparkweb.sse.maxStreamsPerUser": u"100",
                                    u"sparkweb.sse.replayEvents": u"10000"})
    senders = [u"user%d" % index for index in range(6)]
    for name in senders:
        openfire.add_user(name, u"pw")
        openfire.add_contacts(name, u"bob")
    bob = app.sessions.get_or_start(u"bob")
    watcher = RecordingStream()
    bob.attach(watcher)
    sessions = [app.sessions.get_or_start(name) for name in senders]
    streams = CopyOnWriteArraySet()

    def publish(index):
        for number in range(60):
            sessions[index].send(stanza.message(u"bob@example.test", body=u"%d" % number))

    def attach(index):
        for _ in range(8):
            seen = watcher.events
            resume = seen[len(seen) // 2].id if index % 2 and seen else None
            stream = RecordingStream()
            bob.attach(stream, resume, (u"onConnect", {}))
            streams.add(stream)
    run_together(len(senders) + 4, lambda index: publish(index) if index < len(senders)
                 else attach(index))
    newest = sequence(watcher.events[-1])
    wait_for(lambda: all(s.events and sequence(s.events[-1]) == newest for s in streams),
             "every stream reached the newest event")
    for stream in list(streams) + [watcher]:
        numbers = [sequence(event) for event in stream.events]
        # A stream's first event is its onConnect (the watcher's: its first event).
        first = numbers[0] + (0 if stream is watcher else 1)
        assert numbers[-1] == newest and numbers[first - numbers[0]:] == range(
            first, newest + 1), "a stream saw %r..%r (%d events), not %d to %d" % (
                numbers[:5], numbers[-5:], len(numbers), first, newest)
    assert len(streams) == 32, "streams attached: %d" % len(streams)


def test_claiming_a_live_session_does_not_take_its_lock():
    """Before: every REST request for a user queued on the session lock in start_and_claim
    (JFR: ~2,650 s parked there under load), behind publishers and stream writes."""
    openfire, clock, app = setup()
    bob = app.sessions.get_or_start(u"bob")
    bob._lock.lock()      # held meanwhile by whatever: an attach, an expiry run, a publisher
    try:
        claimed = in_thread(lambda: app.sessions.get_or_start(u"bob"), timeout=5)
    finally:
        bob._lock.unlock()
    assert claimed is bob, "a claim of the live session returned %r" % claimed


class StreamsWithClaimInTheGap(CopyOnWriteArraySet):
    """A session's stream set that, when expiry asks whether it is empty, lets a request
    claim the session on another thread in the middle of the expiry decision."""

    def __init__(self, claim):
        CopyOnWriteArraySet.__init__(self)
        self._claim = claim
        self.claimed = []

    def isEmpty(self):
        if not self.claimed:
            self.claimed.append(None)
            worker = Thread(lambda: self.claimed.append(raised(self._claim) or "claimed"))
            worker.setDaemon(True)
            worker.start()
            worker.join(300)   # without the lock, it runs now; with it, after the decision
        return self.super__isEmpty()


def test_a_claim_racing_the_expiry_decision_never_gets_a_session_that_then_ends():
    """The race start_and_claim closes: an idle session is handed out exactly while expiry
    decides to end it. Either expiry wins (the claim says SessionEnded and the registry
    starts a new session) or the claim does (expiry sees its activity and keeps it)."""
    for _ in range(3):
        openfire, clock, app = setup()
        bob = app.sessions.get_or_start(u"bob")
        streams = StreamsWithClaimInTheGap(bob.start_and_claim)
        bob._streams = streams
        clock.advance(24 * 3600)
        app.sessions.expire()
        wait_for(lambda: len(streams.claimed) == 2, "the claim finished")
        outcome = streams.claimed[1]
        if outcome == "claimed":
            assert not bob.ended, "expiry ended the session a request had just claimed"
        else:
            assert isinstance(outcome, SessionEnded) and bob.ended, \
                "the claim failed with %r, session ended: %s" % (outcome, bob.ended)


# --- Deliveries by itself: failures (S6-R-1) and bounded runs (S6-R-2) -----------------------
class Offered(object):
    """A stream that keeps the frames it was offered and the thread that offered each."""

    def __init__(self, failing=False):
        self.frames, self.threads = [], []
        self.failing = failing
        self.closed = False

    def offer(self, event):
        if self.failing:
            raise RuntimeError("this stream's write failed")
        self.frames.append(event.id)
        self.threads.append(Thread.currentThread())
        event.frame      # what an SseStream reads: may raise for a broken event

    def close(self):
        self.closed = True
        if self.failing:
            raise RuntimeError("and so did its close (e.g. detach)")


def events(*ids):
    from sparkweb.events.log import Event
    return [Event(event_id, "chatapi.chat", u"{}") for event_id in ids]


def test_a_stream_whose_offer_and_close_raise_strands_nothing():
    """Before: the close raised out of the drain, so the good stream missed e1 and e2 waited
    for the next publish; the publisher (a REST send) got the exception."""
    from sparkweb.session.delivery import Deliveries
    bad, good = Offered(failing=True), Offered()
    deliveries = Deliveries(u"bob")
    deliveries.add(events(u"s-1"), [bad, good])
    deliveries.add(events(u"s-2"), [good])
    assert raised(deliveries.deliver) is None, "the publisher got an exception"
    assert good.frames == [u"s-1", u"s-2"], good.frames
    assert bad.closed and not good.closed


def test_an_event_that_cannot_be_encoded_is_skipped_without_closing_streams():
    """Before: a raw event whose payload fails to serialise closed every healthy raw stream
    it was offered to; the event is at fault, not the streams."""
    from sparkweb.events.log import Event
    from sparkweb.session.delivery import Deliveries
    broken = Event(u"s-1", "chatapi.xmpp", lambda: 1 // 0, raw=True)
    first, second = Offered(), Offered()
    deliveries = Deliveries(u"bob")
    deliveries.add([broken] + events(u"s-2"), [first, second])
    deliveries.add(events(u"s-3"), [first, second])
    deliveries.deliver()
    assert not first.closed and not second.closed, "a healthy stream was closed"
    assert first.frames == [u"s-1", u"s-2", u"s-3"], first.frames
    assert second.frames == [u"s-2", u"s-3"], "offered after the event failed: %r" % (
        second.frames,)


def test_a_publisher_drains_a_bounded_run_and_the_pool_delivers_the_rest_in_order():
    """Before: the publisher that found no delivery under way offered everything queued,
    however much other publishers added (S6-R-2: a routing thread or REST request kept
    writing others' events). Now it offers at most RUN_DELIVERIES; the pool the rest, and
    a publisher arriving meanwhile only queues."""
    from sparkweb.session.delivery import Continuations, Deliveries, RUN_DELIVERIES
    pool = Continuations()
    try:
        stream = Offered()
        deliveries = Deliveries(u"bob", pool)
        ids = [u"s-%d" % number for number in range(1, 201)]
        for event_id in ids[:100]:
            deliveries.add(events(event_id), [stream])
        deliveries.deliver()
        publisher = Thread.currentThread()
        mine = [thread for thread in list(stream.threads) if thread is publisher]
        assert len(mine) <= RUN_DELIVERIES, "the publisher offered %d deliveries" % len(mine)
        for event_id in ids[100:]:
            deliveries.add(events(event_id), [stream])
            deliveries.deliver()
        wait_for(lambda: len(stream.frames) == 200, "all 200 delivered")
        assert stream.frames == ids, "out of order"
    finally:
        pool.stop()


def test_without_a_pool_thread_the_publisher_drains_everything_itself():
    """A stopped (or full) pool: nothing is left queued; the publisher delivers it all."""
    from sparkweb.session.delivery import Continuations, Deliveries
    pool = Continuations()
    pool.stop()
    stream = Offered()
    deliveries = Deliveries(u"bob", pool)
    for number in range(1, 51):
        deliveries.add(events(u"s-%d" % number), [stream])
    deliveries.deliver()
    assert stream.frames == [u"s-%d" % number for number in range(1, 51)], stream.frames
