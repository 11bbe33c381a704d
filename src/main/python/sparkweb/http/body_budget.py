"""How many request-body bytes all body readers together hold in memory.

Each body is read into memory before its request is handled (``http.body_reader``), up to
``sparkweb.http.maxBodyBytes``. Reading without a thread per client removed the implicit bound
of the web server's thread pool, so without a global bound a few thousand clients sending
large bodies slowly could hold gigabytes before anyone signed in. The budget,
``sparkweb.http.bodyBudgetBytes``, bounds the bytes received and not yet handed to a handler:
a reader takes from it as bytes arrive (not what a Content-Length announces, so a client must
actually send what it holds) and gives everything back once, whatever the outcome. A body that
does not fit is answered 503 (``http.body_reader``). The buffers' spare capacity (at most as
much again) and the bodies handlers are working on (bounded by the server's threads) are not
counted, nor is a body that arrived whole with its headers: it goes straight to its handler
(at most one input buffer, 8 KiB on Openfire's Jetty).
"""
from __future__ import absolute_import

from java.util.concurrent.atomic import AtomicLong
from java.util.concurrent.locks import ReentrantLock


class BodyBudget(object):
    """The bytes held by every :class:`Reservation` together, at most a limit each reservation
    is given (the setting, read once per body)."""

    def __init__(self):
        self._held = AtomicLong()

    def held(self):
        return self._held.get()

    def reservation(self, limit):
        return Reservation(self, limit)

    def _take(self, count, limit):
        while True:
            held = self._held.get()
            if held + count > limit:
                return False
            if self._held.compareAndSet(held, held + count):
                return True

    def _give_back(self, count):
        self._held.addAndGet(-count)


class Reservation(object):
    """One body's share of the budget. :meth:`grow` and :meth:`close` may race (the read
    deadline fires while data arrives); the lock makes every byte taken given back exactly once
    and refuses growth after the close."""

    def __init__(self, budget, limit):
        self._budget = budget
        self._limit = limit
        self._lock = ReentrantLock()
        self._bytes = 0
        self._closed = False

    def grow(self, count):
        """Takes ``count`` more bytes; False when the budget has no room for them or this
        reservation is closed already."""
        self._lock.lock()
        try:
            if self._closed or not self._budget._take(count, self._limit):
                return False
            self._bytes += count
            return True
        finally:
            self._lock.unlock()

    def close(self):
        """Gives back every byte taken; only the first call does anything."""
        self._lock.lock()
        try:
            if self._closed:
                return
            self._closed = True
            self._budget._give_back(self._bytes)
        finally:
            self._lock.unlock()
