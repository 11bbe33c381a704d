"""Logging through SLF4J, which both Openfire and the dev host provide, so SparkWeb's lines land
in Openfire's own log files. Never pass a password, token or key to these functions.

A fault is logged once with its traceback (:func:`log_failure`); a fault that comes back again
and again (a housekeeping task that runs every second, a stanza handler on every stanza) goes
through :class:`RepeatedFailures`, which logs each kind of failure once with its traceback and
then only counts it, with one summary line per interval.
"""
from __future__ import absolute_import

import sys
import threading
import traceback

from java.io import PrintWriter, StringWriter
from java.lang import System, Throwable
from org.slf4j import LoggerFactory

SUMMARY_INTERVAL_SECONDS = 300
MAX_KINDS = 20   # kinds of failure remembered per RepeatedFailures (their messages may vary)


def logger(name):
    return LoggerFactory.getLogger("sparkweb." + name)


def traceback_text():
    """The traceback of the exception being handled: Python's frames, and for a Java throwable
    its Java stack trace too (with the causes, which Jython's traceback leaves out)."""
    kind, error, trace = sys.exc_info()
    if error is None:
        return ""
    text = "".join(traceback.format_exception(kind, error, trace))
    if isinstance(error, Throwable):
        java = StringWriter()
        error.printStackTrace(PrintWriter(java))
        text += "Java stack trace:\n" + java.toString()
    return text.rstrip()


def log_failure(log, message):
    """Logs ``message`` as a warning with the traceback of the exception being handled; call
    it inside ``except``."""
    log.warn(message + "\n" + traceback_text())


def _kind(error):
    name = getattr(type(error), "__name__", None) or str(type(error))
    return (name + ": " + (u"%s" % (error,)))[:300]


class RepeatedFailures(object):
    """Failures of one recurring activity (``what``, e.g. "SparkWeb housekeeping (expiry)").

    The first failure of each kind (type and message) is logged with its traceback; repeats are
    counted and summarised in one line at most every ``interval_seconds``; the first success
    after failures says that it works again. Thread-safe; logs outside its lock.
    """

    def __init__(self, log, what, interval_seconds=SUMMARY_INTERVAL_SECONDS,
                 clock=System.currentTimeMillis):
        self._log = log
        self._what = what
        self._interval = interval_seconds * 1000
        self._clock = clock
        self._lock = threading.Lock()
        self._kinds = set()
        self._unlogged = 0          # repeats since the last line about them
        self._failing = False
        self._next_summary = 0

    def failed(self):
        """Records the exception being handled; call it inside ``except``."""
        error = sys.exc_info()[1]
        kind = _kind(error)
        now = self._clock()
        with self._lock:
            self._failing = True
            first = kind not in self._kinds and len(self._kinds) < MAX_KINDS
            if first:
                self._kinds.add(kind)
                self._next_summary = now + self._interval
            else:
                self._unlogged += 1
            summary = self._take_summary(now) if not first else None
        if first:
            self._log.warn("%s failed (repeats are counted, not logged, for %d s):\n%s" % (
                self._what, self._interval // 1000, traceback_text()))
        elif summary:
            self._log.warn("%s failed %d more times in the last %d s; last: %s" % (
                self._what, summary, self._interval // 1000, kind))

    def succeeded(self):
        if not self._failing:      # the usual case, without the lock
            return
        with self._lock:
            if not self._failing:
                return
            unlogged, self._unlogged = self._unlogged, 0
            self._failing = False
            self._kinds.clear()
        self._log.info("%s works again (%d failures since the last report)." % (
            self._what, unlogged))

    def _take_summary(self, now):
        if now < self._next_summary or self._unlogged == 0:
            return None
        count, self._unlogged = self._unlogged, 0
        self._next_summary = now + self._interval
        return count
