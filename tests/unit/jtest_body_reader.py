"""The non-blocking body reader: one outcome per body (dispatch, 413, 503, 408, or nothing for
a client that went away), whichever of the container's callbacks comes first; every outcome
gives the body's bytes back to the global budget exactly once (review finding 4)."""
from __future__ import absolute_import

import time

import jarray

from java.io import (BufferedReader, ByteArrayInputStream, ByteArrayOutputStream, IOException,
                     InputStreamReader)
from java.lang import String, System
from java.net import Socket
from java.nio.charset import StandardCharsets
from java.util import EnumSet
from java.util.concurrent import TimeoutException
from javax.servlet import DispatcherType
from javax.servlet.http import HttpServlet

from sparkweb import config
from sparkweb.http.body_budget import BodyBudget
from sparkweb.http.body_reader import BODY_ATTRIBUTE, BodyReader, BodyReadFilter
from sparkweb.errors import BadRequest, PayloadTooLarge
from sparkweb.http.jetty import FilterHolder, ServletContextHandler, ServletHolder
from sparkweb.http.request import Request
from support import loopback_jetty


class FakeInput(object):
    """A servlet input stream that has ``chunks`` ready, then is not ready (more to come) or at
    its end."""

    def __init__(self, chunks, ended):
        self._chunks = list(chunks)
        self._ended = ended

    def isReady(self):
        return bool(self._chunks) or self._ended

    def read(self, buffer):
        if not self._chunks:
            return -1
        chunk = self._chunks.pop(0)
        for index, byte in enumerate(chunk):
            buffer[index] = ord(byte)   # ASCII test data: no sign to mind
        return len(chunk)


class FakeOutput(object):
    def __init__(self):
        self.bytes = ByteArrayOutputStream()

    def write(self, data):
        self.bytes.write(data)


class FakeResponse(object):
    def __init__(self):
        self.status = None
        self.headers = {}
        self.output = FakeOutput()

    def setStatus(self, status):
        self.status = status

    def setHeader(self, name, value):
        self.headers[name] = value

    def setContentType(self, value):
        self.headers["Content-Type"] = value

    def getOutputStream(self):
        return self.output

    def text(self):
        return unicode(String(self.output.bytes.toByteArray(), StandardCharsets.UTF_8))


class FakeRequest(object):
    def __init__(self):
        self.attributes = {}

    def setAttribute(self, name, value):
        self.attributes[name] = value

    def getMethod(self):
        return "POST"

    def getRequestURI(self):
        return "/sparkweb/api/rest/login/alice"

    def getRemoteAddr(self):
        return "127.0.0.1"


class FakeAsync(object):
    def __init__(self):
        self.request = FakeRequest()
        self.response = FakeResponse()
        self.dispatched = 0
        self.completed = 0

    def getRequest(self):
        return self.request

    def getResponse(self):
        return self.response

    def dispatch(self):
        self.dispatched += 1

    def complete(self):
        self.completed += 1


BUDGET = 1000


def reader(chunks, ended=True, limit=10, budget=None, budget_limit=BUDGET):
    async_context = FakeAsync()
    reservation = (budget or BodyBudget()).reservation(budget_limit)
    return (BodyReader(async_context, FakeInput(chunks, ended), limit, 3, reservation),
            async_context)


def test_a_whole_body_is_dispatched_once_with_its_bytes():
    body, async_context = reader([b"pass", b"word"])
    body.onDataAvailable()
    body.onAllDataRead()
    body.onTimeout(None)                       # a late deadline changes nothing
    assert async_context.dispatched == 1, async_context.dispatched
    assert async_context.completed == 0, "a dispatched request was completed"
    read = async_context.request.attributes[BODY_ATTRIBUTE]
    assert unicode(String(read, StandardCharsets.UTF_8)) == u"password", read


def test_a_body_growing_past_the_limit_is_413_and_closes_without_a_dispatch():
    body, async_context = reader([b"123456", b"789012"], ended=False, limit=10)
    body.onDataAvailable()
    body.onAllDataRead()
    response = async_context.response
    assert response.status == 413, response.status
    assert response.headers.get("Connection") == "close", response.headers
    assert u'"payload_too_large"' in response.text(), response.text()
    assert (async_context.dispatched, async_context.completed) == (0, 1), \
        (async_context.dispatched, async_context.completed)


