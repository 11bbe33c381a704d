"""Event streams: each stream's bounded queue (a client that stops reading fills only its own
queue and is closed), writing that resumes when the connection is ready again, events encoded
once for every stream, the replay log's budget, and the servlet that opens streams."""
from __future__ import absolute_import

import json

from java.lang import IllegalArgumentException, RuntimeException, String, System
from java.nio.charset import StandardCharsets

from sparkweb.events import sse
from sparkweb.events.log import Event, EventLog, frame_body
from sparkweb.events.sse import SseServlet, SseStream
from support import openfire_with_users, services


class FakeOutput(object):
    """A servlet output stream: ``ready`` is what isReady() answers."""

    def __init__(self):
        self.ready = True
        self.written = []
        self.listener = None
        self.listener_set_when_completed = None
        self.owner = None

    def isReady(self):
        return self.ready

    def write(self, chunk):
        assert self.ready, "written while isReady() said no"
        self.written.append(chunk)

    def flush(self):
        pass

    def setWriteListener(self, listener):
        self.listener = listener
        self.listener_set_when_completed = self.owner is not None and self.owner.completed

    def texts(self):
        return [unicode(String(chunk, StandardCharsets.UTF_8)) for chunk in self.written]


class CallbackRacingOutput(FakeOutput):
    """isReady() says no once, after ``stall_after`` writes; the pending write completes at
    once and the container calls onWritePossible() (on another thread in Jetty) before the
    stream has even seen the "no"."""

    def __init__(self, stall_after):
        FakeOutput.__init__(self)
        self.stall_after = stall_after

    def isReady(self):
        if self.stall_after is not None and len(self.written) == self.stall_after:
            self.stall_after = None
            self.listener.onWritePossible()
            return False
        return True


class FakeResponse(object):
    def __init__(self, output):
        self._output = output
        self.status = None
        self.headers = {}
        self.content_type = None
        self.body = []

    def getOutputStream(self):
        return self._output

    def setStatus(self, status):
        self.status = status

    def setContentType(self, value):
        self.content_type = value

    def setCharacterEncoding(self, value):
        pass

    def setHeader(self, name, value):
        self.headers[name] = value

    def getWriter(self):
        return self

    def write(self, text):           # the response's writer
        self.body.append(text)

    def json(self):
        """The error answer, written through the output stream (http.response.send_error)."""
        return json.loads(u"".join(self.body) or u"".join(self._output.texts()))


class FakeAsync(object):
    def __init__(self, response):
        self._response = response
        self.completed = False
        self.listeners = []

    def getResponse(self):
        return self._response

    def complete(self):
        self.completed = True

    def setTimeout(self, millis):
        pass

    def addListener(self, listener):
        self.listeners.append(listener)


class FakeRequest(object):
    def __init__(self, response, token, on_start_async=None, bad_query=False):
        self._response = response
        self._token = token
        self._on_start_async = on_start_async
        self._bad_query = bad_query
        self.async_context = None

    def getParameter(self, name):
        if self._bad_query:     # as Jetty's BadMessageException for "?token=%80"
            raise IllegalArgumentException("Unable to decode the query")
        return self._token if name == "token" else None

    def getHeader(self, name):
        return None

    def startAsync(self):
        if self._on_start_async is not None:
            self._on_start_async()
        self.async_context = FakeAsync(self._response)
        self._response.getOutputStream().owner = self.async_context
        return self.async_context


def stream(max_events=5, max_bytes=1024 * 1024, output=None):
    output = output or FakeOutput()
    async_context = FakeAsync(FakeResponse(output))
    output.owner = async_context
    closed = []
    sse_stream = SseStream(async_context, max_events, max_bytes, False, closed.append)
    output.listener = sse_stream
    sse_stream.onWritePossible()   # the container says writing may start
    return sse_stream, output, async_context, closed


def event(number, size=0):
    return Event(u"e-%d" % number, "chatapi.chat", u'{"n":%d,"pad":"%s"}' % (number, u"x" * size))


def test_events_are_written_in_order_while_the_client_reads():
    sse_stream, output, _, closed = stream()
    for number in range(20):
        sse_stream.offer(event(number))
    texts = output.texts()
    assert len(texts) == 20 and u'"n":19' in texts[-1], texts[-3:]
    assert not closed, "a reading client was closed"


def test_a_client_that_stops_reading_is_closed_when_its_queue_overflows():
    sse_stream, output, async_context, closed = stream(max_events=5)
    output.ready = False        # the client's TCP window is full
    for number in range(5):
        sse_stream.offer(event(number))
    assert not closed, "closed before the queue was full"
    sse_stream.offer(event(5))
    assert closed == [sse_stream], "overflowing stream not closed"
    # Completing the response under a pending write makes Jetty fail it with three warnings
    # and their stack traces, on the closing (publisher's) thread: it waits for the write.
    assert not async_context.completed, "completed with a write pending"
    output.ready = True
    sse_stream.onWritePossible()        # the client read after all
    assert async_context.completed, "not completed once the pending write was done"
    assert len(output.written) == 0, "wrote after closing"


