"""Failed-login limits per username and per client address (against password guessing).

Failures are counted in a sliding window; past the limit, logins for that key are refused
with 429 and ``Retry-After`` until the oldest counted failure leaves the window, whether or
not the password is right. A success does not reset the address count (an attacker would
interleave their own account); it resets the username's.
"""
from __future__ import absolute_import

import collections

from java.util.concurrent import ConcurrentHashMap
from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.errors import TooManyRequests

MAX_TRACKED_KEYS = 100000     # bounded memory under a flood of distinct usernames/addresses


class LoginLimiter(object):
    def __init__(self, settings, clock_seconds):
        self._settings = settings
        self._clock = clock_seconds
        self._failures = ConcurrentHashMap()     # key -> deque of failure times
        self._lock = ReentrantLock()

    def check(self, username, address):
        """Raises TooManyRequests while either key is over its limit."""
        window = self._settings.get(config.LOGIN_WINDOW)
        for key, limit in self._keys(username, address):
            times = self._recent(key, window)
            if len(times) >= limit:
                retry = max(1, int(times[0] + window - self._clock()) + 1)
                raise TooManyRequests("Too many failed logins; try again later.",
                                      {"Retry-After": str(retry)})

    def failed(self, username, address):
        self._lock.lock()
        try:
            if self._failures.size() >= MAX_TRACKED_KEYS:
                self._failures.clear()
            for key, _ in self._keys(username, address):
                times = self._failures.get(key)
                if times is None:
                    times = collections.deque()
                    self._failures.put(key, times)
                times.append(self._clock())
        finally:
            self._lock.unlock()

    def succeeded(self, username):
        self._failures.remove(u"user:" + username)

    def _keys(self, username, address):
        keys = [(u"user:" + username, self._settings.get(config.LOGIN_FAILURES_PER_USER))]
        if address:
            keys.append((u"addr:" + address, self._settings.get(config.LOGIN_FAILURES_PER_ADDRESS)))
        return keys

    def _recent(self, key, window):
        self._lock.lock()
        try:
            times = self._failures.get(key)
            if times is None:
                return []
            horizon = self._clock() - window
            while times and times[0] <= horizon:
                times.popleft()
            return list(times)
        finally:
            self._lock.unlock()