def test_the_deadline_answers_408_once_and_later_data_is_ignored():
    body, async_context = reader([b"12"], ended=False)
    body.onDataAvailable()
    body.onTimeout(None)
    body.onAllDataRead()
    body.onError(IOException("gone"))
    response = async_context.response
    assert response.status == 408, response.status
    assert response.headers.get("Connection") == "close", response.headers
    assert u'"request_timeout"' in response.text(), response.text()
    assert (async_context.dispatched, async_context.completed) == (0, 1), \
        (async_context.dispatched, async_context.completed)


def test_a_body_the_idle_timeout_ends_is_408():
    """S9-V-2: bodyReadSeconds may be longer than the connection's idle timeout."""
    body, async_context = reader([b"12"], ended=False)
    body.onDataAvailable()
    body.onError(IOException(TimeoutException("Idle timeout expired: 30000/30000 ms")))
    assert async_context.response.status == 408, async_context.response.status
    assert u'"request_timeout"' in async_context.response.text(), async_context.response.text()


def test_a_body_that_ends_early_is_400_once_and_the_request_ends():
    """S9-A-2: a broken chunk or an early end (a half-closed client) was an empty 200."""
    body, async_context = reader([b"12"], ended=False)
    body.onDataAvailable()
    body.onError(IOException("Early EOF"))
    body.onTimeout(None)
    response = async_context.response
    assert response.status == 400, response.status
    assert response.headers.get("Connection") == "close", response.headers
    assert u'"bad_request"' in response.text(), response.text()
    assert (async_context.dispatched, async_context.completed) == (0, 1), \
        (async_context.dispatched, async_context.completed)


class ArrivedInput(object):
    """A blocking servlet input stream holding ``arrived`` bytes of the body (all of it, or the
    first part of it)."""

    def __init__(self, arrived):
        self._bytes = ByteArrayInputStream(arrived)

    def available(self):
        return self._bytes.available()

    def read(self, buffer, offset, length):
        return self._bytes.read(buffer, offset, min(length, 3))   # in slices, as a socket may

    def setReadListener(self, listener):
        self.listener = listener


class FilteredRequest(FakeRequest):
    """A REST request as the filter sees it on its REQUEST dispatch."""

    def __init__(self, declared, arrived):
        FakeRequest.__init__(self)
        self._declared = declared
        self.input = ArrivedInput(arrived)
        self.async_context = None

    def getDispatcherType(self):
        return DispatcherType.REQUEST

    def getContentLengthLong(self):
        return self._declared

    def getHeader(self, name):
        return None

    def getPathInfo(self):
        return "/chat/bob@example.test"

    def getInputStream(self):
        return self.input

    def startAsync(self):
        self.async_context = FakeAsyncContext()
        return self.async_context


class FakeAsyncContext(object):
    def setTimeout(self, milliseconds):
        pass

    def addListener(self, listener):
        self.listener = listener


class Chain(object):
    def __init__(self):
        self.passed = []

    def doFilter(self, request, response):
        self.passed.append(request)


class Settings(object):
    def get(self, setting):
        return setting.default


def filtered(declared, arrived):
    request, response, chain = FilteredRequest(declared, arrived), FakeResponse(), Chain()
    BodyReadFilter(Settings()).doFilter(request, response, chain)
    return request, response, chain


def test_a_body_that_arrived_whole_goes_on_at_once_without_an_async_read():
    data = String(u'{"body": "h\u00e9llo"}').getBytes(StandardCharsets.UTF_8)
    request, response, chain = filtered(len(data), data)
    assert chain.passed == [request], "the request did not go on in the same dispatch"
    assert request.async_context is None, "a whole body was read asynchronously"
    read = request.attributes[BODY_ATTRIBUTE]
    assert list(read) == list(data), (list(read), list(data))
    assert response.status is None, response.status


def test_a_body_still_arriving_is_left_to_the_async_reader():
    data = String(u'{"body": "hello"}').getBytes(StandardCharsets.UTF_8)
    request, response, chain = filtered(len(data), data[:5])
    assert chain.passed == [], "a body still arriving went on before it was read"
    assert request.async_context is not None, "no async read was started"
    assert isinstance(request.input.listener, BodyReader), request.input.listener
    assert request.input.available() == 5, "bytes were taken from a body still arriving"
    assert BODY_ATTRIBUTE not in request.attributes, request.attributes


