"""Failed-login limits per username and per client address (against password guessing).

Attempts are counted in a sliding window; past the limit, logins for that key are refused
with 429 and ``Retry-After`` until the oldest counted attempt leaves the window, whether or
not the password is right. An attempt is counted BEFORE its credentials are checked, in the
same step that checks the limit, so guesses sent in parallel cannot all pass while none has
failed yet; a success gives its attempt back. A success does not reset the address count (an
attacker would interleave their own account); it resets the username's.

Memory is bounded: at most :data:`MAX_TRACKED_KEYS` usernames and addresses are tracked, each
with at most its limit of times. When the table is full, counters whose window has passed go
first; only if every counter is live do the ones with the fewest attempts go, so erasing a
counter at n attempts takes an attacker n failed logins for every entry of the table, all
within one window.

Passkey sign-ins count per address only (``per_user=False``): a passkey's signature cannot be
guessed, so a per-user limit would protect nothing and would let strangers lock a user out of
every kind of sign-in by sending bogus assertions for the name.
"""
from __future__ import absolute_import

import collections
import heapq

from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.errors import TooManyRequests

MAX_TRACKED_KEYS = 100000     # read at run time, so that tests can lower it
_ROOM_AFTER_EVICTION = 0.9    # evict down to this share of the cap: one sort per many attempts


class Attempt(object):
    """One counted login attempt: the keys it was counted under and when."""

    def __init__(self, user_key, address_keys, time):
        self.user_key = user_key           # None when the username was not counted
        self.address_keys = address_keys
        self.time = time


class LoginLimiter(object):
    def __init__(self, settings, clock_seconds):
        self._settings = settings
        self._clock = clock_seconds
        self._times = {}               # key -> deque of attempt times, oldest first
        self._lock = ReentrantLock()   # guards _times: check-and-count is one step

    def attempt(self, username, address, per_user=True):
        """Counts an attempt for the username (unless not ``per_user``) and the address and
        returns it; raises TooManyRequests (nothing counted) while one is at its limit."""
        keys = self._keys((username or u"") if per_user else None, address)
        self._lock.lock()
        try:
            now = self._clock()
            self._refuse_over_limit(keys, now)
            self._make_room(len(keys), now)
            for key, _ in keys:
                self._times.setdefault(key, collections.deque()).append(now)
            user_key = keys[0][0] if per_user else None
            return Attempt(user_key, [key for key, _ in keys[1 if per_user else 0:]], now)
        finally:
            self._lock.unlock()

    def succeeded(self, attempt):
        """The attempt's credentials were right: its username starts afresh, and it no longer
        counts for its address."""
        self._lock.lock()
        try:
            if attempt.user_key is not None:
                self._times.pop(attempt.user_key, None)
            self._give_back(attempt.address_keys, attempt.time)
        finally:
            self._lock.unlock()

    def withdraw(self, attempt):
        """The attempt ended without checking credentials (bad input, an outage): it does not
        count at all."""
        self._lock.lock()
        try:
            keys = attempt.address_keys
            if attempt.user_key is not None:
                keys = [attempt.user_key] + keys
            self._give_back(keys, attempt.time)
        finally:
            self._lock.unlock()

    def check(self, username, address):
        """Raises TooManyRequests while either key is at its limit; counts nothing."""
        self._lock.lock()
        try:
            self._refuse_over_limit(self._keys(username or u"", address), self._clock())
        finally:
            self._lock.unlock()

    def tracked_keys(self):
        return len(self._times)

    def _keys(self, username, address):
        """(key, limit) pairs: the username's first (None: not counted), then the address's."""
        keys = []
        if username is not None:
            keys.append((u"user:" + username, self._settings.get(config.LOGIN_FAILURES_PER_USER)))
        if address:
            keys.append((u"addr:" + address,
                         self._settings.get(config.LOGIN_FAILURES_PER_ADDRESS)))
        return keys

    def _refuse_over_limit(self, keys, now):
        window = self._settings.get(config.LOGIN_WINDOW)
        for key, limit in keys:
            times = self._live(key, now - window)
            if times is not None and len(times) >= limit:
                retry = max(1, int(times[len(times) - limit] + window - now) + 1)
                raise TooManyRequests("Too many failed logins; try again later.",
                                      {"Retry-After": str(retry)})

    def _live(self, key, horizon):
        """The key's times within the window (None when none is left)."""
        times = self._times.get(key)
        while times and times[0] <= horizon:
            times.popleft()
        if times is not None and not times:
            del self._times[key]
            return None
        return times

    def _give_back(self, keys, time):
        for key in keys:
            times = self._times.get(key)
            if times is not None and time in times:
                times.remove(time)
                if not times:
                    del self._times[key]

    def _make_room(self, needed, now):
        cap = MAX_TRACKED_KEYS
        if len(self._times) + needed <= cap:
            return
        horizon = now - self._settings.get(config.LOGIN_WINDOW)
        for key in [key for key, times in self._times.items() if times[-1] <= horizon]:
            del self._times[key]
        excess = len(self._times) + needed - int(cap * _ROOM_AFTER_EVICTION)
        if len(self._times) + needed > cap and excess > 0:
            least = heapq.nsmallest(excess, self._times.items(),
                                    key=lambda item: (len(item[1]), item[1][-1]))
            for key, _ in least:
                del self._times[key]
