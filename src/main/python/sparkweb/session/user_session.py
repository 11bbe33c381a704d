"""A user's XMPP session inside Openfire and the event streams attached to it.

Inbound stanzas become events (``events.catalogue``), numbered in the session's log and
offered to every attached stream. Offering never blocks: a stream that cannot keep up closes
itself.

Delivery (issue 16: under load every publisher and REST request queued on this lock while
another wrote to the streams). The lock covers only numbering an event in the log and noting
which streams it goes to; the writes happen after it, on one delivering thread at a time:
publishers put their events into one queue, in log order, and whichever finds no delivery
under way drains it (``session.delivery``); the others leave at once. A stream attaching puts its
replay into the same queue at its place in the log, so "replay, then live events" stays
atomic: it neither misses nor repeats an event, nor sees two swapped.

The lock guards this session's own state only. Nothing routes while holding it: Openfire
delivers locally and synchronously, so the initial presence of a starting session runs
straight into its contacts' sessions (and their answers into this one); a lock held across
that deadlocks two contacts starting at the same time. The XMPP session is therefore opened
once by the first caller with no lock held, while later callers wait for it (``_start``).

Claiming a live session takes no lock either: its latest activity and "ended" are one atomic
reference, which a claim and an expiry each compare-and-set (``_claim``, ``_end_when``).

Messages no page saw: a message that comes while the session has no stream (the page closed,
or is reloading) waits in the log for a stream to replay it. If the session ends instead, it
is stored as an offline message (``Openfire.store_unread``) for the user's next session, as
Openfire does with a client's unacknowledged messages (XEP-0198), instead of being lost.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import CopyOnWriteArraySet, CountDownLatch, TimeUnit
from java.util.concurrent.atomic import AtomicBoolean, AtomicReference
from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.errors import ApiError, Conflict, PayloadTooLarge
from sparkweb.events import catalogue
from sparkweb.events.log import EventLog, frame_body
from sparkweb.jsontext import to_json
from sparkweb.log import log_failure, logger
from sparkweb.secure_random import random_id
from sparkweb.session import carbons
from sparkweb.session.delivery import Deliveries
from sparkweb.session.muc import JoinedRooms, sent_by_a_room
from sparkweb.session.requests import PendingRequests
from sparkweb.session.stanza_sizes import raw_size_hint, text_bytes
from sparkweb.session.unread import UnreadMessages
from sparkweb.xmpp import iq as iq_xml
from sparkweb.xmpp import stanza as model

LOG = logger("session")

# How long a request waits for an ending session to finish closing before starting anew.
END_WAIT_SECONDS = 30


class _Activity(object):
    """When a session was last used. A new object for every claim, so that an expiry's
    compare-and-set fails after any claim, even one within the same millisecond."""
    __slots__ = ("millis",)

    def __init__(self, millis):
        self.millis = millis


_ENDED = _Activity(-1)   # the activity of an ended session: no claim succeeds any more


class UserSession(object):
    def __init__(self, username, openfire, settings, clock, on_ended, on_stanza=None,
                 continuations=None):
        self.username = username
        self._on_stanza = on_stanza   # after the streams had it; Web Push decides there
        self._openfire = openfire
        self._settings = settings
        self._clock = clock
        self._on_ended = on_ended
        self._lock = ReentrantLock()
        self._log = EventLog(u"%x" % clock(), settings.get(config.SSE_REPLAY_EVENTS),
                             settings.get(config.SSE_REPLAY_BYTES))
        self._streams = CopyOnWriteArraySet()     # in attach order: the oldest first
        # Events on their way to the streams; ``continuations`` takes over long drains.
        self._deliveries = Deliveries(username, continuations)
        self._requests = PendingRequests()        # IQs sent, waiting for their answer
        self._xmpp = None
        self._start = None          # a latch, set by the caller that opens the XMPP session
        self._opening = False       # that caller has not finished yet
        self._refused = None        # the ApiError that opening failed with, for its waiters
        self._finished = AtomicBoolean(False)
        self._closed = CountDownLatch(1)
        self._activity = AtomicReference(_Activity(clock()))   # or _ENDED
        self._had_stream = False
        self._unread = UnreadMessages(settings.get(config.SSE_REPLAY_BYTES))
        self.last_stream_closed = 0
        self.rooms = JoinedRooms(self.send, self.request)   # XEP-0045 rooms of this session
        # One read-change-publish of the user's own PEP data (bookmarks) at a time: never
        # taken by delivery, so holding it while a request waits for its answer is safe.
        self.pep_edits = ReentrantLock()

    # --- start ----------------------------------------------------------------------------
    def start_and_claim(self):
        """Starts the XMPP session if needed and records activity, so that expiry running
        next does not end the session just handed out; SessionEnded if it ended first."""
        if self._xmpp is None:
            self._start_once()
        if not self._claim():
            raise SessionEnded(self.username)
        return self

    def _claim(self):
        """Records activity now; False if the session has ended. No lock: an expiry deciding
        at the same moment compare-and-sets the same reference, so one of the two fails and
        the session is either ended before the claim or judged with the claim's time."""
        now = _Activity(self._clock())
        while True:
            seen = self._activity.get()
            if seen is _ENDED:
                return False
            if self._activity.compareAndSet(seen, now):
                return True

    @property
    def ended(self):
        return self._activity.get() is _ENDED

    def _start_once(self):
        self._lock.lock()
        try:
            opener = self._start is None and not self.ended
            if opener:
                self._start, self._opening = CountDownLatch(1), True
            start = self._start
        finally:
            self._lock.unlock()
        if start is None:
            raise SessionEnded(self.username)
        if not opener:
            getattr(start, "await")()   # "await" is a keyword in Python 3 tools
            if self._refused is not None:   # the latch published it: waiters get its answer
                raise self._refused
            return
        try:
            self._open()
        finally:
            start.countDown()

    def _open(self):
        xmpp, ready = None, False
        try:
            xmpp = self._openfire.open_session(self.username, self._settings.get(
                config.SESSION_RESOURCE), self)
            carbons.enable(xmpp, self._requests)  # before presence: offline messages follow it
            xmpp.send(model.presence())       # initial presence: routed with no lock held
            ready = True
        except ApiError as refused:   # e.g. 503, the session lives on another cluster node
            self._refused = refused
            raise
        finally:
            if not ready:                     # the failure propagates once this is done
                if xmpp is not None:
                    _close_quietly(xmpp, self.username)
                self._fail()
        self._lock.lock()
        try:
            adopted = not self.ended
            self._opening = False
            if adopted:
                self._xmpp = xmpp
        finally:
            self._lock.unlock()
        if adopted:
            LOG.debug("XMPP session started: %s" % xmpp.jid)
        else:            # end() came while opening and left the closing to us
            _close(xmpp, self.username)
            self._finish()

    def _fail(self):
        """Opening failed: the session ends, so the next request starts a fresh one."""
        self._lock.lock()
        try:
            first, self._opening = self._end_when(lambda activity: True), False
        finally:
            self._lock.unlock()
        if first:
            self._close_streams()
        self._finish()

    @property
    def jid(self):
        xmpp = self._xmpp
        return xmpp.jid if xmpp is not None else None

    # --- end ------------------------------------------------------------------------------
    def end(self):
        """Ends the session: unavailable presence, XMPP session closed, streams closed."""
        self._end_if(lambda activity: True, close_xmpp=True)

    def end_as_duplicate(self):
        """Ends the session without leaving its rooms: another node holds a session with the
        same full JID (a healed split), and a room knows one occupant per full JID, so a leave
        from here would take that survivor out (review S8-R-3; cluster.rejoin)."""
        self._end_if(lambda activity: True, close_xmpp=True, leave_rooms=False)

    def rejoin_rooms(self):
        """Enters every room this session is in again (after a duplicate of it on another node
        ended: its unavailable presence reached the rooms from the same full JID)."""
        self._lock.lock()
        try:
            xmpp = self._xmpp
        finally:
            self._lock.unlock()
        if xmpp is not None:
            self.rooms.rejoin_all(xmpp)

    def expire(self, now, grace_millis, idle_millis):
        """Ends the session if it has no stream and its grace and idle periods are over. Decided
        under the lock, so that a stream detaching or attaching, or a request claiming the
        session at the same moment, is either wholly before the decision or wholly after."""
        return self._end_if(lambda activity: self._streams.isEmpty() and now >= self._deadline(
            grace_millis, idle_millis, activity), close_xmpp=True)

    def on_closed(self):
        """The server ended the XMPP session (admin kick, user deleted, shutdown)."""
        self._end_if(lambda activity: True, close_xmpp=False)

    def await_end(self):
        """Waits until an ended session has closed its XMPP session, so that a new session of
        the user (same full JID) never overlaps it."""
        getattr(self._closed, "await")(END_WAIT_SECONDS, TimeUnit.SECONDS)

    def _end_if(self, condition, close_xmpp, leave_rooms=True):
        self._lock.lock()
        try:
            if not self._end_when(condition):
                return False
            xmpp, self._xmpp, opening = self._xmpp, None, self._opening
        finally:
            self._lock.unlock()
        self._requests.abort_all(SessionEnded(self.username))   # waiters leave at once
        if xmpp is not None and close_xmpp:
            if leave_rooms:
                self.rooms.leave_all(xmpp)        # unavailable to each room, then to all
            else:
                self.rooms.forget_all()
            _close(xmpp, self.username)
            self._store_unread()   # once closed: taken now, with what came while it closed
        else:
            self.rooms.forget_all()
        self._close_streams()
        if not opening:           # else the opener closes what it opened, then finishes
            self._finish()
        return True

    def _store_unread(self):
        self._lock.lock()
        try:
            unread = self._unread.take_all()
        finally:
            self._lock.unlock()
        if not unread:
            return
        try:
            stored = self._openfire.store_unread(self.username, unread)
            LOG.debug("%d message(s) no page saw kept offline for %s" % (stored, self.username))
        except (Exception, Throwable):
            log_failure(LOG, "Keeping the messages no page saw offline for %s failed" %
                        self.username)

    def _end_when(self, condition):
        """Marks the session ended if ``condition(latest activity in millis)`` holds. A claim
        between reading the activity and marking makes the compare-and-set fail; the
        condition is then judged again with that claim's time."""
        while True:
            seen = self._activity.get()
            if seen is _ENDED or not condition(seen.millis):
                return False
            if self._activity.compareAndSet(seen, _ENDED):
                return True

    def _finish(self):
        if self._finished.compareAndSet(False, True):
            self._closed.countDown()
            self._on_ended(self)

    def _close_streams(self):
        for stream in list(self._streams):
            stream.close()
        self._streams.clear()

    def _deadline(self, grace, idle, last_activity):
        deadline = self.last_stream_closed + grace
        if last_activity > self.last_stream_closed:
            deadline = max(deadline, last_activity + idle)
        return deadline

    # --- activity -------------------------------------------------------------------------
    def touch(self):
        self._claim()

    def stream_count(self):
        return self._streams.size()

    def relayed_stream_count(self):
        """Streams of pages on other cluster nodes (cluster.relay): their tokens are checked
        there, so this node's token checks do not see them."""
        return len([stream for stream in self._streams if getattr(stream, "node", None)])

    def send(self, stanza):
        limit = self._settings.get(config.MAX_MESSAGE_BYTES)
        if text_bytes(stanza) > limit:
            raise PayloadTooLarge("The message is larger than %d bytes." % limit)
        self.touch()
        xmpp = self._xmpp
        if xmpp is None:
            raise SessionEnded(self.username)
        xmpp.send(stanza)

    def request(self, iq, results=None, seconds=None):
        """Sends an IQ get or set and returns the server's answer (a result or an error
        stanza); 503 when none comes in time. No lock is held while waiting. ``results``: a
        :class:`~sparkweb.session.requests.QueryResults` gathering an archive query's results."""
        self.touch()
        xmpp = self._xmpp
        if xmpp is None:
            raise SessionEnded(self.username)
        if seconds is None:
            seconds = self._settings.get(config.SESSION_IQ_WAIT)
        return self._requests.send_and_wait(iq, xmpp.send, seconds, xmpp.jid, results)

    def ask(self, type, recipient, child_xml, seconds=None):
        """:meth:`request` for an IQ built as XML text (xmpp.iq: service discovery, upload
        slots): the answer's DOM element, result or error (``iq.error_condition``)."""
        request_id = u"sw-" + random_id()
        answer = self.request(iq_xml.request(type, recipient, request_id, child_xml), None,
                              seconds)
        return iq_xml.parse(answer.get_xml())

    def pending_requests(self):
        return self._requests.count()

    # --- events ---------------------------------------------------------------------------
    def sent(self, stanza):
        """Shows a message the user sent through this session on all of the user's streams,
        as ``outgoing`` (the sending page knows it by its id)."""
        self._publish(catalogue.for_sent(stanza.from_sender(self.jid)), None)

    def on_stanza(self, stanza):
        # Answers to request() and ask(), consumed there; then rooms; then the catalogue.
        if self._requests.answered(stanza):
            return        # answers to the session's own requests, archive results
        if stanza.kind == "iq" and stanza.type in ("get", "set") and stanza.roster is None:
            self._answer_request(stanza)
        if stanza.invite is not None and not stanza.invite.get("direct") and \
                not sent_by_a_room(stanza.sender, self._openfire):
            stanza.invite = None     # a forged "mediated invitation from <someone>": no event,
            #                          no push naming that someone
        events = self.rooms.on_stanza(stanza)
        if events is None:
            events = catalogue.for_stanza(stanza)
        self._publish(events, stanza)
        if self._on_stanza is not None:
            try:
                self._on_stanza(self, stanza)
            except (Exception, Throwable):   # never let it disturb delivery
                log_failure(LOG, "Web Push could not look at a stanza for %s" % self.username)

    def _answer_request(self, stanza):
        """Answers an IQ request from another entity (a room's ping, disco, version) as a
        client must; sent on the XMPP session directly: an answer is no activity of the user
        and must not keep the session alive."""
        xmpp = self._xmpp
        if xmpp is None or not stanza.sender:
            return
        try:
            xmpp.send(iq_xml.answer_to(stanza))
        except (Exception, Throwable):     # the requester times out, as with no client
            log_failure(LOG, "Answering an IQ to %s failed" % self.username)

    def _publish(self, events, stanza):
        # Encoded outside the lock: under it, events are only numbered (JFR, issue 16).
        encoded = [(name, frame_body(name, to_json(payload))) for name, payload in events]
        # Kept unread only while the user has no other session (a phone, with carbons, had
        # it too and would get it twice, stored). Asked outside the lock, only when no page
        # is open: a page that closes meanwhile keeps it, as before.
        alone = None
        if self._streams.isEmpty() and _unread_worthy(stanza):
            alone = self._openfire.xmpp_session_count(self.username) <= 1
        self._lock.lock()
        try:
            logged = [self._log.append(name, None, body=body) for name, body in encoded]
            streams = self._streams.toArray()
            # The raw event only while a stream asked for raw events (attack S6-A3): else it
            # would take a place in the replay log, and a number, that no page reads.
            if stanza is not None and _wants_raw(streams):
                raw = catalogue.raw(stanza)
                if raw is not None:
                    logged.append(self._log.append(raw[0], raw[1], raw=True,
                                                   size_hint=raw_size_hint(stanza)))
            if len(streams):
                self._deliveries.add(logged, streams)
            elif logged and alone is not False and _unread_worthy(stanza):
                self._unread.add(self._clock(), stanza, logged[0].id)
        finally:
            self._lock.unlock()
        self._deliveries.deliver()

    @property
    def opening(self):
        """True while the XMPP session starts: what arrives then (the offline messages Openfire
        delivers on the initial presence) was there before the session."""
        return self._opening

    def has_visible_stream(self):
        """True when an event stream is open whose page has not said it is hidden."""
        for stream in self._streams:
            if not stream.hidden:
                return True
        return False

    def set_stream_hidden(self, stream_id, hidden):
        """Records the page visibility of one of this session's streams; False if it has no
        stream of that id."""
        for stream in self._streams:
            if stream.id == stream_id:
                stream.hidden = hidden
                return True
        return False

    def attach(self, stream, last_event_id=None, greeting=None):
        """Adds a stream: first ``greeting`` (the onConnect event, carrying the id the stream
        starts from: see EventLog.unlogged), then what it missed since ``last_event_id``, then
        live events.
        False when the session has ended (the stream is left untouched). Beyond the streams a
        user may have, the oldest are closed.

        The replay is queued for delivery at this point of the log, under the lock: events
        logged before are not offered to this stream (it was not attached), those after are
        offered after its replay."""
        self._lock.lock()
        try:
            if self.ended:
                return False
            # The first stream also gets what arrived before it (offline messages delivered
            # at login, say); later ones only what they missed since their Last-Event-ID. An
            # id of another session (the page signed out and in, or this session expired and
            # a new one started) means the page saw none of this session's events: all of them.
            if last_event_id and not self._log.is_own(last_event_id):
                missed = self._log.all()
            elif self._had_stream or last_event_id:
                missed = self._log.since(last_event_id)
            else:
                missed = self._log.all()
            if greeting is not None:
                fields = dict(greeting[1], gap=bool(last_event_id) and
                              self._log.lost_since(last_event_id, missed))
                missed = [self._log.unlogged(greeting[0], fields, missed)] + missed
            if not stream.closed:          # the client left already
                self._streams.add(stream)  # an overflowing replay closes it: detach() then
                self._had_stream = True
                self._unread.replayed(missed)   # shown now; the others are still unseen
                if missed:
                    self._deliveries.add(missed, [stream])
            evicted = self._oldest_beyond(self._settings.get(config.SSE_MAX_STREAMS))
        finally:
            self._lock.unlock()
        for oldest in evicted:
            LOG.debug("Closing the oldest event stream of %s (stream limit)" % self.username)
            oldest.close()
        self._deliveries.deliver()
        return True

    def _oldest_beyond(self, limit):
        evicted = list(self._streams)[:max(self._streams.size() - limit, 0)]
        for oldest in evicted:
            self._streams.remove(oldest)
        return evicted

    def detach(self, stream):
        self._lock.lock()
        try:
            now = self._clock()     # read before the stream goes: see expire()
            # Jython gives Java sets Python's set methods: discard() is the no-error remove.
            if stream in self._streams:
                self._streams.discard(stream)
                if self._streams.isEmpty():
                    self.last_stream_closed = now
        finally:
            self._lock.unlock()