def test_a_closed_stream_whose_pending_write_fails_is_completed():
    sse_stream, output, async_context, closed = stream(max_events=1)
    output.ready = False
    sse_stream.offer(event(0))
    sse_stream.offer(event(1))
    assert closed == [sse_stream] and not async_context.completed
    sse_stream.onError(RuntimeException("idle timeout"))   # Jetty, when the reader never reads
    assert async_context.completed, "a stream whose write failed was never completed"


def test_a_stream_closed_with_nothing_pending_is_completed_at_once():
    sse_stream, output, async_context, closed = stream()
    sse_stream.offer(event(0))
    sse_stream.close()                  # a logout, say
    assert closed == [sse_stream] and async_context.completed, "idle stream not completed"


def test_a_stream_closed_while_another_thread_writes_is_completed_by_that_writer():
    output = FakeOutput()
    async_context = FakeAsync(FakeResponse(output))
    sse_stream = SseStream(async_context, 50, 1024 * 1024, False, None)
    output.listener = sse_stream
    writes, completed_mid_write = [], []

    def write_then_close(chunk):        # the stream closes (from "elsewhere") mid-write
        writes.append(chunk)
        if len(writes) == 1:
            sse_stream.close()
            completed_mid_write.append(async_context.completed)
    output.write = write_then_close
    sse_stream.offer(event(0))
    sse_stream.offer(event(1))
    sse_stream.onWritePossible()
    assert completed_mid_write == [False], "completed while a write was in progress"
    assert async_context.completed, "the writer did not complete the stream closed meanwhile"


def test_writing_resumes_when_the_connection_is_ready_again_and_loses_nothing():
    sse_stream, output, _, closed = stream(max_events=50)
    sse_stream.offer(event(0))
    output.ready = False
    for number in range(1, 10):
        sse_stream.offer(event(number))
    assert len(output.written) == 1, "wrote while the connection was not ready"
    output.ready = True
    sse_stream.onWritePossible()
    numbers = [json.loads(text.split(u"data: ")[1])["n"] for text in output.texts()]
    assert numbers == list(range(10)), "written after resuming: %r" % numbers
    assert not closed, "stream closed"


def test_a_write_callback_arriving_while_the_stream_is_writing_is_not_lost():
    output = CallbackRacingOutput(stall_after=2)
    async_context = FakeAsync(FakeResponse(output))
    sse_stream = SseStream(async_context, 50, 1024 * 1024, False, None)
    output.listener = sse_stream
    for number in range(6):
        sse_stream.offer(event(number))      # queued: the container has not called back yet
    sse_stream.onWritePossible()
    assert len(output.written) == 6, "events left queued after the container's callback: %d " \
        "of 6 written" % len(output.written)


def test_a_client_that_stops_reading_is_closed_when_its_queued_bytes_pass_the_limit():
    sse_stream, output, async_context, closed = stream(max_events=1000, max_bytes=10000)
    output.ready = False
    for number in range(3):
        sse_stream.offer(event(number, size=3000))
    assert not closed, "closed within the byte limit"
    sse_stream.offer(event(3, size=3000))
    assert closed == [sse_stream], "stream past its bytes kept open"


def test_one_event_larger_than_the_byte_limit_still_reaches_a_reading_client():
    sse_stream, output, _, closed = stream(max_bytes=1000)
    sse_stream.offer(event(1, size=5000))
    assert len(output.written) == 1 and not closed, "a large event closed a reading stream"


def test_an_event_is_encoded_once_for_every_stream():
    first, first_output, _, _ = stream()
    second, second_output, _, _ = stream()
    shared = event(7)
    first.offer(shared)
    second.offer(shared)
    one, other = first_output.written[0], second_output.written[0]
    assert System.identityHashCode(one) == System.identityHashCode(other), \
        "each stream encoded the event again"
    assert u'"n":7' in shared.text, "event text: %r" % shared.text


def test_raw_events_only_reach_streams_that_asked():
    sse_stream, output, _, _ = stream()
    sse_stream.offer(Event(u"e-1", "chatapi.xmpp", u'{"xmpp":"PC8+"}', raw=True))
    assert not output.written, "raw event written to a stream that did not ask"


def test_the_replay_log_keeps_within_its_byte_budget():
    log = EventLog(u"ep", 500, 10000)
    for number in range(20):
        log.append("chatapi.chat", u'{"pad":"%s"}' % (u"x" * 990))
    kept = log.all()
    size = sum(len(e.frame) for e in kept)
    assert size <= 10000, "replay log holds %d bytes" % size
    assert kept and kept[-1].id == u"ep-20", "newest event not kept: %r" % [e.id for e in kept]
    numbers = [int(e.id.split(u"-")[1]) for e in kept]
    assert numbers == list(range(numbers[0], 21)), "kept events not the newest run: %r" % numbers
    log.append("chatapi.chat", u'{"pad":"%s"}' % (u"x" * 20000))
    assert sum(len(e.frame) for e in log.all()) <= 10000, "an event past the budget was kept"


