"""Open connections kept for the next request to the same server (push services: a new
connection, with its TLS handshake, per push cost more than the encryption).

A connection is kept under its key: scheme, host name (the Host header, the TLS server name and
certificate check), port and the address it is connected to. The client checks every request
against the address policy and resolves the host first, and only then asks for a connection
under the resulting key: a host that now resolves elsewhere, or that the policy now refuses, never
gets an old connection. Bounds: ``per_key`` idle connections per key, ``total`` in all; an idle
connection is closed after ``idle_millis`` (the server may have closed it already; the client
checks one idle for long before using it, see ``stale_after_millis``).
"""
from __future__ import absolute_import

import threading
from collections import deque

from java.io import BufferedInputStream, BufferedOutputStream, IOException
from java.lang import System
from java.net import SocketTimeoutException

from sparkweb.outbound.wire import new_buffer

MAX_IDLE_PER_KEY = 16
MAX_IDLE_TOTAL = 256
IDLE_MILLIS = 20000
# A connection idle for longer is checked before it is used: a server that closed it meanwhile
# would otherwise turn the next request into a failure after the request was sent.
STALE_AFTER_MILLIS = 1000


class Connection(object):
    """A connected socket (``stream``: the TLS socket over it for https, else the socket) with
    the buffered streams and the read buffer all its requests use."""

    def __init__(self, key, socket, stream, on_close):
        self.key = key
        self.socket = socket
        self.stream = stream
        self.output = BufferedOutputStream(stream.getOutputStream())
        self.input = BufferedInputStream(stream.getInputStream())
        self.buffer = new_buffer()
        self.requests = 0
        self.idle_since = None
        self._on_close = on_close

    def close(self):
        try:
            self.socket.close()   # also ends a TLS socket layered on it
        except IOException:
            pass
        self._on_close(self)

    def closed_by_server(self):
        """Whether the server closed (or wrote to) this idle connection. Looks at the plain
        socket for a millisecond: an idle connection has nothing to read, so whatever arrives
        (end of stream, a TLS close_notify, stray bytes) makes it unusable, and it is closed."""
        try:
            self.socket.setSoTimeout(1)
            self.socket.getInputStream().read()
        except SocketTimeoutException:
            return False
        except IOException:
            pass
        return True


class ConnectionPool(object):
    def __init__(self, per_key=MAX_IDLE_PER_KEY, total=MAX_IDLE_TOTAL, idle_millis=IDLE_MILLIS,
                 stale_after_millis=STALE_AFTER_MILLIS, clock=System.currentTimeMillis):
        self.per_key = per_key
        self.total = total
        self.idle_millis = idle_millis
        self.stale_after_millis = stale_after_millis
        self._clock = clock
        self._lock = threading.Lock()
        self._idle = {}        # key -> deque of Connection, the most recently used last
        self._count = 0
        self._stopped = False

    def take(self, key):
        """The most recently used live idle connection under ``key``, or None. Connections
        past their idle time, closed or found closed by the server are closed on the way."""
        while True:
            now = self._clock()
            with self._lock:
                waiting = self._idle.get(key)
                if not waiting:
                    return None
                connection = waiting.pop()
                if not waiting:
                    del self._idle[key]
                self._count -= 1
            idle = now - connection.idle_since
            if idle >= self.idle_millis or connection.socket.isClosed() or (
                    idle >= self.stale_after_millis and connection.closed_by_server()):
                connection.close()
                continue
            return connection

    def give_back(self, connection):
        """Keeps ``connection`` for the next request under its key, or closes it when the
        bounds are reached or the pool was stopped."""
        connection.idle_since = self._clock()
        with self._lock:
            waiting = self._idle.setdefault(connection.key, deque())
            kept = not self._stopped and len(waiting) < self.per_key and self._count < self.total
            if kept:
                waiting.append(connection)
                self._count += 1
            elif not waiting:
                del self._idle[connection.key]
        if not kept:
            connection.close()

    def sweep(self):
        """Closes the connections idle for longer than ``idle_millis``."""
        expired = []
        now = self._clock()
        with self._lock:
            for key, waiting in list(self._idle.items()):
                while waiting and now - waiting[0].idle_since >= self.idle_millis:
                    expired.append(waiting.popleft())
                if not waiting:
                    del self._idle[key]
            self._count -= len(expired)
        for connection in expired:
            connection.close()

    def idle(self):
        with self._lock:
            return self._count

    def stop(self):
        """Closes every idle connection; connections given back later are closed too."""
        with self._lock:
            self._stopped = True
            everything = [c for waiting in self._idle.values() for c in waiting]
            self._idle.clear()
            self._count = 0
        for connection in everything:
            connection.close()
