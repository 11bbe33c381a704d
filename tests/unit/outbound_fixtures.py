"""Loopback servers for the outbound-client tests: a small HTTP server with scripted pages, a
listener that only records connections, and a server that accepts and never answers."""
from __future__ import absolute_import

import traceback

import jarray
from com.sun.net.httpserver import HttpHandler, HttpServer
from java.io import IOException
from java.lang import Runnable, Thread, Throwable
from java.net import InetAddress, InetSocketAddress, ServerSocket
from java.util.concurrent import CopyOnWriteArrayList, Executors


class Page(object):
    def __init__(self, status=200, body="", headers=(), chunked=False):
        self.status = status
        self.body = body
        self.headers = headers
        self.chunked = chunked


class _Handler(HttpHandler):
    def __init__(self, server):
        self.server = server

    def handle(self, exchange):
        try:
            self._answer(exchange)
        except (Exception, Throwable):
            traceback.print_exc()   # the HTTP server would swallow it: show why a test broke
            raise
        finally:
            exchange.close()

    def _answer(self, exchange):
        if True:
            request = {"method": exchange.getRequestMethod(),
                       "path": exchange.getRequestURI().toString(),
                       "headers": dict((entry.getKey().lower(), list(entry.getValue())) for entry in
                                       exchange.getRequestHeaders().entrySet()),
                       "body": _read_all(exchange.getRequestBody())}
            self.server.requests.add(request)
            page = self.server.pages.get(request["path"].split("?")[0]) or Page(404, "none")
            if callable(page):
                page = page(request)
            for name, value in page.headers:
                exchange.getResponseHeaders().add(name, value)
            body = page.body if isinstance(page.body, str) else page.body.encode("utf-8")
            exchange.sendResponseHeaders(page.status, 0 if page.chunked else (len(body) or -1))
            output = exchange.getResponseBody()
            try:
                output.write(jarray.array(body, "b"))
            except IOException:
                pass    # the client stopped reading (size cap): expected
            output.close()


def _read_all(stream):
    data = []
    while True:
        value = stream.read()
        if value < 0:
            return "".join(data)
        data.append(chr(value))


class PageServer(object):
    """An HTTP server on ``host`` serving ``pages`` (path -> Page or function of the request)."""

    def __init__(self, host="127.0.0.2"):
        self.pages = {}
        self.requests = CopyOnWriteArrayList()
        self.server = HttpServer.create(InetSocketAddress(InetAddress.getByName(host), 0), 0)
        self.server.createContext("/", _Handler(self))
        self.executor = Executors.newFixedThreadPool(4)
        self.server.setExecutor(self.executor)
        self.server.start()
        self.host = host
        self.port = self.server.getAddress().getPort()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def stop(self):
        self.server.stop(0)
        self.executor.shutdownNow()


class _Acceptor(Runnable):
    def __init__(self, listener):
        self.listener = listener

    def run(self):
        while not self.listener.socket.isClosed():
            try:
                connection = self.listener.socket.accept()
            except IOException:
                return
            self.listener.accepted.add(connection)
            if not self.listener.hold:
                connection.close()


class RecordingListener(object):
    """A TCP listener that records every connection made to it; with ``hold`` it keeps them
    open without ever answering (a server that never answers)."""

    def __init__(self, host="127.0.0.1", hold=False):
        self.accepted = CopyOnWriteArrayList()
        self.hold = hold
        self.socket = ServerSocket(0, 50, InetAddress.getByName(host))
        self.port = self.socket.getLocalPort()
        self.thread = Thread(_Acceptor(self), "recording-listener")
        self.thread.setDaemon(True)
        self.thread.start()

    def count(self):
        return self.accepted.size()

    def stop(self):
        self.socket.close()
        for connection in self.accepted:
            connection.close()
        self.thread.join(5000)