def test_an_event_encoded_before_it_is_numbered_has_the_same_frame_and_size():
    """A session encodes an event's frame body outside its lock and only numbers it under the
    lock (issue 16): the frame, and the size the replay budget counts, must be those of an
    event encoded whole."""
    text = u'{"body":"h\u00e9llo","n":1}'
    whole = EventLog(u"ep", 10, 10000).append("chatapi.chat", text)
    log = EventLog(u"ep", 10, 10000)
    early = log.append("chatapi.chat", None, body=frame_body("chatapi.chat", text))
    counted = early.size
    assert list(early.frame) == list(whole.frame), "frames differ: %r" % early.text
    assert counted == early.size == len(whole.frame), \
        "size before the frame was built %d, after %d, frame %d" % (
            counted, early.size, len(whole.frame))
    for _ in range(30):
        log.append("chatapi.chat", None, body=frame_body("chatapi.chat", u'"%s"' % (u"x" * 990)))
    assert sum(len(e.frame) for e in log.all()) <= 10000, "the byte budget was exceeded"


# --- the servlet ---------------------------------------------------------------------------

class FailingStart(object):
    """The in-memory Openfire, except that opening an XMPP session fails unexpectedly."""

    def __init__(self, openfire):
        self._openfire = openfire

    def __getattr__(self, name):
        return getattr(self._openfire, name)

    def open_session(self, username, resource, listener):
        raise RuntimeException("boom in open_session")


class RecordingLog(object):
    def __init__(self):
        self.lines = []

    def _record(self, level):
        return lambda text, *args: self.lines.append((level, text))

    def __getattr__(self, level):
        return self._record(level)


def token_for(app, username):
    return app.tokens.issue(username, app.accounts.id_for_sign_in(username))[0]


def open_stream(app, token, on_start_async=None, bad_query=False):
    output = FakeOutput()
    response = FakeResponse(output)
    request = FakeRequest(response, token, on_start_async, bad_query)
    SseServlet(app).doGet(request, response)
    return request, response, output


def test_a_stream_for_a_user_deleted_after_the_account_check_is_refused():
    openfire = openfire_with_users()
    app = services(openfire)
    token = token_for(app, u"bob")
    app.authenticator.authenticate(token)        # the account check is now trusted for a while
    openfire.delete_user(u"bob")
    request, response, output = open_stream(app, token)
    assert response.status == 401, "status %s, body %r" % (response.status, response.body)
    assert response.json()["error"] == "unauthorized", response.body
    assert app.sessions.get(u"bob") is None, "a session was started for a deleted user"
    assert len(app.streams) == 0, "a stream was kept for a deleted user"


def test_a_stream_whose_session_ends_while_it_opens_is_not_left_behind():
    openfire = openfire_with_users()
    app = services(openfire)
    token = token_for(app, u"bob")
    request, response, output = open_stream(
        app, token, on_start_async=lambda: app.sessions.end(u"bob"))   # logout in another tab
    assert not output.listener_set_when_completed, "write listener set on a completed request"
    stream = output.listener
    assert stream is not None, "no write listener"
    if stream.closed:
        assert len(app.streams) == 0, "a closed stream stays in the stream set"
    else:
        session = app.sessions.get(u"bob")
        assert session is not None and not session.ended and session.stream_count() == 1, \
            "an open stream without a live session"
        assert len(app.streams) == 1, "open stream missing from the stream set"
    stream.close()
    assert len(app.streams) == 0, "stream set keeps a closed stream"


def test_an_unexpected_failure_is_logged_with_its_traceback_and_answered_500():
    openfire = openfire_with_users()
    app = services(FailingStart(openfire))
    token = token_for(app, u"bob")
    recorder, original = RecordingLog(), sse.LOG
    sse.LOG = recorder
    try:
        try:
            request, response, output = open_stream(app, token)
        except (Exception, RuntimeException) as error:
            raise AssertionError("doGet let %r escape" % error)
    finally:
        sse.LOG = original
    assert response.status == 500 and response.json()["error"] == "internal_error", \
        "status %s, body %r" % (response.status, response.body)
    errors = [text for level, text in recorder.lines if level == "error"]
    assert errors and "Traceback" in errors[0] and "boom in open_session" in errors[0], \
        "not logged with a traceback: %r" % recorder.lines
    assert len(app.streams) == 0, "a stream was kept after the failure"


def test_an_undecodable_query_is_400_and_not_logged_as_a_fault():
    app = services()
    recorder, original = RecordingLog(), sse.LOG
    sse.LOG = recorder
    try:
        request, response, output = open_stream(app, None, bad_query=True)
    finally:
        sse.LOG = original
    assert response.status == 400 and response.json()["error"] == "bad_request", \
        "status %s, body %r" % (response.status, response.body)
    assert not [text for level, text in recorder.lines if level == "error"], recorder.lines