def test_a_body_declared_over_the_limit_is_413_before_any_read():
    limit = config.MAX_BODY_BYTES.default
    request, response, chain = filtered(limit + 1, jarray.zeros(16, "b"))
    assert response.status == 413 and chain.passed == [], (response.status, chain.passed)
    assert request.input.available() == 16, "a refused body was read"


# --- On a real Jetty: which path a body takes (S9-R-2) -------------------------------------
class Recorder(HttpServlet):
    """Records, per request, the dispatch that reached it and the body the filter left."""

    def __init__(self):
        self.seen = []

    def doPost(self, request, response):
        body = request.getAttribute(BODY_ATTRIBUTE)
        self.seen.append((request.getDispatcherType(),
                          None if body is None else
                          unicode(String(body, StandardCharsets.UTF_8))))
        response.setStatus(204)


def _jetty_with_the_filter():
    server, connector = loopback_jetty()
    context = ServletContextHandler()
    context.setContextPath("/")
    recorder = Recorder()
    servlet = ServletHolder(recorder)
    servlet.setAsyncSupported(True)
    context.addServlet(servlet, "/*")
    holder = FilterHolder(BodyReadFilter(Settings()))
    holder.setAsyncSupported(True)
    context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC))
    server.setHandler(context.get())
    server.start()
    return server, connector.getLocalPort(), recorder


def _post(port, body, pause=0, expect_continue=False):
    """One POST on a raw socket: the headers, then (after ``pause`` s, or after the server's
    100 Continue) the body. Returns the status line of the final answer."""
    data = String(body).getBytes(StandardCharsets.UTF_8)
    head = ("POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n%sConnection: close\r\n\r\n"
            % (len(data), "Expect: 100-continue\r\n" if expect_continue else ""))
    sock = Socket("127.0.0.1", port)
    sock.setSoTimeout(10000)
    try:
        output, reader = sock.getOutputStream(), BufferedReader(
            InputStreamReader(sock.getInputStream(), StandardCharsets.ISO_8859_1))
        head_bytes = String(head).getBytes(StandardCharsets.ISO_8859_1)
        if pause or expect_continue:
            output.write(head_bytes)
            output.flush()
            if expect_continue:
                interim = reader.readLine()
                assert interim.startswith("HTTP/1.1 100"), interim
                reader.readLine()               # the blank line after the interim answer
            else:
                time.sleep(pause)
            output.write(data)
        else:
            whole = jarray.zeros(len(head_bytes) + len(data), "b")
            System.arraycopy(head_bytes, 0, whole, 0, len(head_bytes))
            System.arraycopy(data, 0, whole, len(head_bytes), len(data))
            output.write(whole)                 # one write: headers and body together
        output.flush()
        return reader.readLine()
    finally:
        sock.close()


def test_on_jetty_a_body_sent_with_its_headers_is_read_in_the_same_dispatch():
    server, port, recorder = _jetty_with_the_filter()
    try:
        status = _post(port, u'{"body": "h\u00e9llo"}')
        assert status.startswith("HTTP/1.1 204"), status
        assert recorder.seen == [(DispatcherType.REQUEST, u'{"body": "h\u00e9llo"}')], \
            recorder.seen
    finally:
        server.stop()


def test_on_jetty_a_body_sent_after_a_pause_is_read_asynchronously():
    server, port, recorder = _jetty_with_the_filter()
    try:
        status = _post(port, u'{"body": "later"}', pause=1.0)
        assert status.startswith("HTTP/1.1 204"), status
        assert recorder.seen == [(DispatcherType.ASYNC, u'{"body": "later"}')], recorder.seen
    finally:
        server.stop()


def test_on_jetty_a_body_sent_after_100_continue_arrives():
    """Asking for the input stream sends the 100; the body may be there by the time the filter
    looks (read at once) or not yet (read asynchronously): either way it arrives whole."""
    server, port, recorder = _jetty_with_the_filter()
    try:
        status = _post(port, u'{"body": "continued"}', expect_continue=True)
        assert status.startswith("HTTP/1.1 204"), status
        assert [body for _, body in recorder.seen] == [u'{"body": "continued"}'], recorder.seen
    finally:
        server.stop()
