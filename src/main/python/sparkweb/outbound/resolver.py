"""Host-name lookups with a deadline.

``InetAddress.getAllByName`` has no timeout of its own: a slow or dead DNS server holds the
calling thread for as long as the system resolver keeps retrying (attempts x timeout in
resolv.conf, tens of seconds or more), and the caller is a request thread (link previews,
subscribing) or a push sender. Lookups therefore run on a small pool of their own and the caller
waits at most ``seconds()`` (the connect timeout: resolving is the first part of connecting),
then fails with ``timeout``. A lookup that runs on cannot be interrupted and finishes on its pool
thread; while every pool thread hangs on a dead resolver, new lookups wait in a bounded queue
(each leaving it when its caller gives up), and beyond it fail at once (``busy``): threads never
pile up.
"""
from __future__ import absolute_import

from java.lang import Thread, Throwable
from java.util.concurrent import (ArrayBlockingQueue, Callable, RejectedExecutionException,
                                  ThreadFactory, ThreadPoolExecutor, TimeUnit, TimeoutException)
from java.util.concurrent.atomic import AtomicLong

from sparkweb.outbound.errors import Failed

LOOKUP_THREADS = 8
WAITING_LOOKUPS = 64


class _Lookup(Callable):
    def __init__(self, lookup, name):
        self._lookup = lookup
        self._name = name

    def call(self):
        try:
            return (True, self._lookup(self._name))
        except (Exception, Throwable) as error:   # given back to the caller's thread
            return (False, error)


class _Daemons(ThreadFactory):
    def __init__(self):
        self._count = AtomicLong(0)

    def newThread(self, runnable):
        thread = Thread(runnable, "sparkweb-outbound-dns-%d" % self._count.incrementAndGet())
        thread.setDaemon(True)
        return thread


class DeadlineResolver(object):
    """``resolver(name)``: what ``lookup(name)`` gives or raises, within ``seconds()``."""

    def __init__(self, lookup, seconds, threads=LOOKUP_THREADS, waiting=WAITING_LOOKUPS):
        self._lookup = lookup
        self._seconds = seconds
        self._pool = ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                                        ArrayBlockingQueue(waiting), _Daemons())
        self._pool.allowCoreThreadTimeOut(True)

    def __call__(self, name):
        try:
            future = self._pool.submit(_Lookup(self._lookup, name))
        except RejectedExecutionException:
            raise Failed("busy", "Too many host-name lookups are waiting for the DNS server.")
        try:
            succeeded, outcome = future.get(self._seconds(), TimeUnit.SECONDS)
        except TimeoutException:
            future.cancel(True)
            self._pool.remove(future)   # a lookup still queued leaves the queue with its caller
            raise Failed("timeout", "Looking up '%s' took too long." % name[:60])
        if not succeeded:
            raise outcome
        return outcome

    def stop(self):
        self._pool.shutdownNow()