def _wants_raw(streams):
    """Whether one of ``streams`` asked for raw events. A stream that does not say (one of
    another kind than SseStream) gets them, as every stream did before."""
    for stream in streams:
        if getattr(stream, "raw", True):
            return True
    return False


def _close(xmpp, username):
    """Unavailable presence, then the XMPP session closed; failures only logged."""
    try:
        xmpp.send(model.presence(type="unavailable"))
    except (Exception, Throwable):   # Java exceptions are not Exceptions
        log_failure(LOG, "Sending unavailable presence for %s failed" % username)
    _close_quietly(xmpp, username)


def _close_quietly(xmpp, username):
    try:
        xmpp.close()
    except (Exception, Throwable):
        log_failure(LOG, "Closing the XMPP session of %s failed" % username)


class SessionEnded(Conflict):
    """The session ended while a request was using it (logout in another tab, say)."""

    def __init__(self, username):
        Conflict.__init__(self, "The XMPP session of %s has ended; sign in again." % username)


def _unread_worthy(stanza):
    """A message a person would miss: one-to-one or normal, with a text, received here (not a
    carbon copy of one another client of the user had, nor an archive result)."""
    return stanza is not None and stanza.kind == "message" and \
        stanza.type in (None, "normal", "chat") and stanza.body is not None and \
        stanza.carbon is None and stanza.archived is None
