"""An event stream's queue: a client that stops reading fills only its own queue and is closed."""
from __future__ import absolute_import

from sparkweb.events.log import Event
from sparkweb.events.sse import SseStream


class FakeOutput(object):
    def __init__(self):
        self.ready = True
        self.written = []

    def isReady(self):
        return self.ready

    def write(self, chunk):
        self.written.append(chunk)

    def flush(self):
        pass


class FakeResponse(object):
    def __init__(self, output):
        self._output = output

    def getOutputStream(self):
        return self._output


class FakeAsync(object):
    def __init__(self, output):
        self._response = FakeResponse(output)
        self.completed = False

    def getResponse(self):
        return self._response

    def complete(self):
        self.completed = True


def stream(capacity=5):
    output = FakeOutput()
    async_context = FakeAsync(output)
    closed = []
    sse = SseStream(async_context, capacity, False)
    sse.on_close = closed.append
    sse.onWritePossible()   # the container says writing may start
    return sse, output, async_context, closed


def event(number):
    return Event(u"e-%d" % number, "chatapi.chat", u'{"n":%d}' % number)


def test_events_are_written_in_order_while_the_client_reads():
    sse, output, _, closed = stream()
    for number in range(20):
        sse.offer(event(number))
    texts = [bytearray(chunk).decode("utf-8") for chunk in output.written]
    assert len(texts) == 20 and u'"n":19' in texts[-1], texts[-3:]
    assert not closed, "a reading client was closed"


def test_a_client_that_stops_reading_is_closed_when_its_queue_overflows():
    sse, output, async_context, closed = stream(capacity=5)
    output.ready = False        # the client's TCP window is full
    for number in range(5):
        sse.offer(event(number))
    assert not closed, "closed before the queue was full"
    sse.offer(event(5))
    assert closed == [sse] and async_context.completed, "overflowing stream not closed"


def test_raw_events_only_reach_streams_that_asked():
    sse, output, _, _ = stream()
    sse.offer(Event(u"e-1", "chatapi.xmpp", u'{"xmpp":"PC8+"}', raw=True))
    assert not output.written, "raw event written to a stream that did not ask"
